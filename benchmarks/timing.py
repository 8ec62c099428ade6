"""Shared timing for the benchmarks: best-of-N wall time, interleaved pairs, result rows, markdown.

Every comparison is a :class:`Row`: one case of polars-norm against one
alternative, both timed in the same run. ``ratio`` is ``alt_s / ours_s``, so
a ratio above 1 means polars-norm is that many times faster, and below 1
that the alternative is faster. The machine is shared and noisy: ours and
the alternative are run in turns (ours, alternative, ours, ...) so that a
load spike hits both alike, and the best of the runs is kept. Garbage is
collected once a round, and the collector is off during a timed call.
"""

from __future__ import annotations

import gc
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Row", "best_of", "compare", "compare_many", "markdown_table", "once"]


@dataclass(frozen=True)
class Row:
    """One case of polars-norm against one alternative (seconds, best of the runs)."""

    case: str
    ours_s: float
    alternative: str
    alt_s: float
    note: str = ""

    @property
    def ratio(self) -> float:
        """``alt_s / ours_s``: above 1, polars-norm is faster."""
        return self.alt_s / self.ours_s if self.ours_s > 0 else math.nan


def once(fn: Callable[[], object], *, collect: bool = True) -> float:
    """Wall time of one call; garbage collected before (``collect``), not during (as ``timeit`` does)."""
    if collect:
        gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of ``repeat`` calls."""
    return min(once(fn) for _ in range(max(1, repeat)))


def compare(
    case: str,
    ours: Callable[[], object],
    alternative: str,
    alt: Callable[[], object],
    repeat: int = 3,
    *,
    budget: float = 20.0,
    note: str = "",
    verbose: bool = True,
) -> Row:
    """Time ``ours`` and ``alt`` in turns, ``repeat`` rounds at most; best of each.

    Both sides always get the same number of runs, and who goes first rotates
    (see :func:`compare_many`). After the first round, no
    new round starts once the pair has taken ``budget`` seconds (slow
    alternatives such as scikit-learn's ``QuantileTransformer`` then run once
    or twice, and so does ours).
    """
    (row,) = compare_many(case, ours, [(alternative, alt)], repeat, budget=budget, verbose=False)
    row = Row(case, row.ours_s, alternative, row.alt_s, note)
    if verbose:
        line = f"  {case}: {row.ours_s:.3f} s | {alternative}: {row.alt_s:.3f} s | {row.ratio:.2f}x"
        print(line, file=sys.stderr, flush=True)
    return row


def compare_many(
    case: str,
    ours: Callable[[], object],
    alternatives: Sequence[tuple[str, Callable[[], object]]],
    repeat: int = 3,
    *,
    budget: float = 20.0,
    verbose: bool = True,
) -> list[Row]:
    """Time ``ours`` against several alternatives: each round runs ours once, then every alternative.

    Cheaper than one :func:`compare` per alternative (ours runs once a round,
    not once per alternative): every contender gets the same number of runs,
    the contender that goes first rotates from round to round, and no new
    round starts after ``budget`` seconds.
    """
    contenders = [ours, *(alt for _, alt in alternatives)]
    best = [math.inf] * len(contenders)
    spent = 0.0
    for r in range(max(1, repeat)):
        # The first call of a round runs on pages the previous case freed (page faults, cold
        # caches); later calls reuse what the one before them freed. Rotating who goes first
        # keeps that cost off any one side: with best-of, each side gets warm runs.
        for step in range(len(contenders)):
            i = (r + step) % len(contenders)
            t = once(contenders[i], collect=step == 0)
            best[i], spent = min(best[i], t), spent + t
        if spent > budget:
            break
    rows = [Row(case, best[0], name, t) for (name, _), t in zip(alternatives, best[1:], strict=True)]
    if verbose:
        for row in rows:
            line = f"  {case}: {row.ours_s:.3f} s | {row.alternative}: {row.alt_s:.3f} s | {row.ratio:.2f}x"
            print(line, file=sys.stderr, flush=True)
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _seconds(t: float) -> str:
    if t >= 10:
        return f"{t:.1f}"
    return f"{t:.3f}" if t >= 0.01 else f"{t:.2g}"


def markdown_table(rows: Iterable[Row]) -> str:
    """The rows as a markdown table; a ``note`` column only if some row has a note."""
    rows = list(rows)
    notes = any(r.note for r in rows)
    head = "| case | polars-norm (s) | alternative | alternative (s) | alternative / polars-norm |"
    rule = "|---|---:|---|---:|---:|"
    if notes:
        head, rule = head + " note |", rule + "---|"
    lines = [head, rule]
    for r in rows:
        cells = [_cell(r.case), _seconds(r.ours_s), _cell(r.alternative), _seconds(r.alt_s), f"{r.ratio:.2f}x"]
        line = "| " + " | ".join(cells) + " |"
        lines.append(line + (f" {_cell(r.note)} |" if notes else ""))
    return "\n".join(lines)
