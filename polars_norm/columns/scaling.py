"""Location-scale normalizations of a column over its rows: ``(x - loc) / scale``.

z-score, min-max, max-abs, robust (median / IQR) and mean normalization. Each
function takes an expression and returns a lazy ``pl.Expr`` built from native
Polars expressions, so it works in ``select``, ``with_columns``,
``group_by().agg()``, under ``.over()`` and under the streaming engine.
The shared rules (nulls, NaN, zero scale, dtypes) are in
:mod:`polars_norm.semantics`.
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
    check_ddof,
    check_feature_range,
    check_nan,
    check_quantile_range,
    exact_offsets,
    exact_range,
    inverse_of_unit_std,
    inverse_scale,
    max_abs,
    numeric_expr,
    safe_location,
    std_unit_exponent,
    unsigned_offsets,
    valid_values,
)

__all__ = ["inverse_std", "maxabs", "mean_range", "minmax", "robust", "robust_integers", "zscore"]


def _extremes(x: pl.Expr, nan: NanPolicy) -> tuple[pl.Expr, pl.Expr]:
    # Polars' min/max already skip NaN; nan_min/nan_max propagate it.
    if nan == "ignore":
        return x.min(), x.max()
    return x.nan_min(), x.nan_max()


def inverse_std(x: pl.Expr, centered: pl.Expr, *, ddof: int, nan: NanPolicy) -> pl.Expr:
    """``1 / std`` of ``x`` from its centered values, with the zero-scale rule.

    - The variance is taken over ``x - mean``: centering first makes Polars'
      variance exact to rounding even on data such as ``1e12 + N(0, 1)``,
      where ``x.var()`` loses most of its digits, more on sorted values than
      on shuffled ones (docs/semantics.md, "Precision").
    - The centered values are divided by ``2**k``, the power of two with
      ``2**k <= max|x| < 2**(k+1)`` (exact), so magnitudes of 1e+-300 neither
      overflow nor underflow when squared, and the standard deviation comes
      out in units of ``max|x|``.
    - In those units the zero-scale test is a constant: a standard deviation
      at most ``ZERO_SCALE_RTOL`` (the column's values all lie within about an
      ulp of each other: rounding, not signal) gives an inverse of 0, and so
      does an undefined one (fewer than ``ddof + 1`` values). A constant
      column maps to exactly 0.

    Each costly statistic is referenced at most twice, and the zero test adds
    none: an eager ``select`` does not eliminate common subexpressions.

    Parameters
    ----------
    x
        The Float64 values.
    centered
        ``x - mean``, computed elementwise from ``x``.
    ddof, nan
        As in :func:`zscore`.

    Returns
    -------
    pl.Expr
        A scalar multiplier (per group under ``.over``).

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1e12 + 1, 1e12 + 2, 1e12 + 3]})
    >>> centered = pl.col("x") - pl.col("x").mean()
    >>> df.select(inverse_std(pl.col("x"), centered, ddof=1, nan="ignore")).item()
    1.0
    >>> pl.DataFrame({"x": [7.0, 7.0]}).select(inverse_std(pl.col("x"), pl.col("x") - 7.0, ddof=1, nan="ignore")).item()
    0.0
    """
    # (no fill_nan here: Polars rewrites it into a when/then that evaluates k
    # three times; max_abs is null without data, and k is then 0)
    # max|x| skipping NaN even when propagating: with a NaN the standard
    # deviation is NaN whatever k is, and NaN-propagating max/min run at
    # slower than Polars' NaN-skipping ones.
    k = std_unit_exponent(max_abs(x, "ignore"))
    # (filtered, then scaled: the filtered deviations are the ones zscore's
    # correction averages, so a query computes them once)
    unit_std = (valid_values(centered, nan, like=x) * pl.lit(2.0).pow(-k)).std(ddof)
    return inverse_of_unit_std(unit_std, k)


def zscore(expr: pl.Expr, *, ddof: int = 1, nan: NanPolicy = "ignore") -> pl.Expr:
    """Standardize to zero mean and unit standard deviation: ``(x - mean) / std``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    ddof
        Delta degrees of freedom of the standard deviation. Defaults to 1, as
        in Polars; scikit-learn's ``StandardScaler`` uses 0.
    nan
        ``"ignore"`` (default) leaves NaN out of the mean and standard
        deviation; ``"propagate"`` lets one NaN turn its whole column NaN.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are ignored by the statistics and kept in the output. A
    constant column (all values within one ulp of each other) has a zero
    standard deviation, taken as 1 about its exact value: it maps to exactly 0.
    So does a single value, whose standard deviation is undefined. The variance
    is computed on centered values (two passes), which is exact to rounding
    where Polars' one-pass ``var()`` loses most digits on large offsets
    (``1e12 + N(0, 1)``, epoch timestamps), and rescaled by a power of two,
    so magnitudes of 1e+-300 neither overflow nor underflow.

    References
    ----------
    .. [1] Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). "Algorithms for
       computing the sample variance: analysis and recommendations".
       The American Statistician 37(3), 242-247.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm  # registers the ``norm`` namespace
    >>> df = pl.DataFrame({"x": [1.0, 2.0, 3.0, None, float("nan")]})
    >>> df.select(pl.col("x").norm.zscore())
    shape: (5, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ -1.0 │
    │ 0.0  │
    │ 1.0  │
    │ null │
    │ NaN  │
    └──────┘
    """
    ddof = check_ddof(ddof, "zscore")
    check_nan(nan, "zscore")

    def build(x: pl.Expr, _: object) -> pl.Expr:
        centered = x - safe_location(valid_values(x, nan).mean())
        # The mean's rounding (up to an ulp of a large offset: a whole standard
        # deviation at 1e15 + N(0, 1)) is undone by the mean of the deviations,
        # never rounded back to the offset (the standard deviation does not move).
        correction = valid_values(centered, nan, like=x).mean().fill_null(0.0)
        return (centered - correction) * inverse_std(x, centered, ddof=ddof, nan=nan)

    def build_integers(x: pl.Expr, dtype: pl.DataType) -> pl.Expr:
        # Offsets from the minimum, exact in integer arithmetic: no NaN, no
        # overflow when squared (below 2**256), and a standard deviation that
        # is 0 only on a constant column (otherwise at least
        # 1 / sqrt(2 * (n - 1)), far above ZERO_SCALE_RTOL): unit 2**0.
        centered = exact_offsets(x, dtype) - unsigned_offsets(x, dtype).mean()
        return centered * inverse_of_unit_std(centered.std(ddof), pl.lit(0.0))

    return numeric_expr(expr, "zscore", build, wide_integer_build=build_integers)


def minmax(
    expr: pl.Expr,
    *,
    feature_range: tuple[float, float] = (0.0, 1.0),
    clip: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Rescale ``[min, max]`` linearly onto ``feature_range``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    feature_range
        The ``(low, high)`` target interval, ``low < high``.
    clip
        Clip the output to ``feature_range`` (guards against rounding just
        outside it, and against values outside the fitted range when the
        statistics come from elsewhere).
    nan
        ``"ignore"`` (default) or ``"propagate"``; see :func:`zscore`.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are ignored by the statistics and kept in the output. A zero
    range (constant column) is taken as 1, so a constant column maps to
    ``feature_range[0]``, as in scikit-learn's ``MinMaxScaler``.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [2, 4, 6, None]})
    >>> df.select(pl.col("x").norm.minmax(feature_range=(-1.0, 1.0)))
    shape: (4, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ -1.0 │
    │ 0.0  │
    │ 1.0  │
    │ null │
    └──────┘
    """
    low, high = check_feature_range(feature_range, "minmax")
    check_nan(nan, "minmax")

    def to_range(out: pl.Expr) -> pl.Expr:
        if (low, high) != (0.0, 1.0):
            out = out * (high - low) + low
        if clip:
            out = out.clip(low, high)
        return out

    def build(x: pl.Expr, _: object) -> pl.Expr:
        lo, hi = _extremes(x, nan)
        return to_range((x - safe_location(lo)) * inverse_scale(hi - lo))

    def build_integers(x: pl.Expr, dtype: pl.DataType) -> pl.Expr:
        return to_range(exact_offsets(x, dtype) * inverse_scale(exact_range(x, dtype)))

    return numeric_expr(expr, "minmax", build, wide_integer_build=build_integers)


def maxabs(expr: pl.Expr, *, nan: NanPolicy = "ignore") -> pl.Expr:
    """Scale by the maximum absolute value, onto ``[-1, 1]``: ``x / max|x|``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    nan
        ``"ignore"`` (default) or ``"propagate"``; see :func:`zscore`.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are ignored by the statistic and kept in the output. An
    all-zero column has scale 1 and stays 0. Sparsity (zeros) is preserved, as
    in scikit-learn's ``MaxAbsScaler``.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> pl.DataFrame({"x": [-4.0, 2.0, 0.0]}).select(pl.col("x").norm.maxabs())
    shape: (3, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ -1.0 │
    │ 0.5  │
    │ 0.0  │
    └──────┘
    """
    check_nan(nan, "maxabs")

    def build(x: pl.Expr, _: object) -> pl.Expr:
        return x * inverse_scale(max_abs(x, nan))

    return numeric_expr(expr, "maxabs", build)


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


def mean_range(expr: pl.Expr, *, nan: NanPolicy = "ignore") -> pl.Expr:
    """Mean normalization: ``(x - mean) / (max - min)``, centered, range 1.

    Parameters
    ----------
    expr
        A numeric column or expression.
    nan
        ``"ignore"`` (default) or ``"propagate"``; see :func:`zscore`.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are ignored by the statistics and kept in the output. A zero
    range (constant column) is taken as 1, so a constant column maps to 0.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> pl.DataFrame({"x": [0.0, 1.0, 5.0]}).select(pl.col("x").norm.mean_range())
    shape: (3, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ -0.4 │
    │ -0.2 │
    │ 0.6  │
    └──────┘
    """
    check_nan(nan, "mean_range")

    def build(x: pl.Expr, _: object) -> pl.Expr:
        lo, hi = _extremes(x, nan)
        return (x - safe_location(valid_values(x, nan).mean())) * inverse_scale(hi - lo)

    def build_integers(x: pl.Expr, dtype: pl.DataType) -> pl.Expr:
        centered = exact_offsets(x, dtype) - unsigned_offsets(x, dtype).mean()
        return centered * inverse_scale(exact_range(x, dtype))

    return numeric_expr(expr, "mean_range", build, wide_integer_build=build_integers)
