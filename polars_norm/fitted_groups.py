"""Applying grouped fitted statistics: per-group coefficients, looked up row by row.

:func:`grouped_transform` is ``Accumulator.transform`` for statistics fitted
with ``by`` keys. Each method's location and scale are computed once per
group on the small statistics frame (the zero-scale rules included), each
row's group index comes from :func:`polars_norm.group_lookup.group_index` (or
an ordered join), and the coefficients are gathered by that index, so the
query stays elementwise and streams. The quantile method searches every
group's CDF knots at once (:class:`GroupKnots`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from polars_norm.fitted_exprs import Stat, build_method, count_at_most, location_scale, require_sketch, stat_frame
from polars_norm.group_lookup import group_index, raise_unseen
from polars_norm.semantics import numeric_expr
from polars_norm.sketch import cdf_knots
from polars_norm.special import ndtri

if TYPE_CHECKING:
    from polars_norm.accumulator import Accumulator

__all__ = ["GroupKnots", "grouped_transform"]

_SQRT2 = math.sqrt(2.0)

Frame = pl.DataFrame | pl.LazyFrame
Unseen = Literal["null", "global", "raise"]


class GroupKnots:
    """Every group's CDF knots (:func:`polars_norm.sketch.cdf_knots`) in flat arrays, for a per-row lookup.

    Group ``j``'s knots ``xs``, ``fs`` sit at ``start[j] : start[j] + size[j]``.
    To find a row's segment in one ``search_sorted`` over all groups, values
    are mapped monotonically into disjoint ranges: ``2 j + (v - lo_j) / span_j``
    clipped to ``[0, 1]``, where ``[lo_j, lo_j + span_j]`` is the range of the
    group's knots; the interpolation then uses the original knots. With
    pooled statistics (``unseen="global"``) they form one extra group, the
    last.
    """

    def __init__(self, acc: Accumulator, column: str, keys: pl.DataFrame, pooled: Accumulator | None) -> None:
        sketches = [acc.sketch(column, row) for row in keys.iter_rows()]
        if pooled is not None:
            sketches.append(pooled.sketch(column))
        self.groups = len(keys)
        xs: list[float] = []
        fs: list[float] = []
        seg_keys: list[float] = []
        fields: dict[str, list[float | None]] = {k: [] for k in ("n", "start", "size", "x_lo", "x_span")}
        for j, sk in enumerate(sketches):
            kx, kf = cdf_knots(sk) if sk is not None and not sk.is_empty() else ([], [])
            lo, span = (kx[0], (kx[-1] - kx[0]) or 1.0) if kx else (None, None)
            values = {"n": float(sk.n) if kx and sk is not None else None, "start": float(len(xs))}
            values.update(size=float(len(kx)), x_lo=lo, x_span=span)
            for k, v in values.items():
                fields[k].append(v)
            if lo is not None and span is not None:
                seg_keys.extend(2.0 * j + min(max((x - lo) / span, 0.0), 1.0) for x in kx)
            xs.extend(kx)
            fs.extend(kf)
        self.xs, self.fs = pl.Series(xs, dtype=pl.Float64), pl.Series(fs, dtype=pl.Float64)
        self.fields = {k: pl.Series(v, dtype=pl.Float64) for k, v in fields.items()}
        self.x_keys = pl.Series(seg_keys, dtype=pl.Float64)
        group_of = pl.Series([float(j) for j, k in enumerate(self.fields["size"]) for _ in range(int(k))])
        self.f_keys = 2.0 * group_of + self.fs

    def _field(self, name: str, g: pl.Expr) -> pl.Expr:
        return pl.lit(self.fields[name]).gather(g)

    def interp(self, v: pl.Expr, key: pl.Expr, g: pl.Expr, keys: pl.Series, src: pl.Series, dst: pl.Series) -> pl.Expr:
        start, size = self._field("start", g), self._field("size", g)
        j = count_at_most(key, keys).cast(pl.Float64) - 1.0
        j = pl.min_horizontal(pl.max_horizontal(j, start), start + pl.max_horizontal(size - 2.0, 0.0))
        j0 = j.cast(pl.Int64)
        j1 = pl.min_horizontal(j + 1.0, start + size - 1.0).cast(pl.Int64)
        x0, x1 = pl.lit(src).gather(j0), pl.lit(src).gather(j1)
        y0, y1 = pl.lit(dst).gather(j0), pl.lit(dst).gather(j1)
        t = pl.when(x1 > x0).then(((v - x0) / (x1 - x0)).clip(0.0, 1.0)).otherwise(0.0)
        out = y0 + t * (y1 - y0)
        return pl.when(size > 0).then(pl.when(v.is_nan()).then(v).otherwise(out))

    def builder(self, g: pl.Expr, opts: Mapping[str, Any], inverse: bool) -> Callable[..., pl.Expr]:
        """A ``numeric_expr`` builder applying :meth:`quantile`."""
        return lambda x, _: self.quantile(x, g, opts, inverse)

    def quantile(self, x: pl.Expr, g: pl.Expr, opts: Mapping[str, Any], inverse: bool) -> pl.Expr:
        """The fitted quantile transform (or its inverse) of ``x`` for rows of group index ``g``."""
        a, n = opts["offset"], self._field("n", g)
        if not inverse:
            key = 2.0 * g.cast(pl.Float64) + ((x - self._field("x_lo", g)) / self._field("x_span", g)).clip(0.0, 1.0)
            f = self.interp(x, key, g, self.x_keys, self.xs, self.fs)
            rank = (f * n + 0.5).clip(1.0, n)
            u = (rank - a) / (n + 1.0 - 2.0 * a)
            return ndtri(u) if opts["output"] == "normal" else u
        u = (-x / _SQRT2).erfc() * 0.5 if opts["output"] == "normal" else x
        f = (u * (n + 1.0 - 2.0 * a) + a - 0.5) / n
        key = 2.0 * g.cast(pl.Float64) + f.clip(0.0, 1.0)
        return self.interp(f, key, g, self.f_keys, self.fs, self.xs)


def _prefixed(prefix: str) -> Stat:
    """Statistics read from columns named ``prefix + statistic``."""
    return lambda name: pl.col(prefix + name)


def _no_stat(name: str) -> pl.Expr:
    msg = f"statistic {name!r} is precomputed per group"
    raise AssertionError(msg)


def grouped_transform(
    acc: Accumulator,
    lazy: pl.LazyFrame,
    schema: pl.Schema,
    plan: Mapping[str, tuple[str, dict[str, Any]]],
    unseen: Unseen,
    inverse: bool,
    where: str,
    eager: bool,
) -> Frame:
    by = list(acc.by)
    for key in by:
        if key not in schema:
            msg = f"polars_norm.{where}: by key {key!r} not found in the frame; available: {schema.names()}"
            raise pl.exceptions.ColumnNotFoundError(msg)
    # one row per fitted group, in a fixed order: a row's group index points into it
    stats = acc.state.select(by).unique(maintain_order=True)
    pooled = acc.pooled() if unseen == "global" else None
    specs: list[tuple[int, str, str, dict[str, Any], dict[str, Any] | None]] = []
    for i, (column, (name, opts)) in enumerate(plan.items()):
        if name == "quantile":
            require_sketch(acc, name, where)
            specs.append((i, column, name, opts, None))
            continue
        part = stat_frame(acc, column, name, opts, where)
        part = part.rename({s: f"__pn_{i}_{s}" for s in part.columns if s not in by})
        stats = stats.join(part, on=by, how="left", nulls_equal=True, maintain_order="left")
        row = None
        if pooled is not None:
            glob = stat_frame(pooled, column, name, opts, where)
            row = glob.row(0, named=True) if glob.height else {}
        specs.append((i, column, name, opts, row))
    stats = stats.cast({k: schema[k] for k in by})
    if unseen == "raise":
        raise_unseen(lazy, stats, by, where)
    # (location, scale) of every column, computed once per group on the small frame (the zero-scale rules
    # included); with unseen="global" the pooled statistics are one more row, the last
    raw = stats.drop(by)
    if pooled is not None and raw.width:
        values = {f"__pn_{i}_{f}": v for i, _, _, _, row in specs for f, v in (row or {}).items()}
        raw = pl.concat([raw, pl.DataFrame([{c: values.get(c) for c in raw.columns}], schema=raw.schema)])
    coefficients = []
    for i, _, name, opts, _ in specs:
        if name != "quantile":
            loc, scale = location_scale(name, opts, _prefixed(f"__pn_{i}_"))
            coefficients.append(scale.alias(f"__pn_{i}_scale"))
            if loc is not None:
                coefficients.append(loc.alias(f"__pn_{i}_loc"))
    small = raw.select(coefficients)
    group = pl.col("__pn_group")
    g = group if pooled is None else group.fill_null(stats.height)
    gathered = [pl.lit(small.get_column(c)).gather(g).alias(c) for c in small.columns]
    # NaN stays NaN where a row's statistics are null (an unseen group, a group without data); when no row
    # can have null statistics the arithmetic keeps NaN by itself and the per-row guard is skipped
    keep_nan = unseen == "null" or any(small.get_column(c).null_count() for c in small.columns)
    exprs = []
    for i, column, name, opts, _ in specs:
        if name == "quantile":
            knots = GroupKnots(acc, column, stats.select(by), pooled)
            exprs.append(numeric_expr(pl.col(column), name, knots.builder(g, opts, inverse)))
            continue
        loc_name = f"__pn_{i}_loc"
        affine = (pl.col(loc_name) if loc_name in small.columns else None, pl.col(f"__pn_{i}_scale"))
        exprs.append(numeric_expr(pl.col(column), name, build_method(name, opts, _no_stat, inverse, keep_nan, affine)))
    helpers = ["__pn_group", *small.columns]
    index = group_index(stats.select(by))
    if index is not None:
        lazy = lazy.with_columns(index.alias("__pn_group"))
    else:  # keys without an elementwise lookup: an ordered left join to (keys, index), which streams
        keys = stats.select(by).with_row_index("__pn_group")
        lazy = lazy.join(keys.lazy(), on=by, how="left", nulls_equal=True, maintain_order="left")
    out = lazy.with_columns(gathered).with_columns(exprs).drop(helpers)
    return out.collect() if eager else out
