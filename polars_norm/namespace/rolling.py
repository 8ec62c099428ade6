"""The ``norm`` namespace's rolling windows by row count."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from polars_norm.semantics import NanPolicy
from polars_norm.windows import rolling

__all__ = ["RollingMethods"]


class RollingMethods:
    """Rolling windows by row count.

    Mixed into :class:`polars_norm.namespace.NormNamespace`.
    """

    _expr: pl.Expr

    def rolling_zscore(
        self,
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

        Each row is standardized by the mean and standard deviation of its
        window: itself and the ``window_size - 1`` rows before it (per group
        under ``.over``).

        Parameters
        ----------
        window_size : int
            The number of rows in each window (the current row included), >= 1.
        min_samples : int or None, default None
            The number of valid (non-null, non-NaN) values a window needs for
            a result, between 1 and ``window_size``; None means
            ``window_size``, as in Polars.
        center : bool, default False
            Center the window on the row instead of ending it there (not
            causal).
        ddof : int, default 1
            Delta degrees of freedom of the standard deviation.
        lag : bool, default False
            Normalize each row by the window that ends on the previous row, so
            no row sees its own value (strictly causal). Incompatible with
            ``center``.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistics; ``"propagate"`` lets
            a NaN poison every window it is in (Polars' own rolling semantics).
        weights : Sequence[float] or None, default None
            Per-row weights of the window, as in Polars'
            ``rolling_mean(window_size, weights=...)``: ``window_size`` finite
            numbers >= 0, at least one > 0. ``weights[-1]`` applies to the
            window's last row (the row itself; the row before it with
            ``lag``; with ``center`` the weights span the centered window, as
            in Polars). None weighs the rows equally. See Notes.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``window_size``, ``min_samples``, ``ddof`` or ``weights`` is out
            of range, ``nan`` is not one of the two policies, or ``lag`` and
            ``center`` are both set (when the expression is built).
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped by the statistics; a null row stays null and
        a NaN row stays NaN. Rows whose window holds fewer than
        ``min_samples`` valid values are null. A window with zero standard
        deviation (constant, up to rounding relative to its mean), or with too
        few values for one (not more than ``ddof``), has its scale taken as 1,
        so a constant stretch maps to 0.

        The statistics are computed on values shifted by the first finite
        value of the column (or group), which keeps Polars' rolling variance
        accurate on data with a large offset such as ``1e12 + N(0, 1)``, and
        scaled by a power of two chosen from that value, so values anywhere
        from about 1e-300 to 1e308 neither overflow nor underflow when
        squared. A window holding a value more than about 1e274 times that
        first value, or whose spread is below about 1e-16 of its distance
        from it, loses its digits (docs/semantics.md, "Limits"); split such a
        column with ``.over``. Nothing reads the whole column, so the method
        streams (docs/windows-out-of-core.md).

        With ``weights``, the window's mean is ``sum(w x) / sum(w)`` and its
        variance ``sum(w (x - mean)**2) / (sum(w) - ddof * sum(w**2) /
        sum(w))`` over its valid rows (reliability weights: equal weights
        give the unweighted variance with the same ``ddof``; an effective
        sample size ``sum(w)**2 / sum(w**2)`` of at most ``ddof`` means scale
        1). Polars' own weighted ``rolling_std`` always gives the population
        variance and fails on nulls; here nulls and NaN are skipped and
        ``ddof`` applies. ``min_samples`` counts valid rows whatever their
        weight; a window whose valid rows all weigh 0 is null. The weighted
        moments come from weighted sums, so they resolve a window's spread
        only down to about ``sqrt(4 (window_size + 1) eps)`` of the distance
        between its mean and the first valid value: a window with a smaller
        standard deviation counts as constant.

        See Also
        --------
        rolling_zscore_by : Windows of a time span instead of a row count.
        expanding_zscore, ewm_zscore : Cumulative and exponentially weighted.
        zscore : Over the whole column.
        polars_norm.rolling_zscore : The same as a function.

        References
        ----------
        .. [1] Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). "Algorithms
           for computing the sample variance: analysis and recommendations".
           The American Statistician 37(3), 242-247. (The shifted data.)

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
        return rolling.rolling_zscore(
            self._expr,
            window_size,
            min_samples=min_samples,
            center=center,
            ddof=ddof,
            lag=lag,
            nan=nan,
            weights=weights,
        )

    def rolling_minmax(
        self,
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
        window_size : int
            The number of rows in each window (the current row included), >= 1.
        feature_range : tuple[float, float], default (0.0, 1.0)
            The ``(low, high)`` target interval, finite with ``low < high``.
            With ``lag=True`` a row outside the previous window's range maps
            outside it.
        min_samples : int or None, default None
            Valid values a window needs for a result, between 1 and
            ``window_size``; None means ``window_size``.
        center : bool, default False
            Center the window on the row (not causal).
        lag : bool, default False
            Normalize each row by the window ending on the previous row
            (strictly causal). Incompatible with ``center``.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistics; ``"propagate"`` lets
            a NaN poison every window it is in.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``window_size``, ``min_samples`` or ``feature_range`` is out of
            range, ``nan`` is not one of the two policies, or ``lag`` and
            ``center`` are both set.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped by the statistics and kept in the output.
        Rows whose window holds fewer than ``min_samples`` valid values are
        null. A window with zero range has scale 1, so a constant stretch maps
        to ``feature_range[0]``. There are no ``weights``: Polars applies them
        to a min or max by multiplying the values first, which is not a
        weighted min or max of anything.

        See Also
        --------
        rolling_minmax_by : Windows of a time span.
        expanding_minmax : Cumulative.
        minmax : Over the whole column.
        polars_norm.rolling_minmax : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 2.0, 2.0, 2.0, 5.0]})
        >>> df.with_columns(
        ...     mm=pl.col("x").norm.rolling_minmax(3, min_samples=1),
        ...     lagged=pl.col("x").norm.rolling_minmax(3, min_samples=1, lag=True),
        ... )
        shape: (6, 3)
        ┌─────┬─────┬────────┐
        │ x   ┆ mm  ┆ lagged │
        │ --- ┆ --- ┆ ---    │
        │ f64 ┆ f64 ┆ f64    │
        ╞═════╪═════╪════════╡
        │ 1.0 ┆ 0.0 ┆ null   │
        │ 3.0 ┆ 1.0 ┆ 2.0    │
        │ 2.0 ┆ 0.5 ┆ 0.5    │
        │ 2.0 ┆ 0.0 ┆ 0.5    │
        │ 2.0 ┆ 0.0 ┆ 0.0    │
        │ 5.0 ┆ 1.0 ┆ 3.0    │
        └─────┴─────┴────────┘
        """
        return rolling.rolling_minmax(
            self._expr,
            window_size,
            feature_range=feature_range,
            min_samples=min_samples,
            center=center,
            lag=lag,
            nan=nan,
        )

    def rolling_robust(
        self,
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
        window_size : int
            The number of rows in each window (the current row included), >= 1.
        quantile_range : tuple[float, float], default (0.25, 0.75)
            The ``(q_lo, q_hi)`` quantiles whose difference is the scale, with
            ``0 <= q_lo < q_hi <= 1``; the default is the interquartile range.
            Quantiles interpolate linearly (numpy's and pandas' default).
        min_samples : int or None, default None
            Valid values a window needs for a result, between 1 and
            ``window_size``; None means ``window_size``.
        center : bool, default False
            Center the window on the row (not causal).
        lag : bool, default False
            Normalize each row by the window ending on the previous row
            (strictly causal). Incompatible with ``center``.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistics; ``"propagate"`` lets
            a NaN poison every window it is in.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``window_size``, ``min_samples`` or ``quantile_range`` is out of
            range, ``nan`` is not one of the two policies, or ``lag`` and
            ``center`` are both set.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped by the statistics and kept in the output.
        Rows whose window holds fewer than ``min_samples`` valid values are
        null. A window with a zero quantile range (say, more than half its
        values equal) has scale 1, so it is only centered.

        See Also
        --------
        rolling_robust_by : Windows of a time span.
        robust : Over the whole column.
        polars_norm.rolling_robust : The same as a function.

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
        return rolling.rolling_robust(
            self._expr,
            window_size,
            quantile_range=quantile_range,
            min_samples=min_samples,
            center=center,
            lag=lag,
            nan=nan,
        )

    def rolling_maxabs(
        self,
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
        window_size : int
            The number of rows in each window (the current row included), >= 1.
        min_samples : int or None, default None
            Valid values a window needs for a result, between 1 and
            ``window_size``; None means ``window_size``.
        center : bool, default False
            Center the window on the row (not causal).
        lag : bool, default False
            Normalize each row by the window ending on the previous row
            (values larger than any before them then map outside
            ``[-1, 1]``). Incompatible with ``center``.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistic; ``"propagate"`` lets
            a NaN poison every window it is in.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``window_size`` or ``min_samples`` is out of range, ``nan`` is
            not one of the two policies, or ``lag`` and ``center`` are both set.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped by the statistic and kept in the output;
        rows whose window holds fewer than ``min_samples`` valid values are
        null. An all-zero window has scale 1 and zeros stay 0.

        See Also
        --------
        rolling_maxabs_by : Windows of a time span.
        expanding_maxabs : Cumulative.
        maxabs : Over the whole column.
        polars_norm.rolling_maxabs : The same as a function.

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
        return rolling.rolling_maxabs(self._expr, window_size, min_samples=min_samples, center=center, lag=lag, nan=nan)
