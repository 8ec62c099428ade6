"""Expressions through a sketch's piecewise-linear CDF: a streaming search, interpolation, the quantile transform.

:func:`quantile_expr` is the fitted quantile transform (and its inverse)
through the knots of :func:`polars_norm.fitted.sketch_cdf.cdf_knots`, built
from :func:`interp` over literal knots; :func:`segment_interp` interpolates
on per-row segments, as the grouped lookup of :mod:`polars_norm.fitted.groups`
finds them. Everything is written with ``bin_intervals`` and elementwise
arithmetic, which stream (:func:`count_at_most`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import polars as pl

from polars_norm.special import ndtri

__all__ = ["count_at_most", "interp", "quantile_expr", "segment_interp"]

_SQRT2 = math.sqrt(2.0)


def count_at_most(x: pl.Expr, knots: pl.Series) -> pl.Expr:
    """The number of ``knots`` (sorted) that are ``<= x``, as Int64: ``search_sorted(x, side="right")``.

    Written with ``bin_intervals``, which is elementwise and streams (Polars
    runs ``search_sorted`` of a literal as a columnar function, which buffers
    the whole input). Repeated knots are dropped first (breakpoints must
    ascend strictly) and counted back through a position table.

    Parameters
    ----------
    x
        A Float64 expression.
    knots
        Sorted Float64 knots, repeats allowed.

    Returns
    -------
    pl.Expr
        An Int64 count in ``[0, len(knots)]``.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.cdf_exprs import count_at_most
    >>> knots = pl.Series([1.0, 2.0, 2.0, 3.0])
    >>> pl.DataFrame({"x": [0.5, 2.0, 2.5, 9.0]}).select(count_at_most(pl.col("x"), knots).alias("n"))
    shape: (4, 1)
    ┌─────┐
    │ n   │
    │ --- │
    │ i64 │
    ╞═════╡
    │ 0   │
    │ 3   │
    │ 3   │
    │ 4   │
    └─────┘
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
    """Piecewise-linear interpolation through knots ``(xs, ys)`` (``xs`` increasing), clamped at the ends.

    Parameters
    ----------
    x
        A Float64 expression.
    xs
        Strictly increasing knot positions (at least one).
    ys
        The knot values, one per position.

    Returns
    -------
    pl.Expr
        ``ys[0]`` at or below ``xs[0]``, ``ys[-1]`` at or above ``xs[-1]``,
        linear in between (see :func:`segment_interp`); NaN stays NaN.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.cdf_exprs import interp
    >>> df = pl.DataFrame({"x": [-1.0, 0.5, 1.5, 5.0, float("nan")]})
    >>> df.select(interp(pl.col("x"), [0.0, 1.0, 2.0], [0.0, 10.0, 30.0]))
    shape: (5, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ 0.0  │
    │ 5.0  │
    │ 20.0 │
    │ 30.0 │
    │ NaN  │
    └──────┘
    """
    if len(xs) == 1:
        return pl.when(x.is_not_nan()).then(pl.lit(ys[0])).otherwise(x)
    kx, ky = pl.lit(pl.Series(xs, dtype=pl.Float64)), pl.lit(pl.Series(ys, dtype=pl.Float64))
    i0 = (count_at_most(x, pl.Series(xs, dtype=pl.Float64)) - 1).clip(0, len(xs) - 2)
    return segment_interp(x, kx.gather(i0), kx.gather(i0 + 1), ky.gather(i0), ky.gather(i0 + 1))


def segment_interp(x: pl.Expr, x0: pl.Expr, x1: pl.Expr, y0: pl.Expr, y1: pl.Expr) -> pl.Expr:
    """Linear interpolation of ``x`` on the segment ``(x0, y0)``-``(x1, y1)``, clamped to its ends.

    Parameters
    ----------
    x
        A Float64 expression.
    x0, x1
        The segment's ends (``x0 < x1``), per row.
    y0, y1
        The values at the ends, per row.

    Returns
    -------
    pl.Expr
        ``y0 + (x - x0) / (x1 - x0) * (y1 - y0)``, clamped to ``[y0, y1]``.

    Notes
    -----
    Infinite knots (a sketch of data holding ``inf``) are ends like any
    other: ``x`` at or beyond an end gives that end's ``y``, so ``inf`` maps
    to the top of the CDF and back; on a segment with an infinite ``y`` end,
    ``x`` gives the nearer end's ``y``. NaN stays NaN.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.cdf_exprs import segment_interp
    >>> x0, x1, y0, y1 = pl.lit(0.0), pl.lit(2.0), pl.lit(10.0), pl.lit(20.0)
    >>> pl.DataFrame({"x": [-1.0, 1.0, 3.0]}).select(segment_interp(pl.col("x"), x0, x1, y0, y1))
    shape: (3, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ 10.0 │
    │ 15.0 │
    │ 20.0 │
    └──────┘
    >>> pl.DataFrame({"x": [0.4, 1.6]}).select(segment_interp(pl.col("x"), x0, x1, y0, pl.lit(float("inf"))))
    shape: (2, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ 10.0 │
    │ inf  │
    └──────┘
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
    """The fitted quantile transform through the sketch's mid-rank CDF ``F``.

    Forward: rank ``r = clip(n F(x) + 1/2, 1, n)``, then
    ``u = (r - a) / (n + 1 - 2a)``, and for ``output="normal"`` the standard
    normal quantile of ``u``. Inverse: the same steps backwards, through
    ``F``'s inverse.

    Parameters
    ----------
    x
        A Float64 expression (the data, or for the inverse the transformed
        values).
    opts
        The resolved ``quantile`` options: ``offset`` (``a``) and ``output``
        (``"uniform"`` or ``"normal"``).
    n
        The number of valid values fitted.
    knots
        ``(x_j, F_j)`` from :func:`polars_norm.fitted.sketch_cdf.cdf_knots`.
    inverse
        Build the inverse transform.

    Returns
    -------
    pl.Expr
        The transformed values; NaN stays NaN.

    Examples
    --------
    With the knots of a sketch of ``[1, 2, 2, 4]``:

    >>> import polars as pl
    >>> from polars_norm.fitted.cdf_exprs import quantile_expr
    >>> knots = ([1.0, 2.0, 4.0], [0.125, 0.5, 0.875])
    >>> opts = {"offset": 0.0, "output": "uniform"}
    >>> pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}).select(quantile_expr(pl.col("x"), opts, 4, knots, inverse=False))
    shape: (4, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ 0.2  │
    │ 0.5  │
    │ 0.65 │
    │ 0.8  │
    └──────┘
    >>> pl.DataFrame({"u": [0.3, 0.5]}).select(quantile_expr(pl.col("u"), opts, 4, knots, inverse=True))
    shape: (2, 1)
    ┌──────────┐
    │ u        │
    │ ---      │
    │ f64      │
    ╞══════════╡
    │ 1.333333 │
    │ 2.0      │
    └──────────┘
    """
    a = opts["offset"]
    xs, fs = knots
    if not inverse:
        rank = (interp(x, xs, fs) * n + 0.5).clip(1.0, float(n))
        u = (rank - a) / (n + 1.0 - 2.0 * a)
        return ndtri(u) if opts["output"] == "normal" else u
    u = (-x / _SQRT2).erfc() * 0.5 if opts["output"] == "normal" else x
    f = (u * (n + 1.0 - 2.0 * a) + a - 0.5) / n
    return interp(f, fs, xs)
