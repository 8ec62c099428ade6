"""A numpy kernel for robust scaling: a column's quantiles from one sort, run through ``map_batches``.

:func:`polars_norm.robust` needs the median and two more quantiles of each
column. Polars computes each ``quantile`` with its own selection, and its
default (streaming) engine runs them about 8x slower than in memory; numpy's
SIMD sort orders a column once at about 150 M values/s, and every quantile
is then a read. Measured on 10M x 4 Float64: 0.2 s against 0.43 s for the
three native quantiles per column (eager) and 2 s in a lazy query. The
kernel sees the whole column (per group under ``.over`` and
``group_by().agg``), as any quantile does, and the final affine map runs in
Polars, so nulls, NaN and dtypes follow :mod:`polars_norm.semantics` as in
every other method.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from polars_norm.semantics import ZERO_SCALE_FLOOR, NanPolicy

__all__ = ["robust_column"]


def _quantile(ordered: np.ndarray[Any, np.dtype[np.float64]], q: float) -> float:
    """Linear interpolation between order statistics (numpy's and Polars' ``"linear"``)."""
    position = q * (ordered.size - 1)
    lo = math.floor(position)
    hi = min(lo + 1, ordered.size - 1)
    frac = position - lo
    a, b = float(ordered[lo]), float(ordered[hi])
    return a if frac == 0.0 else a + (b - a) * frac


def robust_column(
    s: pl.Series,
    *,
    quantile_range: tuple[float, float],
    with_centering: bool,
    divisor: float,
    nan: NanPolicy,
    overflow_ratio: float,
) -> pl.Series:
    """``(s - median) / (q_hi - q_lo)`` of a Float64 Series, with the zero-scale rules of :func:`polars_norm.robust`.

    Nulls are left out of the statistics; NaN too with ``nan="ignore"``, and
    with ``"propagate"`` it sorts above every value, as in Polars' own
    quantiles. A spread of 0 (or one so small beside ``max|x|`` that dividing
    by it could overflow, below ``overflow_ratio`` of it) is taken as 1.
    """
    ordered = np.sort(s.drop_nulls().to_numpy())  # NaN sorts last
    if nan == "ignore":
        ordered = ordered[: int(np.searchsorted(ordered, np.inf, side="right"))]
    if ordered.size == 0:  # no data: NaN stays NaN, null stays null
        empty: pl.Series = s * (math.nan if with_centering else 1.0)
        return empty
    q_lo, q_hi = quantile_range
    spread = _quantile(ordered, q_hi) - _quantile(ordered, q_lo)
    # max|x| over the finite values: an infinity maps to itself anyway, and must
    # not make every spread look negligible (nor NaN, sorted last, hide the max).
    finite = ordered[int(np.searchsorted(ordered, -np.inf, side="right")) : int(np.searchsorted(ordered, np.inf))]
    max_abs = max(abs(float(finite[0])), abs(float(finite[-1]))) if finite.size else 0.0
    if math.isnan(spread):
        inverse = math.nan
    elif spread == 0.0 or spread < max_abs * overflow_ratio:
        inverse = 1.0
    else:
        inverse = 1.0 / max(spread, ZERO_SCALE_FLOOR)
    inverse *= divisor
    out: pl.Series = (s - _quantile(ordered, 0.5)) * inverse if with_centering else s * inverse
    return out
