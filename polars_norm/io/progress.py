"""Running a long Polars job with a progress bar on stderr, interruptibly.

Polars releases the GIL while it executes a query, so the job runs in a
worker thread and the main thread stays free to draw the bar and to receive
signals (``SIGINT``, and ``SIGTERM`` turned into :class:`Interrupted`), which
it re-raises promptly instead of after the query ends.

Progress is the number of bytes the process has read (Linux
``/proc/self/io``, ``rchar``; Polars reads files with ``pread``) out of the
inputs' total size from the file system. Where that counter does not exist
the bar shows the elapsed time only. It is drawn only when stderr is a
terminal.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, TextIO, TypeVar

__all__ = ["Interrupted", "bytes_read", "handle_sigterm", "run"]

T = TypeVar("T")

_IO = Path("/proc/self/io")
_WIDTH = 30


class Interrupted(KeyboardInterrupt):
    """The process received ``SIGTERM`` (see :func:`handle_sigterm`).

    A ``KeyboardInterrupt``, so the clean-up that runs on Ctrl-C runs on
    ``SIGTERM`` too.

    Examples
    --------
    >>> issubclass(Interrupted, KeyboardInterrupt)
    True
    """


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Interrupted


def handle_sigterm() -> None:
    """Turn ``SIGTERM`` into :class:`Interrupted` (a ``KeyboardInterrupt``) in the main thread.

    Examples
    --------
    >>> previous = signal.getsignal(signal.SIGTERM)
    >>> handle_sigterm()
    >>> signal.getsignal(signal.SIGTERM) is _on_sigterm
    True
    >>> _ = signal.signal(signal.SIGTERM, previous)
    """
    signal.signal(signal.SIGTERM, _on_sigterm)


def bytes_read() -> int | None:
    """Bytes read by this process so far (``rchar``), or ``None`` where unknown.

    Examples
    --------
    >>> n = bytes_read()
    >>> n is None or n >= 0
    True
    """
    try:
        for line in _IO.read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def _draw(stream: TextIO, label: str, done: int | None, total: int, elapsed: float) -> None:
    if done is None or total <= 0:
        line = f"{label}: {elapsed:.1f} s"
    else:
        frac = min(done / total, 1.0)
        bar = "#" * int(frac * _WIDTH)
        line = f"{label} [{bar:<{_WIDTH}}] {frac:4.0%} {_human(min(done, total))}/{_human(total)} {elapsed:.1f} s"
    stream.write("\r" + line + "\x1b[K")
    stream.flush()


def run(job: Callable[[], T], *, label: str, total_bytes: int, show: bool, interval: float = 0.2) -> T:
    """Run ``job()`` in a worker thread; return its result or raise its exception.

    With ``show``, a bar of bytes read out of ``total_bytes`` is redrawn on
    stderr every ``interval`` seconds. A ``KeyboardInterrupt`` (or
    :class:`Interrupted`) reaches the caller at once; the worker thread is a
    daemon and is abandoned.

    Parameters
    ----------
    job
        The work, a function of no arguments (a Polars query releases the GIL).
    label
        The text before the bar.
    total_bytes
        The inputs' total size, the bar's 100%.
    show
        Draw the bar (the command line does when stderr is a terminal).
    interval
        Seconds between redraws.

    Returns
    -------
    T
        What ``job()`` returned.

    Raises
    ------
    BaseException
        Whatever ``job()`` raised, or ``KeyboardInterrupt`` from the main thread.

    Examples
    --------
    >>> run(lambda: 6 * 7, label="answer", total_bytes=0, show=False)
    42
    >>> run(lambda: 1 / 0, label="fails", total_bytes=0, show=False)
    Traceback (most recent call last):
    ...
    ZeroDivisionError: division by zero
    """
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["value"] = job()
        except BaseException as exc:  # handed to the main thread
            result["error"] = exc

    stream = sys.stderr
    start_bytes, start = bytes_read(), time.monotonic()
    worker = threading.Thread(target=work, name="polars-norm-job", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(interval)
            if show:
                now = bytes_read()
                done = None if now is None or start_bytes is None else now - start_bytes
                _draw(stream, label, done, total_bytes, time.monotonic() - start)
    finally:
        if show:
            stream.write("\n")
            stream.flush()
    if "error" in result:
        raise result["error"]
    value: T = result["value"]
    return value
