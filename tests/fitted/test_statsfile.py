"""Statistics files (issue 14 items 9-10): every groupable key dtype round-trips; every malformed file is one error.

The malformed-file tests rewrite a valid file with a recomputed checksum, so
only the schema checks of :func:`polars_norm.fitted.statsfile.load` stand between
the edit and a wrong transform.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import decimal
import functools
import json
import math
import re
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from datasketches import kll_doubles_sketch
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import polars_norm as pn
from polars_norm.fitted import statsfile_codec
from polars_norm.fitted.statsfile import StatsFileError

RNG = np.random.default_rng(14)

#: Two columns in three groups; every value of x positive, so a flipped sign of mean is out of [min, max].
DATA = pl.DataFrame(
    {
        "g": ["a", "b", "a", "b", "c", "a", "b", "a"],
        "x": [1.0, 2.0, 4.0, None, 7.0, float("nan"), 3.0, 2.5],
        "y": [1, 2, 3, 4, 5, 6, 7, 8],
    }
)


def _write(path: Path, doc: dict[str, Any]) -> Path:
    """Write ``doc`` with a recomputed checksum."""
    body = {k: v for k, v in doc.items() if k != "checksum"}
    body["checksum"] = statsfile_codec.checksum(body)
    path.write_text(json.dumps(body, allow_nan=False))
    return path


def _saved(tmp_path: Path, acc: pn.Accumulator, name: str = "stats.json") -> tuple[Path, dict[str, Any]]:
    path = tmp_path / name
    acc.save(path)
    return path, json.loads(path.read_text())


def _grouped(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    return _saved(tmp_path, pn.fit(DATA, by="g"))


def _load_error(path: Path) -> str:
    with pytest.raises(StatsFileError) as info:
        pn.Accumulator.load(path)
    return str(info.value)


# -- item 10: files that escaped the clear errors -----------------------------------------------------------------
def test_parquet_and_binary_files_name_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from polars_norm.cli import main

    parquet = tmp_path / "data.parquet"
    DATA.write_parquet(parquet)
    message = _load_error(parquet)
    assert message.startswith(f"polars_norm.load: {str(parquet)!r} is not a statistics file: not UTF-8 text")
    assert "Parquet" in message
    blob = tmp_path / "blob.json"
    blob.write_bytes(b'{"format": "\xb5\x00\xff"}')
    assert re.search(
        r"'[^']*blob\.json' is not a statistics file: not UTF-8 text \(byte 0xb5 at offset 12", _load_error(blob)
    )
    assert main(["describe", str(parquet)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("polars-norm describe: error: ")
    assert "data.parquet' is not a statistics file: not UTF-8 text" in err[0]


def test_truncated_sketch_with_valid_checksum(tmp_path: Path) -> None:
    path, doc = _grouped(tmp_path)
    sketch = doc["groups"][0]["columns"]["x"]["sketch"]
    doc["groups"][0]["columns"]["x"]["sketch"] = base64.b64encode(base64.b64decode(sketch)[:-8]).decode()
    message = _load_error(_write(path, doc))
    assert "groups[0].columns.x.sketch: is not a DataSketches KLL sketch" in message
    assert str(path) in message


#: A KLL sketch (k=8, n=1000, 7 levels) cut after 41 bytes: DataSketches 5.2's ``kll_doubles_sketch.deserialize``
#: reads past the end and crashes the process (SIGSEGV). Found by a fuzz of sketch images.
CRASHING_SKETCH = bytes.fromhex("05010f0008000800e8030000000000000800070004008500060000000b0000001e0000002400000024")


def test_sketch_that_crashes_datasketches_is_an_error(tmp_path: Path) -> None:
    path, doc = _grouped(tmp_path)
    doc["groups"][0]["columns"]["x"]["sketch"] = base64.b64encode(CRASHING_SKETCH).decode()
    _write(path, doc)
    script = (
        "import sys, polars_norm as pn\n"
        "try:\n    pn.Accumulator.load(sys.argv[1])\n"
        "except pn.fitted.statsfile.StatsFileError as exc:\n    print(exc)\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"exit status {run.returncode}: {run.stderr[-500:]}"
    assert "groups[0].columns.x.sketch: is not a DataSketches KLL sketch of doubles (" in run.stdout


def test_kll_checks_checked_before_datasketches_reads_them() -> None:
    from polars_norm.fitted.kll_format import kll_problem

    sketches = []
    for k, n in [(8, 0), (8, 1), (8, 9), (200, 2), (200, 5000), (800, 77_777), (65535, 3)]:
        sk = kll_doubles_sketch(k)
        for v in RNG.normal(size=n):
            sk.update(float(v))
        sketches.append(sk)
    merged = kll_doubles_sketch(800)
    for other in sketches[1:]:
        merged.merge(other)  # sketches of several k: min_k below k
    sketches.append(merged)
    for sk in sketches:
        image = sk.serialize()
        assert kll_problem(image) is None
        if not sk.is_empty():
            sk.get_quantiles([0.5])  # sets a flag in the serialization
            assert kll_problem(sk.serialize()) is None
    full = sketches[4].serialize()
    n_at = 8  # the header: 8 bytes, then n (uint64), min_k (uint16), levels (uint8), unused
    bad = {
        "truncated": full[:-8],
        "extended": full + bytes(8),
        "n off by one": full[:n_at] + struct.pack("<Q", 5001) + full[n_at + 8 :],
        "family": full[:2] + b"\x10" + full[3:],
        "levels": full[:18] + b"\x3f" + full[19:],
        "NaN item": full[:-8] + struct.pack("<d", math.nan),
        "item beyond max": full[:-8] + struct.pack("<d", 1e300),
        "empty with data": sketches[0].serialize() + bytes(8),
        "one NaN value": sketches[1].serialize()[:8] + struct.pack("<d", math.nan),
        "header only": full[:7],
    }
    for name, image in bad.items():
        assert kll_problem(image) is not None, name
    assert kll_problem(CRASHING_SKETCH) is not None


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_json_number_literals(tmp_path: Path, literal: str) -> None:
    path, _ = _grouped(tmp_path)
    text, n = re.subn(r'"mean": [-0-9.e]+', f'"mean": {literal}', path.read_text(), count=1)
    assert n == 1
    path.write_text(text)
    message = _load_error(path)
    assert message.startswith(f"polars_norm.load: {str(path)!r} is not valid JSON: it holds ")
    assert literal.lstrip("-") in message


def test_wrong_type_names_file_and_field(tmp_path: Path) -> None:
    path, doc = _grouped(tmp_path)
    doc["groups"][0]["columns"]["x"]["mean"] = "abc"
    field = "groups[0].columns.x.mean"
    want = f"""polars_norm.load: {str(path)!r}: {field}: expected a number or "nan", "inf", "-inf", got 'abc'"""
    assert _load_error(_write(path, doc)) == want


def test_ungrouped_file_needs_its_one_group(tmp_path: Path) -> None:
    path, doc = _saved(tmp_path, pn.fit(DATA.drop("g")))
    assert len(doc["groups"]) == 1
    doc["groups"] = []
    assert "groups: expected exactly one group (the statistics are not grouped), got 0" in _load_error(
        _write(path, doc)
    )
    doc["groups"] = (
        [doc0 := json.loads(path.read_text())["groups"], doc0][0] if False else [{"key": {}, "columns": {}}] * 2
    )
    assert "got 2" in _load_error(_write(path, doc))


def test_ungrouped_fit_on_no_rows_saves_a_group_of_zero_counts(tmp_path: Path) -> None:
    acc = pn.fit(DATA.drop("g").head(0))
    path, doc = _saved(tmp_path, acc)
    assert [sorted(g["columns"]) for g in doc["groups"]] == [["x", "y"]]
    assert doc["groups"][0]["columns"]["x"]["count"] == 0 and doc["groups"][0]["columns"]["x"]["mean"] is None
    back = pn.Accumulator.load(path)
    got = back.transform(DATA, "zscore")
    assert_frame_equal(got, acc.transform(DATA, "zscore"))
    assert isinstance(got, pl.DataFrame) and got["x"].fill_nan(None).null_count() == DATA.height


@pytest.mark.parametrize(
    ("version", "shown"),
    [(True, "true"), (1.0, "1.0"), ("1", "'1'"), (None, "null"), (2, "2"), (0, "0"), ([1], "a list")],
)
def test_format_version_is_exactly_the_int_one(tmp_path: Path, version: object, shown: str) -> None:
    path, doc = _grouped(tmp_path)
    doc["format_version"] = version
    assert f"has format version {shown}; this polars-norm reads version 1" in _load_error(_write(path, doc))


def _set(*path: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        node = doc
        for k in path[:-1]:
            node = node[k]  # type: ignore[index]
        node[path[-1]] = value  # type: ignore[index]

    return edit


def _delete(*path: str | int) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        node = doc
        for k in path[:-1]:
            node = node[k]  # type: ignore[index]
        del node[path[-1]]  # type: ignore[arg-type]

    return edit


X0 = ("groups", 0, "columns", "x")
BAD_DOCUMENTS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "count negative": (
        _set(*X0, "count", value=-1),
        r"groups\[0\]\.columns\.x\.count: expected a non-negative integer, got -1$",
    ),
    "count float": (_set(*X0, "count", value=2.5), r"\.x\.count: expected a non-negative integer, got 2\.5$"),
    "count bool": (_set(*X0, "count", value=True), r"\.x\.count: expected a non-negative integer, got true$"),
    "null_count string": (
        _set(*X0, "null_count", value="3"),
        r"\.x\.null_count: expected a non-negative integer, got '3'$",
    ),
    "nan_count beyond int64": (_set(*X0, "nan_count", value=2**63), r"\.x\.nan_count: expected a non-negative integer"),
    "mean bool": (_set(*X0, "mean", value=False), r"\.x\.mean: expected a number or .*, got false$"),
    "mean null": (_set(*X0, "mean", value=None), r"\.x\.mean: expected a number \(count is 3\), got null$"),
    "mean a list": (_set(*X0, "mean", value=[1.0]), r"\.x\.mean: expected a number .*, got a list$"),
    "mean negated": (_set(*X0, "mean", value=-2.5), r"\.x\.mean: mean -2\.5 is outside \[min, max\] = \[1\.0, 4\.0\]$"),
    "min above max": (_set(*X0, "min", value=5.0), r"\.x\.min: min 5\.0 is greater than max 4\.0$"),
    "min nan": (_set(*X0, "min", value="nan"), r"\.x\.min: expected a number \(NaN is never a valid value\)"),
    "scale negative": (_set(*X0, "scale", value=-4.0), r"\.x\.scale: expected a number > 0, got -4\.0$"),
    "m2 negative": (_set(*X0, "m2_scaled", value=-0.5), r"\.x\.m2_scaled: expected a number >= 0, got -0\.5$"),
    "powsum negative": (_set(*X0, "powsum_2", value=-1), r"\.x\.powsum_2: expected a number >= 0, got -1$"),
    "stat missing": (_delete(*X0, "mean"), r"groups\[0\]\.columns\.x: missing field 'mean'$"),
    "stat unknown": (_set(*X0, "median", value=2.0), r"groups\[0\]\.columns\.x: unknown field 'median'$"),
    "sketch missing": (
        _delete(*X0, "sketch"),
        r"groups\[0\]\.columns\.x: missing field 'sketch' \(settings\.quantiles is true and count is 3\)$",
    ),
    "sketch not base64": (_set(*X0, "sketch", value="AgIP!!"), r"\.x\.sketch: is not valid base64"),
    "sketch garbage": (_set(*X0, "sketch", value="AAAAAAAA"), r"\.x\.sketch: is not a DataSketches KLL sketch"),
    "sketch a number": (_set(*X0, "sketch", value=5), r"\.x\.sketch: expected a sketch in base64 \(a string\), got 5$"),
    "column missing": (_delete("groups", 0, "columns", "y"), r"groups\[0\]\.columns: missing field 'y'$"),
    "column unknown": (_set("groups", 0, "columns", "z", value={}), r"groups\[0\]\.columns: unknown field 'z'$"),
    "key missing": (_delete("groups", 0, "key", "g"), r"groups\[0\]\.key: missing field 'g'$"),
    "key wrong type": (_set("groups", 0, "key", "g", value=5), r"groups\[0\]\.key\.g: expected a string, got 5$"),
    "groups an object": (_set("groups", value={}), r": groups: expected a list of groups, got an object$"),
    "group not an object": (_set("groups", 0, value=[]), r"groups\[0\]: expected an object, got a list$"),
    "quantiles string": (
        _set("settings", "quantiles", value="yes"),
        r"settings\.quantiles: expected true or false, got 'yes'$",
    ),
    "quantiles false with sketches": (
        _set("settings", "quantiles", value=False),
        r"\.sketch: a sketch, but settings\.quantiles is false$",
    ),
    "sketch_k small": (
        _set("settings", "sketch_k", value=7),
        r"settings\.sketch_k: expected an integer in \[8, 65535\], got 7$",
    ),
    "sketch_k large": (
        _set("settings", "sketch_k", value=70000),
        r"settings\.sketch_k: expected an integer in \[8, 65535\]",
    ),
    "sketch_k bool": (
        _set("settings", "sketch_k", value=True),
        r"settings\.sketch_k: expected an integer in \[8, 65535\], got true$",
    ),
    "sketch_k float": (
        _set("settings", "sketch_k", value=800.0),
        r"settings\.sketch_k: expected an integer in \[8, 65535\]",
    ),
    "by a string": (_set("settings", "by", value="g"), r"settings\.by: expected a list of names, got 'g'$"),
    "by repeated": (_set("settings", "by", value=["g", "g"]), r"settings\.by\[1\]: 'g' appears twice$"),
    "by a field name": (_set("settings", "by", value=["count"]), r"settings\.by\[0\]: 'count' clashes"),
    "columns repeated": (_set("settings", "columns", value=["x", "x"]), r"settings\.columns\[1\]: 'x' appears twice$"),
    "columns not names": (
        _set("settings", "columns", value=["x", 3]),
        r"settings\.columns\[1\]: expected a name \(a string\), got 3$",
    ),
    "norm order zero": (
        _set("settings", "norm_orders", value=[1.0, 0]),
        r"settings\.norm_orders\[1\]: expected a finite number > 0, got 0$",
    ),
    "norm order string": (
        _set("settings", "norm_orders", value=["inf", 2.0]),
        r"settings\.norm_orders\[0\]: expected a finite number > 0, got 'inf'$",
    ),
    "norm order repeated": (
        _set("settings", "norm_orders", value=[2, 2.0]),
        r"settings\.norm_orders\[1\]: 2\.0 repeats an earlier order$",
    ),
    "fields mismatch": (
        _set("settings", "norm_orders", value=[1.0, 3.0]),
        r": fields: expected the fields \[.*'powsum_3'\]",
    ),
    "key dtype unknown": (
        _set("settings", "key_dtypes", "g", value="List(String)"),
        r"settings\.key_dtypes\.g: 'List\(String\)' is not a key dtype",
    ),
    "key dtype not text": (
        _set("settings", "key_dtypes", "g", value=5),
        r"settings\.key_dtypes\.g: expected a dtype's text",
    ),
    "key dtype of no key": (
        _set("settings", "key_dtypes", "h", value="Int64"),
        r"settings\.key_dtypes: unknown field 'h'$",
    ),
    "key dtype changed": (
        _set("settings", "key_dtypes", "g", value="Int64"),
        r"groups\[0\]\.key\.g: expected a Int64 key .*, got 'a'$",
    ),
    "settings unknown": (_set("settings", "extra", value=1), r"settings: unknown field 'extra'$"),
    "settings missing": (_delete("settings", "quantiles"), r"settings: missing field 'quantiles'$"),
    "created_by a number": (_set("created_by", value=5), r"created_by: expected a string, got 5$"),
    "document unknown field": (_set("comment", value="hi"), r"document: unknown field 'comment'$"),
    "fields missing": (_delete("fields", 3), r": fields: expected the fields"),
}


@pytest.mark.parametrize("case", list(BAD_DOCUMENTS))
def test_malformed_documents(tmp_path: Path, case: str) -> None:
    path, doc = _grouped(tmp_path)
    assert doc["groups"][0]["key"] == {"g": "a"}  # the cases above edit group "a": x = 1, 4, 2.5 and a NaN
    edit, pattern = BAD_DOCUMENTS[case]
    edit(doc)
    message = _load_error(_write(path, doc))
    assert message.startswith(f"polars_norm.load: {str(path)!r}")
    assert re.search(pattern, message), message


def test_duplicate_groups_and_sketch_counts(tmp_path: Path) -> None:
    path, doc = _grouped(tmp_path)
    doc["groups"].append(copy.deepcopy(doc["groups"][0]))
    assert "groups[3].key: repeats the key of groups[0]" in _load_error(_write(path, doc))
    path, doc = _grouped(tmp_path)
    by_key = {g["key"]["g"]: g for g in doc["groups"]}
    by_key["a"]["columns"]["x"]["sketch"] = by_key["c"]["columns"]["x"]["sketch"]  # 1 value where count is 3
    message = _load_error(_write(path, doc))
    assert re.search(r"groups\[\d\]\.columns\.x\.sketch: the sketch holds 1 values but count is 3$", message)


def test_float_keys_that_polars_groups_together_are_duplicates(tmp_path: Path) -> None:
    df = pl.DataFrame({"f": [0.0, 1.5, float("nan")], "x": [1.0, 2.0, 3.0]})
    path, doc = _saved(tmp_path, pn.fit(df, by="f", quantiles=False))
    keys = sorted(json.dumps(g["key"]["f"]) for g in doc["groups"])
    assert keys == ['"nan"', "0.0", "1.5"]
    by_key = {json.dumps(g["key"]["f"]): g for g in doc["groups"]}
    by_key["1.5"]["key"]["f"] = -0.0  # the group of 0.0 again
    assert "repeats the key of groups" in _load_error(_write(path, doc))


# -- item 9: every groupable key dtype -------------------------------------------------------------------------------
N = 12
#: Key columns (with a null) and the JSON values their keys must have in the file, written out by hand.
KEY_CASES: dict[str, tuple[pl.Series, list[Any]]] = {
    "Int8": (pl.Series([-128, 127, None] * 4, dtype=pl.Int8), [-128, 127, None]),
    "Int16": (pl.Series([-(2**15), 5, None] * 4, dtype=pl.Int16), [-32768, 5, None]),
    "Int32": (pl.Series([2**31 - 1, 0, None] * 4, dtype=pl.Int32), [2147483647, 0, None]),
    "Int64": (
        pl.Series([-(2**63), 2**63 - 1, None] * 4, dtype=pl.Int64),
        [-9223372036854775808, 9223372036854775807, None],
    ),
    "Int128": (
        pl.Series([-(2**127), 2**100, None] * 4, dtype=pl.Int128),
        [-(2**127), 1267650600228229401496703205376, None],
    ),
    "UInt8": (pl.Series([255, 0, None] * 4, dtype=pl.UInt8), [255, 0, None]),
    "UInt16": (pl.Series([65535, 1, None] * 4, dtype=pl.UInt16), [65535, 1, None]),
    "UInt32": (pl.Series([2**32 - 1, 1, None] * 4, dtype=pl.UInt32), [4294967295, 1, None]),
    "UInt64": (
        pl.Series([2**64 - 1, 2**63, None] * 4, dtype=pl.UInt64),
        [18446744073709551615, 9223372036854775808, None],
    ),
    "UInt128": (
        pl.Series([2**128 - 1, 3, None] * 4, dtype=pl.UInt128),
        [340282366920938463463374607431768211455, 3, None],
    ),
    "Float16": (pl.Series([65504.0, -0.0, None] * 4, dtype=pl.Float16), [65504.0, -0.0, None]),
    "Float32": (
        pl.Series([2.0**-149, float("-inf"), None, float("nan")] * 3, dtype=pl.Float32),
        [1.401298464324817e-45, "-inf", None, "nan"],
    ),
    "Float64": (
        pl.Series([0.1, -0.0, float("inf"), float("nan"), None, 1e308] * 2, dtype=pl.Float64),
        [0.1, -0.0, "inf", "nan", None, 1e308],
    ),
    "Decimal": (
        pl.Series(
            [decimal.Decimal("-3.5"), decimal.Decimal("99999999999999999999999999.9999999999"), None] * 4,
            dtype=pl.Decimal(36, 10),
        ),
        ["-3.5000000000", "99999999999999999999999999.9999999999", None],
    ),
    "String": (pl.Series(['it\'s "q"', "ünï", None] * 4), ['it\'s "q"', "ünï", None]),
    "Categorical": (pl.Series(["lo", "hi", None] * 4, dtype=pl.Categorical), ["lo", "hi", None]),
    "Enum": (pl.Series(["lo", "hi", None] * 4, dtype=pl.Enum(["unused", "hi", "lo"])), ["lo", "hi", None]),
    "Boolean": (pl.Series([True, False, None] * 4), [True, False, None]),
    "Date": (pl.Series([dt.date(1, 1, 1), dt.date(2024, 2, 29), None] * 4), ["0001-01-01", "2024-02-29", None]),
    "Datetime[ns, tz]": (
        pl.Series([1_700_000_000_000_000_001, 1_700_000_000_000_000_002, None] * 4).cast(
            pl.Datetime("ns", "Europe/Paris")
        ),
        [1700000000000000001, 1700000000000000002, None],
    ),
    "Datetime[ms]": (
        pl.Series([-(3 * 10**13), 10**13, None] * 4).cast(pl.Datetime("ms")),
        [-(3 * 10**13), 10**13, None],
    ),
    "Duration[us]": (pl.Series([-1, 86_400 * 10**6, None] * 4).cast(pl.Duration("us")), [-1, 86400000000, None]),
    "Time": (pl.Series([0, 86_400 * 10**9 - 1, None] * 4).cast(pl.Time), [0, 86399999999999, None]),
    "Null": (pl.Series([None] * N, dtype=pl.Null), [None]),
}


@pytest.mark.parametrize("kind", list(KEY_CASES))
def test_every_key_dtype_round_trips(tmp_path: Path, kind: str) -> None:
    keys, json_keys = KEY_CASES[kind]
    df = pl.DataFrame({"g": keys, "x": RNG.normal(size=N), "y": RNG.integers(0, 100, N)})
    acc = pn.fit(df, by="g")
    path, doc = _saved(tmp_path, acc)
    assert sorted(json.dumps(g["key"]["g"]) for g in doc["groups"]) == sorted(json.dumps(k) for k in json_keys)
    back = pn.Accumulator.load(path)
    dtype = back.state.schema["g"]
    assert dtype == keys.dtype
    assert str(dtype) == str(keys.dtype)  # Enum categories in order, Datetime unit and time zone, Decimal scale
    assert_frame_equal(back.state, acc.state)
    assert_frame_equal(back.to_frame(), acc.to_frame())
    serve = pl.concat([df, df.head(3).with_columns(pl.col("x") * 2)])
    for method in ("zscore", "minmax", "unit", "robust", "quantile"):
        assert_frame_equal(back.transform(serve, method), acc.transform(serve, method))
        assert_frame_equal(back.inverse_transform(serve, method), acc.inverse_transform(serve, method))
    assert_frame_equal(pn.Accumulator.load(_saved(tmp_path, back, "again.json")[0]).state, acc.state)


def test_two_key_columns_of_new_dtypes(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {
            "e": pl.Series(["b", "a", "b", "a"], dtype=pl.Enum(["b", "a"])),
            "t": pl.Series([1, 1, 2, 2]).cast(pl.Datetime("us", "UTC")),
            "x": [1.0, 2.0, 3.0, 5.0],
        }
    )
    acc = pn.fit(df, by=["e", "t"])
    path, doc = _saved(tmp_path, acc)
    assert doc["settings"]["key_dtypes"] == {
        "e": "Enum(categories=['b', 'a'])",
        "t": "Datetime(time_unit='us', time_zone='UTC')",
    }
    back = pn.Accumulator.load(path)
    assert_frame_equal(back.transform(df, "zscore"), acc.transform(df, "zscore"))
    assert back.to_frame().sort("mean")["mean"].to_list() == [1.0, 2.0, 3.0, 5.0]


V1_FILE = (
    '{"format": "polars-norm-stats", "format_version": 1, "created_by": "polars-norm 0.1.0", '
    '"settings": {"by": ["d", "k"], "columns": ["x"], "quantiles": true, "sketch_k": 800, '
    '"norm_orders": [2.0], "key_dtypes": {"d": "Date", "k": "Int64"}}, "fields": ["count", "null_count", '
    '"nan_count", "mean", "mean_lo", "scale", "m2_scaled", "min", "max", "powsum_2"], '
    '"groups": [{"key": {"d": "1999-12-31", "k": -3}, "columns": {"x": {"count": 1, "null_count": 0, '
    '"nan_count": 0, "mean": -2.0, "mean_lo": 0.0, "scale": 2.0, "m2_scaled": 0.0, "min": -2.0, '
    '"max": -2.0, "powsum_2": 1.0, "sketch": "AgIPBCADCAAAAAAAAAAAwA=="}}}, {"key": {"d": "2024-01-31", '
    '"k": 7}, "columns": {"x": {"count": 1, "null_count": 1, "nan_count": 0, "mean": 1.5, '
    '"mean_lo": 0.0, "scale": 1.0, "m2_scaled": 0.0, "min": 1.5, "max": 1.5, "powsum_2": 2.25, '
    '"sketch": "AgIPBCADCAAAAAAAAAD4Pw=="}}}, {"key": {"d": null, "k": 7}, "columns": {"x": {"count": 1, '
    '"null_count": 0, "nan_count": 0, "mean": 4.0, "mean_lo": 0.0, "scale": 4.0, "m2_scaled": 0.0, '
    '"min": 4.0, "max": 4.0, "powsum_2": 1.0, "sketch": "AgIPBCADCAAAAAAAAAAQQA=="}}}], '
    '"checksum": "sha256:f001cce4afa48367e0175fa8a36f540219e6aeb7a3f8bd36f02c7f3f84242157"}'
)  # written by polars-norm before key_codec: pn.fit(df, by=["d", "k"], norm_orders=[2.0]).save(path)


def test_reads_format_version_1_files(tmp_path: Path) -> None:
    path = tmp_path / "v1.json"
    path.write_text(V1_FILE)
    acc = pn.Accumulator.load(path)
    # saved again, the same document: files with the key dtypes of format version 1 still read in older versions
    # (saved first: a quantile query sets a flag in DataSketches' serialization of the sketches)
    again = json.loads(_saved(tmp_path, acc, "again.json")[0].read_text())
    old = json.loads(V1_FILE)
    assert {k: v for k, v in again.items() if k not in ("created_by", "checksum")} == {
        k: v for k, v in old.items() if k not in ("created_by", "checksum")
    }
    assert acc.state.schema["d"] == pl.Date and acc.state.schema["k"] == pl.Int64
    frame = acc.to_frame().sort("mean")
    assert frame.select("d", "k", "count", "null_count", "mean").rows() == [
        (dt.date(1999, 12, 31), -3, 1, 0, -2.0),
        (dt.date(2024, 1, 31), 7, 1, 1, 1.5),
        (None, 7, 1, 0, 4.0),
    ]
    assert frame["median"].to_list() == [-2.0, 1.5, 4.0] and frame["l2"].to_list() == [2.0, 1.5, 4.0]


# -- key_codec ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "dtype", [pl.List(pl.Int64), pl.Array(pl.Int8, 2), pl.Struct({"a": pl.Int8}), pl.Object(), pl.Binary()]
)
def test_check_storable_rejects_nested_dtypes(dtype: pl.DataType) -> None:
    from polars_norm.fitted.key_codec import check_storable

    pattern = (
        rf"^polars_norm\.fit: by key 'g' has dtype {re.escape(str(dtype))}, which statistics files cannot hold "
        r"\(they hold group keys of dtype .*Enum.*Datetime.*\)$"
    )
    with pytest.raises(TypeError, match=pattern):
        check_storable("g", dtype, "fit")


STORABLE_DTYPES = [
    *(getattr(pl, f"{s}Int{b}")() for s in ("", "U") for b in (8, 16, 32, 64, 128)),
    pl.Float16(), pl.Float32(), pl.Float64(), pl.Decimal(38, 0), pl.Decimal(5, 5), pl.String(), pl.Categorical(),
    pl.Categorical(pl.Categories("cats", "ns", pl.UInt8)), pl.Enum(["z", "a", "it's \"q\""]), pl.Enum([]),
    pl.Boolean(), pl.Date(), pl.Time(), pl.Null(),
    *(pl.Datetime(u, tz) for u in ("ns", "us", "ms") for tz in (None, "UTC", "America/New_York")),
    *(pl.Duration(u) for u in ("ns", "us", "ms")),
]  # fmt: skip


@pytest.mark.parametrize("dtype", STORABLE_DTYPES, ids=str)
def test_dtype_text_round_trips(dtype: pl.DataType) -> None:
    from polars_norm.fitted.key_codec import check_storable, dtype_from_text, dtype_to_text

    check_storable("g", dtype, "fit")
    back = dtype_from_text(dtype_to_text(dtype))
    assert back == dtype and type(back) is type(dtype) and str(back) == str(dtype)


def test_dtype_text_is_polars_like() -> None:
    from polars_norm.fitted.key_codec import dtype_to_text

    assert dtype_to_text(pl.Datetime("ns", "Europe/Paris")) == "Datetime(time_unit='ns', time_zone='Europe/Paris')"
    assert dtype_to_text(pl.Decimal(10, 2)) == "Decimal(precision=10, scale=2)"
    assert dtype_to_text(pl.Enum(["b", "a"])) == "Enum(categories=['b', 'a'])"
    assert dtype_to_text(pl.Duration("ms")) == "Duration(time_unit='ms')"
    assert [dtype_to_text(d) for d in (pl.Int64(), pl.String(), pl.Date(), pl.Categorical())] == [
        "Int64", "String", "Date", "Categorical"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "", "Int63", "int64", "List(Int64)", "Int64(", "(" * 300, "__import__('os').system('false')",
        "Datetime(time_unit='xs', time_zone=None)", "Datetime(time_unit='us', time_zone='Mars/Olympus')",
        "Datetime('us', None)", "Datetime(time_unit='us')", "Datetime(time_unit='us', time_zone=None, x=1)",
        "Decimal(precision=39, scale=2)", "Decimal(precision=5, scale=6)", "Decimal(precision=True, scale=0)",
        "Enum(categories=['a', 'a'])", "Enum(categories=[1])", "Enum(categories='ab')",
        "Categorical(categories=Categories(name='x', namespace='', physical=Int64))",
        "Categorical(categories=5)", "Duration(time_unit=ns)",
    ],
)  # fmt: skip
def test_bad_dtype_texts(text: str) -> None:
    from polars_norm.fitted.key_codec import dtype_from_text

    with pytest.raises(ValueError, match=re.escape(text[:10]) if text else "^'' is not a key dtype"):
        dtype_from_text(text)


@pytest.mark.parametrize(
    ("dtype", "value"),
    [
        (pl.UInt64(), 2**64), (pl.UInt64(), -1), (pl.Int8(), 128), (pl.Int64(), 1.0), (pl.Int64(), True),
        (pl.Float32(), 0.1), (pl.Float16(), 70000.0), (pl.Float64(), "abc"), (pl.Float64(), True),
        (pl.Float64(), 10**400), (pl.Decimal(5, 2), "1.234"), (pl.Decimal(5, 2), "1234.5"), (pl.Decimal(5, 2), "1e3"),
        (pl.Decimal(5, 2), 1.5),
        (pl.Date(), "2020-13-01"), (pl.Date(), "20200101"), (pl.Date(), 2**31), (pl.Date(), 1.0),
        (pl.Time(), 86_400 * 10**9), (pl.Time(), -1), (pl.Datetime("us"), "2020-01-01"), (pl.Duration("ms"), 2**63),
        (pl.Enum(["a"]), "b"), (pl.Boolean(), 1), (pl.Null(), 0), (pl.String(), 5), (pl.Categorical(), ["a"]),
    ],
)  # fmt: skip
def test_bad_key_values(dtype: pl.DataType, value: object) -> None:
    from polars_norm.fitted.key_codec import key_from_json

    with pytest.raises(ValueError, match=r"^expected .*, got "):
        key_from_json(value, dtype)


def test_key_values_read_back_exactly() -> None:
    from polars_norm.fitted.key_codec import key_from_json, key_to_json, keys_series

    assert key_to_json(-0.0, pl.Float64()) == -0.0 and math.copysign(1, key_from_json(-0.0, pl.Float64())) == -1
    assert key_from_json("1.5", pl.Decimal(5, 2)) == decimal.Decimal("1.50")
    assert key_to_json(decimal.Decimal("1E-8"), pl.Decimal(20, 10)) == "0.0000000100"
    far = [10**7, -(10**7), None]  # days beyond Python's dates: written as integers
    assert [key_to_json(d, pl.Date()) for d in far] == far
    assert (
        keys_series("d", [key_from_json(key_to_json(d, pl.Date()), pl.Date()) for d in far], pl.Date())
        .cast(pl.Int32)
        .to_list()
        == far
    )
    with pytest.raises(ValueError, match="Float32 holds exactly"):
        key_from_json(1e308, pl.Float32())


# -- the fuzz test ----------------------------------------------------------------------------------------------------
@functools.cache
def _fuzz_cases() -> dict[str, tuple[dict[str, Any], pl.DataFrame, dict[str, pl.DataFrame]]]:
    two_keys = pl.DataFrame(
        {
            "k": [1, 2, 1, 2, 3, 3],
            "t": pl.Series([0, 0, 0, 1, 1, 1]).cast(pl.Datetime("ns", "Asia/Kolkata")),
            "x": [1.5, -2.0, 4.0, 8.0, None, 0.25],
        }
    )
    cases = {
        "grouped": (pn.fit(DATA, by="g"), DATA),
        "two keys": (pn.fit(two_keys, by=["k", "t"], quantiles=False), two_keys),
        "ungrouped": (pn.fit(DATA.drop("g")), DATA.drop("g")),
    }
    out = {}
    for name, (acc, frame) in cases.items():
        serve = pl.concat([frame, frame.head(2)])
        out[name] = (statsfile_codec.to_document(acc), serve, _transforms(acc, serve))
    return out


def _transforms(acc: pn.Accumulator, frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    methods = ["zscore", "minmax", "maxabs", "mean_range"]
    methods += ["unit"] if 2.0 in acc.norm_orders else []
    methods += ["robust", "quantile"] if acc.quantiles else []
    return {m: _eager(acc.transform(frame.lazy(), m)) for m in methods}


def _eager(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


_JSON_POOL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**63 - 1, 2**63, 2**64, -(2**63) - 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["nan", "inf", "-inf", "abc", "", "x", "y", "g", "k", "a", "sketch", "count", "AAAA", "1.5"]),
    st.sampled_from(["Int64", "String", "Categorical", "Null", "Float64", "Datetime(time_unit='ns', time_zone=None)"]),
    st.builds(list),  # a new one each time: later edits must not change the pool
    st.builds(dict),
    st.lists(st.sampled_from(["x", "g", 1, None, 2.0]), max_size=3),
    st.dictionaries(st.sampled_from(["x", "g", "count", "key", "columns", "mean"]), st.integers(0, 3), max_size=2),
)


def _nodes(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return []
    out = []
    for k, v in items:
        if path or k != "checksum":
            out.append((*path, k))
            out.extend(_nodes(v, (*path, k)))
    return out


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        doc = doc[k]
    return doc


def _derived(value: Any) -> list[Any]:
    """Type changes and near-misses of ``value``."""
    if isinstance(value, bool):
        return [not value, int(value), str(value).lower(), None]
    if isinstance(value, (int, float)):
        return [-value, str(value), value + 1, value * 2 + 0.5, True, None, -1, 0, float(value) + 0.25]
    if isinstance(value, str):
        return [value[:-1], value + "x", value.upper(), 1, None, "nan", [value]]
    if isinstance(value, list):
        return [value[: len(value) // 2], value[::-1], value + value[:1], [], None, {"0": value}]
    if isinstance(value, dict):
        return [{}, dict(list(value.items())[:-1]), list(value.values()), None]
    return [0, "null", False]


def _decodes(text: Any) -> bool:
    try:
        return isinstance(text, str) and len(base64.b64decode(text, validate=True)) > 1
    except ValueError:
        return False


def _corrupt_sketch(text: str, data: st.DataObject) -> str:
    blob = base64.b64decode(text)
    kind = data.draw(st.sampled_from(["cut text", "cut bytes", "flip byte", "append bytes", "bad char"]))
    if kind == "cut text":
        return text[: data.draw(st.integers(0, len(text) - 1))]
    if kind == "bad char":
        i = data.draw(st.integers(0, len(text) - 1))
        return text[:i] + data.draw(st.sampled_from(["!", "-", " ", "é"])) + text[i + 1 :]
    b = bytearray(blob)
    if kind == "cut bytes":
        b = b[: data.draw(st.integers(0, len(b) - 1))]
    elif kind == "flip byte":
        b[data.draw(st.integers(0, len(b) - 1))] ^= data.draw(st.integers(1, 255))
    else:
        b += bytes(data.draw(st.lists(st.integers(0, 255), min_size=1, max_size=16)))
    return base64.b64encode(bytes(b)).decode()


def _mutate(doc: dict[str, Any], data: st.DataObject) -> None:
    op = data.draw(st.sampled_from(["replace", "derive", "delete", "add", "sketch", "swap", "duplicate"]))
    paths = _nodes(doc)
    path = data.draw(st.sampled_from(paths))
    parent, key = _at(doc, path[:-1]), path[-1]
    if op == "replace":
        parent[key] = data.draw(_JSON_POOL)
    elif op == "derive":
        parent[key] = data.draw(st.sampled_from(_derived(parent[key])))
    elif op == "delete":
        del parent[key]
    elif op == "add":
        target = _at(doc, data.draw(st.sampled_from([p for p in [(), *paths] if isinstance(_at(doc, p), dict)])))
        name = data.draw(st.sampled_from(["x", "y", "g", "extra", "count", "mean", "sketch", "key", "median"]))
        target[name] = data.draw(_JSON_POOL)
    elif op == "sketch":
        sketches = [p for p in paths if p[-1] == "sketch" and _decodes(_at(doc, p))]
        if sketches:
            where = data.draw(st.sampled_from(sketches))
            _at(doc, where[:-1])["sketch"] = _corrupt_sketch(_at(doc, where), data)
    elif op == "swap":
        other = data.draw(st.sampled_from(paths))
        if other[: len(path)] != path and path[: len(other)] != other:
            a, b = _at(doc, path), _at(doc, other)
            parent[key], _at(doc, other[:-1])[other[-1]] = copy.deepcopy(b), copy.deepcopy(a)
    elif isinstance(parent[key], (dict, list)) and isinstance(parent, list):  # duplicate a list element
        parent.append(copy.deepcopy(parent[key]))
    else:
        parent[key] = copy.deepcopy(parent)


def _same(a: Any, b: Any) -> bool:
    """JSON values alike: numbers by value (``2 == 2.0``, never ``true == 1``), containers element by element."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _canonical(doc: dict[str, Any]) -> dict[str, Any]:
    """What a document says, written one way: dtype texts parsed, sketches re-serialized, fields as a set."""
    from polars_norm.fitted.key_codec import dtype_from_text

    out = {k: copy.deepcopy(v) for k, v in doc.items() if k not in ("checksum", "created_by")}
    settings = out["settings"]
    settings["key_dtypes"] = {k: str(dtype_from_text(v)) for k, v in settings["key_dtypes"].items()}
    out["fields"] = sorted(out["fields"])
    for group in out["groups"]:
        for stats in group["columns"].values():
            if "sketch" in stats:
                sketch = kll_doubles_sketch.deserialize(base64.b64decode(stats["sketch"]))
                stats["sketch"] = base64.b64encode(sketch.serialize()).decode()
    return out


