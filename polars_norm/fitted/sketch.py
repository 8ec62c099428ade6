"""Quantile sketches: Apache DataSketches' KLL, one per (group, column).

KLL sketches are mergeable, have a proven rank error bound and serialize to
portable bytes. With the default ``k = 800`` the normalized rank error is
about 0.35% at the 99th percentile of trials (``get_normalized_rank_error``);
measured here on normal, lognormal, sorted and tied data it stayed below
0.14% for q in [0.01, 0.99].

A large batch is not fed to the sketch one value at a time (DataSketches'
``update`` inserts value by value and holds the GIL). It is sorted
(numpy's SIMD sort, which releases the GIL) and compacted the way KLL compacts
a sorted level: halved ``h`` times, each time keeping the odd or the even
items (a fair coin) at twice the weight, and setting aside one end item when
the level's size is odd, until at most ``k`` items of weight ``2**h`` remain.
Every halving moves any rank by at most its weight, with mean zero, so a
batch adds a rank error below ``2**h <= 2 n / k`` (KLL's own top level holds
items of that weight), and the total weight stays exactly ``n``. The
compacted levels are written as a serialized KLL sketch in DataSketches'
own format (:mod:`polars_norm.fitted.kll_format`) and merged, so the state
stays a plain ``kll_doubles_sketch``. The sorts of a batch's columns run on a
thread pool (numpy releases the GIL while sorting), alongside the batch's
moments in Polars.

The sketches of a fit are kept in a :data:`SketchMap` keyed by
``(group key, column)`` (the keys of :mod:`polars_norm.fitted.sketch_keys`);
the CDF knots the quantile transform reads are in
:mod:`polars_norm.fitted.sketch_cdf`.

References
----------
.. [1] Karnin, Z., Lang, K. and Liberty, E. (2016). "Optimal quantile
   approximation in streams". FOCS 2016, 71-78.
.. [2] Apache DataSketches, https://datasketches.apache.org/
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

import numpy as np
import polars as pl
from datasketches import kll_doubles_sketch

from polars_norm.fitted.kll_format import compacted_sketch
from polars_norm.fitted.sketch_keys import GroupKey, group_key_rows, keyed_rows
from polars_norm.kernels.threads import sorting_pool

__all__ = [
    "DEFAULT_K",
    "SketchMap",
    "deserialized_map",
    "merge_sketch_maps",
    "new_sketch",
    "pooled_sketches",
    "quantile_columns",
    "rank_error",
    "rekeyed",
    "serialized_column",
    "submit_sketch_updates",
]

#: Default KLL accuracy parameter: rank error <= 0.5% for q in [0.01, 0.99].
DEFAULT_K = 800

SketchMap = dict[tuple[GroupKey, str], kll_doubles_sketch]


def new_sketch(k: int = DEFAULT_K) -> kll_doubles_sketch:
    """An empty KLL sketch of doubles with accuracy parameter ``k``.

    Parameters
    ----------
    k
        The KLL accuracy parameter (8 to 65535); the rank error shrinks about
        as ``1 / k`` (:func:`rank_error`).

    Returns
    -------
    datasketches.kll_doubles_sketch
        A new, empty sketch. It holds every value exactly until it is fed more
        than about ``k`` of them; from then on it is randomized.

    Examples
    --------
    >>> import numpy as np
    >>> from polars_norm.fitted.sketch import new_sketch
    >>> sk = new_sketch(200)
    >>> sk.k, sk.n, sk.is_empty()
    (200, 0, True)
    >>> sk.update(np.array([3.0, 1.0, 2.0]))
    >>> sk.get_quantile(0.5), sk.is_estimation_mode()
    (2.0, False)
    """
    return kll_doubles_sketch(k)


def rank_error(k: int = DEFAULT_K) -> float:
    """The normalized rank error bound of a KLL sketch with parameter ``k``.

    Parameters
    ----------
    k
        The KLL accuracy parameter.

    Returns
    -------
    float
        The single-rank error (as a fraction of ``n``) that a quantile query
        stays within with 99% confidence (DataSketches'
        ``get_normalized_rank_error(k, pmf=False)``).

    References
    ----------
    .. [1] Karnin, Z., Lang, K. and Liberty, E. (2016). "Optimal quantile
       approximation in streams". FOCS 2016, 71-78.

    Examples
    --------
    >>> from polars_norm.fitted.sketch import rank_error
    >>> round(rank_error(), 4), round(rank_error(200), 4)
    (0.0035, 0.0133)
    """
    return float(kll_doubles_sketch.get_normalized_rank_error(k, False))


#: Batches with more valid values than ``_PRESORT_FACTOR * k`` are sorted and compacted before the merge.
_PRESORT_FACTOR = 2


Summary: TypeAlias = np.ndarray[Any, np.dtype[np.float64]] | kll_doubles_sketch | None


def _summary(series: pl.Series, k: int, seed: np.random.SeedSequence) -> Summary:
    """The valid values of ``series`` as they enter a sketch: few as a writable array, many compacted."""
    values = series.cast(pl.Float64).drop_nulls().to_numpy()
    if values.size <= _PRESORT_FACTOR * k:
        valid: np.ndarray[Any, np.dtype[np.float64]] = values[~np.isnan(values)]  # a new, writable array
        return valid if valid.size else None
    ordered = np.sort(values)  # NaN sorts last
    ordered = ordered[: int(np.searchsorted(ordered, np.inf, side="right"))]
    if ordered.size <= _PRESORT_FACTOR * k:
        return ordered if ordered.size else None
    return compacted_sketch(ordered, k, np.random.default_rng(seed))


def submit_sketch_updates(
    sketches: SketchMap, batch: pl.DataFrame, columns: Sequence[str], by: Sequence[str], k: int
) -> Callable[[], None]:
    """Start feeding the valid (non-null, non-NaN) values of ``batch`` into the per-(group, column) sketches.

    Columns (or groups) with more than ``2 k`` values are sorted and compacted
    (module notes) on a thread pool, while the caller goes on (with the
    batch's moments, say); the returned function waits for them and updates
    ``sketches``. Call it before the next batch.

    Parameters
    ----------
    sketches
        The sketch map to update in place, keyed by ``(group key, column)``;
        missing sketches are created.
    batch
        The rows to add.
    columns
        The numeric columns to sketch.
    by
        The group key columns (empty for one global group).
    k
        The KLL accuracy parameter of new sketches.

    Returns
    -------
    Callable[[], None]
        Waits for the sorts and updates ``sketches``.

    Notes
    -----
    Nulls and NaN are dropped; a group and column without valid values gets no
    sketch. The compaction draws fair coins from a fresh seed, so a large batch
    gives a randomized sketch; a small one is added value by value, exactly.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.sketch import submit_sketch_updates
    >>> sketches = {}
    >>> batch = pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, float("nan"), 5.0]})
    >>> finish = submit_sketch_updates(sketches, batch, ["x"], ["g"], k=200)
    >>> finish()
    >>> sorted((key, sk.n) for key, sk in sketches.items())
    [((('a',), 'x'), 1), ((('b',), 'x'), 1)]
    """
    parts: Iterable[tuple[GroupKey, pl.DataFrame]]
    if by:
        frames = batch.partition_by(list(by), maintain_order=False)
        firsts = pl.concat([f.select(by).head(1) for f in frames]) if frames else batch.select(by).head(0)
        parts = zip(group_key_rows(firsts, by), frames, strict=True)
    else:
        parts = [((), batch)]
    tasks = [(key, c, part.get_column(c)) for key, part in parts for c in columns]
    seeds = np.random.SeedSequence().spawn(len(tasks))
    large = sum(len(series) > _PRESORT_FACTOR * k for _, _, series in tasks)
    args = ([series for _, _, series in tasks], [k] * len(tasks), seeds)
    summaries = sorting_pool().map(_summary, *args) if large else map(_summary, *args)

    def finish() -> None:
        for (key, c, _), summary in zip(tasks, summaries, strict=True):
            if summary is None:
                continue
            sk = sketches.get((key, c))
            if sk is None:
                sk = sketches[(key, c)] = new_sketch(k)
            if isinstance(summary, kll_doubles_sketch):
                sk.merge(summary)
            else:
                sk.update(summary)

    return finish


def merge_sketch_maps(maps: Iterable[SketchMap], k: int) -> SketchMap:
    """Merge sketch maps key by key into new sketches (the inputs are not modified).

    Parameters
    ----------
    maps
        Sketch maps keyed by ``(group key, column)``.
    k
        The KLL accuracy parameter of the merged sketches.

    Returns
    -------
    SketchMap
        One new sketch per key found in any map.

    Examples
    --------
    >>> import numpy as np
    >>> from polars_norm.fitted.sketch import merge_sketch_maps, new_sketch
    >>> a, b = new_sketch(200), new_sketch(200)
    >>> a.update(np.array([1.0, 2.0]))
    >>> b.update(np.array([3.0]))
    >>> merged = merge_sketch_maps([{((), "x"): a}, {((), "x"): b}], k=200)
    >>> merged[((), "x")].n, a.n
    (3, 2)
    """
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


def quantile_columns(sketches: SketchMap, keys: pl.DataFrame, qs: Sequence[float]) -> list[list[float | None]]:
    """The ``qs`` quantiles of the sketch of each row of ``keys`` (the ``by`` keys, then the column name).

    Parameters
    ----------
    sketches
        The sketch map.
    keys
        One row per group and column: the ``by`` keys, then the column name
        (last).
    qs
        Quantile levels in ``[0, 1]``.

    Returns
    -------
    list of list
        One list per quantile, aligned with ``keys``; null where a row has no
        sketch or an empty one.

    Notes
    -----
    A loop over the state's rows, one per group and column, not over data.

    Examples
    --------
    >>> import numpy as np
    >>> import polars as pl
    >>> from polars_norm.fitted.sketch import new_sketch, quantile_columns
    >>> sk = new_sketch(200)
    >>> sk.update(np.array([1.0, 2.0, 3.0]))
    >>> keys = pl.DataFrame({"g": ["a", "b"], "column": ["x", "x"]})
    >>> quantile_columns({(("a",), "x"): sk}, keys, [0.0, 0.5])
    [[1.0, None], [2.0, None]]
    """
    out: list[list[float | None]] = [[] for _ in qs]
    for group, column in keyed_rows(keys):
        sk = sketches.get((group, column))
        values = sk.get_quantiles(list(qs)) if sk is not None and not sk.is_empty() else [None] * len(qs)
        for i, v in enumerate(values):
            out[i].append(v)
    return out


def serialized_column(sketches: SketchMap, keys: pl.DataFrame) -> pl.Series:
    """Each row's sketch serialized in DataSketches' portable format; null if none.

    Parameters
    ----------
    sketches
        The sketch map.
    keys
        One row per group and column: the ``by`` keys, then the column name
        (last).

    Returns
    -------
    pl.Series
        A Binary series named ``sketch``, aligned with ``keys``.

    Examples
    --------
    >>> import numpy as np
    >>> import polars as pl
    >>> from polars_norm.fitted.sketch import deserialized_map, new_sketch, serialized_column
    >>> sk = new_sketch(200)
    >>> sk.update(np.array([1.0, 2.0, 3.0]))
    >>> keys = pl.DataFrame({"g": ["a", "b"], "column": ["x", "x"]})
    >>> blobs = serialized_column({(("a",), "x"): sk}, keys)
    >>> blobs.is_null().to_list()
    [False, True]
    >>> back = deserialized_map(keys.with_columns(blobs))
    >>> list(back), back[(("a",), "x")].get_quantile(0.5)
    ([(('a',), 'x')], 2.0)
    """
    blobs: list[bytes | None] = []
    for group, column in keyed_rows(keys):
        sk = sketches.get((group, column))
        blobs.append(sk.serialize() if sk is not None else None)
    return pl.Series("sketch", blobs, pl.Binary)


def deserialized_map(rows: pl.DataFrame) -> SketchMap:
    """The sketch map of :func:`serialized_column`'s rows.

    Parameters
    ----------
    rows
        The ``by`` keys, the column name, then the serialized sketch (last;
        null for none).

    Returns
    -------
    SketchMap
        One sketch per row with a blob, keyed as :func:`group_key_rows` keys it.

    Examples
    --------
    >>> import numpy as np
    >>> import polars as pl
    >>> from polars_norm.fitted.sketch import deserialized_map, new_sketch
    >>> sk = new_sketch(200)
    >>> sk.update(np.array([1.0, 2.0, 3.0]))
    >>> rows = pl.DataFrame({"column": ["x", "y"], "sketch": [sk.serialize(), None]})
    >>> {key: s.n for key, s in deserialized_map(rows).items()}
    {((), 'x'): 3}
    """
    out: SketchMap = {}
    for (group, column), blob in zip(
        keyed_rows(rows.drop(rows.columns[-1])), rows.get_column(rows.columns[-1]), strict=True
    ):
        if blob is not None:
            out[(group, column)] = kll_doubles_sketch.deserialize(blob)
    return out


def rekeyed(sketches: SketchMap, keys: pl.DataFrame, cast: pl.DataFrame, k: int) -> SketchMap:
    """``sketches`` keyed by the groups of ``cast`` (``keys`` with its key columns cast), merging any that meet.

    A cast to a common key dtype can change a key's map key (the decimal
    ``0.1`` as the float ``0.1`` is another number), or make two keys one.

    Parameters
    ----------
    sketches
        The sketch map.
    keys
        The distinct key rows of the state (the ``by`` columns only).
    cast
        ``keys`` cast to the common key dtypes, row for row.
    k
        The KLL accuracy parameter of the merged sketches.

    Returns
    -------
    SketchMap
        A new map; sketches that do not meet are shared with ``sketches``, those
        that meet are merged into a new sketch.

    Examples
    --------
    Two groups whose keys become one under the cast are merged:

    >>> import numpy as np
    >>> import polars as pl
    >>> from polars_norm.fitted.sketch import new_sketch, rekeyed
    >>> a, b = new_sketch(200), new_sketch(200)
    >>> a.update(np.array([1.0]))
    >>> b.update(np.array([2.0, 3.0]))
    >>> keys = pl.DataFrame({"g": [1, 2]})
    >>> cast = pl.DataFrame({"g": [1.0, 1.0]})
    >>> out = rekeyed({((1,), "x"): a, ((2,), "x"): b}, keys, cast, k=200)
    >>> [(key, sk.n) for key, sk in out.items()]
    [(((1.0,), 'x'), 3)]
    """
    by = keys.columns
    moved = dict(zip(group_key_rows(keys, by), group_key_rows(cast, by), strict=True))
    out: SketchMap = {}
    for (group, column), sk in sketches.items():
        target = (moved.get(group, group), column)
        if target in out:
            merged = new_sketch(k)
            merged.merge(out[target])
            merged.merge(sk)
            out[target] = merged
        else:
            out[target] = sk
    return out
