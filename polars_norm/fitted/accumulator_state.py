"""The settings and the held statistics of an accumulator: :class:`AccumulatorState`.

:class:`AccumulatorState` is the base of :class:`polars_norm.Accumulator`. It
checks the settings (fitted columns, ``by`` keys, sketch size, norm orders)
and owns what an accumulator holds: the moment state of
:mod:`polars_norm.fitted.moments`, kept as parts that reading :attr:`~AccumulatorState.state`
consolidates (a merge of moment states), the KLL sketches of
:mod:`polars_norm.fitted.sketch`, keyed by group and column, and the dtypes
the group keys are compared in (:mod:`polars_norm.fitted.keys`). It binds the
columns and key dtypes to a batch's schema, re-keying the held state when a
batch brings a wider key dtype, and reads the state and the sketches back.

Adding batches and merging are in :mod:`polars_norm.fitted.accumulator`,
reading and shipping in :mod:`polars_norm.fitted.accumulator_shipping`,
applying in :mod:`polars_norm.fitted.accumulator_apply`; they change the held
statistics only through the methods here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from datasketches import kll_doubles_sketch

from polars_norm.fitted import moments, sketch
from polars_norm.fitted.keys import cast_keys, check_key_dtype, common_key_schema
from polars_norm.fitted.sketch import SketchMap
from polars_norm.fitted.sketch_keys import group_key_rows, sketch_key
from polars_norm.semantics import float_dtype

__all__ = ["AccumulatorState"]

_CONSOLIDATE_EVERY = 64
_RESERVED = {moments.COLUMN, *moments.STATE_FIELDS, "sketch"}


def _names(value: str | Sequence[str] | None, param: str) -> tuple[str, ...]:
    if value is None:
        return ()
    names = (value,) if isinstance(value, str) else tuple(value)
    if not all(isinstance(n, str) for n in names):
        msg = f"polars_norm.Accumulator: {param}={value!r} must be a column name or a sequence of names"
        raise TypeError(msg)
    return names


def _check_orders(norm_orders: Sequence[float]) -> tuple[float, ...]:
    out: list[float] = []
    for p in norm_orders:
        ok = isinstance(p, (int, float)) and not isinstance(p, bool) and math.isfinite(p) and p > 0
        if not ok:
            msg = f"polars_norm.Accumulator: norm_orders={tuple(norm_orders)!r} must hold finite numbers > 0"
            raise ValueError(msg)
        if float(p) not in out:
            out.append(float(p))
    return tuple(out)


class AccumulatorState:
    """The settings and the held statistics of an accumulator; the base of :class:`polars_norm.Accumulator`.

    Parameters
    ----------
    columns, by, quantiles, sketch_k, norm_orders
        As in :class:`polars_norm.Accumulator`, the class to use.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import Accumulator
    >>> from polars_norm.fitted.accumulator_state import AccumulatorState
    >>> acc = Accumulator(by="g").update(pl.DataFrame({"g": [1, 2], "x": [1.0, 2.0]}))
    >>> isinstance(acc, AccumulatorState), acc.by, acc.columns
    (True, ('g',), ('x',))
    """

    def __init__(
        self,
        columns: str | Sequence[str] | None = None,
        *,
        by: str | Sequence[str] | None = None,
        quantiles: bool = True,
        sketch_k: int = sketch.DEFAULT_K,
        norm_orders: Sequence[float] = (1.0, 2.0),
    ) -> None:
        self._by = _names(by, "by")
        clash = _RESERVED.intersection(self._by)
        if clash:
            msg = f"polars_norm.Accumulator: by key {sorted(clash)[0]!r} clashes with a statistics field name"
            raise ValueError(msg)
        cols = _names(columns, "columns")
        self._columns: tuple[str, ...] | None = cols if columns is not None else None
        overlap = set(cols).intersection(self._by)
        if overlap:
            msg = f"polars_norm.Accumulator: column {sorted(overlap)[0]!r} is also a by key"
            raise ValueError(msg)
        if not isinstance(sketch_k, int) or isinstance(sketch_k, bool) or not 8 <= sketch_k <= 65535:
            msg = f"polars_norm.Accumulator: sketch_k={sketch_k!r} must be an integer in [8, 65535]"
            raise ValueError(msg)
        self._quantiles = bool(quantiles)
        self._k = sketch_k
        self._norm_orders = _check_orders(norm_orders)
        self._key_schema: dict[str, pl.DataType] | None = None if self._by else {}
        self._parts: list[pl.DataFrame] = []
        self._sketches: SketchMap = {}

    # -- properties ----------------------------------------------------------
    @property
    def columns(self) -> tuple[str, ...]:
        """The fitted columns (empty before the first update when chosen automatically).

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(by="g")
        >>> acc.columns
        ()
        >>> acc.update(pl.DataFrame({"g": [1], "x": [1.0], "s": ["a"]})).columns
        ('x',)
        """
        return self._columns or ()

    @property
    def by(self) -> tuple[str, ...]:
        """The group key columns (empty for global statistics).

        Examples
        --------
        >>> from polars_norm import Accumulator
        >>> Accumulator("x", by=["g", "h"]).by
        ('g', 'h')
        >>> Accumulator().by
        ()
        """
        return self._by

    @property
    def quantiles(self) -> bool:
        """Whether quantile sketches are kept.

        Examples
        --------
        >>> from polars_norm import Accumulator
        >>> Accumulator(quantiles=False).quantiles
        False
        """
        return self._quantiles

    @property
    def sketch_k(self) -> int:
        """The KLL accuracy parameter.

        Examples
        --------
        >>> from polars_norm import Accumulator
        >>> Accumulator(sketch_k=200).sketch_k
        200
        """
        return self._k

    @property
    def norm_orders(self) -> tuple[float, ...]:
        """The fitted norm orders ``p``, as floats, duplicates dropped.

        Examples
        --------
        >>> from polars_norm import Accumulator
        >>> Accumulator(norm_orders=[2, 1, 2]).norm_orders
        (2.0, 1.0)
        """
        return self._norm_orders

    @property
    def state(self) -> pl.DataFrame:
        """The raw moment state, one row per group and column (see :mod:`polars_norm.fitted.moments`).

        Reading it consolidates the parts added since the last read into one
        frame (a merge of moment states).

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(quantiles=False, norm_orders=[2.0]).update(pl.DataFrame({"x": [1.0, 3.0]}))
        >>> acc.state.select("column", "count", "mean", "min", "max")
        shape: (1, 5)
        ┌────────┬───────┬──────┬─────┬─────┐
        │ column ┆ count ┆ mean ┆ min ┆ max │
        │ ---    ┆ ---   ┆ ---  ┆ --- ┆ --- │
        │ str    ┆ i64   ┆ f64  ┆ f64 ┆ f64 │
        ╞════════╪═══════╪══════╪═════╪═════╡
        │ x      ┆ 2     ┆ 2.0  ┆ 1.0 ┆ 3.0 │
        └────────┴───────┴──────┴─────┴─────┘
        """
        if len(self._parts) != 1:
            schema: dict[str, pl.DataType] = (
                self._key_schema if self._key_schema is not None else {n: pl.Null() for n in self._by}
            )
            empty = moments.empty_state(schema, self._norm_orders)
            self._parts = [moments.merge_states([empty, *self._parts], self._by, self._norm_orders)]
        return self._parts[0]

    def sketch(self, column: str, key: Any = ()) -> kll_doubles_sketch | None:
        """The KLL sketch of ``column`` in group ``key``, if any.

        Parameters
        ----------
        column
            A fitted column.
        key
            The group: a value, or a tuple of values of the ``by`` keys; ``()``
            (default) without ``by``.

        Returns
        -------
        datasketches.kll_doubles_sketch or None
            The sketch (shared, not a copy); ``None`` without sketches, for a group
            not seen, or one without valid values.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(by="g").update(pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, 5.0]}))
        >>> acc.sketch("x", "a").get_quantiles([0.0, 1.0])
        [1.0, 3.0]
        >>> acc.sketch("x", "c") is None
        True
        """
        values = sketch_key(key)
        if not self._by or len(values) != len(self._by):
            return self._sketches.get((values, column))
        try:
            row = pl.DataFrame([values], schema=self._key_schema or dict.fromkeys(self._by), orient="row")
        except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
            return None
        return self.column_sketches(column, row)[0]

    def column_sketches(self, column: str, keys: pl.DataFrame) -> list[kll_doubles_sketch | None]:
        """The KLL sketch of ``column`` in the group of each row of ``keys``.

        Parameters
        ----------
        column
            A fitted column.
        keys
            A frame holding the ``by`` keys, in their fitted dtypes.

        Returns
        -------
        list
            One sketch per row of ``keys``; ``None`` where the group has none.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(by="g").update(pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, 5.0]}))
        >>> [sk.n for sk in acc.column_sketches("x", pl.DataFrame({"g": ["b", "a"]}))]
        [1, 2]
        """
        get = self._sketches.get
        return [get((group, column)) for group in group_key_rows(keys, self._by)]

    def sketch_quantiles(self, keys: pl.DataFrame, qs: Sequence[float]) -> list[list[float | None]]:
        """The ``qs`` quantiles of the sketch of each row of ``keys``: the ``by`` keys, then the column name.

        Parameters
        ----------
        keys
            One row per group and column: the ``by`` keys, then the column name
            (last), as in :attr:`state`.
        qs
            Quantile levels in ``[0, 1]``.

        Returns
        -------
        list of list
            One list per quantile, aligned with the rows of ``keys``; null where a
            group has no sketch or an empty one.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(by="g").update(pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, 5.0]}))
        >>> keys = pl.DataFrame({"g": ["a", "b", "c"], "column": ["x", "x", "x"]})
        >>> acc.sketch_quantiles(keys, [0.0, 1.0])
        [[1.0, 5.0, None], [3.0, 5.0, None]]
        """
        return sketch.quantile_columns(self._sketches, keys, qs)

    def __repr__(self) -> str:
        by = f", by={list(self._by)!r}" if self._by else ""
        return f"Accumulator(columns={list(self.columns)!r}{by}, quantiles={self._quantiles})"

    @property
    def is_bound(self) -> bool:
        """Whether the fitted columns are chosen (after the first batch, or when given).

        Examples
        --------
        >>> from polars_norm import Accumulator
        >>> Accumulator().is_bound, Accumulator("x").is_bound
        (False, True)
        """
        return self._columns is not None

    # -- binding to a schema ---------------------------------------------------
    def bind(self, schema: Mapping[str, pl.DataType], where: str = "Accumulator.update") -> None:
        """Choose (the first time) or check the columns and the key dtypes against a batch's schema.

        Called by :meth:`update` for every batch; call it before reading any
        data to have a bad column or key refused first.

        Parameters
        ----------
        schema
            The batch's column names and dtypes.
        where
            The caller, named in error messages.

        Raises
        ------
        ColumnNotFoundError
            A column or key is missing.
        TypeError
            A column is not numeric, a key dtype cannot be a key, or a key's
            dtype cannot be compared with the keys fitted so far
            (:mod:`polars_norm.fitted.keys`).

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator()
        >>> acc.bind({"x": pl.Float64, "s": pl.String})
        >>> acc.columns
        ('x',)
        >>> Accumulator("s").bind({"s": pl.String})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        TypeError: polars_norm.Accumulator.update: column 's' has dtype String; expected a numeric column ...
        """
        for name in self._by:
            if name not in schema:
                msg = f"polars_norm.{where}: by key {name!r} not found; available columns: {list(schema)}"
                raise pl.exceptions.ColumnNotFoundError(msg)
        if self._columns is None:
            self._columns = tuple(n for n, d in schema.items() if n not in self._by and float_dtype(d) is not None)
        for name in self._columns:
            if name not in schema:
                msg = f"polars_norm.{where}: column {name!r} not found; available columns: {list(schema)}"
                raise pl.exceptions.ColumnNotFoundError(msg)
            if float_dtype(schema[name]) is None:
                msg = (
                    f"polars_norm.{where}: column {name!r} has dtype {schema[name]}; "
                    "expected a numeric column (integer, unsigned, float or decimal)"
                )
                raise TypeError(msg)
        batch_keys = {name: schema[name] for name in self._by}
        for name, dtype in batch_keys.items():
            check_key_dtype(name, dtype, where)
        if self._key_schema is None:
            self._key_schema = batch_keys
        elif self._by:
            common = common_key_schema(self._key_schema, batch_keys, where, ("earlier batches", "this batch"))
            self._recast_keys(common, where)

    def _recast_keys(self, key_schema: dict[str, pl.DataType], where: str) -> None:
        """Compare keys in ``key_schema`` from now on (:mod:`polars_norm.fitted.keys`): the state's keys are cast to it.

        The casts widen (an integer to a wider integer or to a float, text to
        ``String``, a time unit to a finer one); a key that would change its
        value or meet another raises a ``TypeError`` before anything changes
        (:func:`polars_norm.fitted.keys.cast_keys`). The sketches are re-keyed alike.
        """
        if key_schema == self._key_schema:
            return
        parts = [cast_keys(self.state, key_schema, where)]
        sketches = self._sketches_keyed_as(key_schema)
        self._parts, self._sketches, self._key_schema = parts, sketches, key_schema

    def _sketches_keyed_as(self, key_schema: Mapping[str, pl.DataType]) -> SketchMap:
        """The sketch map with the keys it would have once the key columns are cast to ``key_schema``."""
        if not self._sketches or not self._by or dict(key_schema) == self._key_schema:
            return self._sketches
        keys = self.state.select(self._by).unique()
        return sketch.rekeyed(self._sketches, keys, cast_keys(keys, key_schema, "Accumulator.merge"), self._k)

    def _add_state(self, state: pl.DataFrame) -> None:
        """Add a moment state (a batch's, in any key dtype): its keys are cast to the fitted key dtypes."""
        if self._key_schema:
            state = state.with_columns(pl.col(n).cast(d) for n, d in self._key_schema.items())
        self._parts.append(state)
        if len(self._parts) >= _CONSOLIDATE_EVERY:
            _ = self.state

    def _load(self, state: pl.DataFrame, sketches: SketchMap, key_schema: dict[str, pl.DataType] | None) -> None:
        """Replace the held statistics: one moment state, its sketches, and the key dtypes they are compared in.

        ``state`` must already be in ``key_schema`` and ``sketches`` keyed alike
        (what merging, pooling and rebuilding an accumulator produce).
        """
        self._parts, self._sketches, self._key_schema = [state], sketches, key_schema
