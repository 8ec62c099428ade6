"""Norms of a column (L0, L1, L2, Lp, L-infinity) and scaling to unit norm.

A norm measures the length of the column seen as one vector; it is an
aggregation (one value per column, per group in ``group_by().agg()``,
broadcast under ``.over()``). :func:`unit` divides by it.
"""

from __future__ import annotations

import math

import polars as pl

from polars_norm.semantics import NanPolicy, check_nan, check_p, inverse_scale, max_abs, numeric_expr, valid_values

__all__ = ["l0", "l1", "l2", "linf", "lp", "lp_norm_of", "unit"]


def lp_norm_of(x: pl.Expr, p: float, nan: NanPolicy) -> pl.Expr:
    """The Lp norm of Float64 ``x`` over its rows, overflow- and underflow-safe.

    Null when there are no valid values. For ``1 < p < inf`` the values are
    divided by the power of two ``2**k`` nearest ``max|x|`` before being
    raised to ``p`` (LAPACK's ``dnrm2`` scaling, done without rounding), so
    ``[1e300, 1e300]`` has L2 norm ``1.414e300`` and ``[1e-300, 1e-300]`` has
    ``1.414e-300``.

    Parameters
    ----------
    x
        Float64 values.
    p
        The order, in ``(0, inf]``.
    nan
        ``"ignore"`` or ``"propagate"``.

    Returns
    -------
    pl.Expr
        An aggregation, Float64.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1e300, 1e300, None]})
    >>> df.select(lp_norm_of(pl.col("x"), 2.0, "ignore")).item()
    1.4142135623730952e+300
    >>> df.select(lp_norm_of(pl.col("x"), 1.0, "ignore")).item()
    2e+300
    """
    if math.isinf(p):
        return max_abs(x, nan)
    values = valid_values(x, nan)
    if p == 1.0:
        # Every partial sum is below the total, so this overflows only when
        # the true norm itself exceeds the largest double.
        return pl.when(values.count() > 0).then(values.abs().sum())
    # k is clipped so that 2**k and 2**-k are both normal doubles; it is null
    # when there are no valid values, and so is the norm.
    k = max_abs(x, nan).log(2.0).floor().clip(-1022.0, 1022.0)
    scaled = (values * pl.lit(2.0).pow(-k)).abs()
    total = scaled.pow(2).sum().sqrt() if p == 2.0 else scaled.pow(p).sum().pow(1.0 / p)
    return total * pl.lit(2.0).pow(k)


def _norm(expr: pl.Expr, p: float, nan: NanPolicy, method: str) -> pl.Expr:
    check_nan(nan, method)
    return numeric_expr(expr, method, lambda x, _: lp_norm_of(x, p, nan))


def l0(expr: pl.Expr, *, nan: NanPolicy = "ignore") -> pl.Expr:
    """Count of non-zero values (the "L0 norm").

    Parameters
    ----------
    expr
        A numeric column or expression.
    nan
        ``"ignore"`` (default) does not count NaN; ``"propagate"`` counts it
        as non-zero, as ``numpy.count_nonzero`` does.

    Returns
    -------
    pl.Expr
        An aggregation, UInt32; null when there are no valid values.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> pl.DataFrame({"x": [0.0, 3.0, -1.0, None]}).select(pl.col("x").norm.l0())
    shape: (1, 1)
    ┌─────┐
    │ x   │
    │ --- │
    │ u32 │
    ╞═════╡
    │ 2   │
    └─────┘
    """
    check_nan(nan, "l0")

    def build(x: pl.Expr, _: object) -> pl.Expr:
        values = valid_values(x, nan)
        return pl.when(values.count() > 0).then((values != 0.0).sum().cast(pl.UInt32))

    return numeric_expr(expr, "l0", build, keep_dtype=False)


def l1(expr: pl.Expr, *, nan: NanPolicy = "ignore") -> pl.Expr:
    """The L1 norm, ``sum(|x|)``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    nan
        ``"ignore"`` (default) or ``"propagate"``.

    Returns
    -------
    pl.Expr
        An aggregation, Float64 (Float32 for Float32 input); null when there
        are no valid values.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> pl.DataFrame({"x": [3.0, -4.0]}).select(pl.col("x").norm.l1())
    shape: (1, 1)
    ┌─────┐
    │ x   │
    │ --- │
    │ f64 │
    ╞═════╡
    │ 7.0 │
    └─────┘
    """
    return _norm(expr, 1.0, nan, "l1")


