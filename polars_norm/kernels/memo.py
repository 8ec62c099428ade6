"""A cache that lets the ``k`` outputs of one query share one kernel call (a workaround).

Row-wise methods return one expression per column; when a method runs as a
``map_batches`` kernel over a struct of all the columns, every output is the
same call followed by its own field. Polars eliminates common subexpressions,
but not common Python UDF calls, so without this cache the kernel runs ``k``
times on the same batch. :class:`Memo` wraps a kernel: the first output's
call computes all ``k`` fields, the others take theirs from the cache.

How to tell when it can go: build the ``k`` outputs of one query with a
kernel that counts its calls; when Polars calls it once per batch, the memo
can be dropped (or when the public functions return one struct expression
instead of ``k`` columns). Every memo holds a lock and is reset in a forked
child.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

import polars as pl

__all__ = ["KEEP_NEWEST", "MEMO_VALUES", "Memo"]

_MEMOS: weakref.WeakSet[Memo] = weakref.WeakSet()


def _reset_all() -> None:
    for memo in list(_MEMOS):
        memo.reset()


if hasattr(os, "register_at_fork"):  # POSIX only
    os.register_at_fork(after_in_child=_reset_all)


class Memo:
    """A kernel's results, shared by the ``k`` outputs of one query.

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
    ``KEEP_NEWEST`` newest entries.

    Examples
    --------
    >>> import polars as pl
    >>> memo = Memo(lambda batch: batch.struct.rename_fields(["a", "b"]))
    >>> batch = pl.struct(pl.Series("c0", [5.0, 2.0]), pl.Series("c1", [4.0, 1.0]), eager=True)
    >>> memo(batch) is memo(batch)  # the second output takes the first one's result
    True
    """

    def __init__(self, kernel: Callable[[pl.Series], pl.Series]) -> None:
        self._kernel = kernel
        self._lock = threading.Lock()
        # fingerprint -> [input, output, uses left]; insertion order is age
        self._entries: dict[tuple[Any, ...], list[tuple[pl.Series, pl.Series, int]]] = {}
        self._values = 0
        _MEMOS.add(self)

    def __len__(self) -> int:
        """The number of results held for outputs not yet evaluated."""
        return sum(len(candidates) for candidates in self._entries.values())

    def reset(self) -> None:
        """Forget everything (and the lock: a forked child may inherit it held).

        Called in a forked child for every memo (registered at construction).
        """
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
            out = self._kernel(batch)
            uses = len(batch.struct.fields) - 1
            if uses:
                self._evict(MEMO_VALUES)
                # A copy: the input's memory may be numpy's, changed in place later.
                copy = batch.gather(pl.int_range(len(batch), eager=True))
                self._entries.setdefault(fingerprint, []).append((copy, out, uses))
                self._values += self._size(batch)
            return out

    def _evict(self, budget: int) -> None:
        while self._values > budget and len(self) > KEEP_NEWEST:
            oldest = next(iter(self._entries))
            cached, _, _ = self._entries[oldest].pop(0)
            self._values -= self._size(cached)
            if not self._entries[oldest]:
                del self._entries[oldest]


#: Input values the kernel's cache holds for outputs not yet evaluated, besides the newest entries.
MEMO_VALUES = 1 << 22

#: Entries kept whatever their size: the batches in flight at once (a lazy query evaluates
#: its outputs over several morsels in parallel; evicting one in use recomputes it per output).
KEEP_NEWEST = 4