@settings(deadline=None)
@given(case=st.sampled_from(["grouped", "two keys", "ungrouped"]), edits=st.integers(1, 3), data=st.data())
def test_fuzz_malformed_files(
    tmp_path_factory: pytest.TempPathFactory, case: str, edits: int, data: st.DataObject
) -> None:
    """A valid file, mutated and re-checksummed: a StatsFileError, or a load that holds exactly what the file says.

    A mutation can leave a valid file that says something else (a group
    dropped, a mean moved within [min, max]); no check can tell, so the
    requirement is that the loaded statistics are the file's (saving them
    again gives the same document) and transform without error, and that
    they transform as the original's when the file still says the same.
    """
    original, serve, want = _fuzz_cases()[case]
    doc = copy.deepcopy(original)
    for _ in range(edits):
        _mutate(doc, data)
    path = _write(tmp_path_factory.mktemp("fuzz") / "stats.json", doc)
    try:
        acc = pn.Accumulator.load(path)
    except StatsFileError:
        return
    resaved = statsfile_codec.to_document(acc)
    assert _same(_canonical(resaved), _canonical(doc)), "the loaded statistics are not the file's"
    got = _transforms(acc, serve)
    if _same(_canonical(doc), _canonical(original)):
        assert got.keys() == want.keys()
        for method, frame in want.items():
            assert_frame_equal(got[method], frame)


