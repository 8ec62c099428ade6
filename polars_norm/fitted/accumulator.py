"""The mergeable statistics state: :class:`Accumulator`.

An accumulator holds, per column and per group of the ``by`` keys, the
moment state of :mod:`polars_norm.fitted.moments` (counts, a stable mean and sum of
squared deviations, extremes, overflow-safe norm sums) and, optionally, a KLL
quantile sketch (:mod:`polars_norm.fitted.sketch`). States from different batches,
files, partitions or processes merge exactly (moments to rounding) and
commutatively, so statistics can be fitted anywhere and combined.

This module adds batches (:meth:`Accumulator.update`,
:meth:`Accumulator.update_lazy`) and merges accumulators
(:meth:`Accumulator.merge_all`, :meth:`Accumulator.pooled`). The class
inherits the settings and the held statistics from
:mod:`polars_norm.fitted.accumulator_state`, reading and shipping from
:mod:`polars_norm.fitted.accumulator_shipping`, and applying from
:mod:`polars_norm.fitted.accumulator_apply`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl
import pyarrow as pa

from polars_norm.fitted import moments, sketch
from polars_norm.fitted.accumulator_apply import AccumulatorApply
from polars_norm.fitted.accumulator_shipping import AccumulatorShipping
from polars_norm.fitted.keys import cast_keys, common_key_schema
from polars_norm.fitted.moments_batch import batch_moments
from polars_norm.semantics import is_pandas_frame

__all__ = ["Accumulator"]

Batch = Any  # a polars DataFrame, or a pyarrow Table or RecordBatch


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


class Accumulator(AccumulatorApply, AccumulatorShipping):
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

    # -- accumulating ----------------------------------------------------------
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
            self._add_state(batch_moments(lf, self.columns, self._by, self._norm_orders, engine="streaming"))
            return self
        for batch in lf.collect_batches(chunk_size=batch_rows, engine="streaming"):
            self.update(batch)
        return self

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
        state = batch_moments(frame.lazy(), self.columns, self._by, self._norm_orders)
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
        columns: list[str] = []
        key_schema: dict[str, pl.DataType] | None = None if first.by else {}
        for acc in items:
            columns.extend(c for c in acc.columns if c not in columns)
            if acc._key_schema is not None:
                key_schema = (
                    dict(acc._key_schema)
                    if key_schema is None
                    else common_key_schema(
                        key_schema, acc._key_schema, "Accumulator.merge", ("one accumulator", "another")
                    )
                )
        out = Accumulator(
            tuple(columns) if any(a.is_bound for a in items) else None,
            by=first.by or None,
            quantiles=first.quantiles,
            sketch_k=first.sketch_k,
            norm_orders=first.norm_orders,
        )
        frames = [a.state for a in items]
        if out.by and key_schema is not None:
            frames = [cast_keys(frame, key_schema, "Accumulator.merge") for frame in frames]
        state = moments.merge_states(frames, out.by, out.norm_orders)
        sketches: sketch.SketchMap = {}
        if out.quantiles:
            schema = key_schema or {}
            sketches = sketch.merge_sketch_maps((a._sketches_keyed_as(schema) for a in items), out.sketch_k)
        out._load(state, sketches, key_schema)
        return out

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
        columns = self.columns if self.is_bound else None
        out = Accumulator(columns, quantiles=self.quantiles, sketch_k=self.sketch_k, norm_orders=self.norm_orders)
        state = moments.merge_states([self.state.drop(*self.by)], (), self.norm_orders)
        sketches = sketch.pooled_sketches(self._sketches, self.sketch_k) if self.quantiles else {}
        out._load(state, sketches, {})
        return out
