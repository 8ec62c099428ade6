"""Layer normalization of vector cells: each vector z-scored by its own mean and std.

:func:`vector_zscore` standardizes the elements of each ``Array``/``List``
cell. The vector rules of :mod:`polars_norm.vectors.norms` apply; the same
math over the columns of a row is :func:`polars_norm.zscore_horizontal`.

References
----------
.. [1] Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). "Algorithms for
   computing the sample variance: analysis and recommendations".
   The American Statistician 37(3), 242-247.
"""

from __future__ import annotations

import polars as pl

from polars_norm.semantics import HEADROOM, NanPolicy, check_ddof, check_nan, inverse_of_unit_std, pow2_exponent
from polars_norm.vectors.cells import Vec, cell_maxabs, even, pow2, valid_view, vector_expr

__all__ = ["vector_zscore"]


def _zscore_cells(x: pl.Expr, vec: Vec, *, ddof: int, nan: NanPolicy) -> pl.Expr:
    """``(x - mean) / std`` of each vector cell (the body of :func:`vector_zscore`).

    Every statistic is referenced as few times as possible: Polars plans each
    copy of ``valid`` (an ``arr.eval``) separately.
    """
    valid = valid_view(x, vec, nan)
    # valid elements give 1, missing ones null (NaN with nan="propagate": the count is NaN)
    count = vec.sum(valid * vec.scalar(pl.lit(0.0)) + vec.scalar(pl.lit(1.0))).cast(pl.Float64)
    km = pow2_exponent(cell_maxabs(x, vec, nan), vec.inner)
    lo, hi = vec.min(x).cast(pl.Float64), vec.max(x).cast(pl.Float64)
    # The mean of power-of-two-rescaled values cannot overflow; a constant
    # vector is centered exactly (its mean is its value, not a rounding of it).
    mean = pl.when(lo == hi).then(lo).otherwise(vec.mean(valid * vec.scalar(pow2(-km))).cast(pl.Float64) * pow2(km))
    # Deviations rescaled by 2**-(h/2), h from the range: their squares and
    # sums cannot overflow (h is even, so the rescaling is exact to undo).
    h = even(pow2_exponent(hi - lo, vec.inner) + HEADROOM)
    d = (valid - vec.scalar(mean)) * vec.scalar(pow2(-h / 2.0))
    # Corrected two-pass (Chan, Golub and LeVeque): subtract (sum d)**2 / n,
    # the part of sum d**2 owed to the rounding of the mean, which at a large
    # offset (1e15 + N(0, 1)) is not negligible.
    d_sum = vec.sum(d).cast(pl.Float64)
    ss = (vec.dot(d, d).cast(pl.Float64) - d_sum.pow(2) / count).clip(lower_bound=0.0)
    # The mean's rounding (up to an ulp of a large offset: a whole standard
    # deviation at 1e15 + N(0, 1)) is undone by the mean of the deviations,
    # never rounded back to the offset.
    correction = pl.when(lo == hi).then(0.0).otherwise(d_sum / count * pow2(h / 2.0))
    dof = count - ddof
    # The standard deviation in units of 2**km (so max|x| is in [1, 2)); null when undefined.
    unit_std = pl.when(dof <= 0).then(None).otherwise((ss / dof).sqrt() * pow2(h / 2.0 - km))
    # The zero-scale rule of the column-wise z-score, with one reference to the std.
    inverse = inverse_of_unit_std(unit_std, km)
    return (x - vec.scalar(mean) - vec.scalar(correction)) * vec.scalar(inverse)


def vector_zscore(expr: pl.Expr, *, ddof: int = 1, nan: NanPolicy = "ignore") -> pl.Expr:
    """Standardize each vector by its own mean and standard deviation.

    This is layer normalization (without the learned gain and bias) of a
    vector cell: ``(x - mean(x)) / std(x)``, the statistics taken over the
    elements of each row's vector.

    Parameters
    ----------
    expr
        An ``Array`` or ``List`` column of numbers (one vector per row).
    ddof
        Delta degrees of freedom of the standard deviation; 1 (default) as in
        Polars. Layer normalization in deep-learning libraries uses 0.
    nan
        ``"ignore"`` (default) or ``"propagate"``; see :func:`vector_unit`.

    Returns
    -------
    pl.Expr
        The same dtype and shape as the input (Float64 elements for
        non-float input), named as the input.

    Notes
    -----
    Null (and, by default, NaN) elements are left out of the statistics and
    kept in the output. A constant vector has zero standard deviation, taken
    as 1, so it maps to zeros; so does a vector with fewer than ``ddof + 1``
    valid elements (undefined standard deviation). The variance is computed
    from centered values rescaled by a power of two, so it is accurate at any
    offset and magnitude. A null vector stays null.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"emb": [[1.0, 2.0, 3.0], [5.0, 5.0, 5.0], [1.0, None, 3.0]]})
    >>> df.select(pl.col("emb").norm.vector_zscore())
    shape: (3, 1)
    ┌─────────────────────────────┐
    │ emb                         │
    │ ---                         │
    │ list[f64]                   │
    ╞═════════════════════════════╡
    │ [-1.0, 0.0, 1.0]            │
    │ [0.0, 0.0, 0.0]             │
    │ [-0.707107, null, 0.707107] │
    └─────────────────────────────┘
    """
    ddof = check_ddof(ddof, "vector_zscore")
    check_nan(nan, "vector_zscore")

    return vector_expr(expr, "vector_zscore", lambda x, vec: _zscore_cells(x, vec, ddof=ddof, nan=nan))
