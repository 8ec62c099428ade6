"""Expanding (cumulative) normalizations: each row against itself and every row before it.

Causal by construction: the statistics of row ``i`` use rows ``0..i`` of the
column (or of its group under ``.over``), and ``lag=True`` narrows that to
rows ``0..i-1``. Built on Polars' ``cum_sum``/``cum_min``/``cum_max``.

Numerics
--------
The textbook cumulative variance, ``(cum_sum(x**2) - cum_sum(x)**2 / n) /
(n - ddof)``, cancels catastrophically: on ``1e9 + N(0, 1e-3)`` it returns
noise. Here the values are first shifted by the first finite value (a causal
pilot, see :func:`polars_norm.windows.pilot.causal_pilot`), and the sum of squared
deviations is accumulated with Welford's update written in closed form:
with ``m_n`` the running mean of the shifted values ``d``,

.. math::

    M2_n = M2_{n-1} + (d_n - m_{n-1})(d_n - m_n)
         = M2_{n-1} + (d_n - m_n)^2 \\frac{n}{n - 1},

so ``M2`` is a ``cum_sum`` of non-negative terms (no cancellation) and the
variance is ``M2_n / (n - ddof)``.

The shifted values are multiplied by a power of two first
(:func:`polars_norm.windows.pilot.unit_scale`), so the squares neither overflow
(past 1e154) nor underflow (1e-154): z-scores at any magnitude are those of
exact arithmetic up to rounding.

References
----------
.. [1] Welford, B. P. (1962). "Note on a method for calculating corrected sums
   of squares and products". Technometrics 4(3), 419-420.
"""

from __future__ import annotations

import polars as pl

from polars_norm.semantics import NanPolicy, check_ddof, check_feature_range, check_nan, numeric_expr
from polars_norm.windows.checks import check_min_samples
from polars_norm.windows.pilot import scaled_values, window_values
from polars_norm.windows.scales import spread_divisor, std_divisor

__all__ = ["expanding_maxabs", "expanding_minmax", "expanding_zscore"]


def _lagged(stat: pl.Expr, lag: bool, *, fill: float | None = None) -> pl.Expr:
    """A cumulative statistic, shifted one row when ``lag``.

    Without ``fill`` the statistic is null at the rows with no valid value
    (Polars' ``cum_min`` at a null row): the last one is carried forward, so
    a NaN row still sees the rows before it.
    """
    if fill is None:
        stat = stat.forward_fill()
        return stat.shift(1) if lag else stat
    return stat.shift(1, fill_value=fill) if lag else stat


