"""The mergeable statistics state: :class:`Accumulator`.

An accumulator holds, per column and per group of the ``by`` keys, the
moment state of :mod:`polars_norm.moments` (counts, a stable mean and sum of
squared deviations, extremes, overflow-safe norm sums) and, optionally, a KLL
quantile sketch (:mod:`polars_norm.sketch`). States from different batches,
files, partitions or processes merge exactly (moments to rounding) and
commutatively, so statistics can be fitted anywhere and combined.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from datasketches import kll_doubles_sketch

from polars_norm import fitted, moments, sketch, statsfile
from polars_norm.fitted import MethodSpec, Unseen
from polars_norm.fitted_exprs import Frame
from polars_norm.keys import cast_keys, check_key_dtype, common_key_schema
from polars_norm.semantics import check_ddof, float_dtype, is_pandas_frame

__all__ = ["Accumulator"]

Batch = Any  # a polars DataFrame, or a pyarrow Table or RecordBatch

_CONSOLIDATE_EVERY = 64
_RESERVED = {moments.COLUMN, *moments.STATE_FIELDS, "sketch"}
SketchMap = sketch.SketchMap


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


def to_polars(batch: Batch, where: str = "Accumulator.update") -> pl.DataFrame:
    """A batch as a polars DataFrame: a polars DataFrame as is, an Arrow table or record batch, a pandas DataFrame."""
    if isinstance(batch, pl.DataFrame):
        return batch
    if isinstance(batch, (pa.Table, pa.RecordBatch)):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        return frame
    if is_pandas_frame(batch):
        return pl.from_pandas(batch)
    msg = (
        f"polars_norm.{where}: expected a batch as a polars DataFrame, an Arrow table or record batch, "
        f"or a pandas DataFrame; got {type(batch).__module__}.{type(batch).__qualname__}"
    )
    raise TypeError(msg)


class Accumulator:
    """Mergeable per-column (and per-group) statistics: moments, extremes, norms, quantile sketch.

    Parameters
    ----------
    columns
        The columns to fit. ``None`` (default) takes every numeric column of
        the first batch except the ``by`` keys.
    by
        Group key column(s); statistics are kept per group. ``None`` for one
        global group.
    quantiles
        Keep a KLL quantile sketch per column and group (needed by the
        ``robust`` and ``quantile`` methods). ``False`` is faster.
    sketch_k
        The KLL accuracy parameter; the default 800 keeps the rank error
        within 0.5% (see :func:`polars_norm.sketch.rank_error`).
    norm_orders
        The orders ``p`` of the Lp norms to keep (``max|x|``, the L-infinity
        norm, is always available).

    Notes
    -----
    Nulls and NaN are counted and otherwise ignored by every statistic. The
    moments are computed in Float64 with shifted sums about a pilot close to
    the mean and merged with Chan et al.'s formula, so they stay exact to
    rounding where Polars' one-pass ``var()`` loses most digits (values
    ``1e12 + N(0, 1)``, say). Norm sums are kept relative to a power of two
    near ``max|x|``, so norms of values near 1e+-300 neither overflow nor
    underflow.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import Accumulator
    >>> a = Accumulator(quantiles=False).update(pl.DataFrame({"x": [1.0, 2.0]}))
    >>> b = Accumulator(quantiles=False).update(pl.DataFrame({"x": [3.0, None]}))
    >>> (a + b).to_frame().select("column", "count", "null_count", "mean", "std")
    shape: (1, 5)
    ┌────────┬───────┬────────────┬──────┬─────┐
    │ column ┆ count ┆ null_count ┆ mean ┆ std │
    │ ---    ┆ ---   ┆ ---        ┆ ---  ┆ --- │
    │ str    ┆ i64   ┆ i64        ┆ f64  ┆ f64 │
    ╞════════╪═══════╪════════════╪══════╪═════╡
    │ x      ┆ 3     ┆ 1          ┆ 2.0  ┆ 1.0 │
    └────────┴───────┴────────────┴──────┴─────┘
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
        self._sketches: sketch.SketchMap = {}

    # -- properties ----------------------------------------------------------
    @property
    def columns(self) -> tuple[str, ...]:
        """The fitted columns (empty before the first update when chosen automatically)."""
        return self._columns or ()

    @property
    def by(self) -> tuple[str, ...]:
        """The group key columns (empty for global statistics)."""
        return self._by

    @property
    def quantiles(self) -> bool:
        """Whether quantile sketches are kept."""
        return self._quantiles

    @property
    def sketch_k(self) -> int:
        """The KLL accuracy parameter."""
        return self._k

    @property
    def norm_orders(self) -> tuple[float, ...]:
        """The fitted norm orders ``p``."""
        return self._norm_orders

    @property
    def state(self) -> pl.DataFrame:
        """The raw moment state, one row per group and column (see :mod:`polars_norm.moments`)."""
        if len(self._parts) != 1:
            schema: dict[str, pl.DataType] = (
                self._key_schema if self._key_schema is not None else {n: pl.Null() for n in self._by}
            )
            empty = moments.empty_state(schema, self._norm_orders)
            self._parts = [moments.merge_states([empty, *self._parts], self._by, self._norm_orders)]
        return self._parts[0]

    def sketch(self, column: str, key: Any = ()) -> kll_doubles_sketch | None:
        """The KLL sketch of ``column`` in group ``key`` (a value or tuple of the ``by`` keys), if any."""
        values = sketch.sketch_key(key)
        if not self._by or len(values) != len(self._by):
            return self._sketches.get((values, column))
        try:
            row = pl.DataFrame([values], schema=self._key_schema or dict.fromkeys(self._by), orient="row")
        except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
            return None
        return self.column_sketches(column, row)[0]

    def column_sketches(self, column: str, keys: pl.DataFrame) -> list[kll_doubles_sketch | None]:
        """The KLL sketch of ``column`` in the group of each row of ``keys`` (the ``by`` keys), ``None`` if none."""
        get = self._sketches.get
        return [get((group, column)) for group in sketch.group_key_rows(keys, self._by)]

    def sketch_quantiles(self, keys: pl.DataFrame, qs: Sequence[float]) -> list[list[float | None]]:
        """The ``qs`` quantiles of the sketch of each row of ``keys``: the ``by`` keys, then the column name.

        One list per quantile, aligned with the rows of ``keys``; null where a
        group has no sketch or an empty one.
        """
        return sketch.quantile_columns(self._sketches, keys, qs)

    def __repr__(self) -> str:
        by = f", by={list(self._by)!r}" if self._by else ""
        return f"Accumulator(columns={list(self.columns)!r}{by}, quantiles={self._quantiles})"

    # -- binding to a schema ---------------------------------------------------
    def bind(self, schema: Mapping[str, pl.DataType], where: str = "Accumulator.update") -> None:
        """Choose (the first time) or check the columns and the key dtypes against a batch's schema.

        Called by :meth:`update` for every batch; call it before reading any
        data to have a bad column or key refused first. ``where`` names the
        caller in error messages.

        Raises
        ------
        ColumnNotFoundError
            A column or key is missing.
        TypeError
            A column is not numeric, a key dtype cannot be a key, or a key's
            dtype cannot be compared with the keys fitted so far
            (:mod:`polars_norm.keys`).
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
        """Compare keys in ``key_schema`` from now on (:mod:`polars_norm.keys`): the state's keys are cast to it.

        The casts widen (an integer to a wider integer or to a float, text to
        ``String``, a time unit to a finer one); a key that would change its
        value or meet another raises a ``TypeError`` before anything changes
        (:func:`polars_norm.keys.cast_keys`). The sketches are re-keyed alike.
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

    @property
    def is_bound(self) -> bool:
        """Whether the fitted columns are chosen (after the first batch, or when given)."""
        return self._columns is not None

    def update_lazy(self, lf: pl.LazyFrame, *, batch_rows: int = 1_000_000) -> Accumulator:
        """Add the rows of a lazy query, under the streaming engine in bounded memory; returns ``self``.

        Without sketches the moments are one streaming query of flat
        reductions; with them the query is read in batches of ``batch_rows``
        rows, each added by :meth:`update`.
        """
        self.bind(lf.collect_schema(), "fit")
        lf = lf.select(*self._by, *self.columns)
        if not self._quantiles:
            self._add_state(moments.batch_moments(lf, self.columns, self._by, self._norm_orders, engine="streaming"))
            return self
        for batch in lf.collect_batches(chunk_size=batch_rows, engine="streaming"):
            self.update(batch)
        return self

    def _add_state(self, state: pl.DataFrame) -> None:
        if self._key_schema:
            state = state.with_columns(pl.col(n).cast(d) for n, d in self._key_schema.items())
        self._parts.append(state)
        if len(self._parts) >= _CONSOLIDATE_EVERY:
            _ = self.state

    # -- accumulating ----------------------------------------------------------
    def update(self, batch: Batch) -> Accumulator:
        """Add a batch (a polars DataFrame or an Arrow table or record batch); returns ``self``.

        The moments are computed by one Polars query of flat reductions over
        the batch; the sketches are fed its valid values.
        """
        frame = to_polars(batch)
        self.bind(frame.schema)
        if frame.height == 0:
            return self
        if self._key_schema:  # keys in the dtype they are compared in, so the sketches are keyed alike
            frame = cast_keys(frame, self._key_schema, "Accumulator.update")
        # The sketches' sorts run on threads while Polars computes the moments.
        finish = (
            sketch.submit_sketch_updates(self._sketches, frame, self.columns, self._by, self._k)
            if self._quantiles
            else None
        )
        state = moments.batch_moments(frame.lazy(), self.columns, self._by, self._norm_orders)
        if finish is not None:
            finish()
        self._add_state(state)  # last: a failure above adds nothing of the batch to the moments
        return self

    def _check_compatible(self, other: Accumulator) -> None:
        if not isinstance(other, Accumulator):
            msg = f"polars_norm.Accumulator.merge: cannot merge with {type(other)}"
            raise TypeError(msg)
        for attr in ("by", "quantiles", "norm_orders"):
            mine, theirs = getattr(self, attr), getattr(other, attr)
            if mine != theirs:
                msg = f"polars_norm.Accumulator.merge: {attr} differs ({mine!r} vs {theirs!r})"
                raise ValueError(msg)

    def merge(self, other: Accumulator) -> Accumulator:
        """A new accumulator holding the statistics of both (neither input changes)."""
        return Accumulator.merge_all([self, other])

    def __add__(self, other: Accumulator) -> Accumulator:
        return self.merge(other)

    @classmethod
    def merge_all(cls, states: Iterable[Accumulator]) -> Accumulator:
        """Merge any number of accumulators in one k-way merge (one ``group_by``)."""
        items = list(states)
        if not items:
            msg = "polars_norm.Accumulator.merge_all: no states to merge"
            raise ValueError(msg)
        first = items[0]
        for other in items[1:]:
            first._check_compatible(other)
        out = first._empty_like()
        columns: list[str] = []
        for acc in items:
            columns.extend(c for c in acc.columns if c not in columns)
            if acc._key_schema is not None:
                out._key_schema = (
                    dict(acc._key_schema)
                    if out._key_schema is None
                    else common_key_schema(
                        out._key_schema, acc._key_schema, "Accumulator.merge", ("one accumulator", "another")
                    )
                )
        out._columns = tuple(columns) if any(a._columns is not None for a in items) else None
        frames = [a.state for a in items]
        if out._by and out._key_schema is not None:
            frames = [cast_keys(frame, out._key_schema, "Accumulator.merge") for frame in frames]
        out._parts = [moments.merge_states(frames, out._by, out._norm_orders)]
        if out._quantiles:
            schema = out._key_schema or {}
            out._sketches = sketch.merge_sketch_maps((a._sketches_keyed_as(schema) for a in items), out._k)
        return out

    def _empty_like(self) -> Accumulator:
        return Accumulator(
            None, by=self._by or None, quantiles=self._quantiles, sketch_k=self._k, norm_orders=self._norm_orders
        )

    def pooled(self) -> Accumulator:
        """The statistics pooled over all groups, as an ungrouped accumulator."""
        out = Accumulator(self._columns, quantiles=self._quantiles, sketch_k=self._k, norm_orders=self._norm_orders)
        out._parts = [moments.merge_states([self.state.drop(*self._by)], (), self._norm_orders)]
        if self._quantiles:
            out._sketches = sketch.pooled_sketches(self._sketches, self._k)
        return out

    # -- reading ------------------------------------------------------------------
    def to_frame(self, ddof: int = 1) -> pl.DataFrame:
        """A readable statistics table: one row per group and column.

        Columns: the ``by`` keys, ``column``, ``count``, ``null_count``,
        ``nan_count``, ``mean``, ``std``, ``var`` (with ``ddof``), ``min``,
        ``max``, ``maxabs``, ``l<p>`` for each norm order and, with sketches,
        ``q25``, ``median`` and ``q75``.
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
        """:attr:`state` with each row's KLL sketch serialized in a ``sketch`` column (null without one)."""
        state = self.state
        blobs = sketch.serialized_column(self._sketches, state.select(*self._by, moments.COLUMN))
        return state.with_columns(blobs.alias("sketch"))

    @classmethod
    def from_state(cls, meta: Mapping[str, Any], state: pl.DataFrame) -> Accumulator:
        """Rebuild an accumulator from :meth:`settings` and :meth:`state_with_sketches` (or :attr:`state`)."""
        out = cls(
            meta["columns"],
            by=meta["by"] or None,
            quantiles=meta["quantiles"],
            sketch_k=meta["sketch_k"],
            norm_orders=meta["norm_orders"],
        )
        out._key_schema = {n: state.schema[n] for n in out._by}
        if "sketch" in state.columns:
            out._sketches = sketch.deserialized_map(state.select(*out._by, moments.COLUMN, "sketch"))
            state = state.drop("sketch")
        expected = moments.state_schema(out._key_schema, out._norm_orders)
        out._parts = [state.select(expected.names()).cast(expected)]
        return out

    def to_arrow(self) -> pa.Table:
        """The whole state as an Arrow table (sketches as binary), for shipping between processes.

        The accumulator's settings travel in the schema metadata; see
        :meth:`from_arrow`.
        """
        table = self.state_with_sketches().to_arrow()
        return table.replace_schema_metadata({b"polars_norm.accumulator": json.dumps(self.settings()).encode()})

    @classmethod
    def from_arrow(cls, table: pa.Table) -> Accumulator:
        """Rebuild an accumulator from :meth:`to_arrow`'s table."""
        raw = (table.schema.metadata or {}).get(b"polars_norm.accumulator")
        if raw is None:
            msg = "polars_norm.Accumulator.from_arrow: the table has no polars_norm.accumulator metadata"
            raise ValueError(msg)
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return cls.from_state(json.loads(raw), frame)

    def save(self, path: str | Path) -> None:
        """Write the statistics to a versioned, checksummed JSON document (see :mod:`polars_norm.statsfile`)."""
        statsfile.save(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Accumulator:
        """Read statistics written by :meth:`save`."""
        return statsfile.load(path, cls.from_state)

    # -- applying ------------------------------------------------------------------
    def transform(
        self,
        frame: Frame,
        method: MethodSpec | Mapping[str, MethodSpec] = "zscore",
        *,
        unseen: Unseen = "null",
        **options: Any,
    ) -> Frame:
        """Normalize ``frame`` with the fitted statistics; see :func:`polars_norm.fitted.transform`."""
        return fitted.transform(self, frame, method, unseen=unseen, inverse=False, **options)

    def inverse_transform(
        self,
        frame: Frame,
        method: MethodSpec | Mapping[str, MethodSpec] = "zscore",
        *,
        unseen: Unseen = "null",
        **options: Any,
    ) -> Frame:
        """Undo :meth:`transform` (same arguments); see :func:`polars_norm.fitted.transform`."""
        return fitted.transform(self, frame, method, unseen=unseen, inverse=True, **options)

    def expr(self, column: str, method: MethodSpec = "zscore", *, inverse: bool = False, **options: Any) -> pl.Expr:
        """The ``pl.Expr`` applying ungrouped fitted statistics to ``pl.col(column)``.

        See :func:`polars_norm.fitted.column_expr`.
        """
        return fitted.column_expr(self, column, method, inverse=inverse, **options)
