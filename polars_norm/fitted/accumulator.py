"""The mergeable statistics state: :class:`Accumulator`.

An accumulator holds, per column and per group of the ``by`` keys, the
moment state of :mod:`polars_norm.fitted.moments` (counts, a stable mean and sum of
squared deviations, extremes, overflow-safe norm sums) and, optionally, a KLL
quantile sketch (:mod:`polars_norm.fitted.sketch`). States from different batches,
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

from polars_norm.fitted import moments, sketch, statsfile
from polars_norm.fitted import transform as fitted
from polars_norm.fitted.exprs import Frame
from polars_norm.fitted.keys import cast_keys, check_key_dtype, common_key_schema
from polars_norm.fitted.transform import MethodSpec, Unseen
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
        ``robust`` and ``quantile`` methods). ``False`` skips the sketches and their sorts.
    sketch_k
        The KLL accuracy parameter; the default 800 keeps the rank error
        within 0.5% (see :func:`polars_norm.fitted.sketch.rank_error`).
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
        values = sketch.sketch_key(key)
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
        return [get((group, column)) for group in sketch.group_key_rows(keys, self._by)]

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

    def update_lazy(self, lf: pl.LazyFrame, *, batch_rows: int = 1_000_000) -> Accumulator:
        """Add the rows of a lazy query, under the streaming engine in bounded memory.

        Without sketches the moments are one streaming query of flat
        reductions; with them the query is read in batches of ``batch_rows``
        rows, each added by :meth:`update`.

        Parameters
        ----------
        lf
            The rows to add; only the ``by`` keys and the fitted columns are read.
        batch_rows
            Rows per batch when sketches are kept.

        Returns
        -------
        Accumulator
            ``self``.

        Raises
        ------
        ColumnNotFoundError, TypeError
            As :meth:`bind`, from the query's schema, before any data is read.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> lf = pl.LazyFrame({"x": [1.0, 2.0, 3.0, 4.0]})
        >>> Accumulator(quantiles=False).update_lazy(lf).to_frame().select("column", "count", "mean")
        shape: (1, 3)
        ┌────────┬───────┬──────┐
        │ column ┆ count ┆ mean │
        │ ---    ┆ ---   ┆ ---  │
        │ str    ┆ i64   ┆ f64  │
        ╞════════╪═══════╪══════╡
        │ x      ┆ 4     ┆ 2.5  │
        └────────┴───────┴──────┘
        >>> Accumulator().update_lazy(lf, batch_rows=2).to_frame().select("count", "median")
        shape: (1, 2)
        ┌───────┬────────┐
        │ count ┆ median │
        │ ---   ┆ ---    │
        │ i64   ┆ f64    │
        ╞═══════╪════════╡
        │ 4     ┆ 3.0    │
        └───────┴────────┘
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
        """Add a batch; returns ``self``.

        The moments are computed by one Polars query of flat reductions over
        the batch; the sketches are fed its valid values.

        Parameters
        ----------
        batch
            A polars DataFrame, an Arrow table or record batch, or a pandas
            DataFrame, holding the fitted columns and the ``by`` keys.

        Returns
        -------
        Accumulator
            ``self``, so updates chain.

        Raises
        ------
        ColumnNotFoundError, TypeError
            As :meth:`bind`; also ``TypeError`` for a batch of another type.

        Notes
        -----
        Nulls and NaN are counted (``null_count``, ``nan_count``) and ignored by
        every other statistic. A batch that fails adds nothing to the moments.

        Examples
        --------
        >>> import polars as pl
        >>> import pyarrow as pa
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(quantiles=False)
        >>> acc.update(pl.DataFrame({"x": [1, 2]})).update(pa.table({"x": [3.0, None]}))
        Accumulator(columns=['x'], quantiles=False)
        >>> acc.to_frame().select("count", "null_count", "mean")
        shape: (1, 3)
        ┌───────┬────────────┬──────┐
        │ count ┆ null_count ┆ mean │
        │ ---   ┆ ---        ┆ ---  │
        │ i64   ┆ i64        ┆ f64  │
        ╞═══════╪════════════╪══════╡
        │ 3     ┆ 1          ┆ 2.0  │
        └───────┴────────────┴──────┘
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
        """A new accumulator holding the statistics of both (neither input changes).

        ``a.merge(b)`` is ``a + b``; see :meth:`merge_all`.

        Parameters
        ----------
        other
            An accumulator with the same ``by``, ``quantiles`` and
            ``norm_orders``.

        Returns
        -------
        Accumulator
            The merged statistics.

        Raises
        ------
        TypeError
            ``other`` is not an accumulator, or its keys cannot be compared with
            these (:mod:`polars_norm.fitted.keys`).
        ValueError
            ``by``, ``quantiles`` or ``norm_orders`` differ.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> a = Accumulator(by="g").update(pl.DataFrame({"g": ["a", "b"], "x": [1.0, 2.0]}))
        >>> b = Accumulator(by="g").update(pl.DataFrame({"g": ["a"], "x": [3.0]}))
        >>> a.merge(b).to_frame().select("g", "count", "mean")
        shape: (2, 3)
        ┌─────┬───────┬──────┐
        │ g   ┆ count ┆ mean │
        │ --- ┆ ---   ┆ ---  │
        │ str ┆ i64   ┆ f64  │
        ╞═════╪═══════╪══════╡
        │ a   ┆ 2     ┆ 2.0  │
        │ b   ┆ 1     ┆ 2.0  │
        └─────┴───────┴──────┘
        >>> a.merge(Accumulator(quantiles=False))
        Traceback (most recent call last):
            ...
        ValueError: polars_norm.Accumulator.merge: by differs (('g',) vs ())
        """
        return Accumulator.merge_all([self, other])

    def __add__(self, other: Accumulator) -> Accumulator:
        return self.merge(other)

    @classmethod
    def merge_all(cls, states: Iterable[Accumulator]) -> Accumulator:
        """Merge any number of accumulators in one k-way merge (one ``group_by``).

        Parameters
        ----------
        states
            Accumulators with the same ``by``, ``quantiles`` and ``norm_orders``.

        Returns
        -------
        Accumulator
            A new accumulator (the inputs do not change): the union of the fitted
            columns, keys in their common dtype, moments merged, sketches merged.

        Raises
        ------
        ValueError
            No accumulators, or their settings differ.
        TypeError
            An input is not an accumulator, or key dtypes cannot be compared.

        Notes
        -----
        The moments merge with Chan, Golub and LeVeque's formula (see
        :func:`polars_norm.fitted.moments.merge_states`), exact to rounding whatever the
        order or grouping of the merge; KLL sketches merge with their own
        mergeable compaction (:mod:`polars_norm.fitted.sketch`).

        References
        ----------
        .. [1] Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). "Algorithms for
           computing the sample variance: analysis and recommendations".
           The American Statistician 37(3), 242-247.
        .. [2] Karnin, Z., Lang, K. and Liberty, E. (2016). "Optimal quantile
           approximation in streams". FOCS 2016, 71-78.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> a = Accumulator(by="g").update(pl.DataFrame({"g": ["a", "b"], "x": [1.0, 2.0]}))
        >>> b = Accumulator(by="g").update(pl.DataFrame({"g": ["a"], "x": [3.0]}))
        >>> Accumulator.merge_all([a, b, b]).to_frame().select("g", "count", "mean")
        shape: (2, 3)
        ┌─────┬───────┬──────────┐
        │ g   ┆ count ┆ mean     │
        │ --- ┆ ---   ┆ ---      │
        │ str ┆ i64   ┆ f64      │
        ╞═════╪═══════╪══════════╡
        │ a   ┆ 3     ┆ 2.333333 │
        │ b   ┆ 1     ┆ 2.0      │
        └─────┴───────┴──────────┘
        """
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
        """The statistics pooled over all groups, as an ungrouped accumulator.

        Returns
        -------
        Accumulator
            A new accumulator without ``by``: moments and sketches of every group
            merged per column.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(by="g").update(pl.DataFrame({"g": ["a", "b", "a"], "x": [1.0, 2.0, 3.0]}))
        >>> acc.pooled().to_frame().select("column", "count", "mean", "median")
        shape: (1, 4)
        ┌────────┬───────┬──────┬────────┐
        │ column ┆ count ┆ mean ┆ median │
        │ ---    ┆ ---   ┆ ---  ┆ ---    │
        │ str    ┆ i64   ┆ f64  ┆ f64    │
        ╞════════╪═══════╪══════╪════════╡
        │ x      ┆ 3     ┆ 2.0  ┆ 2.0    │
        └────────┴───────┴──────┴────────┘
        """
        out = Accumulator(self._columns, quantiles=self._quantiles, sketch_k=self._k, norm_orders=self._norm_orders)
        out._parts = [moments.merge_states([self.state.drop(*self._by)], (), self._norm_orders)]
        if self._quantiles:
            out._sketches = sketch.pooled_sketches(self._sketches, self._k)
        return out

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
    def from_state(cls, meta: Mapping[str, Any], state: pl.DataFrame) -> Accumulator:
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
    def from_arrow(cls, table: pa.Table) -> Accumulator:
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
    def load(cls, path: str | Path) -> Accumulator:
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

    # -- applying ------------------------------------------------------------------
    def transform(
        self,
        frame: Frame,
        method: MethodSpec | Mapping[str, MethodSpec] = "zscore",
        *,
        unseen: Unseen = "null",
        **options: Any,
    ) -> Frame:
        """Normalize ``frame`` with the fitted statistics.

        Parameters
        ----------
        frame
            A polars DataFrame or LazyFrame (a LazyFrame stays lazy), or a pandas
            DataFrame, holding the fitted columns and the ``by`` keys.
        method
            A method name (``"zscore"``, ``"minmax"``, ``"maxabs"``,
            ``"robust"``, ``"mean_range"``, ``"unit"``, ``"quantile"``) or
            ``(name, {option: value})`` for every fitted column, or a mapping
            ``{column: method}``.
        unseen
            What a group not seen in fitting gets: ``"null"``, ``"global"`` (the
            pooled statistics) or ``"raise"``.
        **options
            Method options for every column, e.g. ``ddof=0``,
            ``feature_range=(-1, 1)``.

        Returns
        -------
        DataFrame or LazyFrame
            ``frame`` with the chosen columns normalized.

        Raises
        ------
        ValueError
            A column was not fitted, a method or option is unknown, or (with
            ``unseen="raise"``) a group was not seen.
        ColumnNotFoundError
            A chosen column is missing from ``frame``.

        See Also
        --------
        polars_norm.fitted.transform : the full description of methods and options.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(by="g", quantiles=False).update(pl.DataFrame({"g": ["a", "a"], "x": [1.0, 3.0]}))
        >>> acc.transform(pl.DataFrame({"g": ["a", "b"], "x": [3.0, 3.0]}))
        shape: (2, 2)
        ┌─────┬──────────┐
        │ g   ┆ x        │
        │ --- ┆ ---      │
        │ str ┆ f64      │
        ╞═════╪══════════╡
        │ a   ┆ 0.707107 │
        │ b   ┆ null     │
        └─────┴──────────┘
        """
        return fitted.transform(self, frame, method, unseen=unseen, inverse=False, **options)

    def inverse_transform(
        self,
        frame: Frame,
        method: MethodSpec | Mapping[str, MethodSpec] = "zscore",
        *,
        unseen: Unseen = "null",
        **options: Any,
    ) -> Frame:
        """Undo :meth:`transform` (same arguments).

        Parameters
        ----------
        frame, method, unseen, **options
            As in :meth:`transform`.

        Returns
        -------
        DataFrame or LazyFrame
            ``frame`` with the chosen columns mapped back to the data's scale.

        See Also
        --------
        polars_norm.fitted.transform : the full description of methods and options.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(quantiles=False).update(pl.DataFrame({"x": [1.0, 3.0]}))
        >>> scaled = acc.transform(pl.DataFrame({"x": [0.0, 2.0]}), "minmax")
        >>> scaled.get_column("x").to_list()
        [-0.5, 0.5]
        >>> acc.inverse_transform(scaled, "minmax").get_column("x").to_list()
        [0.0, 2.0]
        """
        return fitted.transform(self, frame, method, unseen=unseen, inverse=True, **options)

    def expr(self, column: str, method: MethodSpec = "zscore", *, inverse: bool = False, **options: Any) -> pl.Expr:
        """The ``pl.Expr`` applying ungrouped fitted statistics to ``pl.col(column)``.

        Parameters
        ----------
        column
            A fitted column.
        method
            A method name or ``(name, {option: value})``, as in :meth:`transform`.
        inverse
            Build the inverse transform instead.
        **options
            Options of the method.

        Returns
        -------
        pl.Expr
            The statistics as literals, so the expression can go in any
            ``select`` or ``with_columns``.

        Raises
        ------
        ValueError
            The statistics are grouped (use :meth:`transform`, or
            ``acc.pooled().expr(...)``), or the column was not fitted.

        See Also
        --------
        polars_norm.fitted.transform.column_expr

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator().update(pl.DataFrame({"x": [1.0, 2.0, 3.0]}))
        >>> pl.DataFrame({"x": [1.0, 4.0]}).select(acc.expr("x", "robust").alias("robust"), acc.expr("x", "unit", p=1))
        shape: (2, 2)
        ┌────────┬──────────┐
        │ robust ┆ x        │
        │ ---    ┆ ---      │
        │ f64    ┆ f64      │
        ╞════════╪══════════╡
        │ -0.5   ┆ 0.166667 │
        │ 1.0    ┆ 0.666667 │
        └────────┴──────────┘
        """
        return fitted.column_expr(self, column, method, inverse=inverse, **options)
