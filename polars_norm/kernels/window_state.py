"""The state layout of the compiled window recursions: fields, constants and the helpers every kernel shares.

Per group the state holds the pilot ``p`` and the unit scale ``s`` (NaN
until seen) and each method's running values, one float64 row per group
(:mod:`polars_norm.kernels.window_recursions` has the numerics). The
expanding kernels are in :mod:`polars_norm.kernels.expanding_recursions`,
the exponentially weighted ones in :mod:`polars_norm.kernels.ewm_recursions`.
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
)

__all__ = [
    "EWM_ZSCORE_BY_FIELDS",
    "EWM_ZSCORE_FIELDS",
    "EXPANDING_MAXABS_FIELDS",
    "EXPANDING_MINMAX_FIELDS",
    "EXPANDING_ZSCORE_FIELDS",
    "METHODS",
    "centered",
    "check_arrays",
    "new_state",
    "see",
    "state_fields",
    "tolerant_divisor",
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

FIELDS: dict[str, tuple[str, ...]] = {
    "expanding_zscore": EXPANDING_ZSCORE_FIELDS,
    "expanding_minmax": EXPANDING_MINMAX_FIELDS,
    "expanding_maxabs": EXPANDING_MAXABS_FIELDS,
    "ewm_zscore": EWM_ZSCORE_FIELDS,
    "ewm_zscore_by": EWM_ZSCORE_BY_FIELDS,
}
#: The methods :func:`run_kernel` runs.
METHODS = tuple(FIELDS)
#: Fields a fresh group starts with as NaN ("not seen yet"); every other field starts at 0.
UNSEEN = ("pilot", "scale")

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
EPS = sys.float_info.epsilon
#: The rounding floor of the EW recursions, per unit of ``|level| * memory``
#: (:func:`polars_norm.windows.ewm.rounding_floor`).
FLOOR_FACTOR = EWM_ROUNDING_FACTOR * EPS
INF = math.inf
NAN = math.nan

# Field positions, frozen into the kernels as constants.
EZ_PILOT, EZ_SCALE, EZ_COUNT, EZ_TOTAL, EZ_M2 = range(5)
MM_COUNT, MM_LOW, MM_HIGH = range(3)
MA_COUNT, MA_TOP = range(2)
(
    EW_PILOT,
    EW_SCALE,
    EW_COUNT,
    EW_MEAN,
    EW_WEIGHT,
    EW_COV,
    EW_WSUM,
    EW_CROSS,
    EW_MEAN_OUT,
    EW_HAS_MEAN,
    EW_STD_OUT,
    EW_HAS_STD,
    EW_LEVEL,
    EW_HAS_LEVEL,
) = range(14)
(
    EB_PILOT,
    EB_SCALE,
    EB_STARTED,
    EB_TIME_HIGH,
    EB_TIME_LOW,
    EB_WEIGHT,
    EB_TOTAL,
    EB_M2,
    EB_SQUARE,
    EB_SEEN,
    EB_LEVEL,
    EB_HAS_LEVEL,
) = range(12)
LOW_BITS = 2**32


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _unit_scale(pilot: float) -> float:  # pragma: no cover - compiled
    """:func:`polars_norm.windows.pilot.unit_scale` of a (finite) pilot, operation for operation."""
    magnitude = abs(pilot) + (1.0 if pilot == 0.0 else 0.0)
    quotient = min(max(_ANCHOR_POWER / magnitude, _LOWEST_SCALE), _HIGHEST_SCALE)
    spread = quotient * _SPLITTER
    return spread - (spread - quotient)


@numba.njit(nogil=True, cache=True, error_model="numpy")
def see(state: _Floats, g: int, x: float, pilot: int, scale: int) -> None:  # pragma: no cover - compiled
    """Record the group's pilot (its first finite value) and the scale it implies."""
    if x - x == 0.0 and state[g, pilot] != state[g, pilot]:  # the first finite value
        state[g, pilot] = x
        state[g, scale] = _unit_scale(x)


@numba.njit(nogil=True, cache=True, error_model="numpy")
def centered(state: _Floats, g: int, x: float, pilot: int, scale: int) -> tuple[float, float]:  # pragma: no cover
    """``(c, s)``: the row's scaled value and the scale (those of a pilot 0 until there is one)."""
    p = state[g, pilot]
    if p != p:
        return x * _UNSEEN_SCALE, _UNSEEN_SCALE
    s = state[g, scale]
    if abs(x) < INF:  # a finite value past the bound saturates, as in pilot.scaled_values
        return min(max((x - p) * s, -_SATURATION), _SATURATION), s
    return x, s


@numba.njit(nogil=True, cache=True, error_model="numpy")
def tolerant_divisor(std: float, has_std: bool, tol: float, lag: bool, one: float) -> float:  # pragma: no cover
    """:func:`polars_norm.windows.scales.tolerant_divisor`: ``std <= tol`` is zero (a NaN ``tol``: no bound)."""
    if not has_std:
        return one
    if std <= tol:
        return one if lag else INF
    return std  # a NaN std stays NaN


def state_fields(method: str) -> tuple[str, ...]:
    """The names of the columns of ``method``'s state, in order.

    Parameters
    ----------
    method
        One of :data:`METHODS`.

    Returns
    -------
    tuple of str
        The field names (the module's ``*FIELDS`` constants).

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
        return FIELDS[method]
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
        if name in UNSEEN:
            state[:, j] = np.nan
    return state


def check_arrays(
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
    width = len(FIELDS[method])
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
