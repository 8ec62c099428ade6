"""Window machinery shared by the rolling, time-based, expanding and EWM normalizations.

A *window* answers "which rows does row ``i`` see?". Two kinds are built on
Polars' native rolling kernels:

* :class:`RowWindow`: the last ``window_size`` rows (``rolling_*``);
* :class:`ByWindow`: the rows whose ``by`` value lies in a duration or index
  range ending at row ``i`` (``rolling_*_by``).

Both expose the same statistics (mean, std, min, max, quantile), so every
location-scale normalization is written once (:func:`zscore_in`,
:func:`minmax_in`, :func:`maxabs_in`, :func:`robust_in`) and works over either.

``lag=True`` makes a window strictly causal: row ``i`` is normalized by the
window that ends just before it, so no row sees its own value. For row-count
windows the statistics are shifted by one row; for ``by`` windows the right
end of the interval is opened (``closed="right"`` becomes ``"none"``,
``"both"`` becomes ``"left"``), so rows at the same instant do not see each
other either.

Numerics
--------
Polars' ``rolling_var``/``rolling_std`` (and ``ewm_var``) lose digits when the
values sit on a large offset: on sorted ``1e12 + N(0, 1)`` data the rolling
standard deviation is off by 2% in relative terms, on ``1e9 + N(0, 1e-3)`` by
6e-5. Subtracting a constant *pilot* first removes the offset: the variance is
shift-invariant, and the kernels' rounding error then scales with
``(window mean - pilot)**2`` instead of ``window mean**2``. The pilot here is
:func:`causal_pilot`, the first non-null value of the column (per group
under ``.over``; no shift if that value is NaN): it is within the data's
range, and it is causal, since appending rows never changes it (rows before
it have no statistics anyway). Measured against exact rational references the relative error of the
rolling standard deviation drops to 4e-16 and 6e-14 on the two data sets above.

Over- and underflow: the kernels square the values, and a square overflows
past about 1.3e154 (or underflows below 1e-154), where a z-score silently
became 0. The pilot-shifted values are therefore multiplied by
:func:`unit_scale`, a power of two (exact: no z-score changes, and results
are bit for bit those of the unscaled values wherever those were finite and
normal) that puts the column's largest ``|x - pilot|`` below
``2**(500 - log2(rows))``: no square or sum of squares can overflow, and every
window whose values lie within about 1e280 of the column's largest one keeps
full accuracy, at 1e-300 as at 1e300 (the column-wise methods' ``dnrm2``
idea). A zero or undefined window scale "taken as 1" is 1 in the original
units: the power of two itself in the scaled units (``one=`` of the divisors).
It costs a multiplication and two cheap aggregates (``max``, ``min``); the
z-scores read the scaled values as a struct field, computed once, so they
are no slower than without the scaling (the window rows of
docs/benchmarks.md compare them with hand-written Polars).

The scale is per column (per group under ``.over``), like the pilot: a Polars
rolling kernel takes one column, so the values of a window must share one
scale, and overlapping windows tie that scale across the whole column (a
per-window scale would need a kernel pass per scale: three to span the
doubles). Two consequences: the query needs the whole column before its first
output row, as it already does for the pilot; and appending rows can change
the scale, which changes no earlier output unless a window then lies more
than about 1e280 below the column's largest value. (Choosing per column
between the values as they are and scaled ones, a ``when/then`` on a scalar,
would skip the multiplication under an eager ``select``, which runs one
branch, but a lazy query runs both, which made it slower.)

Zero scale
----------
The zero-scale rules (a constant window maps to 0, or is only centered
with ``lag``) and their tolerances are in :mod:`polars_norm.windows.scales`.
Too few values for ``min_samples`` means null.

Weights
-------
``rolling_zscore(weights=...)`` is :func:`weighted_zscore_in`: Polars'
weighted ``rolling_mean``/``rolling_std`` panic on nulls and ignore
``ddof``, so its moments come from weighted ``rolling_sum`` kernels over
the pilot-shifted values, read once each through a struct.

Speed
-----
Polars does not eliminate common subexpressions that contain a row-count
``rolling_*`` kernel (and an eager ``select`` eliminates none), so every
textual repetition of ``x.rolling_std(n)`` runs the kernel again. The
row-count formulas therefore read each kernel once, and the zero-scale rule
is applied by divisors that read their scale once (:func:`~polars_norm.windows.scales.std_divisor`,
:func:`~polars_norm.windows.scales.spread_divisor`).

Polars' common-subexpression elimination also skips any subtree holding a
``when/then`` (``fill_nan(None)`` is one), so shared statistics (cumulative
sums, ``ewm_*``, ``rolling_*_by``) are built from :func:`window_values`
(NaN to null with ``replace``) and ``clip``/``fill_null`` arithmetic, with
``when/then`` only on top of a tree, where nothing above shares it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from polars_norm.semantics import NanPolicy
from polars_norm.windows.checks import (
    ClosedInterval,
    Duration,
    check_closed,
    check_duration,
    check_min_samples,
    check_weights,
    check_window_size,
)
from polars_norm.windows.scales import spread_divisor, std_divisor, weighted_sums_rtol

__all__ = [
    "ByWindow",
    "RowWindow",
    "by_window",
    "causal_pilot",
    "maxabs_in",
    "minmax_in",
    "robust_in",
    "row_window",
    "unit_scale",
    "weighted_zscore_in",
    "window_values",
    "zscore_in",
]


# --------------------------------------------------------------------------
# statistics view and pilot shift
# --------------------------------------------------------------------------
def window_values(x: pl.Expr, nan: NanPolicy) -> pl.Expr:
    """The values window statistics are computed over: NaN becomes null unless propagating.

    The rule of :func:`polars_norm.semantics.stat_view`, written with
    ``replace`` (every NaN payload matches) instead of ``fill_nan(None)``,
    whose ``when/then`` expansion stops Polars from sharing the statistics
    built on top of it.

    Parameters
    ----------
    x
        The (Float64) values.
    nan
        ``"ignore"`` turns NaN into null; ``"propagate"`` keeps it.

    Returns
    -------
    pl.Expr
        Length-preserving: the rows stay aligned.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1.0, float("nan"), None]})
    >>> df.select(window_values(pl.col("x"), "ignore")).to_series().to_list()
    [1.0, None, None]
    """
    return x.replace(float("nan"), None) if nan == "ignore" else x


def causal_pilot(x: pl.Expr) -> pl.Expr:
    """The first non-null value of ``x`` (per group under ``.over``; 0 if it is NaN): a stable, causal shift.

    Subtracting it before a rolling, cumulative or exponentially weighted
    variance keeps the kernels' rounding relative to the data's spread rather
    than its offset. It depends on no later row, so appending rows never
    changes an earlier output; the rows before it have no valid data and so no
    statistics whatever the shift. Null when there is no valid value.

    Parameters
    ----------
    x
        The values.

    Returns
    -------
    pl.Expr
        A scalar (per group under ``.over``).

    Examples
    --------
    >>> df = pl.DataFrame({"g": [1, 1, 2, 2], "x": [None, 1e12 + 3, 7.0, float("nan")]})
    >>> df.select(causal_pilot(pl.col("x")).over("g")).to_series().to_list()
    [1000000000003.0, 1000000000003.0, 7.0, 7.0]
    """
    # ``drop_nulls().first()`` is Polars' cheap ``first_non_null``; a NaN there (the
    # column starts with NaN) falls back to no shift, still exact but less accurate
    # on large offsets. (A full NaN-to-null pass just to find the pilot would add
    # a pass to every rolling z-score; ``replace`` rather than ``fill_nan`` keeps CSE.)
    return x.drop_nulls().first().replace(float("nan"), 0.0)


#: ``|x - pilot|`` is scaled below ``2**(_TOP_EXPONENT - log2(rows))``: sums of up to ``rows``
#: squares of (``rows`` times) such values stay below ``2**1002`` (West's and Welford's increments
#: square ``d * n``), with headroom for the kernels' own sums.
_TOP_EXPONENT = 500.0
#: The scale is clipped to ``[2**-1000, 2**1000]``: it and its reciprocal stay normal doubles.
_MAX_SHIFT = 1000.0


def unit_scale(x: pl.Expr) -> pl.Expr:
    """The power of two the pilot-shifted values are multiplied by before any window statistic (a scalar).

    ``2**-k`` with ``2**(k-2) <= max|x| < 2**(k-1)`` less the headroom
    ``_TOP_EXPONENT - ceil(log2(rows))``: then ``|x - pilot| <= 2 max|x|``
    lands below ``2**(_TOP_EXPONENT - log2(rows))``. Multiplying by it is exact
    (a power of two) and changes no z-score; it is also the "1" of the
    zero-scale rule in the scaled units. Per group under ``.over``; null
    without data, NaN for an all-NaN column (its rows are NaN anyway). Two
    cheap aggregates (``max`` and ``min``, which skip NaN) and ``len``.

    Parameters
    ----------
    x
        The values (before the pilot shift).

    Returns
    -------
    pl.Expr
        A power of two, Float64.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1e300, -3.0, None, 2.0]})
    >>> scale = df.select(unit_scale(pl.col("x"))).item()
    >>> math.log2(scale), 1e300 * scale < 2.0**500
    (-500.0, True)
    """
    top = x.max().abs().clip(lower_bound=x.min().abs())
    exponent = top.log(2.0).floor().clip(-1074.0, 1024.0)
    headroom = _TOP_EXPONENT - pl.len().cast(pl.Float64).log(2.0).ceil().clip(lower_bound=0.0)
    shift = (exponent + 2.0 - headroom).clip(-_MAX_SHIFT, _MAX_SHIFT)
    return pl.lit(2.0).pow(-shift)


# windows
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class RowWindow:
    """The last ``window_size`` rows (or centered on the row), optionally lagged by one row.

    Built by :func:`row_window`, which checks the parameters. Each statistic
    method takes the values (from :func:`window_values`) and returns one
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


