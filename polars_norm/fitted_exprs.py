"""Expressions from fitted statistics: the statistics each method reads, location-scale forms and the sketch CDF.

:func:`stat_frame` reads the statistics a method needs out of an
:class:`~polars_norm.accumulator.Accumulator`, one row per group. The
builders :mod:`polars_norm.fitted` applies per column: ``(x - location) /
scale`` with the zero-scale rules of :mod:`polars_norm.semantics`, their
inverses, and the quantile transform through a piecewise-linear CDF of the
sketch (written with ``bin_intervals``, which streams).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from statistics import NormalDist
from typing import Any, Protocol

import polars as pl
from datasketches import kll_doubles_sketch

from polars_norm.moments import COLUMN, mean_expr, norm_expr, std_expr
from polars_norm.semantics import scale_or_one
from polars_norm.special import ndtri

__all__ = [
    "FittedStatistics",
    "Frame",
    "Stat",
    "build_method",
    "count_at_most",
    "interp",
    "location_scale",
    "quantile_expr",
    "require_sketch",
    "segment_interp",
    "stat_frame",
]


class FittedStatistics(Protocol):
    """What applying fitted statistics reads of them (:class:`polars_norm.Accumulator` provides it).

    The fitted modules depend on this interface rather than on the
    accumulator, which imports them: imports point one way.
    """

    @property
    def by(self) -> tuple[str, ...]: ...

    @property
    def columns(self) -> tuple[str, ...]: ...

    @property
    def quantiles(self) -> bool: ...

    @property
    def norm_orders(self) -> tuple[float, ...]: ...

    @property
    def state(self) -> pl.DataFrame: ...

    def sketch(self, column: str, key: Any = ()) -> kll_doubles_sketch | None: ...

    def column_sketches(self, column: str, keys: pl.DataFrame) -> list[kll_doubles_sketch | None]: ...

    def sketch_quantiles(self, keys: pl.DataFrame, qs: Sequence[float]) -> list[list[float | None]]: ...

    def pooled(self) -> FittedStatistics: ...


#: What a transform takes and returns: a LazyFrame stays lazy.
Frame = pl.DataFrame | pl.LazyFrame

#: Looks a fitted statistic up by name, as a (literal or per-group) expression.
Stat = Callable[[str], pl.Expr]

_SQRT2 = math.sqrt(2.0)


def location_scale(name: str, opts: Mapping[str, Any], stat: Stat) -> tuple[pl.Expr | None, pl.Expr]:
    """The ``(location, scale)`` of a location-scale method: ``y = (x - location) / scale``.

    The same zero-scale rules as the in-query functions of
    :mod:`polars_norm.scaling` and :mod:`polars_norm.norms`, and the same
    rules for missing and infinite statistics:

    * no statistics (a group, or a whole fit, without valid values): the
      scale is null, so every method gives null (NaN stays NaN);
    * a ``zscore`` fitted on data holding ``inf``: its mean or spread is not
      finite and the scale is NaN, so every output is NaN, as in a query,
      where ``x - mean`` and the standard deviation are NaN too. The other
      methods follow IEEE arithmetic on their (exact) statistics, as the
      in-query forms do.
    """
    if name == "zscore":
        std, maxabs = stat("std"), stat("maxabs")
        scale = pl.when(maxabs.is_infinite()).then(pl.lit(float("nan"))).otherwise(scale_or_one(std, maxabs=maxabs))
        return stat("mean"), scale
    if name in ("minmax", "mean_range"):
        lo, hi = stat("min"), stat("max")
        return (lo if name == "minmax" else stat("mean")), _known(scale_or_one(hi - lo), lo, hi)
    if name in ("maxabs", "unit"):
        norm = stat("maxabs" if name == "maxabs" else "norm")
        return None, _known(scale_or_one(norm), norm)
    # robust
    lo, hi = stat("q_lo"), stat("q_hi")
    scale = _known(scale_or_one(hi - lo), lo, hi)
    if opts["unit_variance"]:
        q_lo, q_hi = opts["quantile_range"]
        normal = NormalDist()
        scale = scale / (normal.inv_cdf(q_hi) - normal.inv_cdf(q_lo))
    return (stat("median") if opts["with_centering"] else None), scale


def _known(scale: pl.Expr, *stats: pl.Expr) -> pl.Expr:
    """``scale`` where every statistic it comes from is known; null where any is missing (no data)."""
    return pl.when(pl.all_horizontal(s.is_not_null() for s in stats)).then(scale)


def count_at_most(x: pl.Expr, knots: pl.Series) -> pl.Expr:
    """The number of ``knots`` (sorted) that are ``<= x``, as Int64: ``search_sorted(x, side="right")``.

    Written with ``bin_intervals``, which is elementwise and streams (Polars
    runs ``search_sorted`` of a literal as a columnar function, which buffers
    the whole input). Repeated knots are dropped first (breakpoints must
    ascend strictly) and counted back through a position table.
    """
    keep = knots.is_first_distinct() if knots.len() else knots.is_not_null()
    breaks = knots.filter(keep)
    b = x.bin_intervals(breaks, labels=False, right_closed=False).cast(pl.Int64)
    if breaks.len() == knots.len():
        return b
    # count of knots <= the b-th distinct break = (position of the next distinct break) or all of them
    ends = pl.Series([*pl.int_range(knots.len(), eager=True).filter(keep).to_list()[1:], knots.len()], dtype=pl.Int64)
    return pl.when(b == 0).then(pl.lit(0, pl.Int64)).otherwise(pl.lit(ends).gather(b - 1))


def interp(x: pl.Expr, xs: list[float], ys: list[float]) -> pl.Expr:
    """Piecewise-linear interpolation through knots ``(xs, ys)`` (``xs`` increasing), clamped at the ends."""
    if len(xs) == 1:
        return pl.when(x.is_not_nan()).then(pl.lit(ys[0])).otherwise(x)
    kx, ky = pl.lit(pl.Series(xs, dtype=pl.Float64)), pl.lit(pl.Series(ys, dtype=pl.Float64))
    i0 = (count_at_most(x, pl.Series(xs, dtype=pl.Float64)) - 1).clip(0, len(xs) - 2)
    return segment_interp(x, kx.gather(i0), kx.gather(i0 + 1), ky.gather(i0), ky.gather(i0 + 1))


def segment_interp(x: pl.Expr, x0: pl.Expr, x1: pl.Expr, y0: pl.Expr, y1: pl.Expr) -> pl.Expr:
    """Linear interpolation of ``x`` on the segment ``(x0, y0)``-``(x1, y1)``, clamped to its ends.

    Infinite knots (a sketch of data holding ``inf``) are ends like any
    other: ``x`` at or beyond an end gives that end's ``y``, so ``inf`` maps
    to the top of the CDF and back; on a segment with an infinite ``y`` end,
    ``x`` gives the nearer end's ``y``. NaN stays NaN.
    """
    t = ((x - x0) / (x1 - x0)).fill_nan(1.0)  # NaN only from x0 = -inf: a finite x is nearer x1
    # toward an infinite end there is nothing to interpolate: the nearer end, so that rounding in ``x`` neither
    # makes a finite value infinite nor the reverse
    step = pl.when(t < 0.5).then(y0).otherwise(y1)
    inner = (
        pl.when(y1 == y0).then(y0).when(y0.is_infinite() | y1.is_infinite()).then(step).otherwise(y0 + t * (y1 - y0))
    )
    return pl.when(x.is_nan()).then(x).when(x >= x1).then(y1).when(x <= x0).then(y0).otherwise(inner)


def quantile_expr(
    x: pl.Expr, opts: Mapping[str, Any], n: int, knots: tuple[list[float], list[float]], inverse: bool
) -> pl.Expr:
    """Through the sketch's mid-rank CDF ``F``: rank ``r = clip(n F + 1/2, 1, n)``, ``u = (r - a) / (n + 1 - 2a)``."""
    a = opts["offset"]
    xs, fs = knots
    if not inverse:
        rank = (interp(x, xs, fs) * n + 0.5).clip(1.0, float(n))
        u = (rank - a) / (n + 1.0 - 2.0 * a)
        return ndtri(u) if opts["output"] == "normal" else u
    u = (-x / _SQRT2).erfc() * 0.5 if opts["output"] == "normal" else x
    f = (u * (n + 1.0 - 2.0 * a) + a - 0.5) / n
    return interp(f, fs, xs)


