"""Every benchmark side by side in one process, written as one markdown report with ratios.

    python benchmarks/run.py            # full size, about 10 minutes on 2 cores
    python benchmarks/run.py --quick    # under a minute
    python benchmarks/run.py --smoke    # seconds: checks that every benchmark runs (writes nothing by default)
    python -m benchmarks --quick        # the same, from the repository root

Compares polars-norm against hand-written Polars expressions, numpy/scipy,
scikit-learn's scalers, pandas' groupby/rolling and DuckDB (the ``bench``
extra: ``pip install -e ".[bench]"``; rows whose library is missing are left
out). Writes ``docs/benchmarks.md`` (``--output PATH``; ``--output -`` only
prints) with the machine's core count, CPU, load average at start and end, and
the library versions. Each ``bench_*.py`` module also runs on its own, with
extra tables (``python benchmarks/bench_windows.py --quick``).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bench_columnwise
import bench_fit
import bench_horizontal
import bench_outofcore
import bench_vectors
import bench_windows
from report import Machine, Section, render
from timing import Row

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SIZES = ("smoke", "quick", "full")
REPEAT = {"smoke": 1, "quick": 2, "full": 3}


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    sizes: dict[str, int]  # size name (smoke, quick, full) -> rows
    describe: Callable[[int], str]
    run: Callable[[int, int], list[Row]]  # (rows, repeat) -> comparisons


BENCHMARKS = [
    Benchmark(
        "columnwise",
        "Column-wise normalizations",
        {"smoke": 20_000, "quick": 500_000, "full": 10_000_000},
        lambda n: f"{n:,} rows x 4 Float64 columns, eager `DataFrame.select` (`benchmarks/bench_columnwise.py`).",
        bench_columnwise.rows,
    ),
    Benchmark(
        "sklearn",
        "Against scikit-learn's scalers, eager and lazy",
        {"smoke": 20_000, "quick": 500_000, "full": 10_000_000},
        lambda n: (
            f"{n:,} rows x 4 Float64 columns: an eager `select`, a lazy query on Polars' default engine and on its"
            " in-memory engine, each timed in turns with the scaler's `fit_transform` on the same numpy array"
            " (`benchmarks/bench_columnwise.py`)."
        ),
        bench_columnwise.target_rows,
    ),
    Benchmark(
        "fit",
        "Per-group z-scores and fitted statistics, in memory",
        {"smoke": 20_000, "quick": 500_000, "full": 10_000_000},
        lambda n: f"{n:,} rows x 4 Float64 columns, a key with 1000 groups (`benchmarks/bench_fit.py`).",
        bench_fit.rows,
    ),
    Benchmark(
        "windows",
        "Window normalizations",
        {"smoke": 20_000, "quick": 300_000, "full": 5_000_000},
        lambda n: f"{n:,} rows x 4 Float64 columns, window 100 rows (`benchmarks/bench_windows.py`).",
        bench_windows.rows,
    ),
    Benchmark(
        "horizontal",
        "Across the columns of a row",
        {"smoke": 20_000, "quick": 1_000_000, "full": 10_000_000},
        lambda n: (
            f"`unit_horizontal`: {n:,} rows x 4 Float64 columns; `quantile_normalize`: {n // 10:,} rows x 8 columns"
            " (`benchmarks/bench_horizontal.py`)."
        ),
        bench_horizontal.rows,
    ),
    Benchmark(
        "vectors",
        "Embedding vectors",
        {"smoke": 2_000, "quick": 50_000, "full": 500_000},
        lambda n: f"{n:,} rows of `Array(Float32, 384)` (`benchmarks/bench_vectors.py`).",
        bench_vectors.rows,
    ),
    Benchmark(
        "outofcore",
        "Out of core: fit, then transform to Parquet",
        {"smoke": 50_000, "quick": 1_000_000, "full": 20_000_000},
        lambda n: (
            f"A generated zstd Parquet file of {n:,} rows x 4 Float64 columns and a 1000-group key, streamed, in this"
            " process (`benchmarks/bench_outofcore.py`; run on its own, it measures peak memory too, at 84M rows)."
        ),
        bench_outofcore.rows,
    ),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes: under a minute")
    size.add_argument("--smoke", action="store_true", help="tiny sizes, one run each: checks that everything runs")
    parser.add_argument("--output", help=f"where to write the report (default {DOCS}; '-' only prints)")
    parser.add_argument("--repeat", type=int, help="rounds per comparison (default: 1 smoke, 2 quick, 3 full)")
    parser.add_argument("--only", nargs="+", choices=[b.name for b in BENCHMARKS], help="run only these")
    args = parser.parse_args(argv)
    size_name = "smoke" if args.smoke else "quick" if args.quick else "full"
    repeat = args.repeat or REPEAT[size_name]
    output = args.output or ("-" if args.smoke else str(DOCS))
    command = "python benchmarks/run.py" + {"smoke": " --smoke", "quick": " --quick", "full": ""}[size_name]

    # Everything imported so far lives to the end: keep it out of the collections between runs.
    gc.collect()
    gc.freeze()
    machine = Machine()
    start = time.perf_counter()
    sections = []
    for bench in BENCHMARKS:
        if args.only and bench.name not in args.only:
            continue
        n = bench.sizes[size_name]
        print(f"== {bench.title} ({n:,} rows)", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        rows = bench.run(n, repeat)
        sections.append(Section(bench.title, bench.describe(n), rows, time.perf_counter() - t0))
    machine.finish()
    text = render(sections, machine, command=command, size=size_name, seconds=time.perf_counter() - start)
    print(text)
    if output != "-":
        Path(output).write_text(text, encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