# --------------------------------------------------------------------------
# location-scale normalizations over a window (Float64 in, Float64 out)
# --------------------------------------------------------------------------
def zscore_in(window: Window, x: pl.Expr, *, ddof: int, nan: NanPolicy) -> pl.Expr:
    """``(x - window mean) / window std``, on pilot-shifted values scaled by :func:`unit_scale`.

    The scaled values are a struct field the kernels and the numerator read:
    computed once, where an eager ``select`` would compute them per reference.

    Parameters
    ----------
    window
        A :class:`RowWindow` or :class:`ByWindow`.
    x
        The Float64 values.
    ddof, nan
        As in :func:`polars_norm.rolling_zscore`.

    Returns
    -------
    pl.Expr
        Float64 z-scores; a zero or undefined window scale follows
        :func:`polars_norm.windows.scales.std_divisor`.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1.0, 3.0, 3.0, 3.0]})
    >>> w = RowWindow(2, None, False, False)
    >>> df.select(zscore_in(w, pl.col("x"), ddof=1, nan="ignore")).to_series().to_list()
    [None, 0.7071067811865475, 0.0, 0.0]
    """
    f = pl.field
    centered = (x - causal_pilot(x)) * unit_scale(x)  # NaN rows stay NaN here ...
    moments = pl.struct(centered.alias("c")).struct.with_fields(v=window_values(f("c"), nan))  # ... not in "v"
    moments = moments.struct.with_fields(mean=window.mean(f("v")), std=window.std(f("v"), ddof))
    lag, undefined = not window.sees_row, window.may_lack_std(ddof)
    z = (f("c") - f("mean")) / std_divisor(f("std"), lag, undefined=undefined, one=unit_scale(x))
    return moments.struct.with_fields(z=z).struct.field("z")


