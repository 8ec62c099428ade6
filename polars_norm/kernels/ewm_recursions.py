"""Compiled exponentially weighted recursions (by row count and by time) with per-group state, row by row.

The numerics are in :mod:`polars_norm.kernels.window_recursions`; the state layout and the shared
helpers in :mod:`polars_norm.kernels.window_state`.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from polars_norm.kernels.window_state import (
    EB_HAS_LEVEL,
    EB_LEVEL,
    EB_M2,
    EB_PILOT,
    EB_SCALE,
    EB_SEEN,
    EB_SQUARE,
    EB_STARTED,
    EB_TIME_HIGH,
    EB_TIME_LOW,
    EB_TOTAL,
    EB_WEIGHT,
    EPS,
    EW_COUNT,
    EW_COV,
    EW_CROSS,
    EW_HAS_LEVEL,
    EW_HAS_MEAN,
    EW_HAS_STD,
    EW_LEVEL,
    EW_MEAN,
    EW_MEAN_OUT,
    EW_PILOT,
    EW_SCALE,
    EW_STD_OUT,
    EW_WEIGHT,
    EW_WSUM,
    FLOOR_FACTOR,
    LOW_BITS,
    NAN,
    centered,
    see,
    tolerant_divisor,
)
from polars_norm.semantics import ZERO_SCALE_FLOOR

_Floats = np.ndarray[Any, np.dtype[np.float64]]
_Bools = np.ndarray[Any, np.dtype[np.bool_]]
_Ints = np.ndarray[Any, np.dtype[np.int64]]


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
        out[i] = NAN
        out_valid[i] = False
        g = codes[i]
        present = valid[i]
        x = values[i]
        is_nan = x != x
        if present:
            see(state, g, x, EW_PILOT, EW_SCALE)
        c, s = centered(state, g, x, EW_PILOT, EW_SCALE)
        # the statistics before this row (the lagged ones: forward-filled, then shifted)
        mean_before = state[g, EW_MEAN_OUT]
        has_mean_before = state[g, EW_HAS_MEAN] != 0.0
        std_before = state[g, EW_STD_OUT]
        has_std_before = state[g, EW_HAS_STD] != 0.0
        level_before = state[g, EW_LEVEL]
        has_level_before = state[g, EW_HAS_LEVEL] != 0.0
        # Polars' EwmMeanState and EwmCovState on ``Some(c)`` (or None)
        some = present and (propagate or not is_nan)
        count = state[g, EW_COUNT]
        if count == 0.0:
            if some:
                count = 1.0
                state[g, EW_COUNT] = 1.0
                state[g, EW_MEAN] = c
                state[g, EW_WEIGHT] = 1.0
                state[g, EW_WSUM] = 1.0
                state[g, EW_CROSS] = 0.0
        else:
            if some or not ignore_nulls:
                decay = 1.0 - alpha
                state[g, EW_WSUM] *= decay
                state[g, EW_CROSS] *= decay * decay
                state[g, EW_WEIGHT] *= decay
            if some:
                count += 1.0
                state[g, EW_COUNT] = count
                weight = state[g, EW_WEIGHT]
                mean = state[g, EW_MEAN]
                new_weight = weight + other_weight
                new_mean = mean + (c - mean) * (other_weight / new_weight)
                state[g, EW_COV] = (
                    weight * (state[g, EW_COV] + (mean - new_mean) * (mean - new_mean))
                    + other_weight * (c - new_mean) * (c - new_mean)
                ) / new_weight
                state[g, EW_WEIGHT] = new_weight
                state[g, EW_MEAN] = new_mean
                # (W + w)**2 - (Q + w**2) = (W**2 - Q) + 2 w W: no cancellation
                state[g, EW_CROSS] += 2.0 * other_weight * state[g, EW_WSUM]
                state[g, EW_WSUM] += other_weight
                if not adjust:
                    state[g, EW_WSUM] /= new_weight
                    state[g, EW_CROSS] /= new_weight * new_weight
                    state[g, EW_WEIGHT] = 1.0
        if some:
            state[g, EW_LEVEL] = c
            state[g, EW_HAS_LEVEL] = 1.0
            if count >= min_samples:
                state[g, EW_MEAN_OUT] = state[g, EW_MEAN]
                state[g, EW_HAS_MEAN] = 1.0
                cov = state[g, EW_COV]
                if bias:
                    state[g, EW_STD_OUT] = math.sqrt(cov)
                    state[g, EW_HAS_STD] = 1.0
                else:
                    numerator = state[g, EW_WSUM] * state[g, EW_WSUM]
                    denominator = state[g, EW_CROSS]
                    if denominator > 0.0:
                        state[g, EW_STD_OUT] = math.sqrt((numerator / denominator) * cov)
                        state[g, EW_HAS_STD] = 1.0
        if not present:
            continue
        if lag:
            mean, has_mean = mean_before, has_mean_before
            std, has_std = std_before, has_std_before
            level, has_level = level_before, has_level_before
        else:
            mean, has_mean = state[g, EW_MEAN_OUT], state[g, EW_HAS_MEAN] != 0.0
            std, has_std = state[g, EW_STD_OUT], state[g, EW_HAS_STD] != 0.0
            level, has_level = c, True
        if not has_mean:
            continue
        tol = abs(level) * memory * FLOOR_FACTOR if has_level else NAN  # a null floor: no bound
        out[i] = (c - mean) / tolerant_divisor(std, has_std, tol, lag, s)
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
        out[i] = NAN
        out_valid[i] = False
        g = codes[i]
        present = valid[i]
        x = values[i]
        is_nan = x != x
        t = times[i]
        if present:
            see(state, g, x, EB_PILOT, EB_SCALE)
        c, s = centered(state, g, x, EB_PILOT, EB_SCALE)
        some = present and (propagate or not is_nan)
        one = 1.0 if some else 0.0
        shifted = c if some else 0.0
        started = state[g, EB_STARTED] != 0.0
        w0 = state[g, EB_WEIGHT]
        s0 = state[g, EB_TOTAL]
        m0 = state[g, EB_M2]
        v0 = state[g, EB_SQUARE]
        seen0 = state[g, EB_SEEN]
        level0 = state[g, EB_LEVEL]
        has_level0 = state[g, EB_HAS_LEVEL] != 0.0
        # Polars' ewm_sum_by: the first row starts each sum, later ones decay by 0.5 ** (dt / h)
        if started:
            dt = t - (np.int64(state[g, EB_TIME_HIGH]) * LOW_BITS + np.int64(state[g, EB_TIME_LOW]))
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
            increment = d * d / (w * max(w - 1.0, EPS))
        if started:
            m2 = lam1 * m0 + increment
            square = lam2 * v0 + one
        else:
            m2 = increment
            square = one
        seen = seen0 + one
        state[g, EB_STARTED] = 1.0
        state[g, EB_TIME_HIGH] = float(t // LOW_BITS)
        state[g, EB_TIME_LOW] = float(t % LOW_BITS)
        state[g, EB_WEIGHT] = w
        state[g, EB_TOTAL] = total
        state[g, EB_M2] = m2
        state[g, EB_SQUARE] = square
        state[g, EB_SEEN] = seen
        if some:
            state[g, EB_LEVEL] = c
            state[g, EB_HAS_LEVEL] = 1.0
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
        tol = abs(level) * w * FLOOR_FACTOR if has_level else NAN  # a null floor: no bound
        out[i] = (c - mean) / tolerant_divisor(math.sqrt(var), True, tol, lag, s)
        out_valid[i] = True
