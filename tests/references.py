"""Reference implementations for the column-wise methods, from numpy/scikit-learn/scipy.

Each reference takes a 1-D float64 numpy array of *valid* values (no null,
no NaN) and returns the transformed values; :func:`apply_on_valid` puts them
back around the nulls and NaN of a column, which is the documented rule.
The zero-scale rule (a scale within ``ZERO_SCALE_RTOL`` of the magnitude is 1)
is written here independently of the package.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import polars as pl
from scipy import stats
from scipy.special import ndtri
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

RTOL_ZERO = sys.float_info.epsilon

Ref = Callable[[np.ndarray], np.ndarray]


def _is_zero(scale: float, magnitude: float) -> bool:
    return scale <= RTOL_ZERO * magnitude or scale < sys.float_info.min


def _prescaled(v: np.ndarray) -> np.ndarray:
    """``v / max|v|``: the scale-invariant methods are computed on this, so the
    numpy reference itself neither overflows (1e300) nor underflows (1e-300)."""
    m = float(np.max(np.abs(v))) if len(v) else 0.0
    return v / m if m > 0 and math.isfinite(m) else v


def _maxabs(v: np.ndarray) -> float:
    m = float(np.max(np.abs(v)))
    return m if m > 0 else 1.0


def _location_exact(v: np.ndarray, loc: float) -> float:
    return float(v[0]) if np.all(v == v[0]) else loc


def zscore(v: np.ndarray, ddof: int = 1) -> np.ndarray:
    if len(v) == 0:
        return v
    w = _prescaled(v)  # the zero-scale rule is relative, so decide it on w
    std = float(np.std(w, ddof=ddof)) if len(w) > ddof else 0.0  # undefined: scale 1
    if _is_zero(std * _maxabs(v), abs(float(np.mean(v)))):
        return v - _location_exact(v, float(np.mean(v)))
    if ddof == 0:
        return StandardScaler().fit_transform(w.reshape(-1, 1)).ravel()
    return (w - np.mean(w)) / std


def minmax(v: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    if len(v) == 0:
        return v
    # scikit-learn's zero-range test is absolute (10 * eps) where ours is
    # relative to the data's magnitude: decide it here, and let scikit-learn
    # scale the max-abs-scaled data (minmax is scale-invariant).
    vmin, vmax = float(v.min()), float(v.max())
    if _is_zero(vmax - vmin, max(abs(vmin), abs(vmax))):
        return (v - vmin) + lo
    return MinMaxScaler(feature_range=(lo, hi)).fit_transform(_prescaled(v).reshape(-1, 1)).ravel()


def maxabs(v: np.ndarray) -> np.ndarray:
    if len(v) == 0:
        return v
    return MaxAbsScaler().fit_transform(_prescaled(v).reshape(-1, 1)).ravel()


def robust(
    v: np.ndarray,
    q: tuple[float, float] = (0.25, 0.75),
    with_centering: bool = True,
    unit_variance: bool = False,
) -> np.ndarray:
    if len(v) == 0:
        return v
    q_lo, q_hi = np.percentile(v, [q[0] * 100, q[1] * 100])
    if _is_zero(q_hi - q_lo, max(abs(q_lo), abs(q_hi))):
        # scale 1, then (as scikit-learn does) divided by the normal IQR factor
        adjust = float(ndtri(q[1]) - ndtri(q[0])) if unit_variance else 1.0
        return (v - float(np.median(v)) if with_centering else v) * adjust
    scaler = RobustScaler(
        quantile_range=(q[0] * 100, q[1] * 100), with_centering=with_centering, unit_variance=unit_variance
    )
    return scaler.fit_transform(_prescaled(v).reshape(-1, 1)).ravel()


def mean_range(v: np.ndarray) -> np.ndarray:
    if len(v) == 0:
        return v
    lo, hi = float(v.min()), float(v.max())
    if _is_zero(hi - lo, max(abs(lo), abs(hi))):
        return v - _location_exact(v, float(np.mean(v)))
    w = _prescaled(v)
    return (w - w.mean()) / (w.max() - w.min())


def lp_norm(v: np.ndarray, p: float) -> float:
    """Exact-as-possible Lp norm via fractions scaled by max|v| (no overflow)."""
    if len(v) == 0:
        return math.nan
    if math.isinf(p):
        return float(np.max(np.abs(v)))
    m = float(np.max(np.abs(v)))
    if m == 0.0:
        return 0.0
    scaled = np.abs(v) / m
    if p == 1.0:
        return math.fsum(np.abs(v).tolist())
    if p == 2.0:
        return m * math.sqrt(float(sum(Fraction(x) ** 2 for x in scaled.tolist())))
    return m * math.fsum(scaled**p) ** (1.0 / p)


def unit(v: np.ndarray, p: float = 2.0) -> np.ndarray:
    if len(v) == 0:
        return v
    n = lp_norm(v, p)
    return v / (1.0 if _is_zero(n, 0.0) else n)


def softmax(v: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    from scipy.special import softmax as sp_softmax

    if len(v) == 0:
        return v
    return np.asarray(sp_softmax(v / temperature))


def quantile(v: np.ndarray, output: str = "uniform", offset: float = 0.0) -> np.ndarray:
    if len(v) == 0:
        return v
    r = stats.rankdata(v, method="average")
    u = (r - offset) / (len(v) + 1 - 2 * offset)
    return np.asarray(ndtri(u)) if output == "normal" else u


def box_cox(v: np.ndarray, lmbda: float) -> np.ndarray:
    # the documented policy: a non-positive value gives null
    out = np.full(len(v), None, dtype=object)
    pos = v > 0
    if pos.any():
        out[pos] = stats.boxcox(v[pos], lmbda=lmbda)
    return out


def yeo_johnson(v: np.ndarray, lmbda: float) -> np.ndarray:
    if len(v) == 0:
        return v
    return np.asarray(stats.yeojohnson(v, lmbda=lmbda))


def apply_on_valid(series: pl.Series, ref: Ref) -> list[float | None]:
    """Run ``ref`` on the valid values of ``series``; null stays null, NaN stays NaN."""
    values = series.cast(pl.Float64).to_list()
    valid_idx = [i for i, x in enumerate(values) if x is not None and not math.isnan(x)]
    result: list[float | None] = list(values)
    if valid_idx:
        out = ref(np.array([values[i] for i in valid_idx], dtype=np.float64))
        for i, o in zip(valid_idx, out.tolist(), strict=True):
            result[i] = None if o is None else float(o)
    return result


def assert_close(actual: list[float | None], expected: list[float | None], *, rtol: float, atol: float) -> None:
    assert len(actual) == len(expected)
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        if e is None or a is None:
            assert a is None and e is None, f"row {i}: got {a!r}, expected {e!r}"
        elif math.isnan(e) or math.isnan(a):
            assert math.isnan(a) and math.isnan(e), f"row {i}: got {a!r}, expected {e!r}"
        else:
            assert math.isclose(a, e, rel_tol=rtol, abs_tol=atol), f"row {i}: got {a!r}, expected {e!r}"
