"""The ``polars-norm`` command line: every subcommand, every error path, interrupts, out of core."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from capped import AS_CAP, run_capped
from polars.testing import assert_frame_equal

import polars_norm as pn
from polars_norm.cli import main
from polars_norm.io import progress

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
    got = pn.fitted.fit.scan(out).collect()
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
    nq = tmp_path / "nq.json"
    pn.fit(pl.read_parquet(data), COLS, quantiles=False).save(nq)
    csv = tmp_path / "in.csv"
    pl.read_parquet(data).write_csv(csv)
    return {"corrupt": corrupt, "empty": empty, "stats": stats, "v2": v2, "edited": edited, "nq": nq, "csv": csv}


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
    # every argument is checked before any pass over the data (issue 14, item 12)
    (
        ["fit", "{data}", "--sketch-k", "0", "-o", "{out}.json"],
        2,
        r"argument --sketch-k: must be an integer in \[8, 65535\]",
    ),
    (["fit", "{data}", "--sketch-k", "65536", "-o", "{out}.json"], 2, r"argument --sketch-k"),
    (["normalize", "{data}", "--sketch-k", "x", "-o", "{out}.parquet"], 2, r"argument --sketch-k"),
    (["describe", "{stats}", "--ddof", "-1"], 2, r"argument --ddof: must be a non-negative integer"),
    (["fit", "{data}", "--by", "g", "--columns", "g", "-o", "{out}.json"], 2, r"--by g is also named by --columns"),
    (["fit", "{data}", "--by", "g", "--columns", "a,g", "-o", "{out}.json"], 2, r"--by g is also named by --columns"),
    (["normalize", "{data}", "--by", "g", "--method", "g=minmax", "-o", "{out}.parquet"], 2, r"--by g is also given"),
    (["fit", "{data}", "--columns", "a", "b", "a", "-o", "{out}.json"], 2, r"--columns names 'a' twice"),
    (["fit", "{data}", "--by", "g", "g", "-o", "{out}.json"], 2, r"--by names 'g' twice"),
    (["normalize", "{data}", "--method", "a=minmax", "--method", "a=maxabs", "-o", "{out}.parquet"], 2, r"'a' already"),
    (
        ["normalize", "{data}", "--method", "zscore", "--method", "minmax", "-o", "{out}.parquet"],
        2,
        r"already 'zscore'",
    ),
    (["normalize", "{data}", "-O", "ddof=0", "-O", "ddof=1", "-o", "{out}.parquet"], 2, r"--option names 'ddof' twice"),
    (["transform", "{corrupt}", "--stats", "{nq}", "--method", "a=robust", "-o", "{out}.parquet"], 2, r"robust needs"),
    (["fit", "{data}", "--norm-orders", "0", "-o", "{out}.json"], 2, r"argument --norm-orders: must be a number > 0"),
    (["fit", "{data}", "--norm-orders", "nan", "-o", "{out}.json"], 2, r"argument --norm-orders"),
    # unit with p other than 1, 2, inf (item 13): refused before the data is read (the input is corrupt)
    (
        ["transform", "{corrupt}", "--stats", "{stats}", "--method", "unit", "-O", "p=3", "-o", "{out}.parquet"],
        2,
        r"-O p=3: .*stats\.json' holds the norms of orders 1, 2 \(and inf\); fit again with --norm-orders 3",
    ),
    (
        ["normalize", "{data}", "--method", "unit", "-O", "p=-inf", "-o", "{out}.parquet"],
        2,
        r"p=-inf must .*use inf for",
    ),
    # read options (item 11)
    (["fit", "{data}", "--null-value", "NA", "-o", "{out}.json"], 2, r"--null-value applies to CSV/TSV input only"),
    (["fit", "{data}", "--infer-schema-length", "9", "-o", "{out}.json"], 2, r"--infer-schema-length applies to"),
    (["fit", "{data}", "--schema-override", "a=Float64", "-o", "{out}.json"], 2, r"--schema-override applies to"),
    (["fit", "{csv}", "--schema-override", "a=Complex", "-o", "{out}.json"], 2, r"argument --schema-override"),
    (
        ["fit", "{csv}", "--schema-override", "a=Float64", "--schema-override", "a=Int64", "-o", "{out}.json"],
        2,
        r"--schema-override names 'a' twice",
    ),
    (["fit", "{csv}", "--infer-schema-length", "0", "-o", "{out}.json"], 2, r"argument --infer-schema-length"),
    (["fit", "{csv}", "--schema-override", "zz=Float64", "-o", "{out}.json"], 1, r"--schema-override zz: no such"),
    (["fit", "{csv}", "--columns", "s", "-o", "{out}.json"], 1, r"column 's' has dtype String; .*--null-value"),
    (["normalize", "{csv}", "--method", "s=minmax", "-o", "{out}.parquet"], 1, r"column 's' has dtype String"),
    (["normalize", "{csv}", "--method", "zscore", "--method", "s=minmax", "-o", "{out}.parquet"], 1, r"'s' has dtype"),
    (["transform", "{csv}", "--stats", "{stats}", "--columns", "s", "-o", "{out}.parquet"], 1, r"'s' was not fitted"),
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


# -- CSV input: null spellings, late floats, read options (issue 14, item 11) -----------------
SPELLED_NULLS = ["NA", "N/A", "null", "", "NULL", "None", "n/a", "#N/A", "<NA>"]


@pytest.fixture
def messy_csv(tmp_path: Path) -> tuple[Path, dict[str, list[str]]]:
    """400 rows: `a` integers until row 350, then fractions; `b` floats with null spellings; `c` text holding "NA";
    `d` floats with NaN; `e` integers with a fraction in the last row; `g` a key. Returns the path and the raw text."""
    rng = np.random.default_rng(3)
    n = 400
    a = [str(int(v)) for v in rng.integers(-100, 100, n)]
    a[350], a[377] = "1.5", "-2.25"
    b = [repr(float(v)) for v in rng.normal(10.0, 3.0, n)]
    for k, i in enumerate(range(5, n, 37)):
        b[i] = SPELLED_NULLS[k % len(SPELLED_NULLS)]
    c = ["NA" if i % 3 == 0 else f"t{i}" for i in range(n)]
    d = ["NaN" if i % 50 == 7 else repr(float(v)) for i, v in enumerate(rng.uniform(-1.0, 1.0, n))]
    e = [str(i) for i in range(n)]
    e[-1] = "7.5"
    g = ["x" if i % 2 else "y" for i in range(n)]
    raw = {"g": g, "a": a, "b": b, "c": c, "d": d, "e": e}
    path = tmp_path / "messy.csv"
    lines = [",".join(raw)] + [",".join(row) for row in zip(*raw.values(), strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path, raw


def _values(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Parse numbers by hand (the reference): the values (NaN where null) and the null mask."""
    null = np.array([t in SPELLED_NULLS for t in texts])
    return np.array([np.nan if t in SPELLED_NULLS else float(t) for t in texts]), null


