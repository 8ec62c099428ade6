r"""Stateful recursions of the expanding and exponentially weighted window methods, for batch-by-batch use.

The one-query expressions (:mod:`polars_norm.windows.expanding`,
:mod:`polars_norm.windows.ewm`, :mod:`polars_norm.windows.ewm_by`) need a
whole group before its first output row. The kernels here run the same
recursions one row at a time, in row order, with the running values of every
group kept in a float64 state array (one row per group, updated in place), so
that feeding the batches of a column one after the other gives, to rounding,
the output of the one-query expression ``.over(group)`` on their
concatenation.

Per group the state holds the pilot ``p`` and the unit scale ``s`` (NaN
until seen); every statistic is computed on ``c = (x - p) * s``, as
:func:`polars_norm.windows.pilot.scaled_values` computes it:

* ``p`` is the first finite value of the group, in row order (whatever
  ``nan``); before it ``p = 0`` (those rows are null, NaN or infinite, and have
  no finite statistics);
* ``s`` is :func:`polars_norm.windows.pilot.unit_scale` of ``p``, operation
  for operation: the power of two nearest ``2**ANCHOR_EXPONENT / |p|`` (``|p|``
  taken as 1 for ``p == 0``, and before the pilot), clipped to
  ``[2**-1000, 2**900]``. A power of two is exact: it changes no z-score and
  keeps the squares away from over- and underflow; a zero scale "taken as 1"
  is ``s`` in these units. (Where a statistic does underflow, as the variance
  after a long decaying null gap can, results depend on the exact power, so it
  is the expression's own, not one off by a factor 2.)

The exponentially weighted recursions are Polars' own, operation for
operation: ``ewm_mean``/``ewm_std`` (``polars-compute``'s ``EwmMeanState``
and ``EwmCovState``, which share the mean and weight recursions; as of Polars
2.1 the unbiased correction carries ``weight_sum**2 - sum(weight**2)`` itself,
which 1.x computed by a subtraction, as pinned by
``test_ewm_after_a_long_null_gap``) for
:func:`~polars_norm.windows.ewm.ewm_zscore`, and ``ewm_sum_by`` (the decay
``0.5 ** (dt / half_life)`` computed per row) for
:func:`~polars_norm.windows.ewm_by.ewm_zscore_by`. The expanding sums are
Polars' sequential ``cum_sum``, ``cum_min`` and ``cum_max`` with Welford's
increment written as in the expression. The zero-scale rules are those of
:mod:`polars_norm.windows.scales` (``std_divisor``, ``spread_divisor``,
``tolerant_divisor``) with the rounding floor of
:func:`polars_norm.windows.ewm.rounding_floor`.

Rows are given as ``values`` (float64, NaN a real value) with a separate
``valid`` mask (False: null) and a dense group code per row; outputs come
back the same way. Importing this module compiles nothing; each kernel is
compiled on its first call (or loaded from numba's on-disk cache).
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numba
import numpy as np

from polars_norm.semantics import (
    EWM_ROUNDING_FACTOR,
    WINDOW_ANCHOR_EXPONENT,
    WINDOW_SATURATION_EXPONENT,
    WINDOW_SCALE_EXPONENTS,
    ZERO_SCALE_FLOOR,
)

__all__ = [
    "EWM_ZSCORE_BY_FIELDS",
    "EWM_ZSCORE_FIELDS",
    "EXPANDING_MAXABS_FIELDS",
    "EXPANDING_MINMAX_FIELDS",
    "EXPANDING_ZSCORE_FIELDS",
    "METHODS",
    "new_state",
    "run_kernel",
    "state_fields",
]

_Floats = np.ndarray[Any, np.dtype[np.float64]]
_Bools = np.ndarray[Any, np.dtype[np.bool_]]
_Ints = np.ndarray[Any, np.dtype[np.int64]]

#: Running values of :func:`~polars_norm.windows.expanding.expanding_zscore`: the pilot and
#: scale, the number of values in the statistics, their sum and Welford's sum of squared
#: deviations (both of the scaled values ``c``).
EXPANDING_ZSCORE_FIELDS = ("pilot", "scale", "count", "total", "m2")
#: Running values of :func:`~polars_norm.windows.expanding.expanding_minmax`: the number of
#: values in the statistics and Polars' ``cum_min``/``cum_max`` of them (raw units; no pilot).
EXPANDING_MINMAX_FIELDS = ("count", "low", "high")
#: Running values of :func:`~polars_norm.windows.expanding.expanding_maxabs`: the count and
#: Polars' ``cum_max`` of ``|x|``.
EXPANDING_MAXABS_FIELDS = ("count", "top")
#: Running values of :func:`~polars_norm.windows.ewm.ewm_zscore`: pilot and scale; Polars'
#: ``EwmCovState`` (``count`` = its non-null count, ``mean``, ``weight``, ``cov``,
#: ``weight_sum``, and ``weight_cross`` = ``weight_sum**2`` less the sum of squared weights);
#: the last non-null ``ewm_mean``/``ewm_std``
#: outputs (the expression's ``forward_fill``; ``has_*`` 1.0 once there is one); and the
#: last value that entered the recursion (the rounding floor's level with ``lag``).
EWM_ZSCORE_FIELDS = (
    "pilot",
    "scale",
    "count",
    "mean",
    "weight",
    "cov",
    "weight_sum",
    "weight_cross",
    "mean_out",
    "has_mean",
    "std_out",
    "has_std",
    "level",
    "has_level",
)
#: Running values of :func:`~polars_norm.windows.ewm_by.ewm_zscore_by`: pilot and scale;
#: whether the group's ``ewm_sum_by`` recursions have started and the last time (an int64
#: split into exact high and low 32-bit halves); the sums ``W``, ``S1``, ``M2`` and ``V``
#: of the module notes of :mod:`~polars_norm.windows.ewm_by`; the number of values seen;
#: and the last value that entered the sums (the rounding floor's level with ``lag``).
EWM_ZSCORE_BY_FIELDS = (
    "pilot",
    "scale",
    "started",
    "time_high",
    "time_low",
    "weight",
    "total",
    "m2",
    "square_weight",
    "seen",
    "level",
    "has_level",
)

_FIELDS: dict[str, tuple[str, ...]] = {
    "expanding_zscore": EXPANDING_ZSCORE_FIELDS,
    "expanding_minmax": EXPANDING_MINMAX_FIELDS,
    "expanding_maxabs": EXPANDING_MAXABS_FIELDS,
    "ewm_zscore": EWM_ZSCORE_FIELDS,
    "ewm_zscore_by": EWM_ZSCORE_BY_FIELDS,
}
#: The methods :func:`run_kernel` runs.
METHODS = tuple(_FIELDS)
#: Fields a fresh group starts with as NaN ("not seen yet"); every other field starts at 0.
_UNSEEN = ("pilot", "scale")

#: :func:`polars_norm.windows.pilot.unit_scale`'s constants: the pilot lands near ``2**WINDOW_ANCHOR_EXPONENT``,
#: the scale stays within the powers of two of ``WINDOW_SCALE_EXPONENTS``.
_ANCHOR_POWER = 2.0**WINDOW_ANCHOR_EXPONENT
_LOWEST_SCALE = 2.0 ** WINDOW_SCALE_EXPONENTS[0]
_HIGHEST_SCALE = 2.0 ** WINDOW_SCALE_EXPONENTS[1]
#: Veltkamp's splitter: ``q * _SPLITTER`` less its difference with ``q`` keeps one significant bit.
_SPLITTER = 2.0**52 + 1.0
#: Scaled values past the bound are clipped to ``±_SATURATION`` (:func:`polars_norm.windows.pilot.scaled_values`).
_SATURATION = 2.0**WINDOW_SATURATION_EXPONENT
#: The scale before a group's pilot (that of a pilot 0).
_UNSEEN_SCALE = _ANCHOR_POWER
_EPS = sys.float_info.epsilon
#: The rounding floor of the EW recursions, per unit of ``|level| * memory``
#: (:func:`polars_norm.windows.ewm.rounding_floor`).
_FLOOR_FACTOR = EWM_ROUNDING_FACTOR * _EPS
_INF = math.inf
_NAN = math.nan

# Field positions, frozen into the kernels as constants.
_EZ_PILOT, _EZ_SCALE, _EZ_COUNT, _EZ_TOTAL, _EZ_M2 = range(5)
_MM_COUNT, _MM_LOW, _MM_HIGH = range(3)
_MA_COUNT, _MA_TOP = range(2)
(
    _EW_PILOT,
    _EW_SCALE,
    _EW_COUNT,
    _EW_MEAN,
    _EW_WEIGHT,
    _EW_COV,
    _EW_WSUM,
    _EW_CROSS,
    _EW_MEAN_OUT,
    _EW_HAS_MEAN,
    _EW_STD_OUT,
    _EW_HAS_STD,
    _EW_LEVEL,
    _EW_HAS_LEVEL,
) = range(14)
(
    _EB_PILOT,
    _EB_SCALE,
    _EB_STARTED,
    _EB_TIME_HIGH,
    _EB_TIME_LOW,
    _EB_WEIGHT,
    _EB_TOTAL,
    _EB_M2,
    _EB_SQUARE,
    _EB_SEEN,
    _EB_LEVEL,
    _EB_HAS_LEVEL,
) = range(12)
_LOW_BITS = 2**32


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _unit_scale(pilot: float) -> float:  # pragma: no cover - compiled
    """:func:`polars_norm.windows.pilot.unit_scale` of a (finite) pilot, operation for operation."""
    magnitude = abs(pilot) + (1.0 if pilot == 0.0 else 0.0)
    quotient = min(max(_ANCHOR_POWER / magnitude, _LOWEST_SCALE), _HIGHEST_SCALE)
    spread = quotient * _SPLITTER
    return spread - (spread - quotient)


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _see(state: _Floats, g: int, x: float, pilot: int, scale: int) -> None:  # pragma: no cover - compiled
    """Record the group's pilot (its first finite value) and the scale it implies."""
    if x - x == 0.0 and state[g, pilot] != state[g, pilot]:  # the first finite value
        state[g, pilot] = x
        state[g, scale] = _unit_scale(x)


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _centered(state: _Floats, g: int, x: float, pilot: int, scale: int) -> tuple[float, float]:  # pragma: no cover
    """``(c, s)``: the row's scaled value and the scale (those of a pilot 0 until there is one)."""
    p = state[g, pilot]
    if p != p:
        return x * _UNSEEN_SCALE, _UNSEEN_SCALE
    s = state[g, scale]
    if abs(x) < _INF:  # a finite value past the bound saturates, as in pilot.scaled_values
        return min(max((x - p) * s, -_SATURATION), _SATURATION), s
    return x, s


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _tolerant_divisor(std: float, has_std: bool, tol: float, lag: bool, one: float) -> float:  # pragma: no cover
    """:func:`polars_norm.windows.scales.tolerant_divisor`: ``std <= tol`` is zero (a NaN ``tol``: no bound)."""
    if not has_std:
        return one
    if std <= tol:
        return one if lag else _INF
    return std  # a NaN std stays NaN


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _expanding_zscore_kernel(  # pragma: no cover - compiled
    values: _Floats,
    valid: _Bools,
    codes: _Ints,
    state: _Floats,
    out: _Floats,
    out_valid: _Bools,
    min_samples: float,
    ddof: float,
    lag: bool,
    propagate: bool,
) -> None:
    for i in range(values.shape[0]):
        out[i] = _NAN
        out_valid[i] = False
        if not valid[i]:
            continue  # a null row: null, and no statistic moves
        g = codes[i]
        x = values[i]
        is_nan = x != x
        _see(state, g, x, _EZ_PILOT, _EZ_SCALE)
        c, s = _centered(state, g, x, _EZ_PILOT, _EZ_SCALE)
        n0 = state[g, _EZ_COUNT]
        t0 = state[g, _EZ_TOTAL]
        m0 = state[g, _EZ_M2]
        n, t, m = n0, t0, m0
        if propagate or not is_nan:
            n = n0 + 1.0
            t = t0 + c
            d = c * n - t
            m = m0 + d * d / (n * max(n - 1.0, 1.0))
            state[g, _EZ_COUNT] = n
            state[g, _EZ_TOTAL] = t
            state[g, _EZ_M2] = m
        if lag:
            n, t, m = n0, t0, m0
        if n < min_samples:
            continue
        if n > ddof:
            std = math.sqrt(m / (n - ddof))
            divisor = (s if lag else _INF) if std == 0.0 else std
        else:
            divisor = s  # undefined: a scale of 1
        out[i] = (c - t / n) / divisor
        out_valid[i] = True


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _cum_extreme(acc: float, x: float, lowest: bool) -> float:  # pragma: no cover - compiled
    """One step of Polars' ``cum_min``/``cum_max``: NaN only until a number comes, then skipped."""
    if acc != acc:
        return x
    if lowest:
        return x if x < acc else acc
    return x if x > acc else acc


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _expanding_minmax_kernel(  # pragma: no cover - compiled
    values: _Floats,
    valid: _Bools,
    codes: _Ints,
    state: _Floats,
    out: _Floats,
    out_valid: _Bools,
    min_samples: float,
    low: float,
    high: float,
    lag: bool,
    propagate: bool,
) -> None:
    rescale = low != 0.0 or high != 1.0
    for i in range(values.shape[0]):
        out[i] = _NAN
        out_valid[i] = False
        if not valid[i]:
            continue
        g = codes[i]
        x = values[i]
        n0 = state[g, _MM_COUNT]
        lo0 = state[g, _MM_LOW]
        hi0 = state[g, _MM_HIGH]
        n, lo, hi = n0, lo0, hi0
        if propagate or x == x:
            n = n0 + 1.0
            lo = x if n0 == 0.0 else _cum_extreme(lo0, x, True)
            hi = x if n0 == 0.0 else _cum_extreme(hi0, x, False)
            state[g, _MM_COUNT] = n
            state[g, _MM_LOW] = lo
            state[g, _MM_HIGH] = hi
        if lag:
            n, lo, hi = n0, lo0, hi0
        if n < min_samples:
            continue
        spread = hi - lo
        r = (x - lo) / (1.0 if spread == 0.0 else spread)
        if rescale:
            r = r * (high - low) + low
        out[i] = r
        out_valid[i] = True


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _expanding_maxabs_kernel(  # pragma: no cover - compiled
    values: _Floats,
    valid: _Bools,
    codes: _Ints,
    state: _Floats,
    out: _Floats,
    out_valid: _Bools,
    min_samples: float,
    lag: bool,
    propagate: bool,
) -> None:
    for i in range(values.shape[0]):
        out[i] = _NAN
        out_valid[i] = False
        if not valid[i]:
            continue
        g = codes[i]
        x = values[i]
        n0 = state[g, _MA_COUNT]
        top0 = state[g, _MA_TOP]
        n, top = n0, top0
        if propagate or x == x:
            n = n0 + 1.0
            top = abs(x) if n0 == 0.0 else _cum_extreme(top0, abs(x), False)
            state[g, _MA_COUNT] = n
            state[g, _MA_TOP] = top
        if lag:
            n, top = n0, top0
        if n < min_samples:
            continue
        out[i] = x / (1.0 if top == 0.0 else top)
        out_valid[i] = True


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _ewm_zscore_kernel(  # pragma: no cover - compiled
    values: _Floats,
    valid: _Bools,
    codes: _Ints,
    state: _Floats,
    out: _Floats,
    out_valid: _Bools,
    alpha: float,
    adjust: bool,
    min_samples: float,
    bias: bool,
    ignore_nulls: bool,
    lag: bool,
    propagate: bool,
) -> None:
    memory = 1.0 / alpha
    other_weight = 1.0 if adjust else alpha
    for i in range(values.shape[0]):
        out[i] = _NAN
        out_valid[i] = False
        g = codes[i]
        present = valid[i]
        x = values[i]
        is_nan = x != x
        if present:
            _see(state, g, x, _EW_PILOT, _EW_SCALE)
        c, s = _centered(state, g, x, _EW_PILOT, _EW_SCALE)
        # the statistics before this row (the lagged ones: forward-filled, then shifted)
        mean_before = state[g, _EW_MEAN_OUT]
        has_mean_before = state[g, _EW_HAS_MEAN] != 0.0
        std_before = state[g, _EW_STD_OUT]
        has_std_before = state[g, _EW_HAS_STD] != 0.0
        level_before = state[g, _EW_LEVEL]
        has_level_before = state[g, _EW_HAS_LEVEL] != 0.0
        # Polars' EwmMeanState and EwmCovState on ``Some(c)`` (or None)
        some = present and (propagate or not is_nan)
        count = state[g, _EW_COUNT]
        if count == 0.0:
            if some:
                count = 1.0
                state[g, _EW_COUNT] = 1.0
                state[g, _EW_MEAN] = c
                state[g, _EW_WEIGHT] = 1.0
                state[g, _EW_WSUM] = 1.0
                state[g, _EW_CROSS] = 0.0
        else:
            if some or not ignore_nulls:
                decay = 1.0 - alpha
                state[g, _EW_WSUM] *= decay
                state[g, _EW_CROSS] *= decay * decay
                state[g, _EW_WEIGHT] *= decay
            if some:
                count += 1.0
                state[g, _EW_COUNT] = count
                weight = state[g, _EW_WEIGHT]
                mean = state[g, _EW_MEAN]
                new_weight = weight + other_weight
                new_mean = mean + (c - mean) * (other_weight / new_weight)
                state[g, _EW_COV] = (
                    weight * (state[g, _EW_COV] + (mean - new_mean) * (mean - new_mean))
                    + other_weight * (c - new_mean) * (c - new_mean)
                ) / new_weight
                state[g, _EW_WEIGHT] = new_weight
                state[g, _EW_MEAN] = new_mean
                # (W + w)**2 - (Q + w**2) = (W**2 - Q) + 2 w W: no cancellation
                state[g, _EW_CROSS] += 2.0 * other_weight * state[g, _EW_WSUM]
                state[g, _EW_WSUM] += other_weight
                if not adjust:
                    state[g, _EW_WSUM] /= new_weight
                    state[g, _EW_CROSS] /= new_weight * new_weight
                    state[g, _EW_WEIGHT] = 1.0
        if some:
            state[g, _EW_LEVEL] = c
            state[g, _EW_HAS_LEVEL] = 1.0
            if count >= min_samples:
                state[g, _EW_MEAN_OUT] = state[g, _EW_MEAN]
                state[g, _EW_HAS_MEAN] = 1.0
                cov = state[g, _EW_COV]
                if bias:
                    state[g, _EW_STD_OUT] = math.sqrt(cov)
                    state[g, _EW_HAS_STD] = 1.0
                else:
                    numerator = state[g, _EW_WSUM] * state[g, _EW_WSUM]
                    denominator = state[g, _EW_CROSS]
                    if denominator > 0.0:
                        state[g, _EW_STD_OUT] = math.sqrt((numerator / denominator) * cov)
                        state[g, _EW_HAS_STD] = 1.0
        if not present:
            continue
        if lag:
            mean, has_mean = mean_before, has_mean_before
            std, has_std = std_before, has_std_before
            level, has_level = level_before, has_level_before
        else:
            mean, has_mean = state[g, _EW_MEAN_OUT], state[g, _EW_HAS_MEAN] != 0.0
            std, has_std = state[g, _EW_STD_OUT], state[g, _EW_HAS_STD] != 0.0
            level, has_level = c, True
        if not has_mean:
            continue
        tol = abs(level) * memory * _FLOOR_FACTOR if has_level else _NAN  # a null floor: no bound
        out[i] = (c - mean) / _tolerant_divisor(std, has_std, tol, lag, s)
        out_valid[i] = True


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _ewm_zscore_by_kernel(  # pragma: no cover - compiled
    values: _Floats,
    valid: _Bools,
    codes: _Ints,
    times: _Ints,
    state: _Floats,
    out: _Floats,
    out_valid: _Bools,
    half_life: int,
    min_samples: float,
    bias: bool,
    lag: bool,
    propagate: bool,
) -> None:
    h = float(half_life)
    # the squared weights' half life: ``by`` at h / 2 when exact, else the doubled clock at h
    even = half_life % 2 == 0
    h2 = float(half_life // 2)
    last_dt = -1
    lam1 = 1.0
    lam2 = 1.0
    for i in range(values.shape[0]):
        out[i] = _NAN
        out_valid[i] = False
        g = codes[i]
        present = valid[i]
        x = values[i]
        is_nan = x != x
        t = times[i]
        if present:
            _see(state, g, x, _EB_PILOT, _EB_SCALE)
        c, s = _centered(state, g, x, _EB_PILOT, _EB_SCALE)
        some = present and (propagate or not is_nan)
        one = 1.0 if some else 0.0
        shifted = c if some else 0.0
        started = state[g, _EB_STARTED] != 0.0
        w0 = state[g, _EB_WEIGHT]
        s0 = state[g, _EB_TOTAL]
        m0 = state[g, _EB_M2]
        v0 = state[g, _EB_SQUARE]
        seen0 = state[g, _EB_SEEN]
        level0 = state[g, _EB_LEVEL]
        has_level0 = state[g, _EB_HAS_LEVEL] != 0.0
        # Polars' ewm_sum_by: the first row starts each sum, later ones decay by 0.5 ** (dt / h)
        if started:
            dt = t - (np.int64(state[g, _EB_TIME_HIGH]) * _LOW_BITS + np.int64(state[g, _EB_TIME_LOW]))
            if dt != last_dt:
                last_dt = dt
                lam1 = 0.5 ** (float(dt) / h)
                lam2 = 0.5 ** (float(dt) / h2) if even else 0.5 ** (float(2 * dt) / h)
            w = lam1 * w0 + one
            total = lam1 * s0 + shifted
        else:
            w = one
            total = shifted
        increment = 0.0
        if some:
            d = c * w - total
            increment = d * d / (w * max(w - 1.0, _EPS))
        if started:
            m2 = lam1 * m0 + increment
            square = lam2 * v0 + one
        else:
            m2 = increment
            square = one
        seen = seen0 + one
        state[g, _EB_STARTED] = 1.0
        state[g, _EB_TIME_HIGH] = float(t // _LOW_BITS)
        state[g, _EB_TIME_LOW] = float(t % _LOW_BITS)
        state[g, _EB_WEIGHT] = w
        state[g, _EB_TOTAL] = total
        state[g, _EB_M2] = m2
        state[g, _EB_SQUARE] = square
        state[g, _EB_SEEN] = seen
        if some:
            state[g, _EB_LEVEL] = c
            state[g, _EB_HAS_LEVEL] = 1.0
        if not present:
            continue
        if lag:
            if not started:
                continue  # the group's first row: the shifted statistics are null
            w, total, m2, square, seen = w0, s0, m0, v0, seen0
            level, has_level = level0, has_level0
        else:
            level, has_level = c, True
        if min_samples <= 1.0:
            if not w > 0.0:
                continue
        elif seen < min_samples:
            continue
        mean = total / w
        if bias:
            var = m2 / w
        else:
            spread = w - square / w
            var = m2 / (ZERO_SCALE_FLOOR if spread < ZERO_SCALE_FLOOR else spread)
        tol = abs(level) * w * _FLOOR_FACTOR if has_level else _NAN  # a null floor: no bound
        out[i] = (c - mean) / _tolerant_divisor(math.sqrt(var), True, tol, lag, s)
        out_valid[i] = True


def state_fields(method: str) -> tuple[str, ...]:
    """The names of the columns of ``method``'s state, in order.

    Parameters
    ----------
    method
        One of :data:`METHODS`.

    Returns
    -------
    tuple of str
        The field names (the module's ``*_FIELDS`` constants).

    Raises
    ------
    ValueError
        For an unknown method.

    Examples
    --------
    >>> state_fields("expanding_maxabs")
    ('count', 'top')
    """
    try:
        return _FIELDS[method]
    except KeyError:
        msg = f"polars_norm.window_recursions: unknown method {method!r} (expected one of {', '.join(METHODS)})"
        raise ValueError(msg) from None


def new_state(method: str, n_groups: int) -> _Floats:
    """The state of ``n_groups`` fresh groups: one float64 row per group.

    A fresh group has seen no row: its pilot and scale are NaN and every
    other field is 0. Rows of new groups can be appended to an existing state
    (``np.vstack``) at any time.

    Parameters
    ----------
    method
        One of :data:`METHODS`.
    n_groups
        The number of groups (rows), at least 0.

    Returns
    -------
    numpy.ndarray
        Float64, shape ``(n_groups, len(state_fields(method)))``, C-contiguous.

    Examples
    --------
    >>> new_state("expanding_zscore", 2)
    array([[nan, nan,  0.,  0.,  0.],
           [nan, nan,  0.,  0.,  0.]])
    """
    fields = state_fields(method)
    if isinstance(n_groups, bool) or not isinstance(n_groups, (int, np.integer)) or n_groups < 0:
        msg = f"polars_norm.window_recursions: n_groups={n_groups!r} must be an integer >= 0"
        raise ValueError(msg)
    state = np.zeros((int(n_groups), len(fields)), dtype=np.float64)
    for j, name in enumerate(fields):
        if name in _UNSEEN:
            state[:, j] = np.nan
    return state


def _check_arrays(
    method: str, values: object, valid: object, codes: object, state: object, times: object
) -> tuple[_Floats, _Bools, _Ints, _Floats, _Ints | None]:
    v = np.ascontiguousarray(values, dtype=np.float64)
    ok = np.ascontiguousarray(valid, dtype=np.bool_)
    g = np.ascontiguousarray(codes, dtype=np.int64)
    if v.ndim != 1 or ok.shape != v.shape or g.shape != v.shape:
        msg = (
            f"polars_norm.{method}: values, valid and codes must be 1-D of one length "
            f"(got shapes {v.shape}, {ok.shape}, {g.shape})"
        )
        raise ValueError(msg)
    width = len(_FIELDS[method])
    if (
        not isinstance(state, np.ndarray)
        or state.dtype != np.float64
        or state.ndim != 2
        or state.shape[1] != width
        or not state.flags.c_contiguous
        or not state.flags.writeable
    ):
        got = (state.dtype, state.shape) if isinstance(state, np.ndarray) else type(state).__name__
        msg = (
            f"polars_norm.{method}: state must be a writable C-contiguous float64 array of shape "
            f"(n_groups, {width}) from new_state (got {got})"
        )
        raise ValueError(msg)
    if g.size and (int(g.min()) < 0 or int(g.max()) >= state.shape[0]):
        msg = f"polars_norm.{method}: codes must lie in [0, {state.shape[0]}) (the state's rows)"
        raise ValueError(msg)
    t: _Ints | None = None
    if method == "ewm_zscore_by":
        if times is None:
            msg = f"polars_norm.{method}: times (int64, one per row) are required"
            raise ValueError(msg)
        t = np.ascontiguousarray(times, dtype=np.int64)
        if t.shape != v.shape:
            msg = f"polars_norm.{method}: times must have the values' shape {v.shape} (got {t.shape})"
            raise ValueError(msg)
    elif times is not None:
        msg = f"polars_norm.{method}: times are only used by ewm_zscore_by"
        raise ValueError(msg)
    return v, ok, g, state, t


def run_kernel(
    method: str,
    values: object,
    valid: object,
    codes: object,
    state: object,
    times: object,
    params: tuple[Any, ...],
) -> tuple[_Floats, _Bools]:
    """Run ``method``'s kernel on one batch with checked, resolved parameters (``state`` updated in place).

    The public entry is :func:`polars_norm.windows.recursions.run_batch`,
    which checks the method's options and resolves them into ``params``:
    ``(min_samples, ddof, lag, propagate)`` for ``expanding_zscore``,
    ``(min_samples, low, high, lag, propagate)`` for ``expanding_minmax``,
    ``(min_samples, lag, propagate)`` for ``expanding_maxabs``,
    ``(alpha, adjust, min_samples, bias, ignore_nulls, lag, propagate)`` for
    ``ewm_zscore`` and ``(half_life_units, min_samples, bias, lag, propagate)``
    for ``ewm_zscore_by``. The arrays are checked here.

    Examples
    --------
    >>> state = new_state("expanding_maxabs", 1)
    >>> x, ok, g = np.array([2.0, -4.0]), np.array([True, True]), np.zeros(2, dtype=np.int64)
    >>> run_kernel("expanding_maxabs", x, ok, g, state, None, (1, False, False))[0]
    array([ 1., -1.])
    """
    state_fields(method)  # an unknown method raises here
    v, ok, g, st, t = _check_arrays(method, values, valid, codes, state, times)
    out = np.empty(v.shape, dtype=np.float64)
    out_valid = np.empty(v.shape, dtype=np.bool_)
    if method == "expanding_zscore":
        samples, ddof, lag, propagate = params
        _expanding_zscore_kernel(v, ok, g, st, out, out_valid, float(samples), float(ddof), lag, propagate)
    elif method == "expanding_minmax":
        samples, low, high, lag, propagate = params
        _expanding_minmax_kernel(v, ok, g, st, out, out_valid, float(samples), float(low), float(high), lag, propagate)
    elif method == "expanding_maxabs":
        samples, lag, propagate = params
        _expanding_maxabs_kernel(v, ok, g, st, out, out_valid, float(samples), lag, propagate)
    elif method == "ewm_zscore":
        a, adjust, samples, bias, ignore_nulls, lag, propagate = params
        _ewm_zscore_kernel(v, ok, g, st, out, out_valid, a, adjust, float(samples), bias, ignore_nulls, lag, propagate)
    else:
        h, samples, bias, lag, propagate = params
        assert t is not None  # checked with the arrays
        _ewm_zscore_by_kernel(v, ok, g, t, st, out, out_valid, int(h), float(samples), bias, lag, propagate)
    return out, out_valid
