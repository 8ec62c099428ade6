"""Benchmark: every window method out of core (sunk to Parquet), against its hand-written native equivalent.

    python benchmarks/bench_windows_stream.py [--rows N] [--repeat R] [--dir DIR] [--section NAME ...]

Generates a Parquet file (default 30M rows: 4 Float64 columns ``1e6 + N(0, 1)``,
an Int32 key ``g`` with 100 groups and an Int64 clock ``t``, one tick per row;
about 1.3 GB decoded) in a child process, then runs each query in its own
process, ``scan_parquet(file).select(<4 expressions>).sink_parquet(out)``,
under ``/usr/bin/time -f %M`` (peak RSS of that process alone), keeping the
best time of ``--repeat`` runs and the largest RSS. Sections:

* ``sink``: each of the 14 window methods (weighted ``rolling_zscore`` counted
  apart), with and without ``lag``, next to the hand-written Polars query of the
  same statistics (``rolling_mean``/``rolling_std``, ``cum_sum``, ``ewm_mean``...);
* ``double``: the same methods on the file listed twice (peak RSS flat when
  the input doubles);
* ``over``: ``.over("g")``, ours and hand-written (Polars buffers both);
* ``memory``: in memory, ``ewm_zscore_by`` against one ``ewm_mean_by`` pass, and
  :class:`polars_norm.WindowNormalizer` batch by batch against the one-query
  result.

Prints markdown tables (``docs/windows-out-of-core.md`` holds a run). Every
generated file is deleted at the end.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WINDOW = 100
GEN = """
import sys, numpy as np, polars as pl
path, rows = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
pl.DataFrame({
    "g": rng.integers(0, 100, rows).astype(np.int32),
    "t": np.arange(rows, dtype=np.int64),
    **{c: 1e6 + rng.normal(size=rows) for c in "abcd"},
}).write_parquet(path, row_group_size=500_000)
"""
RUN = """
import sys, time, polars as pl, polars_norm
src = eval(sys.argv[1])
COLS = list("abcd")
exprs = eval(sys.argv[3])
start = time.perf_counter()
pl.scan_parquet(src).select(exprs).sink_parquet(sys.argv[2])
print(time.perf_counter() - start)
"""

#: (name, our expression on ``x`` as Python source with ``{lag}``, hand-written baseline on ``x``)
_W = WINDOW
METHODS: list[tuple[str, str, str]] = [
    (
        "rolling_zscore",
        f"x.norm.rolling_zscore({_W}, lag={{lag}})",
        f"(x - x.rolling_mean({_W})) / x.rolling_std({_W})",
    ),
    (
        "rolling_zscore weights",
        f"x.norm.rolling_zscore({_W}, weights=[1.0] * {_W}, lag={{lag}})",
        f"(x - x.rolling_mean({_W}, weights=[1.0] * {_W})) / x.rolling_std({_W}, weights=[1.0] * {_W})",
    ),
    (
        "rolling_minmax",
        f"x.norm.rolling_minmax({_W}, lag={{lag}})",
        f"(x - x.rolling_min({_W})) / (x.rolling_max({_W}) - x.rolling_min({_W}))",
    ),
    (
        "rolling_robust",
        f"x.norm.rolling_robust({_W}, lag={{lag}})",
        f"(x - x.rolling_median({_W})) / (x.rolling_quantile(0.75, 'linear', {_W})"
        f" - x.rolling_quantile(0.25, 'linear', {_W}))",
    ),
    ("rolling_maxabs", f"x.norm.rolling_maxabs({_W}, lag={{lag}})", f"x / x.abs().rolling_max({_W})"),
    (
        "rolling_zscore_by",
        f"x.norm.rolling_zscore_by('t', '{_W}i', lag={{lag}})",
        f"(x - x.rolling_mean_by('t', '{_W}i')) / x.rolling_std_by('t', '{_W}i')",
    ),
    (
        "rolling_minmax_by",
        f"x.norm.rolling_minmax_by('t', '{_W}i', lag={{lag}})",
        f"(x - x.rolling_min_by('t', '{_W}i')) / (x.rolling_max_by('t', '{_W}i') - x.rolling_min_by('t', '{_W}i'))",
    ),
    (
        "rolling_robust_by",
        f"x.norm.rolling_robust_by('t', '{_W}i', lag={{lag}})",
        f"(x - x.rolling_median_by('t', '{_W}i')) / (x.rolling_quantile_by('t', '{_W}i', quantile=0.75)"
        f" - x.rolling_quantile_by('t', '{_W}i', quantile=0.25))",
    ),
    (
        "rolling_maxabs_by",
        f"x.norm.rolling_maxabs_by('t', '{_W}i', lag={{lag}})",
        f"x / x.abs().rolling_max_by('t', '{_W}i')",
    ),
    (
        "expanding_zscore",
        "x.norm.expanding_zscore(lag={lag})",
        "(x - x.cum_sum() / x.cum_count()) / ((x * x).cum_sum() / x.cum_count() - (x.cum_sum() / x.cum_count()) ** 2)"
        ".sqrt()",
    ),
    (
        "expanding_minmax",
        "x.norm.expanding_minmax(lag={lag})",
        "(x - x.cum_min()) / (x.cum_max() - x.cum_min())",
    ),
    ("expanding_maxabs", "x.norm.expanding_maxabs(lag={lag})", "x / x.abs().cum_max()"),
    (
        "ewm_zscore",
        f"x.norm.ewm_zscore(span={_W}, lag={{lag}})",
        f"(x - x.ewm_mean(span={_W})) / x.ewm_std(span={_W})",
    ),
    (
        "ewm_zscore_by",
        f"x.norm.ewm_zscore_by('t', half_life='{_W}i', lag={{lag}})",
        f"x - x.ewm_mean_by('t', half_life='{_W}i')",
    ),
]


def _exprs(template: str) -> str:
    return f"[({template}).alias(c) for x, c in ((pl.col(c), c) for c in COLS)]"


def _run(src: str, exprs: str, repeat: int, workdir: Path) -> tuple[float, float]:
    """Best time (s) and largest peak RSS (GB) of the query in fresh processes."""
    out = workdir / "out.parquet"
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M", sys.executable, "-c", RUN, src, str(out), exprs],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            msg = f"query failed: {exprs}\n{proc.stderr[-2000:]}"
            raise RuntimeError(msg)
        best = min(best, float(proc.stdout.split()[-1]))
        peak = max(peak, int(proc.stderr.split()[-1]) / 1e6)  # KB -> GB
        out.unlink(missing_ok=True)
    return best, peak


def sink_rows(src: str, repeat: int, workdir: Path, *, double: bool) -> list[str]:
    files = f"[{src!r}, {src!r}]" if double else repr(src)
    title = "the file listed twice" if double else "the file"
    lines = [
        f"#### Sunk to Parquet, {title}",
        "",
        "| method | lag | ours (s) | ours peak RSS (GB) | hand-written (s) | hand-written peak RSS (GB) | time ratio"
        " | RSS ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    copy_s, copy_gb = _run(files, "[pl.col(c) for c in COLS]", repeat, workdir)
    lines.insert(2, f"A plain copy of the same columns: {copy_s:.2f} s, {copy_gb:.2f} GB.\n")
    for name, ours, hand in METHODS:
        hand_s, hand_gb = _run(files, _exprs(hand), repeat, workdir)
        for lag in (False, True):
            if double and lag and name == "ewm_zscore_by":
                continue  # listed twice, `t` restarts: lag=True refuses an unsorted `by`, as documented
            ours_s, ours_gb = _run(files, _exprs(ours.format(lag=lag)), repeat, workdir)
            lines.append(
                f"| {name} | {lag} | {ours_s:.2f} | {ours_gb:.2f} | {hand_s:.2f} | {hand_gb:.2f} |"
                f" {ours_s / hand_s:.2f}x | {ours_gb / hand_gb:.2f}x |"
            )
            print(lines[-1], flush=True)
    return lines


def over_rows(src: str, repeat: int, workdir: Path) -> list[str]:
    cases = [
        ("hand-written rolling z-score", _exprs(f"(x - x.rolling_mean({_W})) / x.rolling_std({_W})")),
        (
            "hand-written rolling z-score `.over('g')`",
            _exprs(f"((x - x.rolling_mean({_W})) / x.rolling_std({_W})).over('g')"),
        ),
        ("`norm.rolling_zscore` `.over('g')`", _exprs(f"x.norm.rolling_zscore({_W}).over('g')")),
        (
            "hand-written EWM z-score `.over('g')`",
            _exprs(f"((x - x.ewm_mean(span={_W})) / x.ewm_std(span={_W})).over('g')"),
        ),
        ("`norm.ewm_zscore` `.over('g')`", _exprs(f"x.norm.ewm_zscore(span={_W}).over('g')")),
    ]
    lines = ["#### Per group (`.over`), sunk to Parquet", "", "| query | time (s) | peak RSS (GB) |", "|---|---:|---:|"]
    for name, exprs in cases:
        secs, gb = _run(repr(src), exprs, repeat, workdir)
        lines.append(f"| {name} | {secs:.2f} | {gb:.2f} |")
        print(lines[-1], flush=True)
    return lines


MEMORY = """
import sys, time, polars as pl, polars_norm
from polars_norm import WindowNormalizer
df = pl.read_parquet(sys.argv[1])
repeat = int(sys.argv[2])
def best(fn):
    times = []
    for _ in range(repeat):
        start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
    return min(times)
