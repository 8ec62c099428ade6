"""The kernel of quantile normalization across columns, and its cache.

The kernel (:func:`normalize`) takes a struct of Float64 columns and returns
them normalized: each column ranked by numpy's ``argsort`` (on the sorting
threads), the reference distribution averaged rank by rank, and each value
given the reference at its rank (tie runs their mean).

The cache (:class:`Memo`, one instance :data:`MEMOIZED`) works around a
Polars limitation: Polars does not eliminate common Python UDF calls, so each
of the ``k`` outputs of :func:`polars_norm.rows.quantile_normalization.quantile_normalize`
calls the kernel on the same struct. It can go when Polars shares a repeated
``map_batches`` call (check: build the ``k`` outputs of one query and count
the kernel's calls), or when the public function returns one struct
expression instead of ``k`` columns. It holds a lock and is reset in a forked
child.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np
import polars as pl

from polars_norm.kernels.threads import sorting_pool

__all__ = ["MEMOIZED", "MEMO_VALUES", "Memo", "normalize"]

_Floats = np.ndarray[Any, np.dtype[np.float64]]


def _interpolate(values: _Floats, position: _Floats) -> _Floats:
    """``values`` read at fractional ``position`` in ``[0, len - 1]`` (linear interpolation).

    At a whole position the result is exactly the value there (finite values).
    """
    last = values.size - 1
    lo = np.floor(position)
    i = np.clip(lo.astype(np.int64), 0, last)
    frac = position - lo
    out: _Floats = values[i]
    between = frac > 0.0  # a whole position reads its value alone (inf beside it would give inf * 0)
    j = i[between]
    f = frac[between]
    out[between] = values[j] * (1.0 - f) + values[np.minimum(j + 1, last)] * f
    return out


def _levels(count: int) -> _Floats:
    """Levels ``u = r / (count - 1)`` of the 0-based ranks ``r`` (0.5 for a single value)."""
    return np.arange(count) / (count - 1) if count > 1 else np.full(count, 0.5)


def _ranked(values: _Floats) -> tuple[Any, _Floats]:
    """``(order, sorted)`` of a column: ``argsort`` (NaN last) and the values in that order."""
    order = np.argsort(values)
    return order, values[order]


class Memo:
    """The kernel's results, shared by the ``k`` outputs of one query.

    Polars does not eliminate common Python UDF calls, so each of the ``k``
    outputs calls the kernel on the same struct of columns. The first call
    computes all ``k`` columns; the others take theirs from here. An entry is
    found by a cheap fingerprint (length, fields, a few values) and used only
    if its input equals, value for value, the entry's own copy of the input
    it was computed from (a buffer identity test, or a reference to the
    input, would serve stale results if numpy memory under a frame were
    changed in place between queries). An entry leaves after its ``k``-th use;
    entries of outputs that are never evaluated (a projection that drops
    them), and those of many small groups under ``.over``, leave oldest first
    once the cache holds more than ``MEMO_VALUES`` input values besides the
    newest entry.

    Examples
    --------
    >>> import polars as pl
    >>> memo = Memo()
    >>> batch = pl.struct(pl.Series("c0", [5.0, 2.0]), pl.Series("c1", [4.0, 1.0]), eager=True)
    >>> memo(batch) is memo(batch)  # the second output takes the first one's result
    True
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # fingerprint -> [input, output, uses left]; insertion order is age
        self._entries: dict[tuple[Any, ...], list[tuple[pl.Series, pl.Series, int]]] = {}
        self._values = 0

    def __len__(self) -> int:
        """The number of results held for outputs not yet evaluated."""
        return sum(len(candidates) for candidates in self._entries.values())

    def reset(self) -> None:
        """Forget everything (and the lock: a forked child may inherit it held)."""
        self._lock = threading.Lock()
        self._entries = {}
        self._values = 0

    @staticmethod
    def _fingerprint(batch: pl.Series) -> tuple[Any, ...]:
        n = len(batch)
        probes = [0, n // 3, n // 2, n - 1] if n else []
        return (n, tuple(batch.struct.fields), repr(batch.gather(probes).to_list()))  # repr: NaN matches NaN

    @staticmethod
    def _size(batch: pl.Series) -> int:
        return len(batch) * len(batch.struct.fields)

    def __call__(self, batch: pl.Series) -> pl.Series:
        with self._lock:  # the outputs may call in parallel: one computes, the others reuse
            fingerprint = self._fingerprint(batch)
            candidates = self._entries.get(fingerprint, [])
            for i, (cached, out, uses) in enumerate(candidates):
                if cached.equals(batch):
                    if uses > 1:
                        candidates[i] = (cached, out, uses - 1)
                    else:
                        del candidates[i]
                        self._values -= self._size(cached)
                        if not candidates:
                            del self._entries[fingerprint]
                    return out
            out = normalize(batch)
            uses = len(batch.struct.fields) - 1
            if uses:
                self._evict(MEMO_VALUES)
                # A copy: the input's memory may be numpy's, changed in place later.
                copy = batch.gather(pl.int_range(len(batch), eager=True))
                self._entries.setdefault(fingerprint, []).append((copy, out, uses))
                self._values += self._size(batch)
            return out

    def _evict(self, budget: int) -> None:
        while self._values > budget and self._entries:
            oldest = next(iter(self._entries))
            cached, _, _ = self._entries[oldest].pop(0)
            self._values -= self._size(cached)
            if not self._entries[oldest]:
                del self._entries[oldest]


#: Input values the kernel's cache holds for outputs not yet evaluated, besides the newest entry.
MEMO_VALUES = 1 << 22


def normalize(batch: pl.Series) -> pl.Series:
    """The kernel: a struct of Float64 columns in, the same struct normalized out.

    Parameters
    ----------
    batch
        A struct Series of Float64 fields (nulls and NaN are left out of the
        ranks and kept in the output).

    Returns
    -------
    Series
        The same struct, each field given the reference distribution (the
        mean of the sorted fields) at its ranks.

    Examples
    --------
    >>> import polars as pl
    >>> batch = pl.struct(pl.Series("c0", [5.0, 2.0, 3.0]), pl.Series("c1", [4.0, 1.0, 6.0]), eager=True)
    >>> normalize(batch).struct.unnest().rows()
    [(5.5, 3.5), (1.5, 1.5), (3.5, 5.5)]
    """
    columns = [batch.struct.field(name) for name in batch.struct.fields]
    n_rows = len(batch)
    values = [c.to_numpy() for c in columns]  # Float64; null -> NaN (the masks keep them apart)
    counts = [int(np.count_nonzero(~np.isnan(v))) for v in values]
    ranked = list(sorting_pool().map(_ranked, values)) if n_rows > 10_000 else [_ranked(v) for v in values]
    # The reference: the mean over columns of their quantile functions
    # (linear interpolation between order statistics), tabulated at the
    # n_rows equally spaced levels of a complete column. Without missing
    # values every level falls on a rank: the mean of the sorted columns.
    grid = _levels(n_rows)
    present = [(s[:n], n) for (_, s), n in zip(ranked, counts, strict=True) if n]
    reference = np.zeros(n_rows)
    for ordered, n in present:
        # a complete column's levels fall on its ranks: read it exactly, as is
        reference += ordered if n == n_rows else _interpolate(ordered, grid * (n - 1))
    reference /= max(len(present), 1)
    outputs = []
    for column, column_values, (order, ordered), n in zip(columns, values, ranked, counts, strict=True):
        out = column_values.copy()  # NaN (and null) cells keep NaN
        if n:
            # This column's ranks read the reference at their own levels; a run of
            # tied values gets the mean over its ranks (summed within the run only,
            # so a huge value elsewhere in the column cannot swamp it).
            at_rank = reference if n == n_rows else _interpolate(reference, _levels(n) * (n_rows - 1))
            valid = ordered[:n]
            starts = np.flatnonzero(np.concatenate([[True], valid[1:] != valid[:-1]]))
            lengths = np.diff(np.append(starts, n))
            if starts.size == n:  # no ties: each rank its own run
                out[order[:n]] = at_rank
            else:
                out[order[:n]] = np.repeat(np.add.reduceat(at_rank, starts) / lengths, lengths)
        outputs.append(
            pl.Series(column.name, out).set(column.is_null(), None)
            if column.has_nulls()
            else pl.Series(column.name, out)
        )
    return pl.struct(outputs, eager=True).alias(batch.name)


#: The cache the outputs of one query share.
MEMOIZED = Memo()
if hasattr(os, "register_at_fork"):  # POSIX only
    os.register_at_fork(after_in_child=MEMOIZED.reset)
