"""The benchmark report: the machine, the library versions, a summary and one table per section.

Only the standard library and :mod:`timing` here, so the report can be
built and tested on made-up rows without running a benchmark.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata

from timing import Row, markdown_table

__all__ = ["FAMILIES", "Machine", "Section", "family", "render", "summary_table"]

PACKAGES = ("polars", "polars-norm", "numpy", "pandas", "scikit-learn", "scipy", "duckdb", "pyarrow")

#: The outside libraries the summary groups alternatives by (matched in the alternative's label).
FAMILIES = (
    ("scikit-learn", ("scikit-learn",)),
    ("pandas", ("pandas",)),
    ("numpy / scipy", ("numpy", "scipy")),
    ("DuckDB", ("DuckDB",)),
)


@dataclass(frozen=True)
class Section:
    """One benchmark module's rows, with a title and a sentence on what was measured."""

    title: str
    description: str
    rows: Sequence[Row]
    seconds: float = 0.0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def _load() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:  # not available on this platform
        return (float("nan"),) * 3


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass
class Machine:
    """What the numbers were measured on: cores, CPU, memory, load at start and end, versions."""

    cores: int | None = field(default_factory=os.cpu_count)
    cpu: str = field(default_factory=_cpu_model)
    memory_gib: float | None = field(default_factory=_memory_gib)
    system: str = field(default_factory=lambda: f"{platform.system()} {platform.release()}")
    started: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc))
    load_start: tuple[float, float, float] = field(default_factory=_load)
    load_end: tuple[float, float, float] | None = None
    python: str = field(default_factory=lambda: platform.python_version())
    versions: dict[str, str] = field(default_factory=lambda: {p: _version(p) for p in PACKAGES})

    def finish(self) -> None:
        """Record the load average at the end of the run."""
        self.load_end = _load()

    def table(self) -> str:
        def load(v: tuple[float, float, float] | None) -> str:
            return "—" if v is None else " / ".join(f"{x:.2f}" for x in v)

        memory = "unknown" if self.memory_gib is None else f"{self.memory_gib:.0f} GiB"
        lines = [
            "| | |",
            "|---|---|",
            f"| date (UTC) | {self.started:%Y-%m-%d %H:%M} |",
            f"| cores (`os.cpu_count()`) | {self.cores} |",
            f"| CPU | {self.cpu} |",
            f"| memory | {memory} |",
            f"| system | {self.system} |",
            f"| load average (1 / 5 / 15 min) at start | {load(self.load_start)} |",
            f"| load average (1 / 5 / 15 min) at end | {load(self.load_end)} |",
            f"| python | {self.python} |",
        ]
        lines += [f"| {name} | {version} |" for name, version in self.versions.items()]
        return "\n".join(lines)


def family(alternative: str) -> str | None:
    """The outside library an alternative belongs to, or None (Polars baselines)."""
    for name, keys in FAMILIES:
        if any(k in alternative for k in keys):
            return name
    return None


def summary_table(rows: Sequence[Row]) -> str:
    """Per outside library: how many comparisons, and the median, lowest and highest ratio."""
    lines = [
        "| against | comparisons | median ratio | lowest | highest |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, _ in FAMILIES:
        ratios = [r.ratio for r in rows if family(r.alternative) == name]
        if ratios:
            lo, hi = min(ratios), max(ratios)
            lines.append(f"| {name} | {len(ratios)} | {statistics.median(ratios):.2f}x | {lo:.2f}x | {hi:.2f}x |")
    return "\n".join(lines)


HOW_TO_READ = """\
Each row times one polars-norm case and one alternative computing the same
result from the same data, in the same process, in turns (ours, the
alternative, ours, ...), and keeps the best of the runs. The last column is
**alternative time / polars-norm time**: above 1, polars-norm is that many
times faster; below 1, the alternative is faster. The machine is shared and
noisy, so compare ratios, not seconds.

* *hand-written Polars, same math* computes exactly what polars-norm does
  (NaN ignored, stable variance, zero scale taken as 1): its ratio is the cost
  of the wrapper. A *naive* one-liner has none of those guarantees: its ratio
  is their cost. *one ... pass* rows are lower bounds (a single Polars kernel),
  not equivalent computations.
* numpy, scipy and scikit-learn get a numpy array, and pandas its own frame,
  built before timing (no conversion counted) unless the row says
  *with conversion*. DuckDB gets a native table loaded before timing (or reads
  the same Parquet file) and returns its result as a Polars frame.
* Lazy queries use Polars' default engine unless the row says otherwise; in
  Polars 2.1 it runs large expressions, medians, quantiles and ranks through
  the streaming engine, which costs a fixed overhead and is slower in memory.
"""


def render(sections: Sequence[Section], machine: Machine, *, command: str, size: str, seconds: float) -> str:
    """The whole report as markdown."""
    every = [r for s in sections for r in s.rows]
    parts = [
        "# Benchmarks",
        "",
        f"Generated by `{command}` ({size} size, {seconds / 60:.1f} min); do not edit by hand, run the script again.",
        "",
        HOW_TO_READ,
        "## Machine",
        "",
        machine.table(),
        "",
        "## Summary against other libraries",
        "",
        "Ratios (alternative time / polars-norm time) over every row of the sections below.",
        "",
        summary_table(every),
        "",
    ]
    for s in sections:
        took = f" ({s.seconds:.0f} s)" if s.seconds else ""
        parts += [f"## {s.title}", "", s.description + took, "", markdown_table(s.rows), ""]
    return "\n".join(parts)


if __name__ == "__main__":  # a look at the machine table
    sys.stdout.write(Machine().table() + "\n")