def l2(expr: pl.Expr, *, nan: NanPolicy = "ignore") -> pl.Expr:
    """The Euclidean (L2) norm, ``sqrt(sum(x**2))``, without overflow or underflow.

    Parameters
    ----------
    expr
        A numeric column or expression.
    nan
        ``"ignore"`` (default) or ``"propagate"``.

    Returns
    -------
    pl.Expr
        An aggregation, Float64 (Float32 for Float32 input); null when there
        are no valid values.

    Notes
    -----
    Values are scaled by a power of two near ``max|x|`` before squaring, as
    LAPACK's ``dnrm2`` does, so ``[1e300, 1e300]`` gives ``1.414e300`` where
    ``numpy.linalg.norm`` gives inf, and ``[1e-300, 1e-300]`` gives
    ``1.414e-300`` where it gives 0.

    References
    ----------
    .. [1] Blue, J. L. (1978). "A portable Fortran program to find the
       Euclidean norm of a vector". ACM TOMS 4(1), 15-23.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> pl.DataFrame({"x": [3.0, 4.0]}).select(pl.col("x").norm.l2())
    shape: (1, 1)
    ┌─────┐
    │ x   │
    │ --- │
    │ f64 │
    ╞═════╡
    │ 5.0 │
    └─────┘
    >>> pl.DataFrame({"x": [1e300, 1e300]}).select(pl.col("x").norm.l2())
    shape: (1, 1)
    ┌────────────┐
    │ x          │
    │ ---        │
    │ f64        │
    ╞════════════╡
    │ 1.4142e300 │
    └────────────┘
    """
    return _norm(expr, 2.0, nan, "l2")


def lp(expr: pl.Expr, p: float, *, nan: NanPolicy = "ignore") -> pl.Expr:
    """The Lp norm, ``sum(|x|**p) ** (1/p)``, for ``p`` in ``(0, inf]``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    p
        The order; ``float("inf")`` gives the max norm. For ``p < 1`` this is
        the usual quasi-norm.
    nan
        ``"ignore"`` (default) or ``"propagate"``.

    Returns
    -------
    pl.Expr
        An aggregation, Float64 (Float32 for Float32 input); null when there
        are no valid values.

    Notes
    -----
    Overflow- and underflow-safe as :func:`l2`.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> pl.DataFrame({"x": [1.0, 2.0, 2.0]}).select(pl.col("x").norm.lp(3))
    shape: (1, 1)
    ┌──────────┐
    │ x        │
    │ ---      │
    │ f64      │
    ╞══════════╡
    │ 2.571282 │
    └──────────┘
    """
    return _norm(expr, check_p(p, "lp"), nan, "lp")


def linf(expr: pl.Expr, *, nan: NanPolicy = "ignore") -> pl.Expr:
    """The max (L-infinity) norm, ``max(|x|)``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    nan
        ``"ignore"`` (default) or ``"propagate"``.

    Returns
    -------
    pl.Expr
        An aggregation, Float64 (Float32 for Float32 input); null when there
        are no valid values.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> pl.DataFrame({"x": [3.0, -4.0]}).select(pl.col("x").norm.linf())
    shape: (1, 1)
    ┌─────┐
    │ x   │
    │ --- │
    │ f64 │
    ╞═════╡
    │ 4.0 │
    └─────┘
    """
    return _norm(expr, math.inf, nan, "linf")


def unit(expr: pl.Expr, p: float = 2, *, nan: NanPolicy = "ignore") -> pl.Expr:
    """Scale the column to unit Lp norm: ``x / ||x||_p``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    p
        The norm's order, in ``(0, inf]``; ``float("inf")`` divides by
        ``max|x|``.
    nan
        ``"ignore"`` (default) or ``"propagate"``.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are ignored by the norm and kept in the output. A zero norm
    (all-zero column) is taken as 1, so the column stays zero. The norm is
    overflow-safe as in :func:`l2`.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> pl.DataFrame({"x": [3.0, 4.0]}).select(pl.col("x").norm.unit())
    shape: (2, 1)
    ┌─────┐
    │ x   │
    │ --- │
    │ f64 │
    ╞═════╡
    │ 0.6 │
    │ 0.8 │
    └─────┘
    """
    p = check_p(p, "unit")
    check_nan(nan, "unit")
    return numeric_expr(expr, "unit", lambda x, _: x * inverse_scale(lp_norm_of(x, p, nan)))