cols = list("abcd")
lines = []
ewm_by = best(lambda: df.select(pl.col(c).norm.ewm_zscore_by("t", half_life="100i") for c in cols))
mean_by = best(lambda: df.select(pl.col(c).ewm_mean_by("t", half_life="100i") for c in cols))
ratio = ewm_by / mean_by
lines.append(f"| ewm_zscore_by (eager) | {ewm_by:.2f} | one ewm_mean_by pass | {mean_by:.2f} | {ratio:.2f}x |")
batches = [df.slice(i, 1_000_000) for i in range(0, df.height, 1_000_000)]
for method, options, over in [
    ("rolling_zscore", {"window_size": 100}, None),
    ("rolling_zscore", {"window_size": 100}, "g"),
    ("rolling_zscore_by", {"by": "t", "window_size": "100i"}, None),
    ("expanding_zscore", {}, None),
    ("expanding_zscore", {}, "g"),
    ("ewm_zscore", {"span": 100}, None),
    ("ewm_zscore", {"span": 100}, "g"),
    ("ewm_zscore_by", {"by": "t", "half_life": "100i"}, None),
]:
    def batched():
        wn = WindowNormalizer(method, cols, partition_by=over, **options)
        for b in batches:
            wn.transform(b)
    def one_query():
        kwargs = {k: v for k, v in options.items() if k != "by"}
        args = [options["by"]] if "by" in options else []
        exprs = [getattr(pl.col(c).norm, method)(*args, **kwargs) for c in cols]
        df.lazy().with_columns(e.over(over) if over else e for e in exprs).collect()
    b, q = best(batched), best(one_query)
    per = f" per {over}" if over else ""
    case = f"WindowNormalizer {method}{per}, batches of 1M rows"
    lines.append(f"| {case} | {b:.2f} | one query, in memory | {q:.2f} | {b / q:.2f}x |")
print("\\n".join(lines))
"""


def memory_rows(path: Path, repeat: int) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY, str(path), str(repeat)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        msg = f"in-memory section failed:\n{proc.stderr[-2000:]}"
        raise RuntimeError(msg)
    head = ["#### In memory", "", "| case | time (s) | baseline | time (s) | ratio |", "|---|---:|---|---:|---:|"]
    return head + proc.stdout.strip().splitlines()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=30_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--section", nargs="+", default=["sink", "double", "over", "memory"])
    a = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench_windows_stream_", dir=a.dir))
    try:
        path = workdir / "windows.parquet"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", GEN, str(path), str(a.rows)], check=True)
        print(f"generated {a.rows:,} rows in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        out: list[str] = []
        if "sink" in a.section:
            out += [*sink_rows(str(path), a.repeat, workdir, double=False), ""]
        if "double" in a.section:
            out += [*sink_rows(str(path), a.repeat, workdir, double=True), ""]
        if "over" in a.section:
            out += [*over_rows(str(path), a.repeat, workdir), ""]
        if "memory" in a.section:
            out += [*memory_rows(path, max(a.repeat, 2)), ""]
        print("\n".join(out))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
