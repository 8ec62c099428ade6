"""Nonlinear normalizations: power transforms (Box-Cox, Yeo-Johnson) and softmax."""

from __future__ import annotations

import polars as pl

from polars_norm.semantics import (
    NanPolicy,
    check_finite,
    check_nan,
    check_positive,
    numeric_expr,
    safe_location,
    valid_values,
)
from polars_norm.special import expm1

__all__ = ["box_cox", "softmax", "yeo_johnson"]


def _pow_minus_one_over(log_base: pl.Expr, lmbda: float) -> pl.Expr:
    """``(base**lmbda - 1) / lmbda`` from ``log(base)``; its ``lmbda -> 0`` limit is ``log(base)``."""
    if lmbda == 0.0:
        return log_base
    return expm1(log_base * lmbda) / lmbda


def box_cox(expr: pl.Expr, lmbda: float) -> pl.Expr:
    """The Box-Cox power transform with a given ``lmbda``, for positive data.

    ``(x**lmbda - 1) / lmbda``, or ``log(x)`` when ``lmbda == 0``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    lmbda
        The power (finite). The transform is continuous in ``lmbda``; it is
        computed with ``expm1``, so ``lmbda`` near 0 loses no precision.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Box-Cox is defined for ``x > 0`` only. The policy here: a value ``<= 0``
    gives null (as an undefined result), NaN stays NaN and null stays null.
    Use :func:`yeo_johnson` for data with zeros or negative values. Unlike
    scikit-learn's ``PowerTransformer``, nothing is standardized afterwards:
    chain :func:`zscore` for that.

    References
    ----------
    .. [1] Box, G. E. P. and Cox, D. R. (1964). "An analysis of
       transformations". JRSS B 26(2), 211-252.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [1.0, 4.0, -1.0]})
    >>> df.select(pl.col("x").norm.box_cox(0.5))
    shape: (3, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ 0.0  │
    │ 2.0  │
    │ null │
    └──────┘
    """
    lmbda = check_finite(lmbda, "lmbda", "box_cox")

    def build(x: pl.Expr, _: object) -> pl.Expr:
        out = _pow_minus_one_over(x.log(), lmbda)
        return pl.when(x > 0.0).then(out).when(x.is_nan()).then(x)

    return numeric_expr(expr, "box_cox", build)


def yeo_johnson(expr: pl.Expr, lmbda: float) -> pl.Expr:
    """The Yeo-Johnson power transform with a given ``lmbda``, for any real data.

    For ``x >= 0``: ``((x + 1)**lmbda - 1) / lmbda`` (``log1p(x)`` when
    ``lmbda == 0``); for ``x < 0``: ``-((1 - x)**(2 - lmbda) - 1) / (2 - lmbda)``
    (``-log1p(-x)`` when ``lmbda == 2``).

    Parameters
    ----------
    expr
        A numeric column or expression.
    lmbda
        The power (finite).

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Defined for all real values; null and NaN are kept. Computed with
    ``log1p``/``expm1``, so it is accurate near 0 and for ``lmbda`` near 0 or 2.
    Nothing is standardized afterwards (scikit-learn's ``PowerTransformer``
    does by default): chain :func:`zscore` for that.

    References
    ----------
    .. [1] Yeo, I.-K. and Johnson, R. A. (2000). "A new family of power
       transformations to improve normality or symmetry". Biometrika 87(4),
       954-959.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [-3.0, 0.0, 3.0]})
    >>> df.select(pl.col("x").norm.yeo_johnson(1.0))
    shape: (3, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ -3.0 │
    │ 0.0  │
    │ 3.0  │
    └──────┘
    """
    lmbda = check_finite(lmbda, "lmbda", "yeo_johnson")

    def build(x: pl.Expr, _: object) -> pl.Expr:
        if lmbda in (0.0, 2.0):
            # one side is its log limit: the two-branch form is cheap here
            positive = _pow_minus_one_over(x.log1p(), lmbda)
            negative = -_pow_minus_one_over((-x).log1p(), 2.0 - lmbda)
            return pl.when(x >= 0.0).then(positive).when(x < 0.0).then(negative).otherwise(x)
        # One branch for both signs: with p = lmbda (x >= 0) or 2 - lmbda
        # (x < 0), the result is sign(x) * expm1(p * log1p(|x|)) / p. A
        # when/then evaluates every branch on every row, so this computes the
        # transcendental functions once per value instead of twice.
        # (NaN rows: log1p(NaN) is NaN; null rows stay null.)
        non_negative = x >= 0.0
        power = pl.when(non_negative).then(pl.lit(lmbda)).otherwise(pl.lit(2.0 - lmbda))
        factor = pl.when(non_negative).then(pl.lit(1.0 / lmbda)).otherwise(pl.lit(-1.0 / (2.0 - lmbda)))
        return expm1(x.abs().log1p() * power) * factor

    return numeric_expr(expr, "yeo_johnson", build)


def softmax(expr: pl.Expr, *, temperature: float = 1.0, nan: NanPolicy = "ignore") -> pl.Expr:
    """Softmax over the column: ``exp(x / T) / sum(exp(x / T))``, overflow-safe.

    Parameters
    ----------
    expr
        A numeric column or expression.
    temperature
        ``T > 0``; higher flattens the distribution, lower sharpens it.
    nan
        ``"ignore"`` (default) or ``"propagate"``.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input; the valid
        outputs sum to 1.

    Notes
    -----
    The maximum is subtracted before exponentiating, so values such as 1000
    do not overflow; the largest term is exactly 1 and the sum is never zero.
    Nulls and NaN are left out of the sum and kept in the output.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [1000.0, 1000.0, None]})
    >>> df.select(pl.col("x").norm.softmax())
    shape: (3, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ 0.5  │
    │ 0.5  │
    │ null │
    └──────┘
    """
    temperature = check_positive(temperature, "temperature", "softmax")
    check_nan(nan, "softmax")

    def build(x: pl.Expr, _: object) -> pl.Expr:
        top = safe_location(x.max() if nan == "ignore" else x.nan_max())
        shifted = x - top
        weights = (shifted * (1.0 / temperature) if temperature != 1.0 else shifted).exp()
        # the largest weight is exactly 1, so the sum is >= 1: no zero-scale case
        return weights * (1.0 / valid_values(weights, nan, like=x).sum())

    return numeric_expr(expr, "softmax", build)
