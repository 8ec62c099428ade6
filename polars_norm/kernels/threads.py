"""The thread pool numpy sorts and selections run on (numpy releases the GIL in them).

Used by the quantile sketches (:mod:`polars_norm.fitted.sketch`), by
:func:`polars_norm.quantile_normalize` and by :func:`polars_norm.robust`. Created on first use, with one thread
per core (at most 8); a forked child drops its parent's pool, whose threads
it does not have.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["sorting_pool"]

_pool: ThreadPoolExecutor | None = None


_lock = threading.Lock()


def sorting_pool() -> ThreadPoolExecutor:
    """The shared pool, created on first use (one thread per core, at most 8).

    Returns
    -------
    ThreadPoolExecutor
        The same pool on every call in a process (a forked child builds its own).

    Examples
    --------
    >>> sorting_pool() is sorting_pool()
    True
    >>> sorting_pool().submit(sorted, [3, 1, 2]).result()
    [1, 2, 3]
    """
    global _pool
    with _lock:  # two first callers must not build two pools
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1), thread_name_prefix="polars_norm-sort")
        return _pool


def _forget_pool() -> None:
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX only; Windows does not fork
    os.register_at_fork(after_in_child=_forget_pool)
