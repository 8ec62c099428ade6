"""Every group's fitted CDF knots in flat arrays: the fitted quantile transform of grouped statistics.

:class:`GroupKnots` serves :func:`polars_norm.fitted.groups.grouped_transform`
for the ``quantile`` method: one ``search_sorted`` over all groups' knots finds
each row's segment, so the transform stays elementwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import polars as pl

from polars_norm.fitted.cdf_exprs import count_at_most, segment_interp
from polars_norm.fitted.method_stats import FittedStatistics
from polars_norm.fitted.sketch_cdf import stacked_cdf_knots
from polars_norm.special import ndtri

__all__ = ["GroupKnots"]

_SQRT2 = math.sqrt(2.0)


def _position(
    x: np.ndarray[Any, np.dtype[np.float64]],
    lo: np.ndarray[Any, np.dtype[np.float64]],
    span: np.ndarray[Any, np.dtype[np.float64]],
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A knot's place in its group's range of keys: ``-inf`` at 0, finite knots in ``[1/4, 3/4]``, ``inf`` at 1."""
    finite = 0.25 + 0.5 * np.clip((x - lo) / span, 0.0, 1.0)
    return np.where(x == -np.inf, 0.0, np.where(x == np.inf, 1.0, finite))


class GroupKnots:
    """Every group's CDF knots (:func:`polars_norm.fitted.sketch_cdf.cdf_knots`) in flat arrays, for a per-row lookup.

    Group ``j``'s knots ``xs``, ``fs`` sit at ``start[j] : start[j] + size[j]``.
    To find a row's segment in one ``search_sorted`` over all groups, values
    are mapped monotonically into disjoint ranges: ``2 j + 1/4 + (v - lo_j) /
    (2 span_j)``, the fraction clipped to ``[0, 1]``, where ``[lo_j, lo_j +
    span_j]`` is the range of the group's finite knots, and ``-inf`` and
    ``inf`` to ``2 j`` and ``2 j + 1``, apart from every finite value; the interpolation
    then uses the original knots. With pooled statistics
    (``unseen="global"``) they form one extra group, the last. A group
    without valid values has no knots (``size`` 0) and gives null. One
    sentinel knot past every group keeps the arrays non-empty, so that every
    gather index is in bounds.

    Parameters
    ----------
    acc
        Grouped fitted statistics with sketches.
    column
        A fitted column.
    keys
        The fitted groups, one row each, in the order of the row group index.
    pooled
        The pooled statistics, for ``unseen="global"`` (group ``len(keys)``);
        ``None`` otherwise.

    Attributes
    ----------
    groups : int
        ``len(keys)``.
    xs, fs : pl.Series
        The knots of all groups, then the sentinel.
    x_keys, f_keys : pl.Series
        The search keys of ``xs`` and ``fs`` (increasing over all groups).
    fields : dict of pl.Series
        Per group (and one empty group more): ``n``, ``start``, ``size``,
        ``x_lo``, ``x_span``.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.fitted.group_knots import GroupKnots
    >>> acc = fit(pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, 5.0]}), by="g")
    >>> knots = GroupKnots(acc, "x", pl.DataFrame({"g": ["a", "b", "c"]}), None)
    >>> knots.groups, knots.xs.to_list(), knots.fs.to_list()
    (3, [1.0, 3.0, 5.0, 0.0], [0.25, 0.75, 0.5, 0.0])
    >>> knots.x_keys.to_list()
    [0.25, 0.75, 2.25, 6.0]
    >>> pl.DataFrame(knots.fields)
    shape: (4, 5)
    ┌──────┬───────┬──────┬──────┬────────┐
    │ n    ┆ start ┆ size ┆ x_lo ┆ x_span │
    │ ---  ┆ ---   ┆ ---  ┆ ---  ┆ ---    │
    │ f64  ┆ f64   ┆ f64  ┆ f64  ┆ f64    │
    ╞══════╪═══════╪══════╪══════╪════════╡
    │ 2.0  ┆ 0.0   ┆ 2.0  ┆ 1.0  ┆ 2.0    │
    │ 1.0  ┆ 2.0   ┆ 1.0  ┆ 5.0  ┆ 1.0    │
    │ null ┆ 3.0   ┆ 0.0  ┆ 0.0  ┆ 1.0    │
    │ null ┆ 3.0   ┆ 0.0  ┆ 0.0  ┆ 1.0    │
    └──────┴───────┴──────┴──────┴────────┘
    """

    def __init__(self, acc: FittedStatistics, column: str, keys: pl.DataFrame, pooled: FittedStatistics | None) -> None:
        sketches = acc.column_sketches(column, keys)
        if pooled is not None:
            sketches.append(pooled.sketch(column))
        groups = len(sketches)
        group, xs, fs = stacked_cdf_knots(sketches)
        size = np.bincount(group, minlength=groups).astype(np.float64)
        start = np.cumsum(size) - size
        finite = np.isfinite(xs)
        lo = np.full(groups, np.inf)
        hi = np.full(groups, -np.inf)
        np.minimum.at(lo, group[finite], xs[finite])
        np.maximum.at(hi, group[finite], xs[finite])
        no_finite = lo > hi
        lo[no_finite], hi[no_finite] = 0.0, 1.0
        span = hi - lo
        span[span == 0.0] = 1.0
        with np.errstate(invalid="ignore"):
            position = _position(xs, lo[group], span[group])
        n = np.array([float(sk.n) if sk is not None else np.nan for sk in sketches], dtype=np.float64)
        n[size == 0] = np.nan
        sentinel = 2.0 * groups
        self.groups = len(keys)
        self.total = group.size + 1
        self.xs = pl.Series(np.r_[xs, 0.0], dtype=pl.Float64)
        self.fs = pl.Series(np.r_[fs, 0.0], dtype=pl.Float64)
        self.x_keys = pl.Series(np.r_[2.0 * group + position, sentinel], dtype=pl.Float64)
        self.f_keys = pl.Series(np.r_[2.0 * group + fs, sentinel], dtype=pl.Float64)
        fields = {"n": n, "start": start, "size": size, "x_lo": lo, "x_span": span}
        # one empty group more, so that the fields are never an empty literal (a fit without groups)
        empty = {"n": np.nan, "start": float(group.size), "size": 0.0, "x_lo": 0.0, "x_span": 1.0}
        self.fields = {k: pl.Series(np.r_[v, empty[k]], dtype=pl.Float64).fill_nan(None) for k, v in fields.items()}

    def stages(self, column: str, g: pl.Expr, opts: Mapping[str, Any], inverse: bool, prefix: str) -> list[pl.Expr]:
        """Helper columns, named ``prefix + ...``, each added in a ``with_columns`` of its own, in order.

        They hold each row's group fields, its count of knots at most its
        value, and its segment's two ends. Computing them in separate steps
        keeps every lookup in a large literal (the knots of all groups) to
        one per row: written as one expression, the streaming engine
        evaluated each lookup once per reference.

        Parameters
        ----------
        column
            The column to transform.
        g
            Each row's group index (null for an unseen group).
        opts
            The resolved ``quantile`` options (``offset``, ``output``).
        inverse
            Look up the segments of the inverse transform.
        prefix
            The helper columns' prefix (:func:`internal_prefix`).

        Returns
        -------
        list of pl.Expr
            Three expressions, ``prefix + "f"``, ``"c"`` and ``"s"``.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> from polars_norm.fitted.group_knots import GroupKnots
        >>> acc = fit(pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, 5.0]}), by="g")
        >>> knots = GroupKnots(acc, "x", pl.DataFrame({"g": ["a", "b"]}), None)
        >>> opts = {"offset": 0.0, "output": "uniform"}
        >>> frame = pl.DataFrame({"x": [1.0, 2.0, 3.0, 5.0], "group": [0, 0, 0, 1]})
        >>> for stage in knots.stages("x", pl.col("group"), opts, inverse=False, prefix="_h_"):
        ...     frame = frame.with_columns(stage)
        >>> frame.columns
        ['x', 'group', '_h_f', '_h_c', '_h_s']
        """
        fields = pl.col(prefix + "f")
        x = pl.col(column).cast(pl.Float64)
        if not inverse:
            keys, src, dst = self.x_keys, self.xs, self.fs
            relative = ((x - fields.struct.field("x_lo")) / fields.struct.field("x_span")).clip(0.0, 1.0)
            position = pl.when(x == -math.inf).then(0.0).when(x == math.inf).then(1.0).otherwise(0.25 + 0.5 * relative)
        else:
            keys, src, dst = self.f_keys, self.fs, self.xs
            position = self._cdf(x, fields, opts).clip(0.0, 1.0)
        key = 2.0 * g.cast(pl.Float64) + position.fill_nan(1.0)
        start, size = fields.struct.field("start"), fields.struct.field("size")
        j = pl.col(prefix + "c").cast(pl.Float64) - 1.0
        j = pl.min_horizontal(pl.max_horizontal(j, start), start + pl.max_horizontal(size - 2.0, 0.0))
        last = float(self.total - 1)
        j0 = j.clip(0.0, last).cast(pl.Int64)
        j1 = pl.min_horizontal(j + 1.0, start + size - 1.0).clip(0.0, last).cast(pl.Int64)
        ends = pl.lit(pl.DataFrame({"x": src, "y": dst}).to_struct())
        return [
            pl.lit(pl.DataFrame(self.fields).to_struct()).gather(g).alias(prefix + "f"),
            count_at_most(key, keys).alias(prefix + "c"),
            pl.struct(ends.gather(j0).alias("lo"), ends.gather(j1).alias("hi")).alias(prefix + "s"),
        ]

    def builder(self, opts: Mapping[str, Any], inverse: bool, prefix: str) -> Callable[..., pl.Expr]:
        """A ``numeric_expr`` builder of the transform, from the helper columns of :meth:`stages`.

        Parameters
        ----------
        opts, inverse, prefix
            As in :meth:`quantile`.

        Returns
        -------
        Callable
            ``build(x, dtype)`` returning :meth:`quantile` of ``x`` (the dtype
            is unused).

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> from polars_norm.fitted.group_knots import GroupKnots
        >>> acc = fit(pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, 5.0]}), by="g")
        >>> knots = GroupKnots(acc, "x", pl.DataFrame({"g": ["a", "b"]}), None)
        >>> opts = {"offset": 0.0, "output": "uniform"}
        >>> frame = pl.DataFrame({"x": [1.0, 3.0], "group": [0, 0]})
        >>> for stage in knots.stages("x", pl.col("group"), opts, inverse=False, prefix="_h_"):
        ...     frame = frame.with_columns(stage)
        >>> build = knots.builder(opts, inverse=False, prefix="_h_")
        >>> frame.select(build(pl.col("x"), pl.Float64)).to_series().to_list()
        [0.3333333333333333, 0.6666666666666666]
        """
        return lambda x, _: self.quantile(x, opts, inverse, prefix)

    @staticmethod
    def _cdf(u_or_z: pl.Expr, fields: pl.Expr, opts: Mapping[str, Any]) -> pl.Expr:
        """The inverse transform's CDF value ``F`` of an output value (uniform ``u``, or normal ``z``)."""
        a, n = opts["offset"], fields.struct.field("n")
        u = (-u_or_z / _SQRT2).erfc() * 0.5 if opts["output"] == "normal" else u_or_z
        f: pl.Expr = (u * (n + 1.0 - 2.0 * a) + a - 0.5) / n
        return f

    def quantile(self, x: pl.Expr, opts: Mapping[str, Any], inverse: bool, prefix: str) -> pl.Expr:
        """The fitted quantile transform (or its inverse) of ``x``, given the helper columns of :meth:`stages`.

        Parameters
        ----------
        x
            The Float64 column to transform.
        opts
            The resolved ``quantile`` options (``offset``, ``output``).
        inverse
            The inverse transform (:meth:`stages` must have been built alike).
        prefix
            The helper columns' prefix.

        Returns
        -------
        pl.Expr
            As :func:`polars_norm.fitted.cdf_exprs.quantile_expr`, per group: NaN stays
            NaN, and a row of a group without data (or unseen) is null.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> from polars_norm.fitted.group_knots import GroupKnots
        >>> acc = fit(pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, 5.0]}), by="g")
        >>> knots = GroupKnots(acc, "x", pl.DataFrame({"g": ["a", "b"]}), None)
        >>> opts = {"offset": 0.0, "output": "uniform"}
        >>> frame = pl.DataFrame({"x": [1.0, 2.0, 3.0, 5.0], "group": [0, 0, 0, 1]})
        >>> for stage in knots.stages("x", pl.col("group"), opts, inverse=False, prefix="_h_"):
        ...     frame = frame.with_columns(stage)
        >>> frame.select(knots.quantile(pl.col("x"), opts, inverse=False, prefix="_h_"))
        shape: (4, 1)
        ┌──────────┐
        │ x        │
        │ ---      │
        │ f64      │
        ╞══════════╡
        │ 0.333333 │
        │ 0.5      │
        │ 0.666667 │
        │ 0.5      │
        └──────────┘
        """
        fields, seg = pl.col(prefix + "f"), pl.col(prefix + "s")
        lo, hi = seg.struct.field("lo"), seg.struct.field("hi")
        v = self._cdf(x, fields, opts) if inverse else x
        out = segment_interp(v, lo.struct.field("x"), hi.struct.field("x"), lo.struct.field("y"), hi.struct.field("y"))
        if not inverse:
            a, n = opts["offset"], fields.struct.field("n")
            rank = (out * n + 0.5).clip(1.0, n)
            u = (rank - a) / (n + 1.0 - 2.0 * a)
            out = ndtri(u) if opts["output"] == "normal" else u
        # NaN stays NaN, also in a group without data (whose statistics are null)
        return pl.when(x.is_nan()).then(x).when(fields.struct.field("size") > 0).then(out)
