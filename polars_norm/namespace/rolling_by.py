"""The ``norm`` namespace's rolling windows by time or index (``*_by``)."""

from __future__ import annotations

import polars as pl

from polars_norm.semantics import NanPolicy
from polars_norm.windows import rolling_by
from polars_norm.windows.checks import ClosedInterval, Duration

__all__ = ["RollingByMethods"]


class RollingByMethods:
    """Rolling windows by time or index (``*_by``).

    Mixed into :class:`polars_norm.namespace.NormNamespace`.
    """

    _expr: pl.Expr

    def rolling_zscore_by(
        self,
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

        Row ``i`` at time ``t`` is standardized by the rows whose ``by`` value
        lies in ``(t - window_size, t]`` (per group under ``.over``), as in
        Polars' ``rolling_mean_by``.

        Parameters
        ----------
        by : str or Expr
            The Date, Datetime or integer column the window is measured on.
        window_size : str or timedelta
            The window length: a Polars duration string (``"1h"``,
            ``"3d12h"``, ``"10i"`` for an index count) or a positive
            ``timedelta``.
        min_samples : int, default 1
            The number of valid (non-null, non-NaN) values a window needs for
            a result.
        closed : {'right', 'left', 'both', 'none'}, default 'right'
            Which ends of the interval ``(t - window_size, t]`` are included.
        ddof : int, default 1
            Delta degrees of freedom of the standard deviation.
        lag : bool, default False
            Leave the current instant out of its window (strictly causal): the
            right end of the interval is opened, ``closed="right"`` acting as
            ``"none"`` and ``"both"`` as ``"left"``; rows sharing a timestamp
            do not see each other.
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
            If ``window_size`` is not a positive duration, ``min_samples``,
            ``ddof`` or ``closed`` is out of range, or ``nan`` is not one of
            the two policies, or ``lag`` is set with ``closed="left"``
            or ``"none"`` (which already leave the current row out).
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped by the statistics and kept in the output. A
        window holding fewer than ``min_samples`` valid values gives null; a
        window with zero standard deviation, or not more than ``ddof``
        values, has scale 1, so a constant stretch or a lone value maps to 0.
        An unsorted ``by`` is sorted internally by Polars; the output keeps
        the row order. Statistics are computed on values shifted by the
        column's first finite value and scaled by a power of two, for
        accuracy on large offsets and at any magnitude, as in
        :meth:`rolling_zscore`.

        See Also
        --------
        rolling_zscore : Windows of a row count.
        ewm_zscore_by : Time-decayed weights instead of a hard window.
        polars_norm.rolling_zscore_by : The same as a function.

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
        return rolling_by.rolling_zscore_by(
            self._expr, by, window_size, min_samples=min_samples, closed=closed, ddof=ddof, lag=lag, nan=nan
        )

    def rolling_minmax_by(
        self,
        by: str | pl.Expr,
        window_size: Duration,
        *,
        feature_range: tuple[float, float] = (0.0, 1.0),
        min_samples: int = 1,
        closed: ClosedInterval = "right",
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-based rolling min-max: each row's window ``[min, max]`` onto ``feature_range``.

        The window of row ``i`` at time ``t`` holds the rows whose ``by``
        value lies in ``(t - window_size, t]``, as in :meth:`rolling_zscore_by`.

        Parameters
        ----------
        by : str or Expr
            The Date, Datetime or integer column the window is measured on.
        window_size : str or timedelta
            The window length: a Polars duration string (``"1h"``,
            ``"3d12h"``, ``"10i"``) or a positive ``timedelta``.
        feature_range : tuple[float, float], default (0.0, 1.0)
            The ``(low, high)`` target interval, finite with ``low < high``.
        min_samples : int, default 1
            Valid values a window needs for a result.
        closed : {'right', 'left', 'both', 'none'}, default 'right'
            Which ends of the interval are included.
        lag : bool, default False
            Leave the current instant out of its window (strictly causal).
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
            If ``window_size`` is not a positive duration, ``feature_range``,
            ``min_samples`` or ``closed`` is out of range, or ``nan`` is not
            one of the two policies, or ``lag`` is set with ``closed="left"``
            or ``"none"`` (which already leave the current row out).
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped and kept. A window with zero range has
        scale 1, so a constant stretch (or a lone row) maps to
        ``feature_range[0]``.

        See Also
        --------
        rolling_minmax : Windows of a row count.
        polars_norm.rolling_minmax_by : The same as a function.

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
        return rolling_by.rolling_minmax_by(
            self._expr,
            by,
            window_size,
            feature_range=feature_range,
            min_samples=min_samples,
            closed=closed,
            lag=lag,
            nan=nan,
        )

    def rolling_robust_by(
        self,
        by: str | pl.Expr,
        window_size: Duration,
        *,
        quantile_range: tuple[float, float] = (0.25, 0.75),
        min_samples: int = 1,
        closed: ClosedInterval = "right",
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-based rolling robust scaling: ``(x - median) / (q_hi - q_lo)`` over each row's window.

        The window of row ``i`` at time ``t`` holds the rows whose ``by``
        value lies in ``(t - window_size, t]``, as in :meth:`rolling_zscore_by`.

        Parameters
        ----------
        by : str or Expr
            The Date, Datetime or integer column the window is measured on.
        window_size : str or timedelta
            The window length: a Polars duration string (``"1h"``,
            ``"3d12h"``, ``"10i"``) or a positive ``timedelta``.
        quantile_range : tuple[float, float], default (0.25, 0.75)
            The ``(q_lo, q_hi)`` quantiles whose difference is the scale,
            ``0 <= q_lo < q_hi <= 1``; linear interpolation.
        min_samples : int, default 1
            Valid values a window needs for a result.
        closed : {'right', 'left', 'both', 'none'}, default 'right'
            Which ends of the interval are included.
        lag : bool, default False
            Leave the current instant out of its window (strictly causal).
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
            If ``window_size`` is not a positive duration, ``quantile_range``,
            ``min_samples`` or ``closed`` is out of range, or ``nan`` is not
            one of the two policies, or ``lag`` is set with ``closed="left"``
            or ``"none"`` (which already leave the current row out).
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped and kept. A window with a zero quantile
        range has scale 1: it is only centered.

        See Also
        --------
        rolling_robust : Windows of a row count.
        polars_norm.rolling_robust_by : The same as a function.

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
        return rolling_by.rolling_robust_by(
            self._expr,
            by,
            window_size,
            quantile_range=quantile_range,
            min_samples=min_samples,
            closed=closed,
            lag=lag,
            nan=nan,
        )

    def rolling_maxabs_by(
        self,
        by: str | pl.Expr,
        window_size: Duration,
        *,
        min_samples: int = 1,
        closed: ClosedInterval = "right",
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-based rolling max-abs scaling: ``x / max |x|`` over each row's window.

        The window of row ``i`` at time ``t`` holds the rows whose ``by``
        value lies in ``(t - window_size, t]``, as in :meth:`rolling_zscore_by`.

        Parameters
        ----------
        by : str or Expr
            The Date, Datetime or integer column the window is measured on.
        window_size : str or timedelta
            The window length: a Polars duration string (``"1h"``,
            ``"3d12h"``, ``"10i"``) or a positive ``timedelta``.
        min_samples : int, default 1
            Valid values a window needs for a result.
        closed : {'right', 'left', 'both', 'none'}, default 'right'
            Which ends of the interval are included.
        lag : bool, default False
            Leave the current instant out of its window (strictly causal).
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
            If ``window_size`` is not a positive duration, ``min_samples`` or
            ``closed`` is out of range, or ``nan`` is not one of the two
            policies, or ``lag`` is set with ``closed="left"``
            or ``"none"`` (which already leave the current row out).
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped and kept. An all-zero window has scale 1 and
        zeros stay 0.

        See Also
        --------
        rolling_maxabs : Windows of a row count.
        polars_norm.rolling_maxabs_by : The same as a function.

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
        return rolling_by.rolling_maxabs_by(
            self._expr, by, window_size, min_samples=min_samples, closed=closed, lag=lag, nan=nan
        )