def minmax_in(window: Window, x: pl.Expr, *, feature_range: tuple[float, float], nan: NanPolicy) -> pl.Expr:
    """``(x - window min) / (window max - window min)``, onto ``feature_range``.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1.0, 3.0, 2.0]})
    >>> w = RowWindow(2, None, False, False)
    >>> df.select(minmax_in(w, pl.col("x"), feature_range=(-1.0, 1.0), nan="ignore")).to_series().to_list()
    [None, 1.0, -1.0]
    """
    values = window_values(x, nan)
    lo, hi = window.min(values), window.max(values)
    # (x - lo) reads the min kernel a second time, as the hand-written formula does
    out = (x - lo) / spread_divisor(hi - lo)
    low, high = feature_range
    if (low, high) != (0.0, 1.0):
        out = out * (high - low) + low
    return out


def maxabs_in(window: Window, x: pl.Expr, *, nan: NanPolicy) -> pl.Expr:
    """``x / window max |x|`` (an all-zero window has scale 1; no data stays null).

    Examples
    --------
    >>> df = pl.DataFrame({"x": [0.0, 0.0, -4.0, 2.0]})
    >>> w = RowWindow(2, 1, False, False)
    >>> df.select(maxabs_in(w, pl.col("x"), nan="ignore")).to_series().to_list()
    [0.0, 0.0, -1.0, 0.5]
    """
    top = window.max(window_values(x, nan).abs())
    return x / spread_divisor(top)


