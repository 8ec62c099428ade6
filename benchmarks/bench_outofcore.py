"""Benchmark: fit and transform out of core, against a scan and a plain Parquet copy; time and peak RSS.

    python benchmarks/bench_outofcore.py [--quick] [--repeat N] [--dir DIR] [--cap-gib G]

Generates a Parquet file (full size: 84M rows, 4 Float64 columns of normal
values and an integer key with 1000 groups, ~2.3 GB zstd on disk, 3.0 GB
decoded; ``--quick``: 4M rows) with a streaming sink (pseudo-random values
from hashes of the row index, so generation itself is bounded), then runs
every stage in its own subprocess and reports its time (best of N) and peak
RSS (``ru_maxrss`` of that subprocess, from ``os.wait4``):

* scan: the sum of every column, ``collect(engine="streaming")`` (the 1.0x of fits);
* fit without sketch, global and 1000 groups; fit with KLL sketches for 4 columns;
* copy: ``scan_parquet().sink_parquet()`` (the 1.0x of transforms);
* transform (z-score) to Parquet, global and 1000 groups;
* the same fits and transform on the file listed twice (RSS flat when the input doubles);
* ``polars-norm normalize --by g`` on the file listed three times (about 5x the cap on disk) under a memory cap:
  ``RLIMIT_DATA`` (heap and other private writable memory), default 1.5 GiB, with OPENBLAS_NUM_THREADS=1 and
  MALLOC_ARENA_MAX=2; and, as a control, an in-query z-score (which buffers the input) under the same cap.
  (``RLIMIT_AS`` cannot be used here: Polars maps the whole Parquet file into the address space to read its
  footer, so an address-space cap below the file size fails before any data is read.)

Every generated file is deleted at the end.

:func:`rows` (used by ``benchmarks/run.py``) runs the stages in this process
(time only, no RSS) on a smaller file, and adds DuckDB reading the same file
and writing the same z-scores to zstd Parquet in two passes of its own (an
aggregate subquery joined onto the rows).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duck
from timing import Row, compare, compare_many

COLUMNS = ["a", "b", "c", "d"]
LEAN_ENV = {"OPENBLAS_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}


# --------------------------------------------------------------------------
# the stages (run in a child process: `--stage NAME`)
# --------------------------------------------------------------------------
def generate(target: str | Path, rows: int) -> None:
    import polars as pl

    path = Path(target)
    seed = path.with_name("seed.parquet")
    chunk = 1_000_000
    pl.DataFrame({"z": pl.zeros(chunk, pl.Int8, eager=True)}).write_parquet(seed)
    copies = -(-rows // chunk)
    i = pl.col("i")

    def uniform(salt: int) -> pl.Expr:  # in (0, 1): 53 bits of a hash of the row index
        return ((i.hash(salt) // 2048).cast(pl.Float64) + 0.5) * 2.0**-53

    def normal(salt: int) -> pl.Expr:  # Box-Muller
        return (-2.0 * uniform(salt).log()).sqrt() * (6.283185307179586 * uniform(salt + 1)).cos()

    lf = pl.scan_parquet([seed] * copies).head(rows).with_row_index("i")
    lf = lf.select(
        (i.hash(99) % 1000).cast(pl.Int32).alias("g"),
        *((normal(10 * k) * (1.0 + k) + 10.0 * k).alias(c) for k, c in enumerate(COLUMNS)),
    )
    lf.sink_parquet(path)
    seed.unlink()


def stage(name: str, paths: list[str], work: Path) -> float:
    import polars as pl

    import polars_norm as pn

    lf = pl.scan_parquet(paths)
    out = work / f"out-{name}.parquet"
    t0 = time.perf_counter()
    if name == "scan":
        lf.select(pl.col(COLUMNS).sum()).collect(engine="streaming")
    elif name.startswith("fit"):
        by = "g" if "grouped" in name else None
        acc = pn.fit(lf, COLUMNS, by=by, quantiles="sketch" in name)
        elapsed = time.perf_counter() - t0
        acc.save(work / f"stats-{'grouped' if by else 'global'}.json")
        return elapsed
    elif name == "copy":
        lf.sink_parquet(out)
    elif name.startswith("transform"):
        acc = pn.Accumulator.load(work / f"stats-{'grouped' if 'grouped' in name else 'global'}.json")
        t0 = time.perf_counter()
        acc.transform(lf, "zscore").sink_parquet(out)  # type: ignore[union-attr]
    else:
        raise SystemExit(f"unknown stage {name}")
    elapsed = time.perf_counter() - t0
    out.unlink(missing_ok=True)
    return elapsed


# --------------------------------------------------------------------------
# in one process (benchmarks/run.py)
# --------------------------------------------------------------------------
def _duck_zscore_copy(data: Path, out: Path, grouped: bool) -> str:
    src = f"read_parquet('{data}')"
    stats = ", ".join(f"AVG({c}) AS m_{c}, STDDEV_SAMP({c}) AS s_{c}" for c in COLUMNS)
    items = ", ".join(f"({c} - s.m_{c}) / s.s_{c} AS {c}" for c in COLUMNS)
    if grouped:
        body = f"SELECT g, {items} FROM {src} AS t JOIN (SELECT g, {stats} FROM {src} GROUP BY g) AS s USING (g)"
    else:
        body = f"SELECT g, {items} FROM {src} AS t, (SELECT {stats} FROM {src}) AS s"
    return f"COPY ({body}) TO '{out}' (FORMAT parquet, COMPRESSION zstd)"


def rows(n: int = 20_000_000, repeat: int = 2, *, budget: float = 60.0, directory: str | None = None) -> list[Row]:
    """Fit and transform a generated Parquet file of ``n`` rows in this process, against a scan, a copy and DuckDB."""
    work = Path(tempfile.mkdtemp(prefix="bench-ooc-", dir=directory))
    try:
        data = work / "data.parquet"
        generate(data, n)
        paths = [str(data)]

        def run(name: str) -> Callable[[], object]:
            return lambda: stage(name, paths, work)

        def both(kind: str) -> Callable[[], object]:
            return lambda: (stage(f"fit_{kind}", paths, work), stage(f"transform_{kind}", paths, work))

        scan = "Polars scan: sum of every column (streaming; a lower bound)"
        copy = "Polars copy: scan_parquet().sink_parquet() (a lower bound)"
        stage("scan", paths, work)  # warm the page cache before any timing
        for name in ("fit_global", "fit_grouped"):  # the statistics files the transforms read
            stage(name, paths, work)
        con = None
        if duck.available():
            import duckdb

            con = duckdb.connect()

        def duck_fit(grouped: bool) -> list[tuple[str, Callable[[], object]]]:
            if con is None:
                return []
            stats = ", ".join(f"AVG({c}), STDDEV_SAMP({c}), MIN({c}), MAX({c})" for c in COLUMNS)
            sql = f"SELECT {'g, ' if grouped else ''}{stats} FROM read_parquet('{data}')"
            sql += " GROUP BY g" if grouped else ""
            return [("DuckDB: AVG, STDDEV_SAMP, MIN, MAX from the file", lambda: con.execute(sql).fetchall())]

        out = compare_many(
            "fit, global, no sketch", run("fit_global"), [(scan, run("scan")), *duck_fit(False)], repeat, budget=budget
        )
        out += compare_many(
            "fit, 1000 groups, no sketch",
            run("fit_grouped"),
            [(scan, run("scan")), *duck_fit(True)],
            repeat,
            budget=budget,
        )
        out.append(
            compare("fit, global, KLL sketches", run("fit_global_sketch"), scan, run("scan"), repeat, budget=budget)
        )
        for kind, label in (("global", "global"), ("grouped", "1000 groups")):
            out.append(
                compare(
                    f"transform (z-score) to Parquet, {label}",
                    run(f"transform_{kind}"),
                    copy,
                    run("copy"),
                    repeat,
                    budget=budget,
                )
            )
        if con is not None:
            target = work / "duck.parquet"
            for kind, grouped in (("global", False), ("grouped", True)):
                sql = _duck_zscore_copy(data, target, grouped)
                label = "1000 groups" if grouped else "global"
                out.append(
                    compare(
                        f"fit + transform (z-score) to Parquet, {label}",
                        both(kind),
                        "DuckDB: statistics subquery joined onto the rows, COPY TO Parquet",
                        lambda sql=sql: con.execute(sql),
                        repeat,
                        budget=budget,
                    )  # type: ignore[misc]
                )
                target.unlink(missing_ok=True)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------
# the driver
# --------------------------------------------------------------------------
def child(args: list[str], env: dict[str, str] | None = None, cap: int | None = None) -> tuple[int, float, float, str]:
    """Run a child; return (exit status, wall seconds, peak RSS in GB, stdout)."""

    def limit() -> None:
        if cap is not None:
            resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))

    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, env=env, preexec_fn=limit, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024) / 1e9
    return proc.returncode, time.perf_counter() - t0, rss, out


def run_stage(name: str, paths: list[Path], work: Path, repeat: int) -> tuple[float, float]:
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        cmd = [sys.executable, __file__, "--stage", name, "--dir", str(work), *map(str, paths)]
        code, _, rss, out = child(cmd)
        if code != 0:
            raise SystemExit(f"stage {name} failed with status {code}")
        best, peak = min(best, json.loads(out)["seconds"]), max(peak, rss)
        print(f"  {name}: {best:.2f} s, {peak:.2f} GB", file=sys.stderr, flush=True)
    return best, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4M rows instead of 84M")
    parser.add_argument("--repeat", type=int, default=2, help="runs per timed stage (best is kept)")
    parser.add_argument("--dir", help="where to put the generated files (default: a temporary directory)")
    parser.add_argument("--cap-gib", type=float, default=1.5, help="RLIMIT_DATA cap of the normalize run")
    parser.add_argument("--only-capped", action="store_true", help="run only the capped normalize")
    parser.add_argument("--data", help="use this Parquet file (from an earlier `generate`) instead of generating")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps({"seconds": stage(args.stage, args.paths, Path(args.dir))}))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-ooc-", dir=args.dir))
    try:
        report(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def stages_table(args: argparse.Namespace, data: Path, work: Path, disk: int, decoded: float, rows: int) -> None:
    r = args.repeat
    one, two = [data], [data, data]
    res = {
        name: run_stage(name, one, work, r)
        for name in (
            "scan",
            "fit_global",
            "fit_grouped",
            "fit_global_sketch",
            "copy",
            "transform_global",
            "transform_grouped",
        )
    }
    doubled = {
        name: run_stage(name, two, work, 1)
        for name in (
            "scan",
            "fit_global",
            "fit_grouped",
            "fit_global_sketch",
            "copy",
            "transform_global",
            "transform_grouped",
        )
    }
    scan, copy = res["scan"][0], res["copy"][0]
    targets = {
        "fit_global": ("scan", 1.3),
        "fit_grouped": ("scan", 2.2),
        "fit_global_sketch": ("scan", 4.0),
        "transform_global": ("copy", 1.25),
        "transform_grouped": ("copy", 1.25),
    }
    print(
        f"\n{rows:,} rows x 4 Float64 + 1000-group key; {disk / 1e9:.2f} GB Parquet (zstd), "
        f"{decoded / 1e9:.2f} GB decoded; best of {r}; each stage in its own process\n"
    )
    print("| stage | time (s) | ratio | target | peak RSS (GB) | RSS, file doubled (GB) | time, doubled (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (t, rss) in res.items():
        base, target = targets.get(name, ("scan" if name == "scan" else "copy", None))
        ratio = t / (scan if base == "scan" else copy)
        tgt = f"<= {target}x {base}" if target else f"1.0x ({base})"
        print(
            f"| {name} | {t:.2f} | {ratio:.2f}x {base} | {tgt} | {rss:.2f} | {doubled[name][1]:.2f} | "
            f"{doubled[name][0]:.2f} |"
        )


def report(args: argparse.Namespace, work: Path) -> None:
    import polars as pl

    rows = 4_000_000 if args.quick else 84_000_000
    data = work / "data.parquet"
    t0 = time.perf_counter()
    if args.data:  # a file generated earlier by `generate` (kept)
        data = Path(args.data)
        rows, gen_rss = pl.scan_parquet(data).select(pl.len()).collect().item(), 0.0
    else:
        code, _, gen_rss, _ = child(
            [sys.executable, "-c", f"import bench_outofcore as b; b.generate({str(data)!r}, {rows})"],
            env=dict(os.environ, PYTHONPATH=str(Path(__file__).parent)),
        )
        assert code == 0
    disk = data.stat().st_size
    decoded = pl.scan_parquet(data).head(1_000_000).collect().estimated_size() * rows / 1e6
    print(
        f"generated {rows:,} rows in {time.perf_counter() - t0:.0f} s (peak RSS {gen_rss:.2f} GB): "
        f"{disk / 1e9:.2f} GB on disk, {decoded / 1e9:.2f} GB decoded",
        file=sys.stderr,
        flush=True,
    )

    if not args.only_capped:
        stages_table(args, data, work, disk, decoded, rows)

    cap = int(args.cap_gib * (1 << 30))
    copies = 3
    out = work / "normalized.parquet"
    cmd = [sys.executable, "-m", "polars_norm", "normalize", *[str(data)] * copies, "-o", str(out), "--by", "g", "-q"]
    code, wall, rss, _ = child(cmd, env=dict(os.environ, **LEAN_ENV), cap=cap)
    ok = code == 0 and pl.scan_parquet(out).select(pl.len()).collect().item() == rows * copies
    out.unlink(missing_ok=True)
    print(
        f"\n`polars-norm normalize --by g` on the file listed {copies} times ({copies * disk / 1e9:.1f} GB on disk, "
        f"{copies * decoded / 1e9:.1f} GB decoded; {copies * disk / cap:.1f}x the cap on disk) under "
        f"RLIMIT_DATA = {cap / 2**30:.2f} GiB: {'succeeded' if ok else f'FAILED (status {code})'} in {wall:.0f} s, "
        f"peak RSS {rss:.2f} GB"
    )
    zscore = "pl.all().norm.zscore()"
    buffered = f"import polars as pl, polars_norm; pl.scan_parquet({str(data)!r}).select({zscore}).collect()"
    code, wall, rss, _ = child([sys.executable, "-c", buffered], env=dict(os.environ, **LEAN_ENV), cap=cap)
    verdict = "failed, as it must" if code != 0 else "succeeded: the cap is not binding!"
    print(
        f"Control: an in-query z-score (which buffers the input) under the same cap {verdict} "
        f"(status {code}, after {wall:.0f} s, peak RSS {rss:.2f} GB)"
    )


if __name__ == "__main__":
    main()