# -- consistency of the statistics (mean_lo, scale, m2_scaled, powsum_<p>) ------------------------------------------
_BIG = sys.float_info.max
_SPECIALS = [None, math.nan, math.inf, -math.inf]


def _signed(magnitude: st.SearchStrategy[float]) -> st.SearchStrategy[float]:
    return st.tuples(st.booleans(), magnitude).map(lambda t: -t[1] if t[0] else t[1])


def _steps(v: float, k: int) -> float:
    for _ in range(abs(k)):
        v = math.nextafter(v, math.copysign(math.inf, k))
    return v


_KINDS: dict[str, st.SearchStrategy[Any]] = {
    "random": st.floats(-1e6, 1e6),
    "offset": st.integers(-1000, 1000).map(lambda k: 1e12 + k / 1024),
    "huge": _signed(st.floats(1e300, _BIG)),
    "tiny": st.floats(-1e-300, 1e-300),
    "subnormal": st.floats(-sys.float_info.min, sys.float_info.min),
    "any": st.floats(allow_nan=False, allow_infinity=False),
    "zeros": st.sampled_from([0.0, -0.0]),
}


@st.composite
def _real_frames(draw: st.DrawFn) -> pl.DataFrame:
    """A frame of the kinds a fit meets: random, offset, huge, tiny, subnormal, constant, nearly constant, zeros;
    with nulls, NaN and +-inf or not; Float64, Float32 or Int64."""
    n = draw(st.integers(0, 30))
    dtype = draw(st.sampled_from([pl.Float64, pl.Float64, pl.Float32, pl.Int64]))
    kind = draw(st.sampled_from([*_KINDS, "constant", "nearly constant"]))
    if dtype == pl.Int64:
        elements: st.SearchStrategy[Any] = draw(
            st.sampled_from([st.integers(-(2**62), 2**62), st.integers(-3, 3), st.just(draw(st.integers()))])
        ).filter(lambda v: -(2**63) <= v < 2**63)
    elif kind == "constant":
        elements = st.just(draw(_KINDS[draw(st.sampled_from(list(_KINDS)))]))
    elif kind == "nearly constant":
        base = draw(_KINDS[draw(st.sampled_from(list(_KINDS)))])
        elements = st.integers(-3, 3).map(functools.partial(_steps, base))
    else:
        elements = _KINDS[kind]
    if dtype == pl.Float32:
        elements = elements.filter(lambda v: abs(v) <= 3.4e38)
    if draw(st.booleans()):
        specials = [None] if dtype == pl.Int64 else _SPECIALS
        elements = st.one_of(elements, elements, elements, st.sampled_from(specials))
    values = draw(st.lists(elements, min_size=n, max_size=n))
    keys = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    x = pl.Series("x", values, dtype=pl.Int64 if dtype == pl.Int64 else pl.Float64)
    return pl.DataFrame([pl.Series("g", keys, dtype=pl.Int64), x.cast(dtype)])


