"""Window kinds shared by the rolling and time-based normalizations, and their parameter checks.

A *window* answers "which rows does row ``i`` see?". Two kinds are built on
Polars' native rolling kernels:

* :class:`RowWindow`: the last ``window_size`` rows (``rolling_*``);
* :class:`ByWindow`: the rows whose ``by`` value lies in a duration or index
  range ending at row ``i`` (``rolling_*_by``).

Both expose the same statistics (mean, std, min, max, quantile), so every
location-scale normalization is written once
(:mod:`polars_norm.windows.location_scale`) and works over either.
:func:`row_window` and :func:`by_window` check a public method's window
parameters and build the window.

``lag=True`` makes a window strictly causal: row ``i`` is normalized by the
window that ends just before it, so no row sees its own value. For row-count
windows the statistics are shifted by one row; for ``by`` windows the right
end of the interval is opened (``closed="right"`` becomes ``"none"``,
``"both"`` becomes ``"left"``), so rows at the same instant do not see each
other either.

The values the statistics are computed over (NaN view, pilot shift, unit
scale, and why) are in :mod:`polars_norm.windows.pilot`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from polars_norm.windows.checks import (
    ClosedInterval,
    Duration,
    check_closed,
    check_duration,
    check_min_samples,
    check_weights,
    check_window_size,
)

__all__ = ["ByWindow", "RowWindow", "Window", "by_window", "row_window"]


@dataclass(frozen=True)
class RowWindow:
    """The last ``window_size`` rows (or centered on the row), optionally lagged by one row.

    Built by :func:`row_window`, which checks the parameters. Each statistic
    method takes the values (from :func:`~polars_norm.windows.pilot.window_values`) and returns one
    value per row: the statistic of that row's window, shifted one row down
    with ``lag``.

    Attributes
    ----------
    window_size
        The number of rows in a window.
    min_samples
        Valid values a window needs for a result (None: ``window_size``).
    center
        Center the window on the row.
    lag
        Normalize each row by the window ending on the previous row.
    weights
        Per-row weights (``weights[-1]`` on the window's last row), scaled so
        the largest is in [0.5, 1), or None.

    Examples
    --------
    >>> w = RowWindow(window_size=2, min_samples=1, center=False, lag=True)
    >>> df = pl.DataFrame({"x": [1.0, 3.0, 8.0]})
    >>> df.select(w.mean(pl.col("x"))).to_series().to_list()
    [None, 1.0, 2.0]
    """

    window_size: int
    min_samples: int | None
    center: bool
    lag: bool
    #: Per-row weights (``weights[-1]`` on the window's last row), scaled so the largest is in [0.5, 1).
    weights: tuple[float, ...] | None = None

    @property
    def sees_row(self) -> bool:
        """Whether each row is in its own window (not with ``lag``).

        Examples
        --------
        >>> RowWindow(3, None, False, lag=True).sees_row
        False
        """
        return not self.lag

    def may_lack_std(self, ddof: int) -> bool:
        """Whether a window can hold enough values for a mean but not for a std.

        Examples
        --------
        >>> RowWindow(3, 1, False, False).may_lack_std(1), RowWindow(3, None, False, False).may_lack_std(1)
        (True, False)
        """
        return (self.window_size if self.min_samples is None else self.min_samples) <= ddof

    def _done(self, stat: pl.Expr) -> pl.Expr:
        return stat.shift(1) if self.lag else stat

    def mean(self, v: pl.Expr) -> pl.Expr:
        """The mean of each row's window (Polars' ``rolling_mean``).

        Examples
        --------
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 8.0]})
        >>> df.select(RowWindow(2, None, False, False).mean(pl.col("x"))).to_series().to_list()
        [None, 2.0, 5.5]
        """
        return self._done(v.rolling_mean(self.window_size, min_samples=self.min_samples, center=self.center))

    def std(self, v: pl.Expr, ddof: int) -> pl.Expr:
        """The standard deviation with ``ddof`` of each row's window (Polars' ``rolling_std``).

        Examples
        --------
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 8.0]})
        >>> df.select(RowWindow(2, None, False, False).std(pl.col("x"), 0)).to_series().to_list()
        [None, 1.0, 2.5]
        """
        return self._done(v.rolling_std(self.window_size, min_samples=self.min_samples, center=self.center, ddof=ddof))

    def min(self, v: pl.Expr) -> pl.Expr:
        """The minimum of each row's window (Polars' ``rolling_min``).

        Examples
        --------
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 8.0]})
        >>> df.select(RowWindow(2, 1, False, True).min(pl.col("x"))).to_series().to_list()
        [None, 1.0, 1.0]
        """
        return self._done(v.rolling_min(self.window_size, min_samples=self.min_samples, center=self.center))

    def max(self, v: pl.Expr) -> pl.Expr:
        """The maximum of each row's window (Polars' ``rolling_max``).

        Examples
        --------
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 8.0]})
        >>> df.select(RowWindow(2, 1, False, False).max(pl.col("x"))).to_series().to_list()
        [1.0, 3.0, 8.0]
        """
        return self._done(v.rolling_max(self.window_size, min_samples=self.min_samples, center=self.center))

    def quantile(self, v: pl.Expr, q: float) -> pl.Expr:
        """The ``q`` quantile of each row's window, interpolated linearly (the median for ``q == 0.5``).

        Examples
        --------
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 8.0, 4.0]})
        >>> df.select(RowWindow(3, 1, False, False).quantile(pl.col("x"), 0.25)).to_series().to_list()
        [1.0, 1.5, 2.0, 3.5]
        """
        if q == 0.5:
            stat = v.rolling_median(self.window_size, min_samples=self.min_samples, center=self.center)
        else:
            stat = v.rolling_quantile(q, "linear", self.window_size, min_samples=self.min_samples, center=self.center)
        return self._done(stat)

    def sum(self, v: pl.Expr, weights: list[float] | None = None) -> pl.Expr:
        """``sum(weights * v)`` over the window, or the plain sum; ``v`` null-free, no ``min_samples``.

        Weights are aligned as Polars aligns them: ``weights[k]`` multiplies
        the row ``window_size - 1 - k`` rows before the window's last row,
        also in the partial windows at the ends of the column.

        Examples
        --------
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 8.0]})
        >>> df.select(RowWindow(2, None, False, False).sum(pl.col("x"), [10.0, 1.0])).to_series().to_list()
        [1.0, 13.0, 38.0]
        """
        return self._done(v.rolling_sum(self.window_size, weights, min_samples=1, center=self.center))


@dataclass(frozen=True)
class ByWindow:
    """The rows whose ``by`` value lies in a duration (or index) interval ending at the row.

    Built by :func:`by_window`, which checks the parameters and opens the
    interval's right end for ``lag``. Each statistic method is Polars'
    ``rolling_*_by`` kernel of the values over that interval.

    Attributes
    ----------
    by
        The Date, Datetime or integer column of times.
    window_size
        The interval's length: a duration string or ``timedelta``.
    min_samples
        Valid values a window needs for a result.
    closed
        Which ends of the interval are included.

    Examples
    --------
    >>> w = ByWindow(pl.col("t"), "2i", 1, "right")
    >>> df = pl.DataFrame({"t": [0, 1, 5], "x": [1.0, 3.0, 8.0]})
    >>> df.select(w.mean(pl.col("x"))).to_series().to_list()
    [1.0, 2.0, 8.0]
    """

    by: pl.Expr
    window_size: Duration
    min_samples: int
    closed: ClosedInterval

    @property
    def sees_row(self) -> bool:
        """Whether each row is in its own window (the interval's right end is closed).

        Examples
        --------
        >>> ByWindow(pl.col("t"), "2i", 1, "none").sees_row
        False
        """
        return self.closed in ("right", "both")

    def may_lack_std(self, ddof: int) -> bool:
        """Whether a window can hold enough values for a mean but not for a std.

        Examples
        --------
        >>> ByWindow(pl.col("t"), "2i", 1, "right").may_lack_std(1)
        True
        """
        return self.min_samples <= ddof

    def mean(self, v: pl.Expr) -> pl.Expr:
        """The mean of each row's window (Polars' ``rolling_mean_by``).

        Examples
        --------
        >>> df = pl.DataFrame({"t": [0, 1, 5], "x": [1.0, 3.0, 8.0]})
        >>> df.select(ByWindow(pl.col("t"), "2i", 1, "right").mean(pl.col("x"))).to_series().to_list()
        [1.0, 2.0, 8.0]
        """
        return v.rolling_mean_by(self.by, self.window_size, min_samples=self.min_samples, closed=self.closed)

    def std(self, v: pl.Expr, ddof: int) -> pl.Expr:
        """The standard deviation with ``ddof`` of each row's window (Polars' ``rolling_std_by``).

        Examples
        --------
        >>> df = pl.DataFrame({"t": [0, 1, 5], "x": [1.0, 3.0, 8.0]})
        >>> df.select(ByWindow(pl.col("t"), "2i", 1, "right").std(pl.col("x"), 0)).to_series().to_list()
        [0.0, 1.0, 0.0]
        """
        return v.rolling_std_by(self.by, self.window_size, min_samples=self.min_samples, closed=self.closed, ddof=ddof)

    def min(self, v: pl.Expr) -> pl.Expr:
        """The minimum of each row's window (Polars' ``rolling_min_by``).

        Examples
        --------
        >>> df = pl.DataFrame({"t": [0, 1, 5], "x": [1.0, 3.0, 8.0]})
        >>> df.select(ByWindow(pl.col("t"), "2i", 1, "right").min(pl.col("x"))).to_series().to_list()
        [1.0, 1.0, 8.0]
        """
        return v.rolling_min_by(self.by, self.window_size, min_samples=self.min_samples, closed=self.closed)

    def max(self, v: pl.Expr) -> pl.Expr:
        """The maximum of each row's window (Polars' ``rolling_max_by``).

        Examples
        --------
        >>> df = pl.DataFrame({"t": [0, 1, 5], "x": [1.0, 3.0, 8.0]})
        >>> df.select(ByWindow(pl.col("t"), "2i", 1, "right").max(pl.col("x"))).to_series().to_list()
        [1.0, 3.0, 8.0]
        """
        return v.rolling_max_by(self.by, self.window_size, min_samples=self.min_samples, closed=self.closed)

    def quantile(self, v: pl.Expr, q: float) -> pl.Expr:
        """The ``q`` quantile of each row's window, interpolated linearly (the median for ``q == 0.5``).

        Examples
        --------
        >>> df = pl.DataFrame({"t": [0, 1, 2], "x": [1.0, 3.0, 8.0]})
        >>> df.select(ByWindow(pl.col("t"), "3i", 1, "right").quantile(pl.col("x"), 0.5)).to_series().to_list()
        [1.0, 2.0, 3.0]
        """
        if q == 0.5:
            return v.rolling_median_by(self.by, self.window_size, min_samples=self.min_samples, closed=self.closed)
        return v.rolling_quantile_by(
            self.by,
            self.window_size,
            quantile=q,
            interpolation="linear",
            min_samples=self.min_samples,
            closed=self.closed,
        )


Window = RowWindow | ByWindow


def row_window(
    window_size: object,
    min_samples: object,
    center: bool,
    lag: bool,
    method: str,
    *,
    weights: object = None,
) -> RowWindow:
    """Check the row-count window parameters and build the window.

    Parameters
    ----------
    window_size, min_samples, center, lag
        As passed to a ``rolling_*`` method.
    method
        The public method's name, for error messages.
    weights
        The per-row weights, or None; rescaled by an exact power of two so
        the largest is in [0.5, 1).

    Returns
    -------
    RowWindow

    Raises
    ------
    ValueError
        For a bad parameter, or ``lag`` together with ``center``.

    Examples
    --------
    >>> row_window(3, None, False, False, "rolling_zscore", weights=[1, 2, 4])
    RowWindow(window_size=3, min_samples=None, center=False, lag=False, weights=(0.125, 0.25, 0.5))
    >>> row_window(3, None, True, True, "rolling_zscore")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.rolling_zscore: lag=True and center=True contradict each other ...
    """
    size = check_window_size(window_size, method)
    samples = None if min_samples is None else check_min_samples(min_samples, method, window_size=size)
    if lag and center:
        msg = (
            f"polars_norm.{method}: lag=True and center=True contradict each other (a centered window sees the future)"
        )
        raise ValueError(msg)
    scaled = None
    if weights is not None:
        checked = check_weights(weights, size, method)
        # A power-of-two rescaling is exact and changes no z-score; it keeps the sums away from overflow.
        unit = 2.0 ** -math.frexp(max(checked))[1]
        scaled = tuple(w * unit for w in checked)
    return RowWindow(size, samples, bool(center), bool(lag), scaled)


_LAGGED_CLOSED: dict[str, ClosedInterval] = {"right": "none", "both": "left"}


def by_window(
    by: str | pl.Expr,
    window_size: object,
    min_samples: object,
    closed: object,
    lag: bool,
    method: str,
) -> ByWindow:
    """Check the ``_by`` window parameters and build the window (``lag`` opens its right end).

    Parameters
    ----------
    by
        The column of times, by name or as an expression.
    window_size, min_samples, closed, lag
        As passed to a ``rolling_*_by`` method; with ``lag``, ``closed="right"``
        becomes ``"none"`` and ``"both"`` becomes ``"left"``.
    method
        The public method's name, for error messages.

    Returns
    -------
    ByWindow

    Raises
    ------
    ValueError
        For a bad parameter, or ``lag`` with ``closed`` already ``"left"`` or
        ``"none"``.

    Examples
    --------
    >>> by_window("t", "1h", 1, "both", True, "rolling_zscore_by").closed
    'left'
    """
    size = check_duration(window_size, "window_size", method)
    samples = check_min_samples(min_samples, method)
    end = check_closed(closed, method)
    if lag:
        if end not in _LAGGED_CLOSED:
            msg = (
                f"polars_norm.{method}: lag=True needs closed='right' or 'both' (got closed={closed!r}, "
                "which already leaves the current row out)"
            )
            raise ValueError(msg)
        end = _LAGGED_CLOSED[end]
    by_expr = pl.col(by) if isinstance(by, str) else by
    return ByWindow(by_expr, size, samples, end)