def build_method(
    name: str,
    opts: Mapping[str, Any],
    stat: Stat,
    inverse: bool,
    keep_nan: bool,
    affine: tuple[pl.Expr | None, pl.Expr] | None = None,
) -> Callable[..., pl.Expr]:
    """The builder of a location-scale method; ``affine`` gives ``(location, scale)`` already computed."""

    def build(x: pl.Expr, _: object) -> pl.Expr:
        loc, scale = affine if affine is not None else location_scale(name, opts, stat)
        if not inverse:
            out = x if loc is None else x - loc
            out = out / scale
            if name == "minmax":
                low, high = opts["feature_range"]
                if (low, high) != (0.0, 1.0):
                    out = out * (high - low) + low
                if opts["clip"]:
                    out = out.clip(low, high)
        else:
            y = x
            if name == "minmax":
                low, high = opts["feature_range"]
                if (low, high) != (0.0, 1.0):
                    y = (y - low) / (high - low)
            out = y * scale
            out = out if loc is None else out + loc
        return pl.when(x.is_nan()).then(x).otherwise(out) if keep_nan else out

    return build


def stat_frame(acc: FittedStatistics, column: str, name: str, opts: Mapping[str, Any], where: str) -> pl.DataFrame:
    """The statistics ``name`` needs, one row per group: the by keys and one column per statistic."""
    by = list(acc.by)
    state = acc.state.filter(pl.col(COLUMN) == column)
    if name == "zscore":
        exprs = [mean_expr().alias("mean"), std_expr(opts["ddof"]).alias("std"), norm_expr(math.inf).alias("maxabs")]
    elif name in ("minmax", "mean_range"):
        exprs = [mean_expr().alias("mean"), pl.col("min"), pl.col("max")]
    elif name == "maxabs":
        exprs = [norm_expr(math.inf).alias("maxabs")]
    elif name == "unit":
        p = opts["p"]
        if not math.isinf(p) and p not in acc.norm_orders:
            msg = (
                f"polars_norm.{where}: the L{p:g} norm was not fitted (norm_orders={acc.norm_orders}); "
                f"fit with norm_orders including {p:g}"
            )
            raise ValueError(msg)
        exprs = [norm_expr(p).alias("norm")]
    else:  # robust, quantile: from the sketch
        exprs = [pl.col("count").alias("n")]
    frame = state.select(*by, *exprs)
    if name == "robust":
        require_sketch(acc, name, where)
        lo, hi = opts["quantile_range"]
        keys = pl.DataFrame([*frame.select(by).get_columns(), pl.Series(COLUMN, [column] * frame.height, pl.String)])
        values = acc.sketch_quantiles(keys, (lo, 0.5, hi))
        names = ("q_lo", "median", "q_hi")
        frame = frame.with_columns(pl.Series(k, v, pl.Float64) for k, v in zip(names, values, strict=True))
    return frame


def require_sketch(acc: FittedStatistics, name: str, where: str) -> None:
    """Raise if ``name`` needs quantile sketches and ``acc`` was fitted without them."""
    if not acc.quantiles:
        msg = (
            f"polars_norm.{where}: method {name!r} needs quantile sketches, but these statistics were "
            "fitted with quantiles=False; fit again with quantiles=True"
        )
        raise ValueError(msg)
