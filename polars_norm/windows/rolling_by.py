"""Rolling normalizations over time- or index-based windows: ``rolling_*_by``.

Each row is normalized by the rows whose ``by`` value (a Date, Datetime or
integer column) lies within ``window_size`` before it, a Polars duration
string (``"1h"``, ``"3d12h"``, ``"10i"``) or a ``timedelta``, as Polars'
``rolling_*_by`` take them. With ``closed="right"`` (default) the window of a
row at time ``t`` is ``(t - window_size, t]``.

An unsorted ``by`` column is accepted: Polars' ``rolling_*_by`` sort by it
internally, so each row gets the statistics of its time window whatever the
row order, and the output keeps the input's row order.
"""

from __future__ import annotations

import polars as pl

from polars_norm.semantics import (
    NanPolicy,
    check_ddof,
    check_feature_range,
    check_nan,
    check_quantile_range,
    numeric_expr,
)
from polars_norm.windows.base import by_window
from polars_norm.windows.checks import ClosedInterval, Duration
from polars_norm.windows.location_scale import maxabs_in, minmax_in, robust_in, zscore_in

__all__ = ["rolling_maxabs_by", "rolling_minmax_by", "rolling_robust_by", "rolling_zscore_by"]


def rolling_zscore_by(
    expr: pl.Expr,
    by: str | pl.Expr,
    window_size: Duration,
    *,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
    ddof: int = 1,
    lag: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Time-based rolling z-score: ``(x - mean) / std`` over the rows within ``window_size`` of each row.

    Parameters
    ----------
    expr
        A numeric column or expression.
    by
        The Date, Datetime or integer column the window is measured on.
    window_size
        The window length: a Polars duration string (``"1h"``, ``"3d12h"``,
        ``"10i"`` for an index count) or a ``timedelta``.
    min_samples
        The number of valid (non-null, non-NaN) values a window needs for a
        result (default 1).
    closed
        Which ends of the interval ``(t - window_size, t]`` are included:
        ``"right"`` (default), ``"left"``, ``"both"`` or ``"none"``.
    ddof
        Delta degrees of freedom of the standard deviation (default 1).
    lag
        Leave the current instant out of its window (strictly causal): the
        right end of the interval is opened, ``closed="right"`` acting as
        ``"none"`` and ``"both"`` as ``"left"``; rows sharing a timestamp do
        not see each other.
    nan
        ``"ignore"`` (default) leaves NaN out of the statistics;
        ``"propagate"`` lets a NaN poison every window it is in.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are skipped by the statistics and kept in the output. A
    window holding fewer than ``min_samples`` valid values gives null; a window
    with zero standard deviation, or not more than ``ddof`` values, has scale
    1, so a constant stretch or a lone value maps to 0. An unsorted ``by`` is sorted internally by
    Polars; the output keeps the row order. Statistics are computed on values
    shifted by the column's first finite value, for accuracy on large offsets.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame(
    ...     {
    ...         "day": [date(2024, 1, d) for d in (1, 2, 3, 5, 6, 9)],
    ...         "x": [1.0, 3.0, 2.0, 8.0, 6.0, 1.0],
    ...     }
    ... )
    >>> df.with_columns(z=pl.col("x").norm.rolling_zscore_by("day", "3d"))
    shape: (6, 3)
    ┌────────────┬─────┬───────────┐
    │ day        ┆ x   ┆ z         │
    │ ---        ┆ --- ┆ ---       │
    │ date       ┆ f64 ┆ f64       │
    ╞════════════╪═════╪═══════════╡
    │ 2024-01-01 ┆ 1.0 ┆ 0.0       │
    │ 2024-01-02 ┆ 3.0 ┆ 0.707107  │
    │ 2024-01-03 ┆ 2.0 ┆ 0.0       │
    │ 2024-01-05 ┆ 8.0 ┆ 0.707107  │
    │ 2024-01-06 ┆ 6.0 ┆ -0.707107 │
    │ 2024-01-09 ┆ 1.0 ┆ 0.0       │
    └────────────┴─────┴───────────┘
    """
    window = by_window(by, window_size, min_samples, closed, lag, "rolling_zscore_by")
    ddof = check_ddof(ddof, "rolling_zscore_by")
    check_nan(nan, "rolling_zscore_by")
    return numeric_expr(expr, "rolling_zscore_by", lambda x, _: zscore_in(window, x, ddof=ddof, nan=nan))


def rolling_minmax_by(
    expr: pl.Expr,
    by: str | pl.Expr,
    window_size: Duration,
    *,
    feature_range: tuple[float, float] = (0.0, 1.0),
    min_samples: int = 1,
    closed: ClosedInterval = "right",
    lag: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Time-based rolling min-max onto ``feature_range``; see :func:`rolling_zscore_by` for the window.

    Parameters
    ----------
    expr
        A numeric column or expression.
    by, window_size, min_samples, closed, lag, nan
        As in :func:`rolling_zscore_by`.
    feature_range
        The ``(low, high)`` target interval, ``low < high``.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    A window with zero range has scale 1 (a constant stretch maps to
    ``feature_range[0]``); nulls and NaN are skipped and kept.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"t": [0, 1, 2, 5, 6], "x": [1.0, 3.0, 2.0, 8.0, 6.0]})
    >>> df.with_columns(mm=pl.col("x").norm.rolling_minmax_by("t", "3i"))
    shape: (5, 3)
    ┌─────┬─────┬─────┐
    │ t   ┆ x   ┆ mm  │
    │ --- ┆ --- ┆ --- │
    │ i64 ┆ f64 ┆ f64 │
    ╞═════╪═════╪═════╡
    │ 0   ┆ 1.0 ┆ 0.0 │
    │ 1   ┆ 3.0 ┆ 1.0 │
    │ 2   ┆ 2.0 ┆ 0.5 │
    │ 5   ┆ 8.0 ┆ 0.0 │
    │ 6   ┆ 6.0 ┆ 0.0 │
    └─────┴─────┴─────┘
    """
    window = by_window(by, window_size, min_samples, closed, lag, "rolling_minmax_by")
    feature_range = check_feature_range(feature_range, "rolling_minmax_by")
    check_nan(nan, "rolling_minmax_by")
    return numeric_expr(
        expr, "rolling_minmax_by", lambda x, _: minmax_in(window, x, feature_range=feature_range, nan=nan)
    )


