"""Rolling normalizations over row-count windows: each row against its last ``window_size`` rows.

``rolling_zscore``, ``rolling_minmax``, ``rolling_robust`` and
``rolling_maxabs`` are built on Polars' ``rolling_*`` kernels with Polars'
vocabulary (``window_size``, ``min_samples``, ``center``, ``ddof``). The
current row is part of its own window unless ``lag=True``, which normalizes
it by the window that ends on the row before (strictly causal). Time- and
index-based windows are in :mod:`polars_norm.windows.rolling_by`; the window
machinery in :mod:`polars_norm.windows.base`, its numerics in :mod:`polars_norm.windows.pilot`.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from polars_norm.semantics import (
    NanPolicy,
    check_ddof,
    check_feature_range,
    check_nan,
    check_quantile_range,
    numeric_expr,
)
from polars_norm.windows.base import row_window
from polars_norm.windows.location_scale import maxabs_in, minmax_in, robust_in, weighted_zscore_in, zscore_in

__all__ = ["rolling_maxabs", "rolling_minmax", "rolling_robust", "rolling_zscore"]


def rolling_zscore(
    expr: pl.Expr,
    window_size: int,
    *,
    min_samples: int | None = None,
    center: bool = False,
    ddof: int = 1,
    lag: bool = False,
    nan: NanPolicy = "ignore",
    weights: Sequence[float] | None = None,
) -> pl.Expr:
    """Rolling z-score: ``(x - rolling mean) / rolling std`` over the last ``window_size`` rows.

    Parameters
    ----------
    expr
        A numeric column or expression.
    window_size
        The number of rows in each window (the current row included).
    min_samples
        The number of valid (non-null, non-NaN) values a window needs for a
        result; ``None`` (default) means ``window_size``, as in Polars.
    center
        Center the window on the row instead of ending it there (not causal).
    ddof
        Delta degrees of freedom of the standard deviation (default 1).
    lag
        Normalize each row by the window that ends on the previous row, so no
        row sees its own value (strictly causal). Incompatible with ``center``.
    nan
        ``"ignore"`` (default) leaves NaN out of the statistics;
        ``"propagate"`` lets a NaN poison every window it is in (Polars' own
        rolling semantics).
    weights
        Per-row weights of the window, as in Polars'
        ``rolling_mean(window_size, weights=...)``: ``window_size`` finite
        numbers >= 0, at least one > 0. ``weights[-1]`` applies to the
        window's last row (the row itself; the row before it with ``lag``;
        with ``center``, the weights span the centered window as in
        Polars). ``None`` (default) weighs the rows equally. See Notes.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are skipped by the statistics; a null row stays null and a
    NaN row stays NaN. Rows whose window holds fewer than ``min_samples``
    valid values are null. A window with zero standard deviation (constant,
    up to rounding relative to its mean), or with too few values for one
    (not more than ``ddof``), has its scale taken as 1, so a constant stretch
    maps to 0. The statistics are
    computed on values shifted by the first finite value of the column (or
    group), which keeps Polars' rolling variance accurate on data with a large
    offset (see :mod:`polars_norm.windows.pilot`). Composes with ``.over(...)``
    (per-group windows).

    With ``weights``, the window's mean is ``sum(w x) / sum(w)`` and its
    variance ``sum(w (x - mean)**2) / (sum(w) - ddof * sum(w**2) / sum(w))``
    over its valid rows (reliability weights: equal weights give the
    unweighted variance with the same ``ddof``; an effective sample size
    ``sum(w)**2 / sum(w**2)`` of at most ``ddof`` means scale 1). Polars'
    own weighted ``rolling_std`` always gives the population variance and
    panics on nulls; here nulls and NaN are skipped and ``ddof`` applies.
    ``min_samples`` counts valid rows whatever their weight; a window whose
    valid rows all weigh 0 is null. The weighted moments come from weighted
    sums, so they resolve a window's spread only down to about
    ``sqrt(4 (window_size + 1) eps)`` (1e-7 for 10 rows, 3e-7 for 100) of
    the distance between its mean and the first valid value (of the column
    or group):
    a window with a smaller standard deviation counts as constant (data
    such as ``1e9 + N(0, 1)`` is fine: the first value is near every
    window's mean). Values at any magnitude (1e-300 or 1e300) are scaled by
    a power of two before the sums of squares, which neither overflow nor
    underflow (see :mod:`polars_norm.windows.pilot`). ``rolling_minmax``, ``rolling_robust`` and
    ``rolling_maxabs`` take no weights: Polars applies ``weights`` there by
    multiplying the values before the min, max or quantile, which is not a
    weighted min, max or quantile of anything.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [1.0, 2.0, 4.0, 4.0, 4.0, None, 10.0]})
    >>> df.with_columns(
    ...     z=pl.col("x").norm.rolling_zscore(3, min_samples=2),
    ...     lagged=pl.col("x").norm.rolling_zscore(3, min_samples=2, lag=True),
    ...     weighted=pl.col("x").norm.rolling_zscore(3, min_samples=2, weights=[1.0, 1.0, 2.0]),
    ... )
    shape: (7, 4)
    ┌──────┬──────────┬──────────┬──────────┐
    │ x    ┆ z        ┆ lagged   ┆ weighted │
    │ ---  ┆ ---      ┆ ---      ┆ ---      │
    │ f64  ┆ f64      ┆ f64      ┆ f64      │
    ╞══════╪══════════╪══════════╪══════════╡
    │ 1.0  ┆ null     ┆ null     ┆ null     │
    │ 2.0  ┆ 0.707107 ┆ null     ┆ 0.471405 │
    │ 4.0  ┆ 1.091089 ┆ 3.535534 ┆ 0.760726 │
    │ 4.0  ┆ 0.57735  ┆ 1.091089 ┆ 0.456435 │
    │ 4.0  ┆ 0.0      ┆ 0.57735  ┆ 0.0      │
    │ null ┆ null     ┆ null     ┆ null     │
    │ 10.0 ┆ 0.707107 ┆ 6.0      ┆ 0.471405 │
    └──────┴──────────┴──────────┴──────────┘
    """
    window = row_window(window_size, min_samples, center, lag, "rolling_zscore", weights=weights)
    ddof = check_ddof(ddof, "rolling_zscore")
    check_nan(nan, "rolling_zscore")
    zscore = zscore_in if window.weights is None else weighted_zscore_in
    return numeric_expr(expr, "rolling_zscore", lambda x, _: zscore(window, x, ddof=ddof, nan=nan))


def rolling_minmax(
    expr: pl.Expr,
    window_size: int,
    *,
    feature_range: tuple[float, float] = (0.0, 1.0),
    min_samples: int | None = None,
    center: bool = False,
    lag: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Rolling min-max: rescale each row's window ``[min, max]`` onto ``feature_range``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    window_size
        The number of rows in each window (the current row included).
    feature_range
        The ``(low, high)`` target interval, ``low < high``. With ``lag=True``
        a row outside the previous window's range maps outside it.
    min_samples
        Valid values a window needs for a result; ``None`` means ``window_size``.
    center
        Center the window on the row (not causal).
    lag
        Normalize each row by the window ending on the previous row.
    nan
        ``"ignore"`` (default) or ``"propagate"``; see :func:`rolling_zscore`.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are skipped by the statistics and kept in the output. A
    window with zero range has scale 1, so a constant stretch maps to
    ``feature_range[0]``.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [1.0, 3.0, 2.0, 2.0, 2.0, 5.0]})
    >>> df.with_columns(mm=pl.col("x").norm.rolling_minmax(3, min_samples=1))
    shape: (6, 2)
    ┌─────┬─────┐
    │ x   ┆ mm  │
    │ --- ┆ --- │
    │ f64 ┆ f64 │
    ╞═════╪═════╡
    │ 1.0 ┆ 0.0 │
    │ 3.0 ┆ 1.0 │
    │ 2.0 ┆ 0.5 │
    │ 2.0 ┆ 0.0 │
    │ 2.0 ┆ 0.0 │
    │ 5.0 ┆ 1.0 │
    └─────┴─────┘
    """
    window = row_window(window_size, min_samples, center, lag, "rolling_minmax")
    feature_range = check_feature_range(feature_range, "rolling_minmax")
    check_nan(nan, "rolling_minmax")
    return numeric_expr(expr, "rolling_minmax", lambda x, _: minmax_in(window, x, feature_range=feature_range, nan=nan))


