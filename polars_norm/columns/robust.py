"""Robust scaling of a column: ``(x - median) / (q_high - q_low)``.

:func:`robust` selects its quantiles with a numpy kernel
(:mod:`polars_norm.kernels.column_quantiles`); columns of integers wider than
a double's 53 bits go through :func:`robust_integers`, exact to rounding. The
shared rules (nulls, NaN, zero scale, dtypes) are in :mod:`polars_norm.semantics`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import partial
from statistics import NormalDist
from typing import cast

import polars as pl

from polars_norm.kernels.column_quantiles import FloatArray, order_statistics, robust_column
from polars_norm.semantics import (
    NanPolicy,
    check_nan,
    check_quantile_range,
    exact_offsets,
    inverse_scale,
    numeric_expr,
)

__all__ = ["robust", "robust_integers"]


#: A robust spread below this fraction of max|x| counts as zero: dividing by it could overflow
#: (Float64 output; Float32 output overflows past 2**128).
_OVERFLOW_RATIO = {pl.Float64: 2.0**-1012, pl.Float32: 2.0**-120}


def _positions(q: float, n: int) -> tuple[int, int, float]:
    """Linear interpolation between order statistics (numpy's and Polars' ``"linear"``): ``lo, hi, fraction``."""
    position = q * (n - 1)
    lo = math.floor(position)
    return lo, min(lo + 1, n - 1), position - lo


def _exact_quantile(ordered: dict[int, int], q: float, n: int) -> Fraction:
    """The ``q`` quantile of ``n`` integers from their order statistics ``ordered`` (by rank), exactly."""
    lo, hi, fraction = _positions(q, n)
    a = ordered[lo]
    return a + (ordered[hi] - a) * Fraction(fraction)


def _differences(s: pl.Series, anchor: int, spread: int) -> pl.Series:
    """``s - anchor`` of an Int64 or UInt64 Series, exact before the one rounding to Float64.

    ``spread`` bounds ``|s - anchor|``: below ``2**63`` the wrapping difference
    in the Series' own dtype, read as signed, is the true one; otherwise the
    difference is taken in Int128.
    """
    if spread < 2**63:
        diff: pl.Series = s - pl.Series([anchor], dtype=s.dtype)
        if s.dtype == pl.UInt64:
            diff = diff.reinterpret(signed=True)
    else:
        diff = s.cast(pl.Int128) - pl.Series([anchor], dtype=pl.Int128)
    out: pl.Series = diff.cast(pl.Float64)
    return out


def robust_integers(
    s: pl.Series,
    *,
    quantile_range: tuple[float, float],
    with_centering: bool,
    divisor: float,
) -> pl.Series:
    """:func:`robust` of an Int64 or UInt64 Series, exact to rounding: the kernel of its integer columns.

    The order statistics are selected on the integers themselves (numpy's
    introselect through :func:`polars_norm.kernels.column_quantiles.order_statistics`,
    which leaves each wanted rank in place), so the quantiles and their
    spread are exact rationals, rounded once. The centering subtracts the
    median's integer part in integer arithmetic (Int128 when the values span
    ``2**63`` or more) before the cast to Float64, then its fractional part.
    A cast of the values first would round them to multiples of 1024 near
    ``2**62``, and a spread of a few units to 0 or 1024. A zero spread is
    taken as 1; a nonzero spread of integers cannot overflow a reciprocal.

    Parameters
    ----------
    s
        An Int64 or UInt64 Series (one column or group).
    quantile_range, with_centering
        As in :func:`robust`.
    divisor
        ``Phi^-1(q_hi) - Phi^-1(q_lo)`` with ``unit_variance``, else 1.

    Returns
    -------
    pl.Series
        Float64, named as ``s``.

    Examples
    --------
    >>> s = pl.Series("x", [2**62 + 1, 2**62 + 2, 2**62 + 3, 2**62 + 4, None])
    >>> robust_integers(s, quantile_range=(0.25, 0.75), with_centering=True, divisor=1.0).to_list()
    [-1.0, -0.3333333333333333, 0.3333333333333333, 1.0, None]
    """
    out: pl.Series
    if s.null_count() == s.len():  # no data: null stays null
        out = s.cast(pl.Float64)
        return out
    valid = s.drop_nulls() if s.null_count() else s  # drop_nulls has a fixed cost: many small groups
    array = valid.to_numpy().copy()  # reordered in place
    n = array.size
    q_lo, q_hi = quantile_range
    quantiles = (q_lo, 0.5, q_hi)
    ranks = sorted({rank for q in quantiles for rank in _positions(q, n)[:2]})
    # The selection compares and moves the integers as they are (it reads its
    # pivots as floats only to choose between selecting and sorting), and
    # leaves each wanted rank in place.
    order_statistics(cast(FloatArray, array), ranks)
    ordered = {r: int(array[r]) for r in ranks}
    low, median, high = (_exact_quantile(ordered, q, n) for q in quantiles)
    spread = high - low
    inverse = (1.0 if spread == 0 else float(1 / spread)) * divisor
    if not with_centering:
        out = s.cast(pl.Float64) * inverse
        return out
    anchor = math.floor(median)
    extent = max(cast(int, s.max()) - anchor, anchor - cast(int, s.min()))
    out = (_differences(s, anchor, extent) - float(median - anchor)) * inverse
    return out


def robust(
    expr: pl.Expr,
    *,
    quantile_range: tuple[float, float] = (0.25, 0.75),
    with_centering: bool = True,
    unit_variance: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Robust scaling: ``(x - median) / (q_hi - q_lo)``, insensitive to outliers.

    Parameters
    ----------
    expr
        A numeric column or expression.
    quantile_range
        The ``(q_lo, q_hi)`` quantiles whose difference is the scale, with
        ``0 <= q_lo < q_hi <= 1``; the default is the interquartile range.
        Quantiles interpolate linearly, as numpy's ``percentile`` and
        scikit-learn's ``RobustScaler`` do.
    with_centering
        Subtract the median (default). Without it the output is ``x / scale``.
    unit_variance
        Divide the scale by ``Phi^-1(q_hi) - Phi^-1(q_lo)``, so normally
        distributed data gets unit variance (as in scikit-learn).
    nan
        ``"ignore"`` (default) or ``"propagate"``; see :func:`zscore`.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are ignored by the statistics and kept in the output. A zero
    quantile range (more than half the values equal, say) is taken as 1, as in
    scikit-learn, so such a column is only centered. So is a range so small
    beside ``max|x|`` that dividing by it could overflow (below ``2**-1012``
    of it; ``2**-120`` for Float32), so finite input never yields inf.

    The quantiles come from numpy's introselect over one copy of each column
    (or group), run through ``map_batches`` (:mod:`polars_norm.kernels.column_quantiles`):
    faster than Polars' own ``quantile``, eagerly and more so in a lazy query,
    whose default (streaming) engine runs ``quantile`` slowly and calls the
    columns' kernels one after another; ``collect(engine="in-memory")`` runs
    them in parallel. The robust rows of docs/benchmarks.md measure it.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 100.0]})
    >>> df.select(pl.col("x").norm.robust())
    shape: (5, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ -1.0 │
    │ -0.5 │
    │ 0.0  │
    │ 0.5  │
    │ 48.5 │
    └──────┘
    """
    q_lo, q_hi = check_quantile_range(quantile_range, "robust")
    check_nan(nan, "robust")
    divisor = 1.0
    if unit_variance:
        if q_lo <= 0.0 or q_hi >= 1.0:
            msg = (
                f"polars_norm.robust: quantile_range={quantile_range!r} must lie strictly "
                "inside (0, 1) with unit_variance=True"
            )
            raise ValueError(msg)
        normal = NormalDist()
        divisor = normal.inv_cdf(q_hi) - normal.inv_cdf(q_lo)

    def on_columns(x: pl.Expr, out: type[pl.Float32] | type[pl.Float64]) -> pl.Expr:
        # One selection per column gives every quantile (polars_norm.kernels.column_quantiles).
        kernel = partial(
            robust_column,
            quantile_range=(q_lo, q_hi),
            with_centering=with_centering,
            divisor=divisor,
            nan=nan,
            overflow_ratio=_OVERFLOW_RATIO[out],
        )
        return x.map_batches(kernel, return_dtype=pl.Float64)

    def build(x: pl.Expr, out: type[pl.Float32] | type[pl.Float64]) -> pl.Expr:
        if x.meta.is_scalar():  # one value (a literal, an aggregate): zero spread, scale 1
            return (x - x) * divisor if with_centering else x * divisor
        return on_columns(x, out)

    def build_integers(x: pl.Expr, dtype: pl.DataType) -> pl.Expr:
        if x.meta.is_scalar() or dtype not in (pl.Int64, pl.UInt64, pl.Int128, pl.UInt128):
            # narrower integers are exact as Float64, and so are their quantiles' differences
            return build(x.cast(pl.Float64), pl.Float64)
        if dtype in (pl.Int64, pl.UInt64):
            kernel = partial(
                robust_integers, quantile_range=(q_lo, q_hi), with_centering=with_centering, divisor=divisor
            )
            return x.map_batches(kernel, return_dtype=pl.Float64)
        # Int128, UInt128 (numpy has no such dtype): the quantiles of the exact
        # offsets from the minimum, rounded once to Float64.
        offsets = exact_offsets(x, dtype)
        if with_centering:  # (x - median) / spread is the same on x - min(x)
            return on_columns(offsets, pl.Float64)
        spread = offsets.quantile(q_hi, "linear") - offsets.quantile(q_lo, "linear")
        return x.cast(pl.Float64) * (inverse_scale(spread, zero_inverse=1.0) * divisor)

    return numeric_expr(expr, "robust", build, wide_integer_build=build_integers)