def rolling_robust_by(
    expr: pl.Expr,
    by: str | pl.Expr,
    window_size: Duration,
    *,
    quantile_range: tuple[float, float] = (0.25, 0.75),
    min_samples: int = 1,
    closed: ClosedInterval = "right",
    lag: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Time-based rolling ``(x - median) / (q_hi - q_lo)``; see :func:`rolling_zscore_by` for the window.

    Parameters
    ----------
    expr
        A numeric column or expression.
    by, window_size, min_samples, closed, lag, nan
        As in :func:`rolling_zscore_by`.
    quantile_range
        The ``(q_lo, q_hi)`` quantiles whose difference is the scale,
        ``0 <= q_lo < q_hi <= 1``; linear interpolation.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    A window with a zero quantile range has scale 1 (it is only centered);
    nulls and NaN are skipped and kept.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"t": [0, 1, 2, 5, 6], "x": [1.0, 3.0, 2.0, 8.0, 6.0]})
    >>> df.with_columns(r=pl.col("x").norm.rolling_robust_by("t", "3i"))
    shape: (5, 3)
    ┌─────┬─────┬──────┐
    │ t   ┆ x   ┆ r    │
    │ --- ┆ --- ┆ ---  │
    │ i64 ┆ f64 ┆ f64  │
    ╞═════╪═════╪══════╡
    │ 0   ┆ 1.0 ┆ 0.0  │
    │ 1   ┆ 3.0 ┆ 1.0  │
    │ 2   ┆ 2.0 ┆ 0.0  │
    │ 5   ┆ 8.0 ┆ 0.0  │
    │ 6   ┆ 6.0 ┆ -1.0 │
    └─────┴─────┴──────┘
    """
    window = by_window(by, window_size, min_samples, closed, lag, "rolling_robust_by")
    quantile_range = check_quantile_range(quantile_range, "rolling_robust_by")
    check_nan(nan, "rolling_robust_by")
    return numeric_expr(
        expr, "rolling_robust_by", lambda x, _: robust_in(window, x, quantile_range=quantile_range, nan=nan)
    )


def rolling_maxabs_by(
    expr: pl.Expr,
    by: str | pl.Expr,
    window_size: Duration,
    *,
    min_samples: int = 1,
    closed: ClosedInterval = "right",
    lag: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Time-based rolling ``x / max |x|``; see :func:`rolling_zscore_by` for the window.

    Parameters
    ----------
    expr
        A numeric column or expression.
    by, window_size, min_samples, closed, lag, nan
        As in :func:`rolling_zscore_by`.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    An all-zero window has scale 1; nulls and NaN are skipped and kept.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"t": [0, 1, 2, 5, 6], "x": [1.0, -3.0, 2.0, 8.0, 6.0]})
    >>> df.with_columns(m=pl.col("x").norm.rolling_maxabs_by("t", "3i"))
    shape: (5, 3)
    ┌─────┬──────┬──────────┐
    │ t   ┆ x    ┆ m        │
    │ --- ┆ ---  ┆ ---      │
    │ i64 ┆ f64  ┆ f64      │
    ╞═════╪══════╪══════════╡
    │ 0   ┆ 1.0  ┆ 1.0      │
    │ 1   ┆ -3.0 ┆ -1.0     │
    │ 2   ┆ 2.0  ┆ 0.666667 │
    │ 5   ┆ 8.0  ┆ 1.0      │
    │ 6   ┆ 6.0  ┆ 0.75     │
    └─────┴──────┴──────────┘
    """
    window = by_window(by, window_size, min_samples, closed, lag, "rolling_maxabs_by")
    check_nan(nan, "rolling_maxabs_by")
    return numeric_expr(expr, "rolling_maxabs_by", lambda x, _: maxabs_in(window, x, nan=nan))