def expanding_zscore(
    expr: pl.Expr,
    *,
    min_samples: int = 2,
    ddof: int = 1,
    lag: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Expanding z-score: ``(x - mean) / std`` of the row and every row before it.

    Parameters
    ----------
    expr
        A numeric column or expression.
    min_samples
        The number of valid (non-null, non-NaN) values needed for a result
        (default 2); rows with fewer are null. With ``min_samples <= ddof``
        the rows with too few values for a standard deviation have scale 1
        (a lone value maps to 0).
    ddof
        Delta degrees of freedom of the standard deviation (default 1).
    lag
        Use only the rows before the current one (strictly causal).
    nan
        ``"ignore"`` (default) leaves NaN out of the statistics;
        ``"propagate"`` lets a NaN poison every later row.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are skipped by the statistics; a null row stays null and a
    NaN row stays NaN. A zero standard deviation (a constant start, up to
    rounding relative to the mean) has scale 1, so such rows map to 0. The
    variance is Welford's, accumulated on pilot-shifted values (module notes),
    accurate to rounding where the cumulative sum of squares fails.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [5.0, 5.0, 7.0, None, 3.0]})
    >>> df.with_columns(z=pl.col("x").norm.expanding_zscore())
    shape: (5, 2)
    ┌──────┬───────────┐
    │ x    ┆ z         │
    │ ---  ┆ ---       │
    │ f64  ┆ f64       │
    ╞══════╪═══════════╡
    │ 5.0  ┆ null      │
    │ 5.0  ┆ 0.0       │
    │ 7.0  ┆ 1.154701  │
    │ null ┆ null      │
    │ 3.0  ┆ -1.224745 │
    └──────┴───────────┘
    """
    samples = check_min_samples(min_samples, "expanding_zscore")
    ddof = check_ddof(ddof, "expanding_zscore")
    check_nan(nan, "expanding_zscore")

    def build(x: pl.Expr, _: object) -> pl.Expr:
        # "c" keeps NaN rows NaN, "v" leaves them out of the statistics; the power of two
        # "one" keeps the squares from over- or underflowing (module notes). Struct fields
        # are computed once whatever reads them.
        f = pl.field
        st = scaled_values(x, nan)
        st = st.struct.with_fields(count=f("v").cum_count().cast(pl.Float64), total=f("v").fill_null(0.0).cum_sum())
        # Welford's increment (d - m_{n-1}) (d - m_n) = (d - m_n)^2 n / (n - 1), written in
        # the first-level sums: (d n - S)^2 / (n (n - 1)). It is 0 at n = 1 (d n = S exactly),
        # hence the harmless clip.
        increment = (f("v") * f("count") - f("total")).pow(2) / (f("count") * (f("count") - 1.0).clip(lower_bound=1.0))
        st = st.struct.with_fields(m2=increment.fill_null(0.0).cum_sum())
        if lag:
            st = st.struct.with_fields(**{k: f(k).shift(1, fill_value=0.0) for k in ("count", "total", "m2")})
        std = pl.when(f("count") > ddof).then((f("m2") / (f("count") - ddof)).sqrt())  # else undefined: scale 1
        st = st.struct.with_fields(std=std)
        z = (f("c") - f("total") / f("count")) / std_divisor(f("std"), lag, one=f("one"))
        return st.struct.with_fields(z=pl.when(f("count") >= samples).then(z)).struct.field("z")

    return numeric_expr(expr, "expanding_zscore", build)


def expanding_minmax(
    expr: pl.Expr,
    *,
    feature_range: tuple[float, float] = (0.0, 1.0),
    min_samples: int = 1,
    lag: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Expanding min-max: rescale ``[min, max]`` of the row and all before it onto ``feature_range``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    feature_range
        The ``(low, high)`` target interval, ``low < high``.
    min_samples
        The number of valid values needed for a result (default 1).
    lag
        Use only the rows before the current one (a new extreme then maps
        outside ``feature_range``).
    nan
        ``"ignore"`` (default) or ``"propagate"`` (Polars' ``cum_min`` and
        ``cum_max`` skip NaN either way; ``"propagate"`` only stops converting
        it).

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are skipped and kept. A zero range (a constant start) has
    scale 1, so such rows map to ``feature_range[0]``.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [2.0, 4.0, 3.0, None, 6.0]})
    >>> df.with_columns(mm=pl.col("x").norm.expanding_minmax())
    shape: (5, 2)
    ┌──────┬──────┐
    │ x    ┆ mm   │
    │ ---  ┆ ---  │
    │ f64  ┆ f64  │
    ╞══════╪══════╡
    │ 2.0  ┆ 0.0  │
    │ 4.0  ┆ 1.0  │
    │ 3.0  ┆ 0.5  │
    │ null ┆ null │
    │ 6.0  ┆ 1.0  │
    └──────┴──────┘
    """
    samples = check_min_samples(min_samples, "expanding_minmax")
    low, high = check_feature_range(feature_range, "expanding_minmax")
    check_nan(nan, "expanding_minmax")

    def build(x: pl.Expr, _: object) -> pl.Expr:
        f = pl.field
        # fields are computed once; each is a column the streaming engine holds, so few of them
        st = pl.struct(window_values(x, nan).alias("v"))
        st = st.struct.with_fields(
            count=_lagged(f("v").cum_count(), lag, fill=0),
            lo=_lagged(f("v").cum_min(), lag),
            hi=_lagged(f("v").cum_max(), lag),
        )
        out = (x - f("lo")) / spread_divisor(f("hi") - f("lo"))
        if (low, high) != (0.0, 1.0):
            out = out * (high - low) + low
        return st.struct.with_fields(out=pl.when(f("count") >= samples).then(out)).struct.field("out")

    return numeric_expr(expr, "expanding_minmax", build)


def expanding_maxabs(
    expr: pl.Expr,
    *,
    min_samples: int = 1,
    lag: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Expanding max-abs: ``x / max |x|`` over the row and all before it.

    Parameters
    ----------
    expr
        A numeric column or expression.
    min_samples
        The number of valid values needed for a result (default 1).
    lag
        Use only the rows before the current one.
    nan
        ``"ignore"`` (default) or ``"propagate"``; see :func:`expanding_minmax`.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are skipped and kept; an all-zero start has scale 1.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [0.0, -2.0, 1.0, 4.0]})
    >>> df.with_columns(m=pl.col("x").norm.expanding_maxabs())
    shape: (4, 2)
    ┌──────┬──────┐
    │ x    ┆ m    │
    │ ---  ┆ ---  │
    │ f64  ┆ f64  │
    ╞══════╪══════╡
    │ 0.0  ┆ 0.0  │
    │ -2.0 ┆ -1.0 │
    │ 1.0  ┆ 0.5  │
    │ 4.0  ┆ 1.0  │
    └──────┴──────┘
    """
    samples = check_min_samples(min_samples, "expanding_maxabs")
    check_nan(nan, "expanding_maxabs")

    def build(x: pl.Expr, _: object) -> pl.Expr:
        f = pl.field
        st = pl.struct(window_values(x, nan).alias("v"))
        st = st.struct.with_fields(
            count=_lagged(f("v").cum_count(), lag, fill=0), top=_lagged(f("v").abs().cum_max(), lag)
        )
        out = pl.when(f("count") >= samples).then(x / spread_divisor(f("top")))
        return st.struct.with_fields(out=out).struct.field("out")

    return numeric_expr(expr, "expanding_maxabs", build)
