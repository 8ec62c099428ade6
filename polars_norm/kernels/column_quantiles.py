"""A numpy kernel for robust scaling: a column's quantiles by selection, run through ``map_batches``.

:func:`polars_norm.robust` needs the median and two more quantiles of each
column. Polars computes each ``quantile`` with its own selection, and its
default (streaming) engine runs them much slower than in memory. Here
numpy's introselect (``ndarray.partition``) finds every order statistic the
three quantiles interpolate between, in one copy of the column: the median's
first, then those below it and those above it in the two halves, on two
threads (numpy releases the GIL); a short or heavily tied part is sorted
instead, where introselect is slower. A selection is faster than numpy's
SIMD sort and than Polars' three ``Series.quantile`` calls (the robust rows
of docs/benchmarks.md). The kernel sees the whole column (per
group under ``.over`` and ``group_by().agg``), as any quantile does, and the
final affine map runs in Polars, so nulls, NaN and dtypes follow
:mod:`polars_norm.semantics` as in every other method.
"""

from __future__ import annotations

import math
from concurrent.futures import Future
from typing import Any

import numpy as np
import polars as pl

from polars_norm.kernels.threads import sorting_pool
from polars_norm.semantics import ZERO_SCALE_FLOOR, NanPolicy

__all__ = ["order_statistics", "robust_column"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

#: A half below the median at least this long is selected in on the thread
#: pool while the calling thread takes the half above it.
_PARALLEL_SIZE = 1 << 20
#: From this length on, the affine map runs in numpy on two threads. Below it
#: Polars' own arithmetic is as fast: numpy's fresh output pages cost more than
#: the second thread saves.
_AFFINE_SIZE = 1 << 22
#: Arrays up to this long are sorted: cheaper than a selection's Python steps.
_SORT_SIZE = 4096
#: A part of which more than this share (in a strided sample) equals the value
#: it was split at is sorted instead: numpy's introselect slows to a crawl on
#: such a part (a few distinct values), where a sort stays fast.
_TIED_SHARE = 1.0 / 16.0


def _sorted_into(values: FloatArray, ranks: list[int], base: int, found: dict[int, float]) -> None:
    values.sort()  # NaN last
    for r in ranks:
        found[base + r] = float(values[r])


def _heavily_tied(values: FloatArray, value: float) -> bool:
    sample = values[:: max(1, values.size // 1024)]
    return bool(np.count_nonzero(sample == value) > _TIED_SHARE * sample.size)


def _select(values: FloatArray, ranks: list[int], base: int, found: dict[int, float], *, parallel: bool) -> None:
    """Order statistics of the view ``values`` at ``ranks`` (sorted, relative to it), into ``found``.

    Partitions ``values`` in place around its middle wanted rank, then
    recurses into the part below and the part above it, which hold exactly
    the smaller and the larger order statistics. Short or heavily tied parts
    are sorted instead.
    """
    if not ranks:
        return
    if values.size <= _SORT_SIZE:
        _sorted_into(values, ranks, base, found)
        return
    middle = ranks[len(ranks) // 2]
    values.partition(middle)  # NaN orders last, as in np.sort
    pivot = float(values[middle])
    found[base + middle] = pivot
    below = [r for r in ranks if r < middle]
    above = [r - middle - 1 for r in ranks if r > middle]
    parts = [(values[:middle], below, base), (values[middle + 1 :], above, base + middle + 1)]
    pending: Future[None] | None = None
    for i, (part, wanted, offset) in enumerate(parts):
        if not wanted:
            continue
        if _heavily_tied(part, pivot):
            _sorted_into(part, wanted, offset, found)
        elif i == 0 and parallel and above and middle >= _PARALLEL_SIZE:
            pending = sorting_pool().submit(_select, part, wanted, offset, found, parallel=False)
        else:
            _select(part, wanted, offset, found, parallel=parallel)
    if pending is not None:
        pending.result()


def order_statistics(values: FloatArray, ranks: list[int]) -> dict[int, float]:
    """The ``ranks``-th smallest values of ``values`` (0-based), NaN ordering last as in ``np.sort``.

    ``values`` must be writable: it is reordered in place.

    Parameters
    ----------
    values
        A writable Float64 (or integer) numpy array.
    ranks
        The 0-based ranks wanted.

    Returns
    -------
    dict[int, float]
        Each rank's value.

    Examples
    --------
    >>> values = np.array([5.0, np.nan, 1.0, 3.0, 2.0])
    >>> order_statistics(values, [0, 2, 4])
    {0: 1.0, 2: 3.0, 4: nan}
    """
    found: dict[int, float] = {}
    _select(values, sorted(set(ranks)), 0, found, parallel=True)
    return found


def _positions(q: float, n: int) -> tuple[int, int, float]:
    """Linear interpolation between order statistics (numpy's and Polars' ``"linear"``): ``lo, hi, fraction``."""
    position = q * (n - 1)
    lo = math.floor(position)
    return lo, min(lo + 1, n - 1), position - lo


def _quantiles(values: FloatArray, n: int, qs: tuple[float, ...]) -> list[float]:
    """The ``qs`` quantiles of the ``n`` smallest of ``values`` (the valid ones; NaN order last)."""
    spans = [_positions(q, n) for q in qs]
    ranks = [lo for lo, _, _ in spans] + [hi for _, hi, frac in spans if frac > 0.0]
    found = order_statistics(values, ranks)
    out = []
    for lo, hi, frac in spans:
        a = found[lo]
        out.append(a if frac == 0.0 else a + (found[hi] - a) * frac)
    return out


def _nan_count_and_extremes(valid: pl.Series, values: FloatArray) -> tuple[int, float | None, float | None]:
    """The NaN count and the NaN-skipping min and max (None without values, NaN when all are NaN)."""
    if values.size > _SORT_SIZE:
        # one Polars query: its three reductions run in parallel
        v = pl.col("v")  # renamed: a column name such as "^a$" would read as a pattern
        query = valid.alias("v").to_frame().select(v.is_nan().sum(), v.min().alias("lo"), v.max().alias("hi"))
        nans, lo, hi = query.row(0)
        return int(nans), lo, hi
    if values.size == 0:
        return 0, None, None
    # A short column (many small groups, where a Polars query's fixed cost per call dominates) is
    # sorted here, NaN last; its selection sorts it again, which on sorted
    # values is cheap.
    values.sort()
    numbers = int(np.searchsorted(values, np.inf, side="right"))
    if numbers == 0:
        return values.size, math.nan, math.nan
    return values.size - numbers, float(values[0]), float(values[numbers - 1])


def _finite_max_abs(lo: float | None, hi: float | None, values: FloatArray) -> float:
    """``max|x|`` over the finite values (0 without any), from the NaN-skipping ``lo``, ``hi`` of ``values``."""
    if lo is None or hi is None:
        return 0.0
    if math.isinf(lo) or math.isinf(hi):
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return 0.0
        lo, hi = float(finite.min()), float(finite.max())
    return max(abs(lo), abs(hi))


def _affine_block(x: FloatArray, out: FloatArray, shift: float, scale: float) -> None:
    """``out = (x - shift) * scale`` in cache-sized blocks: one pass over memory, not two."""
    block = 1 << 16
    with np.errstate(all="ignore"):  # inf - inf, inf * 0 and overflow are silent, as in Polars
        for start in range(0, x.size, block):
            o = out[start : start + block]
            np.subtract(x[start : start + block], shift, out=o)
            o *= scale


def _affine(s: pl.Series, shift: float, scale: float) -> pl.Series:
    """``(s - shift) * scale``; a long column without nulls by numpy, on two threads.

    Polars runs this single-threaded inside a kernel; two numpy threads are
    faster on long columns, which counts under the streaming engine, where
    the columns' kernels run one after another.
    """
    if s.null_count() or s.len() < _AFFINE_SIZE:
        out: pl.Series = (s - shift) * scale
        return out
    x: FloatArray = s.to_numpy()
    result = np.empty_like(x)
    half = x.size // 2
    pending = sorting_pool().submit(_affine_block, x[:half], result[:half], shift, scale)
    _affine_block(x[half:], result[half:], shift, scale)
    pending.result()
    return pl.Series(s.name, result)


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
    with ``"propagate"`` it orders above every value, as in Polars' own
    quantiles. A spread of 0 (or one so small beside ``max|x|`` that dividing
    by it could overflow, below ``overflow_ratio`` of it) is taken as 1.

    Parameters
    ----------
    s
        A Float64 Series (one column or group).
    quantile_range, with_centering
        As in :func:`polars_norm.robust`.
    divisor
        ``Phi^-1(q_hi) - Phi^-1(q_lo)`` with ``unit_variance``, else 1.
    nan
        ``"ignore"`` or ``"propagate"``.
    overflow_ratio
        The smallest spread, as a fraction of ``max|x|``, still divided by.

    Returns
    -------
    pl.Series
        Float64, named as ``s``.

    Examples
    --------
    >>> s = pl.Series("x", [1.0, 2.0, 3.0, 4.0, 100.0, None])
    >>> robust_column(
    ...     s, quantile_range=(0.25, 0.75), with_centering=True, divisor=1.0, nan="ignore", overflow_ratio=2.0**-1012
    ... ).to_list()
    [-1.0, -0.5, 0.0, 0.5, 48.5, None]
    """
    valid = s.drop_nulls()
    values: FloatArray = np.array(valid.to_numpy(), dtype=np.float64, copy=True)  # reordered in place
    nans, lo, hi = _nan_count_and_extremes(valid, values)
    n = values.size - (nans if nan == "ignore" else 0)
    if n == 0:  # no data: NaN stays NaN, null stays null
        empty: pl.Series = s * (math.nan if with_centering else 1.0)
        return empty
    q_lo, q_hi = quantile_range
    low, median, high = _quantiles(values, n, (q_lo, 0.5, q_hi))
    spread = high - low
    # max|x| over the finite values: an infinity maps to itself anyway, and must
    # not make every spread look negligible.
    max_abs = _finite_max_abs(lo, hi, values)
    if math.isnan(spread):
        inverse = math.nan
    elif spread == 0.0 or spread < max_abs * overflow_ratio:
        inverse = 1.0
    else:
        inverse = 1.0 / max(spread, ZERO_SCALE_FLOOR)
    inverse *= divisor
    return _affine(s, median if with_centering else 0.0, inverse)