def _fit_as(frame: pl.DataFrame, how: str, parts: int, **kw: Any) -> pn.Accumulator:
    """Fit ``frame`` as one frame, lazily, in batches, or in ``parts`` merged with ``+`` or ``merge_all``."""
    size = -(-frame.height // parts) if frame.height else 1
    pieces = [frame.slice(i, size) for i in range(0, max(frame.height, 1), size)]
    if how == "frame":
        return pn.fit(frame, **kw)
    if how == "lazy":
        return pn.fit(frame.lazy(), batch_rows=max(size, 1), **kw)
    if how == "batches":
        return pn.fit(pieces, **kw)
    accs = [pn.fit(p, **kw) for p in pieces]
    if how == "merge_all":
        return pn.Accumulator.merge_all(accs)
    out = accs[0]
    for acc in accs[1:]:
        out = out + acc
    return out


def _round_trips(tmp_path: Path, acc: pn.Accumulator) -> dict[str, Any]:
    path, doc = _saved(tmp_path, acc)
    back = pn.Accumulator.load(path)  # a real fit's file is never rejected
    assert _same(_canonical(statsfile_codec.to_document(back)), _canonical(doc))
    return doc


_ORDERS = st.sampled_from([(1.0, 2.0), (0.5, 1.0, 3.0), (2.0,), (1.5,), (0.25, 4.0, 7.5)])


@settings(deadline=None, max_examples=300)
@given(
    frames=st.lists(_real_frames(), min_size=1, max_size=3),
    grouped=st.booleans(),
    orders=_ORDERS,
    how=st.sampled_from(["frame", "lazy", "batches", "plus", "merge_all"]),
    parts=st.integers(1, 3),
    pooled=st.booleans(),
)
def test_real_fits_always_load(
    tmp_path_factory: pytest.TempPathFactory,
    frames: list[pl.DataFrame],
    grouped: bool,
    orders: tuple[float, ...],
    how: str,
    parts: int,
    pooled: bool,
) -> None:
    """Whatever a fit, a batched fit or a merge writes loads back as the same statistics (the checks reject none)."""
    frame = pl.concat([f.cast({"x": frames[0].schema["x"]}, strict=False) for f in frames])
    kw: dict[str, Any] = {"columns": "x", "norm_orders": orders, "quantiles": how != "lazy"}
    acc = _fit_as(frame, how, parts, by="g" if grouped else None, **kw)
    if grouped and pooled:
        acc = acc.pooled()
    _round_trips(tmp_path_factory.mktemp("real"), acc)


def _col(values: list[Any], dtype: pl.DataType | None = None) -> pl.DataFrame:
    return pl.DataFrame({"x": pl.Series(values, dtype=dtype or pl.Float64())})


_INF = math.inf
REAL_FITS: dict[str, Callable[[], pn.Accumulator]] = {
    "random": lambda: pn.fit(_col(list(RNG.normal(3.0, 2.0, 500)))),
    "constant": lambda: pn.fit(_col([0.1] * 10)),
    "constant past the pilot rows": lambda: pn.fit(_col([0.1] * 10_003)),
    "all zero": lambda: pn.fit(_col([0.0, -0.0, 0.0])),
    "single value": lambda: pn.fit(_col([-3.0])),
    "huge": lambda: pn.fit(_col([*RNG.normal(0.0, 1e300, 50), 1.79e308, -1.79e308])),
    "tiny": lambda: pn.fit(_col(list(RNG.normal(1e-300, 1e-300, 50)))),
    "subnormal": lambda: pn.fit(_col([5e-324, 1e-310, -2e-315, 0.0])),
    "one inf": lambda: pn.fit(_col([1.0, _INF])),
    "both infs": lambda: pn.fit(_col([-_INF, _INF, 2.0])),
    "only inf": lambda: pn.fit(_col([_INF, _INF])),
    "pilot far below": lambda: pn.fit(_col([1e-300] * 10_000 + [1e300] * 5)),
    "span beyond the float range": lambda: pn.fit(_col([-1.7e308] * 10_000 + [1.7e308] * 10_000)),
    "nearly constant": lambda: pn.fit(_col([1.0] * 10_000 + [1.0 + 2**-52] * 3)),
    "grouped": lambda: pn.fit(DATA, by="g"),
    "norm orders": lambda: pn.fit(_col(list(RNG.normal(0.0, 1.0, 100))), norm_orders=(0.5, 1, 3)),
    "float32": lambda: pn.fit(_col([1.5, -2.25, 3.4e38, 1e-45], pl.Float32())),
    "integers": lambda: pn.fit(_col([2**62, -(2**62), 7, 0], pl.Int64())),
    "merged": lambda: pn.fit(_col([1.0, 2.0])) + pn.fit(_col([1e300, -5.0])),
    "merged with zeros": lambda: pn.fit(_col([0.0])) + pn.fit(_col([1e-300])) + pn.fit(_col([], pl.Float64())),
    "merged with inf": lambda: pn.fit(_col([1.0, _INF])) + pn.fit(_col([1e300, 2.0])),
    "merged infs": lambda: pn.fit(_col([-_INF, 1.0])) + pn.fit(_col([_INF, 2.0])),
    "merged beyond the float range": lambda: pn.fit(_col([-1.7e308])) + pn.fit(_col([1.7e308])),
    "merged groups": lambda: (
        pn.fit(DATA, by="g", norm_orders=(0.5, 3)) + pn.fit(DATA.reverse(), by="g", norm_orders=(0.5, 3))
    ),
    "pooled": lambda: pn.fit(DATA, by="g").pooled(),
}


@pytest.mark.parametrize("case", list(REAL_FITS))
def test_real_fits_load(tmp_path: Path, case: str) -> None:
    """Each kind of data a fit meets (a merge of +-1.7e308 has mean inf and mean_lo NaN: it was rejected)."""
    _round_trips(tmp_path, REAL_FITS[case]())


def _edited(tmp_path: Path, acc: pn.Accumulator, **stats: Any) -> str:
    """The load error of ``acc``'s file with the first group's ``x`` statistics set to ``stats``."""
    path, doc = _saved(tmp_path, acc)
    pn.Accumulator.load(path)  # as saved, it loads
    doc["groups"][0]["columns"]["x"].update(stats)
    return _load_error(_write(path, doc))


FOUR = _col([1.0, 2.0, 3.0, 4.0])  # count 4, max 4: scale 4, powsum_2 = 30 / 16
X_FIELD = r"groups\[0\]\.columns\.x\.?"  # then the field: .mean_lo, or ['powsum_0.5']
INCONSISTENT: dict[str, tuple[Callable[[], pn.Accumulator], dict[str, Any], str]] = {
    "mean_lo nan": (lambda: pn.fit(FOUR), {"mean_lo": "nan"}, r"mean_lo: expected a number with \|mean_lo\| <= "),
    "mean_lo 1e300": (lambda: pn.fit(FOUR), {"mean_lo": 1e300}, r"mean_lo: expected a number with \|mean_lo\|"),
    "mean_lo inf": (lambda: pn.fit(FOUR), {"mean_lo": "-inf"}, r"mean_lo: expected a number with \|mean_lo\|"),
    "mean_lo two ulps": (lambda: pn.fit(FOUR), {"mean_lo": 2.5 * 2**-49}, r"mean_lo: expected a number with"),
    "mean_lo of a constant": (lambda: pn.fit(_col([7.0, 7.0])), {"mean_lo": 1e-16}, r"mean_lo: expected 0 \(min =="),
    "mean_lo with inf data": (
        lambda: pn.fit(_col([1.0, _INF])),
        {"mean_lo": 1e300},
        r"mean_lo: expected \"nan\" \(the rounding error of mean inf\)",
    ),
    "mean_lo without data": (lambda: pn.fit(_col([None])), {"mean_lo": 3.0}, r"mean_lo: expected null or 0"),
    "mean nan of finite data": (lambda: pn.fit(FOUR), {"mean": "nan", "mean_lo": "nan"}, r"mean: mean nan is outside"),
    "mean of a constant": (lambda: pn.fit(_col([7.0])), {"mean": 7.000001}, r"mean: mean 7\.000001 is not the value"),
    "powsum_2 zero": (lambda: pn.fit(FOUR), {"powsum_2": 0.0}, r"powsum_2: expected a number in \[0\.99"),
    "powsum_2 too large": (lambda: pn.fit(FOUR), {"powsum_2": 4.5}, r"powsum_2: expected a number in \["),
    "powsum_1 nan": (lambda: pn.fit(FOUR), {"powsum_1": "nan"}, r"powsum_1: expected a number in \["),
    "powsum_1 inf": (lambda: pn.fit(FOUR), {"powsum_1": "inf"}, r"powsum_1: expected a number in \["),
    "powsum of zeros": (lambda: pn.fit(_col([0.0, 0.0])), {"powsum_2": 1.0}, r"powsum_2: expected a number in \[0\.0,"),
    "powsum finite with inf data": (lambda: pn.fit(_col([1.0, _INF])), {"powsum_1": 2.0}, r"powsum_1: expected"),
    "powsum without data": (lambda: pn.fit(_col([None])), {"powsum_1": 2.0}, r"powsum_1: expected 0"),
    "powsum 0.5": (
        lambda: pn.fit(FOUR, norm_orders=(0.5, 1, 3)),
        {"powsum_0.5": 0.5},
        r"\['powsum_0\.5'\]: expected a number in \[",
    ),
    "m2 nan": (lambda: pn.fit(FOUR), {"m2_scaled": "nan"}, r"m2_scaled: expected a finite number, got 'nan'"),
    "m2 inf": (lambda: pn.fit(FOUR), {"m2_scaled": "inf"}, r"m2_scaled: expected a finite number, got 'inf'"),
    "m2 inf with inf data": (lambda: pn.fit(_col([1.0, _INF])), {"m2_scaled": "inf"}, r"m2_scaled: expected a finite"),
    "m2 too large": (lambda: pn.fit(FOUR), {"m2_scaled": 2.5}, r"m2_scaled: expected a number in \[0, 2\.2500"),
    "m2 of a constant": (lambda: pn.fit(_col([3.0, 3.0])), {"m2_scaled": 0.5}, r"m2_scaled: expected a number in \[0,"),
    "m2 without data": (lambda: pn.fit(_col([None])), {"m2_scaled": 1.0}, r"m2_scaled: expected 0"),
    "scale not a power of two": (lambda: pn.fit(FOUR), {"scale": 3.0}, r"scale: expected a power of two \(count is 4"),
    "scale inf": (lambda: pn.fit(FOUR), {"scale": "inf"}, r"scale: expected a power of two"),
    "scale far from the data": (
        lambda: pn.fit(FOUR, norm_orders=()),
        {"scale": 2.0**-40, "m2_scaled": 1e20},
        r"scale: expected a power of two near max\(\|min\|, \|max\|\) = 4\.0, got 9\.09",
    ),
    "scale without data": (lambda: pn.fit(_col([None])), {"scale": 1.0}, r"scale: expected null"),
}


@pytest.mark.parametrize("case", list(INCONSISTENT))
def test_inconsistent_statistics_are_rejected(tmp_path: Path, case: str) -> None:
    """An edited, re-checksummed file whose statistics no fit writes: one error naming the field."""
    fit, stats, pattern = INCONSISTENT[case]
    message = _edited(tmp_path, fit(), **stats)
    assert re.search(X_FIELD + pattern, message), message
