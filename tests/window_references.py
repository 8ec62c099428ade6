"""Brute-force references for the window normalizations, written independently of the package.

Each reference walks the rows in Python and computes the window statistics
from scratch with ``math.fsum`` (or exact ``fractions`` where asked), then
applies the documented rules: a window with fewer than ``min_samples`` valid
values gives null; a zero (within 10 ulp of the magnitude), sub-normal or
undefined scale is 1; a null row stays null and a NaN row stays NaN.
Values are lists of ``float | None``; NaN is a float.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction

RTOL_ZERO = sys.float_info.epsilon

Row = float | None


def is_valid(v: Row) -> bool:
    return v is not None and not math.isnan(v)


def scale_or_one(scale: float | None, magnitude: float) -> float:
    if scale is None or scale <= RTOL_ZERO * magnitude or scale < sys.float_info.min:
        return 1.0
    return scale


def mean_std(values: Sequence[float], ddof: int) -> tuple[float, float | None]:
    """Two-pass mean and standard deviation with ``math.fsum`` (None when undefined)."""
    n = len(values)
    mean = math.fsum(values) / n
    if n <= ddof:
        return mean, None
    return mean, math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - ddof))


def exact_zscore(values: Sequence[float], x: float, ddof: int) -> float:
    """``(x - mean) / std`` in exact rational arithmetic, rounded once at the end.

    (Rounding the mean to a double first would already cost 1e-4 relative on
    ``1e9 + N(0, 1e-3)``: the mean's last place is 1.2e-7.)
    """
    fr = [Fraction(v) for v in values]
    n = len(fr)
    mean = sum(fr) / n
    var = sum((v - mean) ** 2 for v in fr) / (n - ddof) if n > ddof else Fraction(0)
    std = math.sqrt(var)
    return float((Fraction(x) - mean) / Fraction(scale_or_one(std, abs(float(mean)))))


def quantile_linear(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


Stat = Callable[[list[float], Row], Row]


def zscore_stat(ddof: int, exact: bool = False) -> Stat:
    def f(window: list[float], x: Row) -> Row:
        if exact:
            return exact_zscore(window, x, ddof)  # type: ignore[arg-type]
        mean, std = mean_std(window, ddof)
        return (x - mean) / scale_or_one(std, abs(mean))  # type: ignore[operator]

    return f


def minmax_stat(low: float = 0.0, high: float = 1.0) -> Stat:
    def f(window: list[float], x: Row) -> Row:
        lo, hi = min(window), max(window)
        scale = scale_or_one(hi - lo, max(abs(lo), abs(hi)))
        return (x - lo) / scale * (high - low) + low  # type: ignore[operator]

    return f


def maxabs_stat(window: list[float], x: Row) -> Row:
    return x / scale_or_one(max(abs(v) for v in window), 0.0)  # type: ignore[operator]


def robust_stat(q_lo: float = 0.25, q_hi: float = 0.75) -> Stat:
    def f(window: list[float], x: Row) -> Row:
        lo, hi = quantile_linear(window, q_lo), quantile_linear(window, q_hi)
        scale = scale_or_one(hi - lo, max(abs(lo), abs(hi)))
        return (x - quantile_linear(window, 0.5)) / scale  # type: ignore[operator]

    return f


def apply_windows(xs: Sequence[Row], windows: Sequence[Sequence[int]], min_samples: int, stat: Stat) -> list[Row]:
    """Row ``i`` normalized by ``stat`` over the valid values at row indices ``windows[i]``."""
    out: list[Row] = []
    for x, idx in zip(xs, windows, strict=True):
        if x is None:
            out.append(None)
            continue
        window = [xs[j] for j in idx if is_valid(xs[j])]
        if len(window) < max(min_samples, 1):
            out.append(None)
        elif math.isnan(x):
            out.append(math.nan)
        else:
            out.append(stat(window, x))  # type: ignore[arg-type]
    return out


def row_windows(n: int, size: int, *, center: bool = False, lag: bool = False) -> list[list[int]]:
    """Row indices of each row's window, as Polars' ``rolling_*`` define them."""
    out = []
    for i in range(n):
        if center:
            end = i + (size - 1) // 2  # Polars and pandas: the extra row of an even window is before
            start = end - size + 1
        else:
            end = i - 1 if lag else i
            start = end - size + 1
        out.append(list(range(max(start, 0), min(end, n - 1) + 1)))
    return out


def by_windows(times: Sequence[int], size: int, closed: str) -> list[list[int]]:
    """Row indices ``j`` with ``t_j`` in the interval of length ``size`` ending at ``t_i``."""
    left_in = closed in ("left", "both")
    right_in = closed in ("right", "both")
    out = []
    for t in times:
        out.append(
            [
                j
                for j, u in enumerate(times)
                if (u > t - size or (left_in and u == t - size)) and (u < t or (right_in and u == t))
            ]
        )
    return out


def expanding_windows(n: int, *, lag: bool = False) -> list[list[int]]:
    return [list(range(i if lag else i + 1)) for i in range(n)]


def ewm_by(
    xs: Sequence[Row],
    times: Sequence[float],
    half_life: float,
    *,
    bias: bool = False,
    lag: bool = False,
    min_samples: int = 1,
) -> list[Row]:
    """Time-decayed EW z-score from explicit weights ``2**(-(t_i - t_j)/half_life)`` for each row.

    The weights are rounded to doubles, then everything is exact (``fractions``), so a constant
    history has exactly zero variance. Fewer than ``min_samples`` valid rows in it give null.
    """
    out: list[Row] = []
    for i, x in enumerate(xs):
        if x is None:
            out.append(None)
            continue
        if lag:
            idx = [j for j in range(i) if is_valid(xs[j])]  # rows before, in row order
        else:
            # earlier times, and ties up to this row (Polars' stable sort, then the recursion)
            idx = [
                j
                for j in range(len(xs))
                if (times[j] < times[i] or (times[j] == times[i] and j <= i)) and is_valid(xs[j])
            ]
        if not idx or len(idx) < min_samples:
            out.append(None)
            continue
        if math.isnan(x):
            out.append(math.nan)
            continue
        t_ref = max(times[j] for j in idx) if lag else times[i]
        w = [Fraction(2.0 ** (-(t_ref - times[j]) / half_life)) for j in idx]
        v = [Fraction(xs[j]) for j in idx]  # type: ignore[arg-type]
        sw = sum(w)
        mean = sum(a * b for a, b in zip(w, v, strict=True)) / sw
        ss = sum(a * (b - mean) ** 2 for a, b in zip(w, v, strict=True))
        if bias:
            var: Fraction | None = ss / sw
        else:
            denom = sw - sum(a * a for a in w) / sw
            var = ss / denom if denom > Fraction(1, 10**12) else None
        std = None if var is None else math.sqrt(var)
        out.append(float((Fraction(x) - mean) / Fraction(scale_or_one(std, abs(float(mean))))))
    return out


def weighted_rolling_zscore(
    xs: Sequence[Row],
    weights: Sequence[float],
    *,
    min_samples: int | None = None,
    ddof: int = 1,
    center: bool = False,
    lag: bool = False,
    nan: str = "ignore",
) -> list[Row]:
    """Weighted rolling z-score, window by window, in exact rational arithmetic.

    ``weights[k]`` multiplies the row ``k`` places after the start of the full window
    (Polars' alignment, also in the partial windows at the ends). Mean ``sum(w v) / W1``,
    reliability-weighted variance ``M2 / (W1 - ddof W2 / W1)`` with ``M2 = sum(w (v - mean)**2)``;
    a denominator <= 0 is undefined (scale 1); ``M2`` at most ``rtol * sum(w (v - pilot)**2)``
    (the documented tolerance, ``pilot`` the first valid value) is a zero scale:
    0 without ``lag``, scale 1 with it. ``min_samples`` (default ``len(weights)``) counts the
    valid rows; no weight on them gives null. ``nan="propagate"``: a NaN in the window gives NaN.
    """
    size = len(weights)
    needed = size if min_samples is None else min_samples
    rtol = 4.0 * (size + 1) * sys.float_info.epsilon
    first = next((v for v in xs if is_valid(v)), None)
    pilot = Fraction(0) if first is None else Fraction(first)
    out: list[Row] = []
    for i, x in enumerate(xs):
        end = i + (size - 1) // 2 if center else (i - 1 if lag else i)
        start = end - size + 1
        rows = [(weights[p - start], xs[p]) for p in range(max(start, 0), min(end, len(xs) - 1) + 1)]
        seen = [(w, v) for w, v in rows if v is not None and (nan == "propagate" or not math.isnan(v))]
        if x is None or len(seen) < needed or sum(Fraction(w) for w, _ in seen) == 0:
            out.append(None)
            continue
        if math.isnan(x) or any(math.isnan(v) for _, v in seen):  # type: ignore[arg-type]
            out.append(math.nan)
            continue
        w = [Fraction(a) for a, _ in seen]
        v = [Fraction(b) for _, b in seen]  # type: ignore[arg-type]
        w1 = sum(w)
        mean = sum(a * b for a, b in zip(w, v, strict=True)) / w1
        m2 = sum(a * (b - mean) ** 2 for a, b in zip(w, v, strict=True))
        denom = w1 - ddof * sum(a * a for a in w) / w1
        if denom <= 0:
            scale = Fraction(1)
        elif m2 <= Fraction(rtol) * sum(a * (b - pilot) ** 2 for a, b in zip(w, v, strict=True)):
            if not lag:
                out.append(0.0)
                continue
            scale = Fraction(1)
        else:
            scale = Fraction(math.sqrt(m2 / denom))
        out.append(float((Fraction(x) - mean) / scale))
    return out


# --------------------------------------------------------------------------
# exact references at any magnitude (no float squares: 1e155**2 and 1e-300**2 are exact here)
# --------------------------------------------------------------------------
Weighted = list[tuple[Fraction, Fraction]]


def exact_weighted_zscore(window: Weighted, x: float, ddof: int, *, lag: bool) -> tuple[float, bool]:
    """``(x - mean) / std`` of ``(weight, value)`` pairs in exact arithmetic, and whether "scale 1" applied.

    Reliability weights: ``var = M2 / (W - ddof V / W)``, ``W = sum(w)``, ``V = sum(w**2)``
    (equal weights: the plain variance with ``ddof``; ``ddof=1`` is Polars' and pandas' unbiased
    ``ewm_var``). No history for a variance (denominator <= 0) means scale 1; a zero variance means
    0, or scale 1 with ``lag``. A scale-1 result is ``x - mean`` in the original units, so the second
    value says whether the result is a z-score (``False``) or a difference (``True``). The z-score is
    the square root of its exact square, rounded once: no float ever holds a square.
    """
    w1 = sum(w for w, _ in window)
    mean = sum(w * v for w, v in window) / w1
    m2 = sum(w * (v - mean) ** 2 for w, v in window)
    denom = w1 - ddof * sum(w * w for w, _ in window) / w1
    d = Fraction(x) - mean
    if denom <= 0 or (m2 == 0 and lag):
        return float(d), True
    if m2 == 0:
        return 0.0, False
    return math.copysign(exact_sqrt(d * d * denom / m2), d), False


def exact_sqrt(q: Fraction) -> float:
    """``sqrt(q)`` of a positive rational of any size, from a 64-bit integer square root (error < 2**-63)."""
    k = (q.numerator.bit_length() - q.denominator.bit_length()) // 2 - 64
    r = q / Fraction(4) ** k if k >= 0 else q * 4 ** (-k)  # q / 4**k, about 2**128
    return math.ldexp(float(math.isqrt(math.floor(r))), k)


def exact_zscores(
    xs: Sequence[float],
    windows: Sequence[Sequence[tuple[int, Fraction]]],
    ddof: int,
    *,
    lag: bool,
    min_samples: int = 1,
) -> list[tuple[float, bool] | None]:
    """Row ``i`` against the rows ``j`` of ``windows[i]`` with weights ``w`` (``(j, w)`` pairs).

    Null when the window has fewer than ``min_samples`` rows (or none). Values are finite floats.
    """
    return [
        exact_weighted_zscore([(w, Fraction(xs[j])) for j, w in rows], x, ddof, lag=lag)
        if len(rows) >= max(min_samples, 1)
        else None
        for x, rows in zip(xs, windows, strict=True)
    ]


def unit_weights(windows: Sequence[Sequence[int]]) -> list[list[tuple[int, Fraction]]]:
    return [[(j, Fraction(1)) for j in rows] for rows in windows]


def weighted_row_windows(n: int, weights: Sequence[float], *, lag: bool) -> list[list[tuple[int, Fraction]]]:
    """Polars' weighted row windows: ``weights[k]`` on the row ``k`` places after the full window's start."""
    size = len(weights)
    out = []
    for i in range(n):
        end = i - 1 if lag else i
        start = end - size + 1
        out.append([(p, Fraction(weights[p - start])) for p in range(max(start, 0), end + 1)])
    return out


def ewm_windows(n: int, alpha: float, *, lag: bool) -> list[list[tuple[int, Fraction]]]:
    """``adjust=True`` weights ``(1 - alpha)**(i - j)`` of rows ``j <= i`` (``<= i - 1`` with ``lag``)."""
    decay = 1 - Fraction(alpha)
    return [[(j, decay ** (end - j)) for j in range(end + 1)] for end in ((i - 1 if lag else i) for i in range(n))]


def ewm_by_windows(times: Sequence[int], half_life: float, *, lag: bool) -> list[list[tuple[int, Fraction]]]:
    """Weights ``2**(-(t_end - t_j) / half_life)`` (rounded to doubles) of the rows up to ``end`` (sorted times)."""
    out = []
    for i in range(len(times)):
        end = i - 1 if lag else i
        out.append([(j, Fraction(2.0 ** (-(times[end] - times[j]) / half_life))) for j in range(end + 1)])
    return out
