"""Special functions Polars lacks, as native expressions.

:func:`ndtri` is the standard normal quantile function (the inverse of the
normal CDF), used by the rank-based inverse normal transform and by robust
scaling with unit variance. :func:`expm1` is ``exp(x) - 1`` without
cancellation near 0, used by the power transforms.
"""

from __future__ import annotations

import polars as pl

__all__ = ["expm1", "ndtri"]

# Wichura (1988), Algorithm AS 241 (PPND16), coefficients in ascending powers.
_A = (
    3.387132872796366608e0, 1.3314166789178437745e2, 1.9715909503065514427e3, 1.3731693765509461125e4,
    4.5921953931549871457e4, 6.7265770927008700853e4, 3.3430575583588128105e4, 2.5090809287301226727e3,
)  # fmt: skip
_B = (
    1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
    2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4, 5.2264952788528545610e3,
)  # fmt: skip
_C = (
    1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0, 3.64784832476320460504e0,
    1.27045825245236838258e0, 2.41780725177450611770e-1, 2.27238449892691845833e-2, 7.74545014278341407640e-4,
)  # fmt: skip
_D = (
    1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
    1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4, 1.05075007164441684324e-9,
)  # fmt: skip
_E = (
    6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0, 2.96560571828504891230e-1,
    2.65321895265761230930e-2, 1.24266094738807843860e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7,
)  # fmt: skip
_F = (
    1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
    7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15,
)  # fmt: skip


def _horner(r: pl.Expr, coefficients: tuple[float, ...]) -> pl.Expr:
    acc: pl.Expr = pl.lit(coefficients[-1])
    for c in reversed(coefficients[:-1]):
        acc = acc * r + c
    return acc


def _ndtri_series(p: pl.Series) -> pl.Series:
    """AS 241 on a materialized Series, one step per column.

    Each intermediate (q, r, the three rational approximations) is computed
    once as a column; written as one nested expression, the references to
    ``p`` and ``r`` inside the polynomials would be re-evaluated many times.
    """
    frame = p.cast(pl.Float64).to_frame("p").with_columns(q=pl.col("p") - 0.5)
    frame = frame.with_columns(
        rc=0.180625 - pl.col("q") * pl.col("q"),
        r=(-pl.min_horizontal(pl.col("p"), 1.0 - pl.col("p")).log()).sqrt(),
    )
    frame = frame.with_columns(
        central=pl.col("q") * _horner(pl.col("rc"), _A) / _horner(pl.col("rc"), _B),
        near=_horner(pl.col("r") - 1.6, _C) / _horner(pl.col("r") - 1.6, _D),
        far=_horner(pl.col("r") - 5.0, _E) / _horner(pl.col("r") - 5.0, _F),
    )
    q, p_ = pl.col("q"), pl.col("p")
    tail = pl.when(pl.col("r") <= 5.0).then(pl.col("near")).otherwise(pl.col("far"))
    result = (
        pl.when(q.abs() <= 0.425)
        .then(pl.col("central"))
        .when(p_ == 0.0)
        .then(float("-inf"))
        .when(p_ == 1.0)
        .then(float("inf"))
        .when((p_ > 0.0) & (p_ < 1.0))
        .then(pl.when(q < 0.0).then(-tail).otherwise(tail))
        .when(p_.is_not_null())
        .then(float("nan"))
    )
    out: pl.Series = frame.select(result.alias(p.name)).to_series()
    return out


def ndtri(p: pl.Expr) -> pl.Expr:
    """The standard normal quantile function, ``Phi^-1(p)``, as a Polars expression.

    Parameters
    ----------
    p
        Probabilities (cast to Float64). ``p = 0`` gives ``-inf``, ``p = 1``
        gives ``inf``; outside ``[0, 1]`` gives NaN; null stays null.

    Returns
    -------
    pl.Expr
        Float64, elementwise (safe under ``.over``, ``group_by`` and streaming).

    Notes
    -----
    Wichura's algorithm AS 241 (PPND16), three rational approximations
    accurate to about 1e-16 relative, the same algorithm as
    ``statistics.NormalDist.inv_cdf``. It is accurate for ``p`` down to
    1e-300 because the tails use ``sqrt(-log(min(p, 1 - p)))``.

    The arithmetic is native Polars, evaluated one intermediate column at a
    time behind an elementwise ``map_batches`` boundary: written as a single
    nested expression, ``p`` (often a whole ``rank()``) would be re-evaluated
    at each of its dozens of uses, many times slower.

    References
    ----------
    .. [1] Wichura, M. J. (1988). "Algorithm AS 241: The percentage points of
       the normal distribution". Applied Statistics 37(3), 477-484.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import ndtri
    >>> pl.DataFrame({"p": [0.025, 0.5, 0.975]}).select(ndtri(pl.col("p")).round(6))
    shape: (3, 1)
    ┌───────────┐
    │ p         │
    │ ---       │
    │ f64       │
    ╞═══════════╡
    │ -1.959964 │
    │ 0.0       │
    │ 1.959964  │
    └───────────┘
    """
    return p.map_batches(_ndtri_series, return_dtype=pl.Float64, is_elementwise=True)


def expm1(x: pl.Expr) -> pl.Expr:
    """``exp(x) - 1``, accurate to rounding near 0 (where the naive form cancels).

    Uses the identity ``expm1(x) = 2 sinh(x / 2) exp(x / 2)``; ``sinh`` is
    accurate near 0.

    Parameters
    ----------
    x
        A Float64 expression.

    Returns
    -------
    pl.Expr
        Float64, elementwise.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.special import expm1
    >>> pl.DataFrame({"x": [1e-10]}).select(expm1(pl.col("x")) * 1e10)
    shape: (1, 1)
    ┌─────┐
    │ x   │
    │ --- │
    │ f64 │
    ╞═════╡
    │ 1.0 │
    └─────┘
    """
    half = x / 2.0
    return half.sinh() * half.exp() * 2.0
