"""CDF knots of quantile sketches: the piecewise-linear mid-rank CDF the fitted quantile transform reads.

:func:`cdf_knots` reads the knots ``(x_j, F_j)`` of one KLL sketch
(:mod:`polars_norm.fitted.sketch`); :func:`stacked_cdf_knots` those of many
sketches at once, in flat arrays, for a per-group lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
from datasketches import kll_doubles_sketch

from polars_norm.fitted.kll_format import exact_items

__all__ = ["CDF_KNOTS", "cdf_knots", "stacked_cdf_knots"]

#: Knots of the piecewise-linear CDF used by the fitted quantile transform.
CDF_KNOTS = 2049


def cdf_knots(sketch: kll_doubles_sketch, knots: int = CDF_KNOTS) -> tuple[list[float], list[float]]:
    """Knots ``(x_j, F_j)`` of the sketch's mid-rank empirical CDF, ``x_j`` strictly increasing.

    ``x_j`` are the minimum, the maximum and sketch quantiles on an even grid
    of ranks (deduplicated), and
    ``F_j = (P(X < x_j) + P(X <= x_j)) / 2``, the average-rank convention of
    :func:`polars_norm.quantile`, so ties map to their mid rank.

    Parameters
    ----------
    sketch
        A non-empty KLL sketch.
    knots
        The number of ranks on the grid (at most that many knots).

    Returns
    -------
    tuple of list of float
        ``(x, F)``, both increasing; ``F`` is clamped to
        ``[1/2, n - 1/2] / n``, so the minimum maps to the mid rank of a single
        smallest item and the maximum to that of a single largest.

    Examples
    --------
    >>> import numpy as np
    >>> from polars_norm.fitted.sketch import new_sketch
    >>> from polars_norm.fitted.sketch_cdf import cdf_knots
    >>> sk = new_sketch(200)
    >>> sk.update(np.array([1.0, 2.0, 2.0, 4.0]))
    >>> cdf_knots(sk)
    ([1.0, 2.0, 4.0], [0.125, 0.5, 0.875])
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


Floats: TypeAlias = np.ndarray[Any, np.dtype[np.float64]]
Ints: TypeAlias = np.ndarray[Any, np.dtype[np.int64]]


def stacked_cdf_knots(
    sketches: Sequence[kll_doubles_sketch | None], knots: int = CDF_KNOTS
) -> tuple[Ints, Floats, Floats]:
    """:func:`cdf_knots` of many sketches at once: ``(group, x, F)``, sorted by group, then ``x``.

    ``group`` is the position of the sketch in ``sketches``; a missing or
    empty sketch has no knots. A sketch that still holds every value it was
    fed (not in estimation mode) and fewer than ``knots`` of them has all its
    distinct values as knots, each with its exact mid rank: that is what
    :func:`cdf_knots` finds too (its grid of ranks hits every value), but
    computed for all such sketches in a few numpy passes instead of a grid
    search per sketch, which matters with many small groups.

    Parameters
    ----------
    sketches
        Sketches, or ``None`` where a group has none.
    knots
        As in :func:`cdf_knots`.

    Returns
    -------
    tuple of numpy.ndarray
        ``group`` (int64), ``x`` and ``F`` (float64), of equal length.

    Examples
    --------
    >>> import numpy as np
    >>> from polars_norm.fitted.sketch import new_sketch
    >>> from polars_norm.fitted.sketch_cdf import stacked_cdf_knots
    >>> a, b = new_sketch(200), new_sketch(200)
    >>> a.update(np.array([1.0, 2.0, 2.0, 4.0]))
    >>> b.update(np.array([10.0, 20.0]))
    >>> group, x, f = stacked_cdf_knots([a, None, b])
    >>> group.tolist(), x.tolist(), f.tolist()
    ([0, 0, 0, 2, 2], [1.0, 2.0, 4.0, 10.0, 20.0], [0.125, 0.5, 0.875, 0.25, 0.75])
    """
    small_at: list[int] = []
    small_values: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    groups: list[np.ndarray[Any, np.dtype[np.int64]]] = []
    xs: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    fs: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    for j, sk in enumerate(sketches):
        n = 0 if sk is None else sk.n
        if n == 0:
            continue
        assert sk is not None
        if n < knots and not sk.is_estimation_mode():
            small_at.append(j)
            small_values.append(exact_items(sk, n))
        else:
            kx, kf = cdf_knots(sk, knots)
            xs.append(np.asarray(kx, dtype=np.float64))
            fs.append(np.asarray(kf, dtype=np.float64))
            groups.append(np.full(len(kx), j, dtype=np.int64))
    if small_values:
        counts = np.fromiter((v.size for v in small_values), dtype=np.int64, count=len(small_values))
        # each group's items come sorted, and the groups in order
        g, v = np.repeat(np.asarray(small_at, dtype=np.int64), counts), np.concatenate(small_values)
        starts = np.flatnonzero(np.r_[True, (g[1:] != g[:-1]) | (v[1:] != v[:-1])])
        run = np.diff(np.r_[starts, g.size])
        run_group = g[starts]
        below = starts - np.searchsorted(g, run_group, side="left")
        n = np.bincount(g)[run_group].astype(np.float64)
        half = 0.5 / n
        f = np.minimum(np.maximum(0.5 * (below / n + (below + run) / n), half), 1.0 - half)
        groups.append(run_group)
        xs.append(v[starts])
        fs.append(f)
    if not groups:
        empty_f: np.ndarray[Any, np.dtype[np.float64]] = np.empty(0, dtype=np.float64)
        return np.empty(0, dtype=np.int64), empty_f, empty_f.copy()
    group = np.concatenate(groups)
    order = np.argsort(group, kind="stable")
    return group[order], np.concatenate(xs)[order], np.concatenate(fs)[order]
