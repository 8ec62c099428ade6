"""WindowNormalizer state files: exact round trips, human-readable JSON, and every refusal."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import polars_norm as pn
from polars_norm.batches.state import WindowStateError


def _fed(method: str = "rolling_zscore", **options: Any) -> pn.WindowNormalizer:
    if method == "rolling_zscore" and not options:
        options = {"window_size": 3}
    norm = pn.WindowNormalizer(method, "x", partition_by="g", **options)
    norm.transform(
        pl.DataFrame(
            {"g": ["a", None, "a", "b", "a"], "x": [math.nan, 1.5, math.inf, 2.0, -0.1]},
            nan_to_null=False,
        )
    )
    return norm


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("rolling_zscore", {"window_size": 3, "lag": True}),
        ("rolling_robust", {"window_size": 2}),
        ("expanding_zscore", {}),
        ("ewm_zscore", {"alpha": 0.25}),
    ],
)
def test_round_trip_is_exact(tmp_path: Path, method: str, options: dict[str, Any]) -> None:
    norm = _fed(method, **options)
    norm.save(tmp_path / "s.json")
    text = (tmp_path / "s.json").read_text()
    assert "NaN" not in text and "Infinity" not in text  # non-finite values are the strings "nan", "inf"
    doc = json.loads(text)
    assert doc["format"] == "polars-norm-window-state" and doc["version"] == 1
    assert doc["checksum"].startswith("sha256:")
    assert doc["groups"] == [["a"], [None], ["b"]]
    loaded = pn.WindowNormalizer.load(tmp_path / "s.json")
    assert loaded.to_state() == norm.to_state()
    restored = pn.WindowNormalizer(method, "x", partition_by="g", **options)
    restored.restore(tmp_path / "s.json")
    assert restored.to_state() == norm.to_state()
    nxt = pl.DataFrame({"g": ["b", "a", None], "x": [3.0, 0.5, 1.0]})
    assert_frames_same(restored.transform(nxt), norm.transform(nxt))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]  # no temporary file left


def assert_frames_same(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a.schema == b.schema
    assert a.equals(b, null_equal=True)


def test_temporal_keys_and_by_round_trip_exactly(tmp_path: Path) -> None:
    keys = pl.Series("k", [datetime(2024, 1, 1, 0, 0, 0, 1), None], dtype=pl.Datetime("ns", "Asia/Kolkata"))
    df = pl.DataFrame(
        {
            "k": keys,
            "d": pl.Series([Decimal("1.25"), Decimal("-3.50")], dtype=pl.Decimal(10, 2)),
            "t": pl.Series([date(1, 1, 1), date(9999, 12, 31)], dtype=pl.Date),
            "x": pl.Series([1.5, 2.5], dtype=pl.Float32),
        }
    )
    norm = pn.WindowNormalizer("rolling_zscore_by", "x", partition_by=["k", "d"], by="t", window_size="1mo")
    norm.transform(df)
    norm.save(tmp_path / "s.json")
    loaded = pn.WindowNormalizer.load(tmp_path / "s.json")
    assert loaded.to_state() == norm.to_state()
    state = loaded._state
    assert state.keys is not None and state.carried is not None
    assert state.keys.equals(df.select("k", "d"), null_equal=True)
    assert state.keys.schema == df.select("k", "d").schema
    assert state.carried.rows["t"].to_list() == [date(1, 1, 1), date(9999, 12, 31)]
    assert state.carried.rows.schema["x"] == pl.Float32


def test_save_refuses_keys_a_file_cannot_hold(tmp_path: Path) -> None:
    norm = pn.WindowNormalizer("expanding_maxabs", "x", partition_by="k")
    norm.transform(pl.DataFrame({"k": [[1, 2]], "x": [1.0]}))
    with pytest.raises(TypeError, match=r"key 'k' has dtype List\(Int64\)"):
        norm.save(tmp_path / "s.json")
    assert not (tmp_path / "s.json").exists()


@pytest.mark.parametrize(
    ("other", "message"),
    [
        (
            lambda: pn.WindowNormalizer("rolling_minmax", "x", partition_by="g", window_size=3),
            r"method is 'rolling_zscore' in the file, 'rolling_minmax' here",
        ),
        (
            lambda: pn.WindowNormalizer("rolling_zscore", "x", partition_by="g", window_size=4),
            r"option window_size is 3 in the file, 4 here",
        ),
        (
            lambda: pn.WindowNormalizer("rolling_zscore", "x", partition_by="g", window_size=3, lag=True),
            r"option lag is False in the file, True here",
        ),
        (
            lambda: pn.WindowNormalizer("rolling_zscore", ["x", "y"], partition_by="g", window_size=3),
            r"columns is \['x'\] in the file, \['x', 'y'\] here",
        ),
        (
            lambda: pn.WindowNormalizer("rolling_zscore", "x", window_size=3),
            r"partition_by is \['g'\] in the file, \[\] here",
        ),
    ],
)
def test_restore_refuses_another_normalizer(tmp_path: Path, other: Any, message: str) -> None:
    _fed().save(tmp_path / "s.json")
    norm = other()
    norm.transform(pl.DataFrame({"g": ["z"], "x": [1.0], "y": [1.0]}))
    before = norm.to_state()
    with pytest.raises(WindowStateError, match=r"is for another normalizer: " + message):
        norm.restore(tmp_path / "s.json")
    assert norm.to_state() == before


def _edit(path: Path, change: Any, *, rehash: bool = True) -> None:
    from polars_norm.fitted.statsfile_codec import checksum

    doc = json.loads(path.read_text())
    change(doc)
    if rehash:
        doc["checksum"] = checksum(doc)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("change", "rehash", "message"),
    [
        (lambda d: d.update(version=2), True, r"has format version 2; this polars-norm reads version 1"),
        (lambda d: d.update(format="polars-norm-stats"), True, r'is not a window state file \(no "format"'),
        (lambda d: d["state"]["rows"]["x"].__setitem__(0, 9.0), False, r"was modified or is damaged: its checksum"),
        (lambda d: d["state"]["rows"].update(x=["abc"] * len(d["state"]["rows"]["x"])), True, r"is malformed"),
        (lambda d: d["state"].update(rows={"group": []}), True, r"is malformed"),
        (lambda d: d["state"]["rows"]["group"].__setitem__(0, 99), True, r"expected group codes in \[0, 3\)"),
        (lambda d: d.update(groups=[["a", "b"]]), True, r"groups: expected a list of keys, each a list of 1 values"),
        (lambda d: d.update(dtypes={"x": "List(Int64)", "g": "String"}), True, r"is malformed"),
    ],
)
def test_restore_and_load_refuse_bad_files(tmp_path: Path, change: Any, rehash: bool, message: str) -> None:
    path = tmp_path / "s.json"
    norm = _fed()
    norm.save(path)
    _edit(path, change, rehash=rehash)
    before = norm.to_state()
    with pytest.raises(WindowStateError, match=message):
        norm.restore(path)
    assert norm.to_state() == before
    with pytest.raises(WindowStateError, match=message):
        pn.WindowNormalizer.load(path)


def test_not_json_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(b"PAR1\x00\x01")
    with pytest.raises(WindowStateError, match=r"is not a JSON file or is truncated"):
        pn.WindowNormalizer.load(path)
    path.write_text('{"format": "polars-norm-window-state", "version": 1, "x": NaN}')
    with pytest.raises(WindowStateError, match=r"the literal NaN"):
        pn.WindowNormalizer.load(path)
    with pytest.raises(FileNotFoundError):
        pn.WindowNormalizer.load(tmp_path / "missing.json")


def test_from_state_checks_the_checksum() -> None:
    doc = _fed().to_state()
    doc["columns"] = ["y"]
    with pytest.raises(WindowStateError, match=r"from_state: the document was modified"):
        pn.WindowNormalizer.from_state(doc)


def test_state_before_any_batch_round_trips(tmp_path: Path) -> None:
    norm = pn.WindowNormalizer("ewm_zscore_by", "x", by="t", half_life="1h")
    norm.save(tmp_path / "s.json")
    loaded = pn.WindowNormalizer.load(tmp_path / "s.json")
    assert loaded.options == norm.options
    df = pl.DataFrame({"t": [datetime(2024, 1, 1), datetime(2024, 1, 1, 2)], "x": [1.0, 3.0]})
    assert_frames_same(loaded.transform(df), norm.transform(df))
    loaded.save(tmp_path / "s.json")
    again = pn.WindowNormalizer.load(tmp_path / "s.json")
    nxt = pl.DataFrame({"t": [datetime(2024, 1, 1, 5)], "x": [2.0]})
    assert_frames_same(again.transform(nxt), norm.transform(nxt))