def rolling_robust(
    expr: pl.Expr,
    window_size: int,
    *,
    quantile_range: tuple[float, float] = (0.25, 0.75),
    min_samples: int | None = None,
    center: bool = False,
    lag: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Rolling robust scaling: ``(x - rolling median) / rolling (q_hi - q_lo)``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    window_size
        The number of rows in each window (the current row included).
    quantile_range
        The ``(q_lo, q_hi)`` quantiles whose difference is the scale, with
        ``0 <= q_lo < q_hi <= 1``; default the interquartile range. Quantiles
        interpolate linearly (numpy's and pandas' default).
    min_samples
        Valid values a window needs for a result; ``None`` means ``window_size``.
    center
        Center the window on the row (not causal).
    lag
        Normalize each row by the window ending on the previous row.
    nan
        ``"ignore"`` (default) or ``"propagate"``; see :func:`rolling_zscore`.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are skipped by the statistics and kept in the output. A
    window with a zero quantile range (say, more than half its values equal)
    has scale 1, so it is only centered.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 100.0, 5.0]})
    >>> df.with_columns(r=pl.col("x").norm.rolling_robust(4, min_samples=2))
    shape: (6, 2)
    ┌───────┬──────────┐
    │ x     ┆ r        │
    │ ---   ┆ ---      │
    │ f64   ┆ f64      │
    ╞═══════╪══════════╡
    │ 1.0   ┆ null     │
    │ 2.0   ┆ 1.0      │
    │ 3.0   ┆ 1.0      │
    │ 4.0   ┆ 1.0      │
    │ 100.0 ┆ 3.821782 │
    │ 5.0   ┆ 0.02     │
    └───────┴──────────┘
    """
    window = row_window(window_size, min_samples, center, lag, "rolling_robust")
    quantile_range = check_quantile_range(quantile_range, "rolling_robust")
    check_nan(nan, "rolling_robust")
    return numeric_expr(
        expr, "rolling_robust", lambda x, _: robust_in(window, x, quantile_range=quantile_range, nan=nan)
    )


def rolling_maxabs(
    expr: pl.Expr,
    window_size: int,
    *,
    min_samples: int | None = None,
    center: bool = False,
    lag: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Rolling max-abs scaling: ``x / rolling max |x|``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    window_size
        The number of rows in each window (the current row included).
    min_samples
        Valid values a window needs for a result; ``None`` means ``window_size``.
    center
        Center the window on the row (not causal).
    lag
        Normalize each row by the window ending on the previous row (values
        larger than any before them then map outside ``[-1, 1]``).
    nan
        ``"ignore"`` (default) or ``"propagate"``; see :func:`rolling_zscore`.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are skipped by the statistic and kept in the output; an
    all-zero window has scale 1 and zeros stay 0.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [-2.0, 1.0, 4.0, 0.0, 1.0]})
    >>> df.with_columns(m=pl.col("x").norm.rolling_maxabs(2, min_samples=1))
    shape: (5, 2)
    ┌──────┬──────┐
    │ x    ┆ m    │
    │ ---  ┆ ---  │
    │ f64  ┆ f64  │
    ╞══════╪══════╡
    │ -2.0 ┆ -1.0 │
    │ 1.0  ┆ 0.5  │
    │ 4.0  ┆ 1.0  │
    │ 0.0  ┆ 0.0  │
    │ 1.0  ┆ 1.0  │
    └──────┴──────┘
    """
    window = row_window(window_size, min_samples, center, lag, "rolling_maxabs")
    check_nan(nan, "rolling_maxabs")
    return numeric_expr(expr, "rolling_maxabs", lambda x, _: maxabs_in(window, x, nan=nan))
