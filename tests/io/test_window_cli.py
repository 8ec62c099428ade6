"""``polars-norm window``: equal to the one-query result, state across runs, error paths, under a memory cap."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from capped import AS_CAP, run_capped
from polars.testing import assert_frame_equal

import polars_norm  # noqa: F401  (the .norm namespace)
from polars_norm.cli import main

FILES = 3
ROWS = 240


@pytest.fixture
def inputs(tmp_path: Path) -> list[Path]:
    """Three files in time order: groups a, b, c and a null group, `ts` increasing, `a` with nulls and NaN."""
    rng = np.random.default_rng(16)
    n = FILES * ROWS
    a = rng.normal(100.0, 10.0, n)
    a[rng.choice(n, 25, replace=False)] = np.nan
    frame = pl.DataFrame(
        {
            "g": [None if k == 3 else "abc"[k] for k in rng.integers(0, 4, n)],
            "ts": [datetime(2024, 1, 1) + timedelta(minutes=float(m)) for m in np.cumsum(rng.integers(1, 15, n))],
            "a": a,
            "b": rng.integers(-20, 20, n) * 0.25 + 1e6,
            "k": rng.integers(0, 100, n),
        }
    ).with_columns(pl.when(pl.int_range(pl.len()) % 17 == 3).then(None).otherwise(pl.col("a")).alias("a"))
    paths = []
    for i in range(FILES):
        path = tmp_path / f"day{i}.parquet"
        frame.slice(i * ROWS, ROWS).write_parquet(path)
        paths.append(path)
    return paths


def run(args: list[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def errors(err: str) -> list[str]:
    """The lines of stderr but the notes on the columns left unnormalized."""
    return [line for line in err.strip().splitlines() if not line.startswith("polars-norm window: note:")]


def norm(method: str, *args: object, **kwargs: object) -> Callable[[str], pl.Expr]:
    return lambda c: getattr(pl.col(c).norm, method)(*args, **kwargs)


#: (command-line arguments, the one-query expression of a column, partition, columns)
CASES = {
    "rolling_zscore-lag-partition": (
        ["--method", "rolling_zscore", "--window-size", "20", "--lag", "--partition-by", "g"],
        norm("rolling_zscore", 20, lag=True),
        "g",
        ["a", "b"],
    ),
    "rolling_zscore_by": (
        ["--method", "rolling_zscore_by", "--by", "ts", "--window-size", "2h", "--partition-by", "g"],
        norm("rolling_zscore_by", "ts", "2h"),
        "g",
        ["a", "b"],
    ),
    "expanding_zscore": (
        ["--method", "expanding_zscore", "--partition-by", "g", "--min-samples", "3", "--ddof", "0"],
        norm("expanding_zscore", min_samples=3, ddof=0),
        "g",
        ["a", "b"],
    ),
    "ewm_zscore": (
        ["--method", "ewm_zscore", "--span", "10", "--no-adjust", "--bias"],
        norm("ewm_zscore", span=10, adjust=False, bias=True),
        None,
        ["a", "b"],
    ),
    "rolling_minmax-columns": (
        [
            *("--method", "rolling_minmax", "--window-size", "15", "--feature-range", "-1", "1"),
            *("--min-samples", "5", "--columns", "a", "k"),
        ],
        norm("rolling_minmax", 15, feature_range=(-1.0, 1.0), min_samples=5),
        None,
        ["a", "k"],
    ),
    "ewm_zscore_by": (
        ["--method", "ewm_zscore_by", "--by", "ts", "--half-life", "1h", "--partition-by", "g", "--lag"],
        norm("ewm_zscore_by", "ts", half_life="1h", lag=True),
        "g",
        ["a", "b"],
    ),
}


def one_query(files: list[Path], case: str) -> pl.DataFrame:
    _, expr, partition, columns = CASES[case]
    exprs = [expr(c) if partition is None else expr(c).over(partition) for c in columns]
    return pl.read_parquet(files).with_columns(exprs)


def check(got: pl.DataFrame, want: pl.DataFrame) -> None:
    assert_frame_equal(got, want, check_exact=False, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_equals_one_query(case: str, inputs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.parquet"
    code, err = run(["window", *inputs, "-o", out, *CASES[case][0]], capsys)
    assert code == 0, err
    assert err.splitlines()[-1] == f"wrote {out}"
    if "--columns" not in CASES[case][0]:  # the default: every floating column but the keys, the others named
        left = "k (Int64)" if "--by" in CASES[case][0] else "ts (Datetime(time_unit='us', time_zone=None)), k (Int64)"
        left = "g (String), " + left if "--partition-by" not in CASES[case][0] else left
        assert err.splitlines()[0] == f"polars-norm window: note: non-floating column(s) left unnormalized: {left}"
    got = pl.read_parquet(out)
    check(got, one_query(inputs, case))
    assert got.select(pl.col("a").is_finite().sum()).item() > 50  # not vacuous


def test_csv_output_and_input_order(inputs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.csv"
    order = [inputs[2], inputs[0], inputs[1]]  # read in the given order, not sorted
    code, err = run(["window", *order, "-o", out, *CASES["ewm_zscore"][0], "-q"], capsys)
    assert code == 0 and err == ""
    check(
        pl.read_csv(out, try_parse_dates=True).with_columns(pl.col("k").cast(pl.Int64)), one_query(order, "ewm_zscore")
    )


@pytest.mark.parametrize("case", ["rolling_zscore-lag-partition", "rolling_zscore_by", "ewm_zscore_by"])
def test_state_carries_across_runs(
    case: str, inputs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.json"
    args = CASES[case][0]
    assert run(["window", inputs[0], "-o", tmp_path / "o1.parquet", *args, "--state", state, "-q"], capsys)[0] == 0
    assert state.exists()
    first = state.read_bytes()
    code, err = run(["window", *inputs[1:], "-o", tmp_path / "o2.parquet", *args, "--state", state], capsys)
    assert code == 0 and err.splitlines()[-1] == f"wrote {tmp_path / 'o2.parquet'} and the state {state}"
    assert state.read_bytes() != first
    both = pl.concat([pl.read_parquet(tmp_path / "o1.parquet"), pl.read_parquet(tmp_path / "o2.parquet")])
    assert run(["window", *inputs, "-o", tmp_path / "all.parquet", *args, "-q"], capsys)[0] == 0
    check(both, pl.read_parquet(tmp_path / "all.parquet"))
    check(both, one_query(inputs, case))


REFUSED = [  # (arguments of the second run, message)
    (["--method", "ewm_zscore", "--span", "10"], r"is for another normalizer: .*method"),
    (["--method", "rolling_zscore", "--window-size", "30", "--lag", "--partition-by", "g"], r"window_size"),
    (["--method", "rolling_zscore", "--window-size", "20", "--lag", "--columns", "a"], r"columns"),
    (["--method", "rolling_zscore", "--window-size", "20", "--lag"], r"partition_by"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED, ids=["method", "window", "columns", "partition"])
def test_state_for_another_normalizer_is_refused(
    args: list[str], message: str, inputs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.json"
    setup = ["window", inputs[0], "-o", tmp_path / "o1.parquet", *CASES["rolling_zscore-lag-partition"][0]]
    assert run([*setup, "--state", state, "-q"], capsys)[0] == 0
    saved, before = state.read_bytes(), sorted(p.name for p in tmp_path.iterdir())
    code, err = run(["window", inputs[1], "-o", tmp_path / "o2.parquet", *args, "--state", state], capsys)
    assert code == 1
    assert len(errors(err)) == 1 and errors(err)[0].startswith("polars-norm window: error: ")
    assert re.search(message, err) and "state.json" in err, err
    assert state.read_bytes() == saved and sorted(p.name for p in tmp_path.iterdir()) == before  # no output


def test_failed_run_writes_neither_state_nor_output(
    inputs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [*CASES["rolling_zscore_by"][0], "--state", tmp_path / "state.json"]
    before = sorted(p.name for p in tmp_path.iterdir())
    # the second file's times come before the first's: refused in the middle of the run
    code, err = run(["window", inputs[1], inputs[0], "-o", tmp_path / "o.parquet", *args], capsys)
    assert code == 1 and len(errors(err)) == 1, err
    assert re.match(r"polars-norm window: error: .*`by` column 'ts' .* group g='a'", errors(err)[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no state, no output, no temporary directory
    # with a saved state: a file older than the state is refused and the state is left as it was
    assert run(["window", inputs[1], "-o", tmp_path / "o1.parquet", *args, "-q"], capsys)[0] == 0
    saved, before = (tmp_path / "state.json").read_bytes(), sorted(p.name for p in tmp_path.iterdir())
    code, err = run(["window", inputs[0], "-o", tmp_path / "o2.parquet", *args], capsys)
    assert code == 1 and "ts" in err
    assert (tmp_path / "state.json").read_bytes() == saved and sorted(p.name for p in tmp_path.iterdir()) == before


def test_never_overwrites(inputs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o.parquet"
    out.write_text("old")
    args = ["window", *inputs, "-o", out, *CASES["expanding_zscore"][0]]
    code, err = run(args, capsys)
    assert code == 2 and "exists; pass --overwrite" in err
    assert out.read_text() == "old"
    assert run([*args, "--overwrite", "-q"], capsys)[0] == 0
    check(pl.read_parquet(out), one_query(inputs, "expanding_zscore"))


ERRORS = [  # (arguments after `window`, exit status, message); {inputs} stands for the three input files
    (
        ["{inputs}", "--method", "rolling_zscore", "--window-size", "5", "--span", "3"],
        2,
        r"--span does not apply to --method rolling_zscore \(its options: --window-size, ",
    ),
    (
        ["{inputs}", "--method", "rolling_zscore", "--window-size", "5", "--no-adjust"],
        2,
        r"--adjust does not apply to --method rolling_zscore",
    ),
    (
        ["{inputs}", "--method", "rolling_zscore", "--window-size", "5", "--by", "ts"],
        2,
        r"--by does not apply to --method rolling_zscore",
    ),
    (
        ["{inputs}", "--method", "expanding_zscore", "--window-size", "5"],
        2,
        r"--window-size does not apply to --method expanding_zscore",
    ),
    (
        ["{inputs}", "--method", "rolling_minmax", "--window-size", "5", "--ddof", "0"],
        2,
        r"--ddof does not apply to --method rolling_minmax",
    ),
    (["{inputs}", "--method", "rolling_zscore"], 2, r"--method rolling_zscore needs --window-size"),
    (["{inputs}", "--method", "rolling_zscore_by", "--window-size", "1h"], 2, r"--method rolling_zscore_by needs --by"),
    (["{inputs}", "--method", "ewm_zscore_by", "--by", "ts"], 2, r"--method ewm_zscore_by needs --half-life"),
    (
        ["{inputs}", "--method", "rolling_zscore", "--window-size", "1h"],
        2,
        r"--window-size 1h: rolling_zscore takes a number of rows",
    ),
    (["{inputs}", "--method", "rolling_zscore", "--window-size", "0"], 2, r"window_size"),
    (["{inputs}", "--method", "ewm_zscore"], 2, r"com|span|half_life|alpha"),
    (["{inputs}", "--method", "rolling_mean", "--window-size", "5"], 2, r"invalid choice: 'rolling_mean'"),
    (["{inputs}", "--method", "expanding_zscore", "--ddof", "-1"], 2, r"argument --ddof"),
    (
        ["{inputs}", "--method", "expanding_zscore", "--columns", "a", "--partition-by", "a"],
        2,
        r"--partition-by a is also named by --columns",
    ),
    (
        ["{inputs}", "--method", "ewm_zscore_by", "--by", "ts", "--half-life", "1h", "--partition-by", "ts"],
        2,
        r"--by ts is also named by --partition-by",
    ),
    (["{inputs}", "--method", "expanding_zscore", "--columns", "a", "a"], 2, r"--columns names 'a' twice"),
    (["{inputs}", "--method", "expanding_zscore", "--state", "{out}"], 2, r"--state .* is also the output"),
    (
        ["{inputs}", "--method", "expanding_zscore", "--state", "{tmp}/no/dir/s.json"],
        2,
        r"--state .*directory does not exist",
    ),
    (["{inputs}", "--method", "expanding_zscore", "--state", "{data}"], 2, r"refusing to overwrite the input"),
    (["{inputs}", "--method", "expanding_zscore", "-o", "{data}", "--overwrite"], 2, r"overwrite the input"),
    (["{inputs}", "--method", "expanding_zscore", "-o", "{tmp}/o.xlsx"], 2, r"cannot tell the output format"),
    (["{inputs}", "--method", "expanding_zscore", "--partition-by", "zz"], 1, r"column 'zz' not found"),
    (["{inputs}", "--method", "expanding_zscore", "--columns", "g"], 1, r"column 'g' has dtype String"),
    (["{inputs}", "--method", "expanding_zscore", "--state", "{tmp}/bad.json"], 1, r"bad\.json"),
    (["{inputs}", "{tmp}/missing.parquet", "--method", "expanding_zscore", "--columns", "a"], 1, r"no such file"),
    (["{empty}", "--method", "expanding_zscore", "--columns", "a"], 1, r"empty input"),
]


@pytest.mark.parametrize(("args", "status", "message"), ERRORS, ids=[m[:24] for _, _, m in ERRORS])
def test_errors(
    args: list[str], status: int, message: str, inputs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.json").write_text('{"format": "polars-norm-window-state", "version": 1}')
    pl.read_parquet(inputs[0]).clear().write_parquet(tmp_path / "empty.parquet")
    out = tmp_path / "out.parquet"
    names = {"tmp": tmp_path, "data": inputs[0], "out": out, "empty": tmp_path / "empty.parquet"}
    argv = [p for a in args for p in (inputs if a == "{inputs}" else [a.format(**names)])]
    if "-o" not in argv:
        argv += ["-o", str(out)]
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    code, err = run(["window", *argv], capsys)
    assert code == status, err
    lines = errors(err)
    assert len(lines) == 1 or lines[0].startswith("usage:")  # one line; argparse adds its usage
    assert lines[-1].startswith("polars-norm window: error: ") and re.search(message, lines[-1]), lines
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before  # nothing written or left behind


# -- under a memory cap -----------------------------------------------------------------------
#: Address space, calibrated on 2 cores with the environment below: `import polars_norm, polars` reserves
#: about 0.45 GiB of it, a small `window` run 0.55 GiB (0.8 GiB when the numba kernels of the expanding and
#: EWM methods load), and this test's run about 1.1 GiB (0.5 GB resident) on inputs of 1.6 GB decoded, whereas
#: holding the inputs fails under the cap. Polars' threads are fixed so the reservation does not grow with
#: the machine's cores.
#: (AS_CAP and the lean environment are tests/capped.py's; this test adds POLARS_MAX_THREADS.)
THREADS = {"POLARS_MAX_THREADS": "2"}
CHUNK_ROWS, COPIES = 500_000, 15

#: Generates the input in a process of its own: 15 copies of a chunk with two floating columns to normalize,
#: a key and 24 wide Int64 columns passed through (long runs: cheap to decode and encode, 8 bytes a row each).
GENERATE = textwrap.dedent(
    """
    import shutil, sys
    from pathlib import Path
    import numpy as np, polars as pl
    out, rows, copies = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(7)
    i = np.arange(rows)
    chunk = pl.DataFrame(
        {
            "g": rng.integers(0, 10, rows).astype(np.int32),
            "x": rng.normal(50.0, 5.0, rows).round(2),
            "y": rng.integers(-100, 100, rows) * 0.5,
            **{f"p{j:02d}": (i // 5000 + j) % 8 for j in range(24)},
        }
    )
    out.mkdir()
    chunk.write_parquet(out / "part-0000.parquet", row_group_size=50_000)
    for k in range(1, copies):
        shutil.copyfile(out / "part-0000.parquet", out / f"part-{k:04d}.parquet")
    print(chunk.estimated_size() * copies)
    """
)


@pytest.mark.slow
def test_window_under_address_space_cap(scratch: Path) -> None:
    data, out = scratch / "in", scratch / "out.parquet"
    made = subprocess.run(
        [sys.executable, "-c", GENERATE, str(data), str(CHUNK_ROWS), str(COPIES)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    decoded = int(made.stdout)
    assert decoded > 1.15 * AS_CAP  # 1.6 GB decoded, a 1.25 GiB cap
    args = ["--method", "rolling_zscore", "--window-size", "100", "--lag", "--partition-by", "g"]
    command = [sys.executable, "-m", "polars_norm", "window", str(data), "-o", str(out), "-q", *args]
    done = run_capped(command, env=THREADS)
    assert done.returncode == 0, done.stderr
    # the same data held in memory does not fit under the cap: the cap binds
    held = f"import polars_norm, polars as pl; pl.scan_parquet({str(data / '*.parquet')!r}).collect()"
    failed = run_capped([sys.executable, "-c", held], env=THREADS)
    assert failed.returncode != 0 and "memory" in failed.stderr.lower(), failed.stderr
    # the reference, in memory afterwards: each group's window (100 rows) lies within one copy of the chunk,
    # so the first copy is the chunk's own result and every later copy that of a chunk following a chunk
    chunk = pl.read_parquet(data / "part-0000.parquet")
    expr = pl.col("x", "y").norm.rolling_zscore(100, lag=True).over("g")
    twice = pl.concat([chunk, chunk]).with_columns(expr)
    result = pl.scan_parquet(out)
    assert result.select(pl.len()).collect().item() == CHUNK_ROWS * COPIES
    check(result.head(CHUNK_ROWS).collect(), twice.head(CHUNK_ROWS))
    check(result.tail(CHUNK_ROWS).collect(), twice.tail(CHUNK_ROWS))
    check(result.slice(7 * CHUNK_ROWS, CHUNK_ROWS).collect(), twice.tail(CHUNK_ROWS))


def test_time_windows_across_polars_batch_cuts_with_tied_times(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Polars cuts its batches anywhere, inside a run of equal times too; a window that sees its own
    instant needs the whole instant in one batch, so the command moves a trailing run to the next batch
    (it failed with "equals the last one of the previous batch" on such files)."""
    n = 300_000  # several of Polars' batches
    rng = np.random.default_rng(5)
    frame = pl.DataFrame({"ts": np.repeat(np.arange(n // 3), 3), "x": rng.normal(size=n)})
    source, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    frame.write_parquet(source)
    code, err = run(
        ["window", source, "-o", out, "--method", "rolling_zscore_by", "--by", "ts", "--window-size", "10i"], capsys
    )
    assert code == 0, err
    want = frame.select(pl.col("x").norm.rolling_zscore_by("ts", "10i"))["x"].to_numpy()
    got = pl.read_parquet(out)["x"].to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
