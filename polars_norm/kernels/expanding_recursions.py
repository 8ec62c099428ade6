"""Compiled expanding recursions (z-score, min-max, max-abs) with per-group state, row by row.

The numerics are in :mod:`polars_norm.kernels.window_recursions`; the state layout and the shared
helpers in :mod:`polars_norm.kernels.window_state`.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from polars_norm.kernels.window_state import (
    EZ_COUNT,
    EZ_M2,
    EZ_PILOT,
    EZ_SCALE,
    EZ_TOTAL,
    INF,
    MA_COUNT,
    MA_TOP,
    MM_COUNT,
    MM_HIGH,
    MM_LOW,
    NAN,
    centered,
    see,
)

_Floats = np.ndarray[Any, np.dtype[np.float64]]
_Bools = np.ndarray[Any, np.dtype[np.bool_]]
_Ints = np.ndarray[Any, np.dtype[np.int64]]


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
        out[i] = NAN
        out_valid[i] = False
        if not valid[i]:
            continue  # a null row: null, and no statistic moves
        g = codes[i]
        x = values[i]
        is_nan = x != x
        see(state, g, x, EZ_PILOT, EZ_SCALE)
        c, s = centered(state, g, x, EZ_PILOT, EZ_SCALE)
        n0 = state[g, EZ_COUNT]
        t0 = state[g, EZ_TOTAL]
        m0 = state[g, EZ_M2]
        n, t, m = n0, t0, m0
        if propagate or not is_nan:
            n = n0 + 1.0
            t = t0 + c
            d = c * n - t
            m = m0 + d * d / (n * max(n - 1.0, 1.0))
            state[g, EZ_COUNT] = n
            state[g, EZ_TOTAL] = t
            state[g, EZ_M2] = m
        if lag:
            n, t, m = n0, t0, m0
        if n < min_samples:
            continue
        if n > ddof:
            std = math.sqrt(m / (n - ddof))
            divisor = (s if lag else INF) if std == 0.0 else std
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
        out[i] = NAN
        out_valid[i] = False
        if not valid[i]:
            continue
        g = codes[i]
        x = values[i]
        n0 = state[g, MM_COUNT]
        lo0 = state[g, MM_LOW]
        hi0 = state[g, MM_HIGH]
        n, lo, hi = n0, lo0, hi0
        if propagate or x == x:
            n = n0 + 1.0
            lo = x if n0 == 0.0 else _cum_extreme(lo0, x, True)
            hi = x if n0 == 0.0 else _cum_extreme(hi0, x, False)
            state[g, MM_COUNT] = n
            state[g, MM_LOW] = lo
            state[g, MM_HIGH] = hi
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
        out[i] = NAN
        out_valid[i] = False
        if not valid[i]:
            continue
        g = codes[i]
        x = values[i]
        n0 = state[g, MA_COUNT]
        top0 = state[g, MA_TOP]
        n, top = n0, top0
        if propagate or x == x:
            n = n0 + 1.0
            top = abs(x) if n0 == 0.0 else _cum_extreme(top0, abs(x), False)
            state[g, MA_COUNT] = n
            state[g, MA_TOP] = top
        if lag:
            n, top = n0, top0
        if n < min_samples:
            continue
        out[i] = x / (1.0 if top == 0.0 else top)
        out_valid[i] = True