def robust_in(window: Window, x: pl.Expr, *, quantile_range: tuple[float, float], nan: NanPolicy) -> pl.Expr:
    """``(x - window median) / (window q_hi - window q_lo)``, linear interpolation.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1.0, 2.0, 3.0, 10.0]})
    >>> w = RowWindow(3, 1, False, False)
    >>> df.select(robust_in(w, pl.col("x"), quantile_range=(0.25, 0.75), nan="ignore")).to_series().to_list()
    [0.0, 1.0, 1.0, 1.75]
    """
    values = window_values(x, nan)
    q_lo, q_hi = quantile_range
    low, high = window.quantile(values, q_lo), window.quantile(values, q_hi)
    return (x - window.quantile(values, 0.5)) / spread_divisor(high - low)


# --------------------------------------------------------------------------
# weighted row windows: moments from weighted sums
# --------------------------------------------------------------------------
def weighted_zscore_in(window: RowWindow, x: pl.Expr, *, ddof: int, nan: NanPolicy) -> pl.Expr:
    """``(x - weighted mean) / weighted std`` over a row window with ``window.weights``.

    Polars' weighted ``rolling_mean``/``rolling_std`` refuse nulls and ignore
    ``ddof``, so the moments come from weighted rolling sums over the
    pilot-shifted values ``v`` with nulls (and ignored NaN) as 0 and a
    validity indicator ``a``: ``W1 = sum(w a)``, ``W2 = sum(w**2 a)``,
    ``S1 = sum(w v)``, ``S2 = sum(w v**2)``. Then ``mean = S1 / W1`` and,
    with reliability weights, ``var = (S2 - S1**2 / W1) / (W1 - ddof W2 / W1)``
    (equal weights give the unweighted variance with that ``ddof``). The
    difference ``S2 - S1**2 / W1`` cancels: at most
    :func:`weighted_sums_rtol` ``* S2`` of it counts as zero (a constant
    window maps to 0), and a denominator within the same tolerance of 0
    (effective sample size ``W1**2 / W2`` at most ``ddof``) is undefined
    (scale 1). ``min_samples`` counts the valid rows; a window whose valid
    rows all weigh 0 is null. Polars does not share repeated rolling
    kernels, so each sum runs once, as a field of a struct the formula reads.

    Parameters
    ----------
    window
        A :class:`RowWindow` with weights.
    x
        The Float64 values.
    ddof, nan
        As in :func:`polars_norm.rolling_zscore`.

    Returns
    -------
    pl.Expr
        Float64 z-scores.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1.0, 2.0, None, 4.0]})
    >>> w = row_window(2, 1, False, False, "rolling_zscore", weights=[1.0, 1.0])
    >>> df.select(weighted_zscore_in(w, pl.col("x"), ddof=1, nan="ignore")).to_series().to_list()
    [0.0, 0.7071067811865475, None, 0.0]
    """
    assert window.weights is not None
    weights = list(window.weights)
    rtol = weighted_sums_rtol(window.window_size)

    # The pilot is the first valid value even when the column starts with NaN: the sums of
    # squares need it far more than Polars' rolling_var does (a NaN-to-null pass costs little here).
    centered = (x - causal_pilot(window_values(x, "ignore"))) * unit_scale(x)
    shifted = window_values(centered, nan)
    valid = window_values(x, nan).is_not_null().cast(pl.Float64)  # as ``shifted``'s, one pass less
    filled = shifted.fill_null(0.0)
    sums = {
        "x": centered,
        "n": window.sum(valid),
        "w1": window.sum(valid, weights),
        "s1": window.sum(filled, weights),
        "s2": window.sum(filled * filled, weights),
    }
    if ddof:
        sums["w2"] = window.sum(valid, [w * w for w in weights])
    f = pl.field
    moments = pl.struct([stat.alias(name) for name, stat in sums.items()])
    moments = moments.struct.with_fields(mean=f("s1") / f("w1"))
    moments = moments.struct.with_fields(
        m2=f("s2") - f("s1") * f("mean"), d=f("w1") - ddof * f("w2") / f("w1") if ddof else f("w1")
    )
    one = unit_scale(x)  # a scale of 1 in the original units
    zero_scale = float("inf") if window.sees_row else one  # the rule of std_divisor
    divisor = (
        pl.when(f("d") <= rtol * (1 + ddof) * f("w1"))
        .then(one)
        .when(f("m2") <= rtol * f("s2"))
        .then(zero_scale)
        .otherwise((f("m2") / f("d")).sqrt())
    )
    needed = window.window_size if window.min_samples is None else window.min_samples
    z = pl.when((f("n") >= needed) & (f("w1") > 0.0)).then((f("x") - f("mean")) / divisor)
    return moments.struct.with_fields(z=z).struct.field("z")
