"""The ``polars-norm`` command line: every subcommand, every error path, interrupts, out of core."""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import polars_norm as pn
from polars_norm import progress
from polars_norm.cli import main

RNG = np.random.default_rng(11)
COLS = ["a", "b"]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    n = 300
    df = pl.DataFrame(
        {
            "g": RNG.choice(["x", "y", "z"], n),
            "a": RNG.normal(5.0, 2.0, n),
            "b": [None if i % 13 == 0 else float(v) for i, v in enumerate(RNG.integers(-50, 50, n))],
            "s": ["t"] * n,
        }
    )
    path = tmp_path / "in.parquet"
    df.write_parquet(path)
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def pandas_zscore(df: pd.DataFrame, by: str | None, cols: list[str]) -> pd.DataFrame:
    if by is None:
        return (df[cols] - df[cols].mean()) / df[cols].std()
    g = df.groupby(by)[cols]
    return (df[cols] - g.transform("mean")) / g.transform("std")


# -- subcommands ---------------------------------------------------------------------
def test_fit_describe_transform(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stats, out = tmp_path / "stats.json", tmp_path / "out.parquet"
    assert run(["fit", data, "--by", "g", "--columns", "a,b", "-o", stats], capsys)[0] == 0
    acc = pn.Accumulator.load(stats)
    assert acc.by == ("g",) and acc.columns == ("a", "b")
    code, text, _ = run(["describe", stats], capsys)
    assert code == 0 and "quantile sketches: yes" in text and "median" in text
    df = pl.read_parquet(data).to_pandas()
    rows = [line for line in text.splitlines() if line.startswith("│ ") and " a " in line]
    assert len(rows) == 3  # one row per group for column a, with its count
    for line, (g, count) in zip(rows, sorted(df.groupby("g")["a"].count().items()), strict=True):
        assert line.split("┆")[0].strip("│ ") == g and line.split("┆")[2].strip() == str(count)
    code, _, err = run(["transform", data, "--stats", stats, "-o", out], capsys)
    assert code == 0 and err.strip() == f"wrote {out}"  # not a terminal: no progress bar
    got = pl.read_parquet(out)
    assert got.columns == ["g", "a", "b", "s"] and got["s"].to_list() == df["s"].tolist()
    np.testing.assert_allclose(got.select(COLS).to_numpy(), pandas_zscore(df, "g", COLS).to_numpy(), rtol=1e-9)


def test_transform_per_column_methods_and_options(data: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    stats, out = tmp_path / "s.json", tmp_path / "o.csv"
    run(["fit", data, "-o", stats, "-q"], capsys)
    args = ["transform", data, "--stats", stats, "-o", out, "-q", "--method", "a=minmax", "--method", "b=maxabs"]
    code, _, err = run([*args, "-O", "feature_range=[-1,1]"], capsys)
    assert code == 0 and err == ""  # --quiet
    got = pl.read_csv(out)
    a = pl.read_parquet(data)["a"].to_numpy()
    b = pl.read_parquet(data)["b"].to_numpy()
    np.testing.assert_allclose(got["a"].to_numpy(), 2 * (a - a.min()) / (a.max() - a.min()) - 1, rtol=1e-12)
    np.testing.assert_allclose(got["b"].to_numpy(), b / np.nanmax(np.abs(b)), rtol=1e-12)


@pytest.mark.parametrize("suffix", [".parquet", ".ipc", ".csv", ".tsv", ".ndjson"])
def test_normalize_every_output_format(data: Path, tmp_path: Path, suffix: str, capsys) -> None:  # type: ignore[no-untyped-def]
    out, stats = tmp_path / f"out{suffix}", tmp_path / "saved.json"
    code, _, _ = run(["normalize", data, "-o", out, "--by", "g", "--columns", "a", "b", "--save-stats", stats], capsys)
    assert code == 0
    got = pn.fitting.scan(out).collect()
    want = pandas_zscore(pl.read_parquet(data).to_pandas(), "g", COLS)
    np.testing.assert_allclose(got.select(COLS).to_numpy(), want.to_numpy(), rtol=1e-9)
    assert pn.Accumulator.load(stats).by == ("g",)


def test_normalize_robust_fits_sketches_and_globs_and_dirs(data: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    part = tmp_path / "parts"
    part.mkdir()
    shutil.copy(data, part / "p1.parquet")
    shutil.copy(data, part / "p2.parquet")
    for source in (part, str(part / "*.parquet")):
        out = tmp_path / "r.parquet"
        args = ["normalize", source, "-o", out, "--method", "robust", "--columns", "a", "--overwrite"]
        assert run(args, capsys)[0] == 0
        got = pl.read_parquet(out)["a"].to_numpy()
        a = np.concatenate([pl.read_parquet(data)["a"].to_numpy()] * 2)
        # got = (a - median) / (q75 - q25) with sketched quantiles: recover the
        # affine map, and check each statistic is a quantile of ``a`` within the
        # sketch's rank error (1% here; KLL k=800 promises about 0.33%)
        i, j = int(np.argmin(a)), int(np.argmax(a))
        scale = (a[j] - a[i]) / (got[j] - got[i])
        center = a[i] - got[i] * scale
        np.testing.assert_allclose(got, (a - center) / scale, rtol=1e-9, atol=1e-12)
        eps = 0.01
        lo, hi = np.quantile(a, [0.5 - eps, 0.5 + eps])
        assert lo <= center <= hi
        q = np.quantile(a, [0.25 - eps, 0.25 + eps, 0.75 - eps, 0.75 + eps])
        assert q[2] - q[1] <= scale <= q[3] - q[0]


def test_demo_and_entry_points(capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(["demo"], capsys)
    assert code == 0 and "polars-norm describe" in text
    assert "mean 0 and standard deviation 1" in text
    (script,) = entry_points(group="console_scripts", name="polars-norm")
    assert script.value == "polars_norm.cli:run"
    done = subprocess.run([sys.executable, "-m", "polars_norm", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == f"polars-norm {pn.__version__}"


# -- error paths ---------------------------------------------------------------------
def _bad_files(tmp_path: Path, data: Path) -> dict[str, Path]:
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(data.read_bytes()[:200])
    empty = tmp_path / "empty.parquet"
    pl.DataFrame({"a": []}, schema={"a": pl.Float64}).write_parquet(empty)
    stats = tmp_path / "stats.json"
    pn.fit(pl.read_parquet(data), COLS).save(stats)
    doc = json.loads(stats.read_text())
    doc["format_version"] = 2
    v2 = tmp_path / "v2.json"
    v2.write_text(json.dumps(doc))
    edited = tmp_path / "edited.json"
    edited.write_text(stats.read_text().replace('"count": 300', '"count": 301', 1))
    return {"corrupt": corrupt, "empty": empty, "stats": stats, "v2": v2, "edited": edited}


ERRORS = [  # (args, exit status, message); {name} is a file from _bad_files, {data} the input, {out} the output
    (["fit", "{tmp}/missing.parquet", "-o", "{out}.json"], 1, r"no such file: .*missing\.parquet"),
    (["fit", "{corrupt}", "-o", "{out}.json"], 1, r"parquet"),
    (["fit", "{data}", "--columns", "zz", "-o", "{out}.json"], 1, r"column 'zz' not found"),
    (["fit", "{data}", "--columns", "s", "-o", "{out}.json"], 1, r"column 's' has dtype String"),
    (["fit", "{empty}", "-o", "{out}.json"], 1, r"empty input: no rows"),
    (["normalize", "{empty}", "-o", "{out}.parquet"], 1, r"empty input"),
    (["describe", "{v2}"], 1, r"format version 2; this polars-norm reads version 1"),
    (["transform", "{data}", "--stats", "{v2}", "-o", "{out}.parquet"], 1, r"format version 2"),
    (["transform", "{data}", "--stats", "{edited}", "-o", "{out}.parquet"], 1, r"checksum mismatch"),
    (["transform", "{data}", "--stats", "{tmp}/nope.json", "-o", "{out}.parquet"], 1, r"no such file"),
    (["transform", "{data}", "--stats", "{stats}", "-o", "{data}", "--overwrite"], 2, r"overwrite the input"),
    (["transform", "{data}", "--stats", "{stats}", "-o", "{stats}.parquet", "--method", "bogus"], 2, r"method='bogus'"),
    (["transform", "{data}", "--stats", "{stats}", "-o", "{out}.xyz"], 2, r"cannot tell the output format"),
    (["transform", "{data}", "--stats", "{stats}", "-o", "{tmp}/no/dir/o.parquet"], 2, r"does not exist"),
    (["normalize", "{data}", "-o", "{out}.parquet", "-O", "ddof"], 2, r"expected KEY=VALUE"),
    (["normalize", "{data}", "-o", "{out}.parquet", "-O", "p=2"], 2, r"applies to none of the methods"),
    (["normalize", "{data}", "-o", "{out}.parquet", "-O", "ddof=-1"], 2, r"ddof"),
    (["fit", "{data}", "-o", "{stats}"], 2, r"exists; pass --overwrite"),
    (["fit", "{data}", "-o", "{out}.parquet"], 2, r"cannot tell the output format"),
    (["fit", "{data}"], 2, r"required: -o/--output"),
    (["frobnicate"], 2, r"invalid choice"),
]


@pytest.mark.parametrize(("args", "status", "message"), ERRORS, ids=[f"{a[0]}-{m[:18]}" for a, _, m in ERRORS])
def test_errors(args: list[str], status: int, message: str, data: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    files = {k: str(v) for k, v in _bad_files(tmp_path, data).items()}
    out = tmp_path / "result"
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    code, _, err = run([a.format(tmp=tmp_path, data=data, out=out, **files) for a in args], capsys)
    assert code == status
    lines = err.strip().splitlines()
    assert len(lines) == 1 or lines[0].startswith("usage:")  # one line; argparse adds its usage
    assert lines[-1].startswith("polars-norm") and re.search(message, lines[-1]), lines
    after = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert after == before  # nothing written, nothing left behind, inputs untouched


def test_overwrite(data: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "o.parquet"
    out.write_text("old")
    assert run(["normalize", data, "-o", out, "--columns", "a"], capsys)[0] == 2
    assert out.read_text() == "old"
    assert run(["normalize", data, "-o", out, "--columns", "a", "--overwrite"], capsys)[0] == 0
    assert pl.read_parquet(out).height == 300


def test_progress_bar() -> None:
    class Stream:
        text = ""

        def write(self, s: str) -> None:
            self.text += s

        def flush(self) -> None:
            pass

    stream = Stream()
    progress._draw(stream, "fit", 1_500_000_000, 3_000_000_000, 2.0)  # type: ignore[arg-type]
    assert stream.text.startswith("\rfit [###############               ]  50% 1.5 GB/3.0 GB 2.0 s")
    before = progress.bytes_read()
    if before is not None:  # Linux
        Path(__file__).read_bytes()
        assert (progress.bytes_read() or 0) - before >= Path(__file__).stat().st_size
    with pytest.raises(ZeroDivisionError):
        progress.run(lambda: 1 / 0, label="x", total_bytes=1, show=False)
    assert progress.run(lambda: 42, label="x", total_bytes=1, show=False) == 42


# -- interrupts ----------------------------------------------------------------------------
def _chunk(n: int, distinct: int = 16) -> pl.DataFrame:
    """A compressible chunk: 4 Float64 columns of few distinct values and a 1000-group key."""
    rng = np.random.default_rng(5)
    cols = {c: rng.integers(0, distinct, n) * (i + 1.0) + 1e3 * i for i, c in enumerate("abcd")}
    return pl.DataFrame({"g": rng.integers(0, 1000, n).astype(np.int32), **cols})


def _copies(directory: Path, chunk: pl.DataFrame, copies: int) -> int:
    directory.mkdir()
    chunk.write_parquet(directory / "part-0000.parquet")
    for i in range(1, copies):
        shutil.copyfile(directory / "part-0000.parquet", directory / f"part-{i:04d}.parquet")
    return sum(p.stat().st_size for p in directory.iterdir())


def _digest(directory: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(directory.iterdir()):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["TERM", "INT", "KILL"])
def test_killed_transform_leaves_no_output(sig: signal.Signals, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    _copies(inputs, _chunk(500_000), 24)
    digest = _digest(inputs)
    stats, out = tmp_path / "s.json", tmp_path / "out" / "o.parquet"
    out.parent.mkdir()
    pn.fit(inputs / "part-0000.parquet", quantiles=False).save(stats)
    cmd = [sys.executable, "-m", "polars_norm", "transform", str(inputs), "--stats", str(stats), "-o", str(out)]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(out.parent.iterdir()) and time.monotonic() < deadline:  # the sink has started
        time.sleep(0.01)
    time.sleep(0.2)
    assert proc.poll() is None, "transform finished before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == {signal.SIGTERM: 143, signal.SIGINT: 130, signal.SIGKILL: -9}[sig]
    assert not out.exists()
    left = list(out.parent.iterdir())
    if sig != signal.SIGKILL:  # cleaned up; SIGKILL can only leave the hidden temporary directory
        assert left == [] and err.strip() == "polars-norm: interrupted"
    else:
        assert all(p.name.startswith(".polars-norm-o.parquet-") for p in left)
    assert _digest(inputs) == digest


# -- out of core ------------------------------------------------------------------------------
#: Address space is not memory: `python -m polars_norm` (polars, pyarrow, numpy, datasketches) needs about
#: 1 GiB of it just to start and run a tiny streaming query (OpenBLAS and glibc reserve address space per
#: thread; with OPENBLAS_NUM_THREADS=1 and MALLOC_ARENA_MAX=2 it sometimes starts from 768 MiB, unreliably),
#: and Polars maps each Parquet file whole to read its footer, so the input comes as many small files.
#: Fit + transform then run in 1.25 GiB of address space with ~0.45 GB resident, on 2 GB of decoded data.
AS_CAP = 1280 << 20
LEAN_ENV = {"OPENBLAS_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}


def _capped(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (AS_CAP, AS_CAP))

    env = dict(os.environ, **LEAN_ENV)
    return subprocess.run(cmd, preexec_fn=cap, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """A temporary directory deleted after the test (pytest keeps tmp_path: GBs here)."""
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.mark.slow
def test_out_of_core_under_address_space_cap(scratch: Path) -> None:
    tmp_path = scratch
    chunk = _chunk(1_000_000)
    copies = 56
    disk = _copies(tmp_path / "in", chunk, copies)
    decoded = chunk.estimated_size() * copies
    assert disk > 150e6 and decoded > 1.5 * AS_CAP  # ~190 MB of Parquet, 2.0 GB decoded, 1.25 GiB cap
    out, stats = tmp_path / "out.parquet", tmp_path / "stats.json"
    cli = [sys.executable, "-m", "polars_norm"]
    done = _capped([*cli, "normalize", str(tmp_path / "in"), "-o", str(out), "--by", "g", "--save-stats", str(stats)])
    assert done.returncode == 0, done.stderr
    # the same data held in memory (one in-query z-score) does not fit under the cap: the cap is binding
    buffered = "import polars as pl; pl.scan_parquet({!r}).select(pl.all().norm.zscore()).collect()".format(
        str(tmp_path / "in" / "*.parquet")
    )
    failed = _capped([sys.executable, "-c", "import polars_norm; " + buffered])
    assert failed.returncode != 0 and ("memory" in failed.stderr or "MemoryError" in failed.stderr)
    # the reference: statistics of `copies` copies of a chunk are those of the chunk (M2 and n times copies)
    pdf = chunk.to_pandas()
    grouped = pdf.groupby("g")[list("abcd")]
    n = grouped.transform("count") * copies
    m2 = grouped.transform("var", ddof=0) * grouped.transform("count") * copies
    want = (pdf[list("abcd")] - grouped.transform("mean")) / np.sqrt(m2 / (n - 1))
    sample = pl.scan_parquet(out).slice((copies - 1) * chunk.height, chunk.height).collect()  # the last copy
    np.testing.assert_allclose(sample.select(list("abcd")).to_numpy(), want.to_numpy(), rtol=1e-9)
    assert_frame_equal(sample.select("g"), chunk.select("g"))
    assert pn.Accumulator.load(stats).to_frame()["count"].sum() == 4 * copies * chunk.height
