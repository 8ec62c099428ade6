"""Reading and shipping an accumulator's statistics: :class:`AccumulatorShipping`.

The statistics out of an accumulator and back: a readable table
(:meth:`~AccumulatorShipping.to_frame`), the settings and the state with its
sketches serialized (what a statistics file, :mod:`polars_norm.fitted.statsfile`,
and an Arrow table hold), and the accumulator rebuilt from them
(:meth:`~AccumulatorShipping.from_state`, :meth:`~AccumulatorShipping.from_arrow`,
:meth:`~AccumulatorShipping.load`). It reads the held statistics of
:mod:`polars_norm.fitted.accumulator_state`; :class:`polars_norm.Accumulator`
inherits it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import pyarrow as pa

from polars_norm.fitted import moments, sketch, statsfile
from polars_norm.fitted.accumulator_state import AccumulatorState
from polars_norm.semantics import check_ddof

__all__ = ["AccumulatorShipping"]

_Shipped = TypeVar("_Shipped", bound="AccumulatorShipping")


class AccumulatorShipping(AccumulatorState):
    """An accumulator's statistics as a table, Arrow or a file, and back; a base of :class:`polars_norm.Accumulator`.

    Parameters
    ----------
    columns, by, quantiles, sketch_k, norm_orders
        As in :class:`polars_norm.Accumulator`, the class to use.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import Accumulator
    >>> from polars_norm.fitted.accumulator_shipping import AccumulatorShipping
    >>> acc = Accumulator().update(pl.DataFrame({"x": [1.0, 2.0, 3.0]}))
    >>> isinstance(acc, AccumulatorShipping), type(Accumulator.from_arrow(acc.to_arrow())).__name__
    (True, 'Accumulator')
    """

    # -- reading ------------------------------------------------------------------
    def to_frame(self, ddof: int = 1) -> pl.DataFrame:
        """A readable statistics table: one row per group and column.

        Parameters
        ----------
        ddof
            Delta degrees of freedom of ``std`` and ``var`` (divisor
            ``count - ddof``).

        Returns
        -------
        pl.DataFrame
            The ``by`` keys, ``column``, ``count``, ``null_count``,
            ``nan_count``, ``mean``, ``std``, ``var``, ``min``, ``max``,
            ``maxabs``, ``l<p>`` for each norm order and, with sketches,
            ``q25``, ``median`` and ``q75``.

        Notes
        -----
        ``count`` holds the valid values; nulls and NaN are only counted. ``std``
        and ``var`` are null when ``count <= ddof``; every statistic but the
        counts is null for a group without valid values. The quartiles come from
        the KLL sketch: exact while it holds every value, within its rank error
        (:func:`polars_norm.fitted.sketch.rank_error`) beyond.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(norm_orders=[2.0]).update(pl.DataFrame({"x": [1.0, 2.0, 3.0, None, float("nan")]}))
        >>> acc.to_frame(ddof=0).select("count", "null_count", "nan_count", "mean", "var", "l2", "median")
        shape: (1, 7)
        ┌───────┬────────────┬───────────┬──────┬──────────┬──────────┬────────┐
        │ count ┆ null_count ┆ nan_count ┆ mean ┆ var      ┆ l2       ┆ median │
        │ ---   ┆ ---        ┆ ---       ┆ ---  ┆ ---      ┆ ---      ┆ ---    │
        │ i64   ┆ i64        ┆ i64       ┆ f64  ┆ f64      ┆ f64      ┆ f64    │
        ╞═══════╪════════════╪═══════════╪══════╪══════════╪══════════╪════════╡
        │ 3     ┆ 1          ┆ 1         ┆ 2.0  ┆ 0.666667 ┆ 3.741657 ┆ 2.0    │
        └───────┴────────────┴───────────┴──────┴──────────┴──────────┴────────┘
        """
        ddof = check_ddof(ddof, "Accumulator.to_frame")
        std = moments.std_expr(ddof)
        exprs = [
            *self._by,
            moments.COLUMN,
            "count",
            "null_count",
            "nan_count",
            moments.mean_expr().alias("mean"),
            std.alias("std"),
            (std * std).alias("var"),
            "min",
            "max",
            moments.norm_expr(math.inf).alias("maxabs"),
            *(moments.norm_expr(p).alias(f"l{p:g}") for p in self._norm_orders),
        ]
        frame = self.state.select(exprs)
        if self._quantiles:
            keys = self.state.select(*self._by, moments.COLUMN)
            q25, median, q75 = self.sketch_quantiles(keys, (0.25, 0.5, 0.75))
            frame = frame.with_columns(
                pl.Series("q25", q25, pl.Float64),
                pl.Series("median", median, pl.Float64),
                pl.Series("q75", q75, pl.Float64),
            )
        return frame

    # -- shipping -------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """The accumulator's settings: ``by``, ``columns``, ``quantiles``, ``sketch_k``, ``norm_orders``, key dtypes.

        With :meth:`state_with_sketches`, all that :meth:`from_state` needs
        to rebuild it (what :meth:`to_arrow` and the statistics file hold).

        Returns
        -------
        dict
            JSON-ready: lists for the names and orders, the key dtypes as text.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> fit(pl.DataFrame({"g": [1, 2], "x": [1.0, 2.0]}), by="g").settings()["key_dtypes"]
        {'g': 'Int64'}
        """
        return {
            "by": list(self._by),
            "columns": list(self.columns),
            "quantiles": self._quantiles,
            "sketch_k": self._k,
            "norm_orders": list(self._norm_orders),
            "key_dtypes": {n: str(d) for n, d in (self._key_schema or {}).items()},
        }

    def state_with_sketches(self) -> pl.DataFrame:
        """:attr:`state` with each row's KLL sketch serialized in a ``sketch`` column (null without one).

        Returns
        -------
        pl.DataFrame
            The moment state and a Binary ``sketch`` column, in DataSketches'
            portable format.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(by="g").update(pl.DataFrame({"g": [1, 2], "x": [1.0, None]}))
        >>> acc.state_with_sketches().select("g", "column", "count", pl.col("sketch").is_null())
        shape: (2, 4)
        ┌─────┬────────┬───────┬────────┐
        │ g   ┆ column ┆ count ┆ sketch │
        │ --- ┆ ---    ┆ ---   ┆ ---    │
        │ i64 ┆ str    ┆ i64   ┆ bool   │
        ╞═════╪════════╪═══════╪════════╡
        │ 1   ┆ x      ┆ 1     ┆ false  │
        │ 2   ┆ x      ┆ 0     ┆ true   │
        └─────┴────────┴───────┴────────┘
        """
        state = self.state
        blobs = sketch.serialized_column(self._sketches, state.select(*self._by, moments.COLUMN))
        return state.with_columns(blobs.alias("sketch"))

    @classmethod
    def from_state(cls: type[_Shipped], meta: Mapping[str, Any], state: pl.DataFrame) -> _Shipped:
        """Rebuild an accumulator from :meth:`settings` and :meth:`state_with_sketches` (or :attr:`state`).

        Parameters
        ----------
        meta
            :meth:`settings` (``columns``, ``by``, ``quantiles``, ``sketch_k``,
            ``norm_orders``).
        state
            A moment state, with or without a ``sketch`` column; its key columns
            keep their dtypes.

        Returns
        -------
        Accumulator
            A new accumulator holding that state.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(by="g").update(pl.DataFrame({"g": [1, 2], "x": [1.0, None]}))
        >>> copy = Accumulator.from_state(acc.settings(), acc.state_with_sketches())
        >>> copy
        Accumulator(columns=['x'], by=['g'], quantiles=True)
        >>> copy.to_frame().equals(acc.to_frame())
        True
        """
        out = cls(
            meta["columns"],
            by=meta["by"] or None,
            quantiles=meta["quantiles"],
            sketch_k=meta["sketch_k"],
            norm_orders=meta["norm_orders"],
        )
        key_schema = {n: state.schema[n] for n in out.by}
        sketches: sketch.SketchMap = {}
        if "sketch" in state.columns:
            sketches = sketch.deserialized_map(state.select(*out.by, moments.COLUMN, "sketch"))
            state = state.drop("sketch")
        expected = moments.state_schema(key_schema, out.norm_orders)
        out._load(state.select(expected.names()).cast(expected), sketches, key_schema)
        return out

    def to_arrow(self) -> pa.Table:
        """The whole state as an Arrow table (sketches as binary), for shipping between processes.

        The accumulator's settings travel in the schema metadata; see
        :meth:`from_arrow`.

        Returns
        -------
        pyarrow.Table
            :meth:`state_with_sketches`, with :meth:`settings` as JSON under the
            metadata key ``polars_norm.fitted.accumulator``.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator().update(pl.DataFrame({"x": [1.0, 2.0, 3.0]}))
        >>> table = acc.to_arrow()
        >>> table.num_rows, list(table.schema.metadata)
        (1, [b'polars_norm.fitted.accumulator'])
        """
        table = self.state_with_sketches().to_arrow()
        return table.replace_schema_metadata({b"polars_norm.fitted.accumulator": json.dumps(self.settings()).encode()})

    @classmethod
    def from_arrow(cls: type[_Shipped], table: pa.Table) -> _Shipped:
        """Rebuild an accumulator from :meth:`to_arrow`'s table.

        Parameters
        ----------
        table
            A table written by :meth:`to_arrow`.

        Returns
        -------
        Accumulator
            A new accumulator with the same statistics.

        Raises
        ------
        ValueError
            The table has no ``polars_norm.fitted.accumulator`` metadata.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator().update(pl.DataFrame({"x": [1.0, 2.0, 3.0]}))
        >>> Accumulator.from_arrow(acc.to_arrow()).to_frame().select("count", "mean", "median")
        shape: (1, 3)
        ┌───────┬──────┬────────┐
        │ count ┆ mean ┆ median │
        │ ---   ┆ ---  ┆ ---    │
        │ i64   ┆ f64  ┆ f64    │
        ╞═══════╪══════╪════════╡
        │ 3     ┆ 2.0  ┆ 2.0    │
        └───────┴──────┴────────┘
        """
        raw = (table.schema.metadata or {}).get(b"polars_norm.fitted.accumulator")
        if raw is None:
            msg = "polars_norm.Accumulator.from_arrow: the table has no polars_norm.fitted.accumulator metadata"
            raise ValueError(msg)
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return cls.from_state(json.loads(raw), frame)

    def save(self, path: str | Path) -> None:
        """Write the statistics to a versioned, checksummed JSON document (see :mod:`polars_norm.fitted.statsfile`).

        Parameters
        ----------
        path
            The file to write; it is replaced atomically, so a reader never sees
            half a file.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator().update(pl.DataFrame({"x": [1.0, 2.0, 3.0]}))
        >>> with tempfile.TemporaryDirectory() as d:
        ...     acc.save(pathlib.Path(d) / "stats.json")
        ...     back = Accumulator.load(pathlib.Path(d) / "stats.json")
        >>> back.to_frame().equals(acc.to_frame())
        True
        """
        statsfile.save(self, path)

    @classmethod
    def load(cls: type[_Shipped], path: str | Path) -> _Shipped:
        """Read statistics written by :meth:`save`.

        Parameters
        ----------
        path
            A statistics file.

        Returns
        -------
        Accumulator
            The saved statistics, sketches included.

        Raises
        ------
        StatsFileError
            The file is not a statistics file, is damaged (checksum), or was
            written by a newer format version (:mod:`polars_norm.fitted.statsfile`).

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = pathlib.Path(d) / "stats.json"
        ...     Accumulator().update(pl.DataFrame({"x": [1.0, 2.0, 3.0]})).save(path)
        ...     acc = Accumulator.load(path)
        >>> acc.to_frame().select("count", "mean", "median")
        shape: (1, 3)
        ┌───────┬──────┬────────┐
        │ count ┆ mean ┆ median │
        │ ---   ┆ ---  ┆ ---    │
        │ i64   ┆ f64  ┆ f64    │
        ╞═══════╪══════╪════════╡
        │ 3     ┆ 2.0  ┆ 2.0    │
        └───────┴──────┴────────┘
        """
        return statsfile.load(path, cls.from_state)
