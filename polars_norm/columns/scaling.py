"""Location-scale normalizations of a column over its rows: ``(x - loc) / scale``.

z-score, min-max, max-abs and mean normalization (robust scaling, by median
and IQR, is in :mod:`polars_norm.columns.robust`). Each
function takes an expression and returns a lazy ``pl.Expr`` built from native
Polars expressions, so it works in ``select``, ``with_columns``,
``group_by().agg()``, under ``.over()`` and under the streaming engine.
The shared rules (nulls, NaN, zero scale, dtypes) are in
:mod:`polars_norm.semantics`.
"""

from __future__ import annotations

import polars as pl

from polars_norm.semantics import (
    NanPolicy,
    check_ddof,
    check_feature_range,
    check_nan,
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

__all__ = ["inverse_std", "maxabs", "mean_range", "minmax", "zscore"]


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
        # Near the double range the deviations' sum can overflow: no correction
        # there (an overflowing sum means deviations near 1e308, where the
        # mean's rounding is far below the spread).
        inf = float("inf")
        correction = valid_values(centered, nan, like=x).mean().fill_null(0.0).replace([inf, -inf, float("nan")], 0.0)
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