def _check_zscore(got: pl.DataFrame, raw: dict[str, list[str]], column: str, by: str | None = None) -> None:
    x, null = _values(raw[column])
    want = np.full_like(x, np.nan)
    keys = np.array(raw[by]) if by else np.zeros(len(x), dtype=int)
    for key in np.unique(keys):
        m = keys == key
        valid = x[m][~np.isnan(x[m])]  # nulls and NaN are left out of the statistics
        want[m] = (x[m] - valid.mean()) / valid.std(ddof=1)
    assert got[column].dtype == pl.Float64
    np.testing.assert_array_equal(got[column].is_null().to_numpy(), null)
    np.testing.assert_allclose(got[column].fill_null(np.nan).to_numpy(), want, rtol=1e-12, atol=1e-14)


def test_csv_null_spellings_and_late_floats(messy_csv, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path, raw = messy_csv
    out = tmp_path / "out.parquet"
    code, _, err = run(["normalize", path, "-o", out, "--by", "g"], capsys)
    assert code == 0, err
    # the text column is never normalized and says so, once; its "NA" stays the text "NA"
    assert err.splitlines()[0] == "polars-norm normalize: note: non-numeric column(s) left unnormalized: c (String)"
    got = pl.read_parquet(out)
    assert got.columns == list(raw)
    assert got["c"].to_list() == raw["c"] and got["g"].to_list() == raw["g"]
    for column in "abde":
        _check_zscore(got, raw, column, "g")
    assert np.isnan(got["d"].to_numpy()[7])  # NaN stays NaN, not null
    # fit and transform apart: both passes read the same dtypes
    stats, out2 = tmp_path / "s.json", tmp_path / "out2.parquet"
    assert run(["fit", path, "--by", "g", "-o", stats, "-q"], capsys)[0] == 0
    assert pn.Accumulator.load(stats).columns == ("a", "b", "d", "e")
    assert run(["transform", path, "--stats", stats, "-o", out2], capsys)[0] == 0
    assert_frame_equal(pl.read_parquet(out2), got)
    # quiet: no note
    assert run(["normalize", path, "-o", tmp_path / "q.parquet", "-q"], capsys)[2] == ""


def test_csv_named_column_with_null_spellings(messy_csv, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path, raw = messy_csv
    out = tmp_path / "out.csv"
    code, _, err = run(["normalize", path, "-o", out, "--method", "b=minmax", "--method", "a=zscore"], capsys)
    assert code == 0, err
    got = pl.read_csv(out, infer_schema=False)
    for column in "cg":  # text: untouched, byte for byte
        assert got[column].to_list() == raw[column]
    for column in "de":  # numbers: the same values (e is Float64: its last row holds 7.5)
        np.testing.assert_array_equal(got[column].cast(pl.Float64).to_numpy(), [float(v) for v in raw[column]])
    x, null = _values(raw["b"])
    lo, hi = np.nanmin(x), np.nanmax(x)
    b = got["b"].cast(pl.Float64)
    np.testing.assert_array_equal(b.is_null().to_numpy(), null)
    np.testing.assert_allclose(b.fill_null(np.nan).to_numpy(), (x - lo) / (hi - lo), rtol=1e-12)
    _check_zscore(got.with_columns(pl.col("a").cast(pl.Float64)), raw, "a")


def test_csv_read_options(messy_csv, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path, raw = messy_csv
    out = tmp_path / "out.parquet"
    # dtypes from 20 rows: the chosen integer column `a` is read as Float64, so its late fractions parse
    args = ["normalize", path, "-o", out, "--columns", "a", "--infer-schema-length", "20", "-O", "ddof=1"]
    code, _, err = run([*args, "--schema-override", "e=Float64"], capsys)
    assert code == 0, err
    _check_zscore(pl.read_parquet(out), raw, "a")
    # a pass-through integer column with a late fraction fails, saying how to fix it
    args = ["normalize", path, "-o", out, "--columns", "a", "--overwrite"]
    code, _, err = run([*args, "--infer-schema-length", "20", "--schema-override", "e=Int64"], capsys)
    assert code == 1 and "7.5" in err and "--infer-schema-length" in err
    for extra in (["--infer-schema-length", "all"], ["--schema-override", "e=float64"]):
        code, _, err = run([*args, *extra, "-q"], capsys)
        assert code == 0, err
        e = pl.read_parquet(out)["e"]
        assert e.dtype == pl.Float64 and e.to_list() == [float(v) for v in raw["e"]]
    # --schema-override COL=String keeps a numeric column out of the default mode
    code, _, err = run([*args[:4], "--overwrite", "--schema-override", "e=String"], capsys)
    assert code == 0 and "e (String)" in err.splitlines()[0]
    assert pl.read_parquet(out)["e"].to_list() == raw["e"]
    # --null-value replaces the default spellings: "N/A" is then text, and b cannot be normalized
    code, _, err = run(["fit", path, "--columns", "b", "--null-value", "NA", "-o", tmp_path / "s.json"], capsys)
    assert code == 1 and "column 'b' has dtype String" in err
    code, _, err = run(["normalize", path, "-o", tmp_path / "o2.parquet", "--null-value", "NA"], capsys)
    assert code == 0 and "b (String)" in err.splitlines()[0]
    spelled = [*SPELLED_NULLS[:3], *SPELLED_NULLS[4:]]
    args = ["normalize", path, "-o", tmp_path / "o3.parquet", "--columns", "b", "-q"]
    assert run([*args, *(f"--null-value={v}" for v in spelled)], capsys)[0] == 0
    _check_zscore(pl.read_parquet(tmp_path / "o3.parquet"), raw, "b")


def test_tsv_boolean_column_with_nulls(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, out = tmp_path / "in.tsv", tmp_path / "out.parquet"
    flags, xs = ["true", "False", "NA", "TRUE", "false"], ["1", "NA", "3", "4.5", "N/A"]
    path.write_text("f\tx\n" + "".join(f"{f}\t{x}\n" for f, x in zip(flags, xs, strict=True)))
    code, _, err = run(["normalize", path, "-o", out, "--method", "minmax"], capsys)
    assert code == 0 and "f (Boolean)" in err
    got = pl.read_parquet(out)
    assert got["f"].to_list() == [True, False, None, True, False]
    assert got["x"].is_null().to_list() == [False, True, False, False, True]
    np.testing.assert_allclose(got["x"].drop_nulls().to_numpy(), (np.array([1, 3, 4.5]) - 1) / 3.5, rtol=1e-15)


def test_ndjson_late_float(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    x = [float(i) for i in range(300)]
    x[250] = 0.5
    path = tmp_path / "in.ndjson"
    rows = [{"k": "a", "x": int(v) if v.is_integer() else v, "y": int(v) if v.is_integer() else v} for v in x]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "out.parquet"
    code, _, err = run(["normalize", path, "-o", out, "--method", "maxabs", "--columns", "x"], capsys)
    assert code == 0, err
    got = pl.read_parquet(out)
    np.testing.assert_allclose(got["x"].to_numpy(), np.array(x) / np.max(np.abs(x)), rtol=1e-15)
    assert got["k"].to_list() == ["a"] * 300 and got["y"].to_list() == x  # y: Float64 from all 300 rows
    # inferred from 100 rows, the pass-through y is Int64 and its 0.5 an error naming the way out
    args = ["normalize", path, "-o", out, "--columns", "x", "--overwrite", "--infer-schema-length"]
    code, _, err = run([*args, "100"], capsys)
    assert code == 1 and "0.5" in err and "--infer-schema-length" in err


# -- unit with any p, and no orphaned statistics (item 13) ----------------------------------
def _lp(values: np.ndarray, p: float) -> np.ndarray:
    v = values[~np.isnan(values)]
    norm = np.max(np.abs(v)) if np.isinf(p) else np.sum(np.abs(v) ** p) ** (1.0 / p)
    return values / norm


@pytest.mark.parametrize("p", ["3", "0.5", "inf", "Infinity", "INF", "+inf", "1"])
def test_unit_norm_orders(p: str, data: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out, stats = tmp_path / "u.parquet", tmp_path / "u.json"
    args = ["normalize", data, "--method", "unit", "-O", f"p={p}", "--columns", "a", "b", "-o", out]
    code, _, err = run([*args, "--save-stats", stats], capsys)
    assert code == 0, err
    order = float(p)
    got = pl.read_parquet(out)
    for column in COLS:
        x = pl.read_parquet(data)[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
        np.testing.assert_allclose(got[column].fill_null(np.nan).to_numpy(), _lp(x, order), rtol=1e-12)
    orders = pn.Accumulator.load(stats).norm_orders
    assert 1.0 in orders and 2.0 in orders and (np.isinf(order) or order in orders)


def test_fit_norm_orders_then_transform(data: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    stats, out = tmp_path / "s.json", tmp_path / "o.parquet"
    assert run(["fit", data, "--columns", "a", "--norm-orders", "3", "0.5", "inf", "-o", stats], capsys)[0] == 0
    assert pn.Accumulator.load(stats).norm_orders == (3.0, 0.5)
    a = pl.read_parquet(data)["a"].to_numpy()
    for p in ("3", "0.5", "inf"):
        args = ["transform", data, "--stats", stats, "--method", "unit", "-O", f"p={p}", "-o", out, "--overwrite"]
        code, _, err = run(args, capsys)
        assert code == 0, err
        np.testing.assert_allclose(pl.read_parquet(out)["a"].to_numpy(), _lp(a, float(p)), rtol=1e-12)
    code, _, err = run([*args[:6], "-O", "p=2", "-o", out, "--overwrite"], capsys)
    assert code == 2 and "holds the norms of orders 3, 0.5 (and inf)" in err


def test_failed_normalize_leaves_no_stats(messy_csv, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path, _ = messy_csv
    out, stats = tmp_path / "out.parquet", tmp_path / "s.json"
    args = ["normalize", path, "-o", out, "--columns", "a", "--save-stats", stats, "--infer-schema-length", "20"]
    # the fit pass reads only `a`; the transform pass fails on e's late "7.5" (inferred Int64 from 20 rows)
    code, _, err = run([*args, "--schema-override", "e=Int64"], capsys)
    assert code == 1 and "7.5" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.csv"]  # neither output nor statistics
    assert run([*args, "--schema-override", "e=Float64", "-q"], capsys)[0] == 0
    assert out.exists() and pn.Accumulator.load(stats).columns == ("a",)


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
#: Under the cap of tests/capped.py (1.25 GiB of address space; with OPENBLAS_NUM_THREADS=1 and
#: MALLOC_ARENA_MAX=2 the start sometimes needs 768 MiB, unreliably), fit + transform run with
#: ~0.45 GB resident on 2 GB of decoded data.


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
    args = ["normalize", str(tmp_path / "in"), "-o", str(out), "--by", "g", "--save-stats", str(stats)]
    done = run_capped([*cli, *args])
    assert done.returncode == 0, done.stderr
    # the same data held in memory (one in-query z-score) does not fit under the cap: the cap is binding
    buffered = "import polars as pl; pl.scan_parquet({!r}).select(pl.all().norm.zscore()).collect()".format(
        str(tmp_path / "in" / "*.parquet")
    )
    failed = run_capped([sys.executable, "-c", "import polars_norm; " + buffered])
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
