"""WindowNormalizer: batch by batch equals one query, for every window method; its errors and refusals."""

from __future__ import annotations

import itertools
import math
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polars_norm as pn

Row = float | None

_magnitudes = st.sampled_from([1e-3, 1.0, 7.0, 1e3, 1e6])
_plain = st.builds(lambda m, k: m * k, _magnitudes, st.integers(-50, 50).map(float))


@st.composite
def values(draw: st.DrawFn, n: int) -> list[Row]:
    """Values with nulls, NaN, constant runs and mixed magnitudes (spreads well above rounding)."""
    out: list[Row] = []
    while len(out) < n:
        kind = draw(st.sampled_from(["value", "value", "value", "run", "null", "nan"]))
        if kind == "run":
            out.extend([draw(_plain)] * draw(st.integers(2, 6)))
        elif kind == "null":
            out.append(None)
        elif kind == "nan":
            out.append(math.nan)
        else:
            out.append(draw(_plain))
    return out[:n]


# (method, options): every method, lag and not, weighted rolling_zscore; ``by`` methods on "t".
ROLLING = [
    ("rolling_zscore", {"window_size": 4, "min_samples": 2}),
    ("rolling_zscore", {"window_size": 3, "min_samples": 1, "lag": True}),
    ("rolling_zscore", {"window_size": 4, "min_samples": 1, "weights": [1.0, 2.0, 0.5, 3.0]}),
    ("rolling_zscore", {"window_size": 3, "min_samples": 2, "lag": True, "weights": [1.0, 0.0, 2.0]}),
    ("rolling_minmax", {"window_size": 3, "min_samples": 1}),
    ("rolling_minmax", {"window_size": 4, "min_samples": 2, "lag": True, "feature_range": (-1.0, 1.0)}),
    ("rolling_robust", {"window_size": 5, "min_samples": 1}),
    ("rolling_robust", {"window_size": 4, "min_samples": 2, "lag": True}),
    ("rolling_maxabs", {"window_size": 3}),
    ("rolling_maxabs", {"window_size": 2, "min_samples": 1, "lag": True}),
]
BY = [
    ("rolling_zscore_by", {"window_size": "3i"}),
    ("rolling_zscore_by", {"window_size": "4i", "lag": True, "min_samples": 2}),
    ("rolling_minmax_by", {"window_size": "3i", "closed": "both"}),
    ("rolling_minmax_by", {"window_size": "5i", "lag": True}),
    ("rolling_robust_by", {"window_size": "4i"}),
    ("rolling_robust_by", {"window_size": "3i", "lag": True, "closed": "both"}),
    ("rolling_maxabs_by", {"window_size": "2i", "closed": "left"}),
    ("rolling_maxabs_by", {"window_size": "6i", "lag": True}),
    ("ewm_zscore_by", {"half_life": "2i"}),
    ("ewm_zscore_by", {"half_life": "3i", "lag": True, "min_samples": 2}),
]
RECURSIONS = [
    ("expanding_zscore", {}),
    ("expanding_zscore", {"lag": True, "min_samples": 1}),
    ("expanding_minmax", {}),
    ("expanding_minmax", {"lag": True, "feature_range": (2.0, 3.0)}),
    ("expanding_maxabs", {}),
    ("expanding_maxabs", {"lag": True, "min_samples": 2}),
    ("ewm_zscore", {"alpha": 0.3}),
    ("ewm_zscore", {"span": 4, "lag": True, "adjust": False}),
    ("ewm_zscore", {"com": 2.0, "ignore_nulls": True, "bias": True}),
]
CASES = ROLLING + BY + RECURSIONS


@st.composite
def frames(draw: st.DrawFn, *, time: bool) -> tuple[pl.DataFrame, list[int], bool]:
    """A frame (x: Float64, y: Int64, g: keys with null, t: times non-decreasing), batch cuts, grouped."""
    n = draw(st.integers(0, 36))
    grouped = draw(st.booleans())
    keys = st.sampled_from(["a", "b", None]) if grouped else st.just("a")
    data: dict[str, Any] = {
        "x": draw(values(n)),
        "y": draw(st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=n, max_size=n)),
        "g": draw(st.lists(keys, min_size=n, max_size=n)),
        "other": list(range(n)),
    }
    if time:
        steps = draw(st.lists(st.sampled_from([0, 1, 1, 2, 5]), min_size=n, max_size=n))
        data["t"] = list(itertools.accumulate(steps))
    df = pl.DataFrame(
        data,
        schema_overrides={"x": draw(st.sampled_from([pl.Float64, pl.Float32])), "y": pl.Int64, "g": pl.String}
        | {"other": pl.Int64, "t": pl.Int64},
        nan_to_null=False,
    )
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=5)))
    return df, cuts, grouped


def sees_instant(method: str, options: dict[str, Any]) -> bool:
    """Whether a ``rolling_*_by`` window holds every row at its own instant (later ones too)."""
    return (
        method.startswith("rolling") and options.get("closed", "right") in ("right", "both") and not options.get("lag")
    )


def off_ties(cuts: list[int], times: list[Any]) -> list[int]:
    """The cuts that do not split the rows of one instant (such a batch is refused: see test_tie_across_batches)."""
    return [c for c in cuts if c in (0, len(times)) or times[c - 1] != times[c]]


def batches(df: pl.DataFrame, cuts: list[int]) -> list[pl.DataFrame]:
    bounds = [0, *cuts, df.height]
    return [df.slice(a, b - a) for a, b in itertools.pairwise(bounds)]


def one_query(df: pl.DataFrame, method: str, options: dict[str, Any], grouped: bool) -> pl.DataFrame:
    exprs = [getattr(pl.col(c).norm, method)(**options) for c in ("x", "y")]
    return df.with_columns([e.over("g") if grouped else e for e in exprs])


def tolerance(xs: list[Row]) -> float:
    """Tolerance of a z-score of 1: rolling add/remove sums keep ``eps * max|x|`` of every value that passed through.

    The one query's sums carry that rounding from the start of the group, a
    batch's from its carried rows only; divided by a window's spread (at
    least the smallest gap between values) it reaches ``eps * max|x| / gap``
    per unit of z-score.
    """
    finite = sorted({v for v in xs if v is not None and math.isfinite(v)})
    gaps = [b - a for a, b in itertools.pairwise(finite) if b > a]
    if not gaps:
        return 1e-9
    return max(1e-9, 64 * sys.float_info.epsilon * max(abs(v) for v in finite) / min(gaps))


def assert_same(got: pl.DataFrame, want: pl.DataFrame, *, atol: float, rtol: float = 1e-9) -> None:
    assert got.columns == want.columns
    assert got.schema == want.schema
    for name in got.columns:
        g_values, w_values = got[name].to_list(), want[name].to_list()
        for i, (g, w) in enumerate(zip(g_values, w_values, strict=True)):
            where = f"{name}[{i}]: batches {g!r}, one query {w!r}"
            if g is None or w is None:
                assert g is None and w is None, where
            elif isinstance(w, float) and math.isnan(w):
                assert isinstance(g, float) and math.isnan(g), where
            elif isinstance(w, float):
                # the rounding kept in rolling sums, relative to the window's spread: it scales with |z| too
                assert math.isclose(g, w, rel_tol=rtol, abs_tol=atol * max(1.0, abs(w))), where
            else:
                assert g == w, where


def run_batches(
    df: pl.DataFrame,
    cuts: list[int],
    method: str,
    options: dict[str, Any],
    grouped: bool,
    *,
    save_at: int | None = None,
    tmp: Path | None = None,
) -> pl.DataFrame:
    make = lambda: pn.WindowNormalizer(method, ["x", "y"], partition_by="g" if grouped else None, **options)  # noqa: E731
    norm = make()
    out = []
    for i, batch in enumerate(batches(df, cuts)):
        if save_at == i:
            assert tmp is not None
            path = tmp / "state.json"
            norm.save(path)
            if i % 2:
                norm = pn.WindowNormalizer.load(path)
            else:
                norm = make()
                norm.restore(path)
        out.append(norm.transform(batch))
    return pl.concat(out) if out else df


def _case_id(case: tuple[str, dict[str, Any]]) -> str:
    method, options = case
    return method + "".join(f"-{k}={v}" for k, v in options.items() if k in ("lag", "weights", "closed"))


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
@settings(max_examples=15)
@given(data=st.data())
def test_batches_equal_one_query(case: tuple[str, dict[str, Any]], data: st.DataObject) -> None:
    """Batches (empty and one-row ones included), with a save and a restore or load between two of them or not."""
    method, options = case
    time = case in BY
    if time:
        options = {**options, "by": "t"}
    df, cuts, grouped = data.draw(frames(time=time))
    if time and sees_instant(method, options):
        cuts = off_ties(cuts, df["t"].to_list())
    want = one_query(df, method, options, grouped)
    save_at = data.draw(st.one_of(st.none(), st.integers(0, len(cuts))))
    with tempfile.TemporaryDirectory() as tmp:
        got = run_batches(df, cuts, method, options, grouped, save_at=save_at, tmp=Path(tmp))
    if df.schema["x"] == pl.Float32:  # the method's Float64 results, rounded to Float32 at the end
        assert_same(got, want, rtol=1e-6, atol=max(1e-6, tolerance(df["x"].to_list())))
    else:
        assert_same(got, want, atol=tolerance(df["x"].to_list()))


# --------------------------------------------------------------------------
# temporal `by`, calendar windows, Float32, temporal keys
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "window", "start", "step"),
    [
        ("rolling_zscore_by", "1mo", date(2024, 1, 25), timedelta(days=3)),
        ("rolling_robust_by", "10d", date(2024, 2, 20), timedelta(days=2)),
        ("rolling_minmax_by", "36h", datetime(2024, 1, 1), timedelta(hours=7)),
        ("rolling_zscore_by", timedelta(hours=20), datetime(2024, 3, 30), timedelta(hours=5)),
        ("ewm_zscore_by", "12h", date(2024, 1, 1), timedelta(days=1)),
        ("ewm_zscore_by", timedelta(minutes=90), datetime(2024, 1, 1), timedelta(minutes=35)),
    ],
)
@settings(max_examples=10)
@given(data=st.data())
def test_temporal_by(method: str, window: Any, start: Any, step: timedelta, data: st.DataObject) -> None:
    """Date and Datetime ``by`` (calendar windows too), Float32 values, Date keys with nulls."""
    n = data.draw(st.integers(0, 40))
    gaps = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    times = [start + step * k for k in itertools.accumulate(gaps)]
    df = pl.DataFrame(
        {
            "x": data.draw(values(n)),
            "g": data.draw(st.lists(st.sampled_from([date(2020, 1, 1), None]), min_size=n, max_size=n)),
            "t": times,
        },
        schema_overrides={"x": pl.Float32, "g": pl.Date, "t": pl.Date if type(start) is date else pl.Datetime("us")},
        nan_to_null=False,
    )
    cuts = off_ties(sorted(data.draw(st.lists(st.integers(0, n), max_size=4))), times)
    option = "half_life" if method == "ewm_zscore_by" else "window_size"
    want = df.with_columns(getattr(pl.col("x").norm, method)("t", **{option: window}).over("g"))
    norm = pn.WindowNormalizer(method, "x", partition_by="g", by="t", **{option: window})
    with tempfile.TemporaryDirectory() as tmp:
        norm.save(Path(tmp) / "s.json")
        got = pl.concat([norm.transform(b) for b in batches(df, cuts)])
        norm.save(Path(tmp) / "s.json")
        assert pn.WindowNormalizer.load(Path(tmp) / "s.json").to_state() == norm.to_state()
    assert_same(got, want, rtol=1e-5, atol=1e-5 * max(1.0, tolerance(df["x"].to_list())))


def test_state_is_bounded_by_the_windows() -> None:
    norm = pn.WindowNormalizer("rolling_zscore", "x", partition_by="g", window_size=5)
    for k in range(20):
        norm.transform(pl.DataFrame({"g": [k % 3] * 50, "x": [float(i) for i in range(50)]}))
    rows = norm.to_state()["state"]["rows"]
    assert len(rows["group"]) == 3 * 5
    assert len(norm.to_state()["state"]["pilots"]["group"]) == 3 * 2


def test_transform_batches_keeps_other_columns_and_order() -> None:
    df = pl.DataFrame({"g": [2, 1, 2, 1], "x": [1, 5, 3, 7], "s": ["a", "b", "c", "d"]})
    norm = pn.WindowNormalizer("expanding_minmax", "x", partition_by="g")
    out = pl.concat(list(norm.transform_batches([df.head(2), df.tail(2)])))
    assert out["s"].to_list() == ["a", "b", "c", "d"]
    assert out.schema["x"] == pl.Float64
    assert out["x"].to_list() == [0.0, 0.0, 1.0, 1.0]


# --------------------------------------------------------------------------
# errors: each message, and the state unchanged after a refused batch
# --------------------------------------------------------------------------
def test_unknown_method_lists_the_methods() -> None:
    with pytest.raises(
        ValueError, match=r"unknown method 'rolling_mean'; expected one of rolling_zscore, .*ewm_zscore_by"
    ):
        pn.WindowNormalizer("rolling_mean", "x", window_size=3)


def test_center_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"center=True is not possible batch by batch .*rows after the end of the batch"
    ):
        pn.WindowNormalizer("rolling_zscore", "x", window_size=3, center=True)


@pytest.mark.parametrize(
    ("method", "options", "message"),
    [
        ("rolling_zscore", {"window_size": 0}, r"polars_norm.rolling_zscore: window_size=0 must be an integer >= 1"),
        ("rolling_minmax_by", {"by": "t", "window_size": "1x"}, r"polars_norm.rolling_minmax_by: window_size='1x'"),
        ("ewm_zscore", {"alpha": 0.5, "span": 3}, r"give exactly one of com, span, half_life, alpha"),
        ("ewm_zscore_by", {"by": "t", "half_life": "1mo"}, r"calendar units \(mo, q, y\) have no fixed length"),
        ("rolling_zscore_by", {"window_size": "1h"}, r"rolling_zscore_by needs by=<the name of the time column>"),
        ("rolling_zscore", {}, r"bad options for rolling_zscore: .*window_size"),
        ("expanding_zscore", {"window": 3}, r"bad options for expanding_zscore: .*window"),
    ],
)
def test_bad_options_raise_the_methods_errors(method: str, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pn.WindowNormalizer(method, "x", **options)


def test_shared_columns_are_refused() -> None:
    with pytest.raises(ValueError, match=r"must not share a column"):
        pn.WindowNormalizer("rolling_zscore_by", "x", partition_by="t", by="t", window_size="2i")


def _refused(norm: pn.WindowNormalizer, batch: pl.DataFrame, message: str) -> None:
    before = norm.to_state()
    with pytest.raises(ValueError, match=message):
        norm.transform(batch)
    assert norm.to_state() == before


@pytest.mark.parametrize("method", ["rolling_zscore_by", "ewm_zscore_by"])
def test_refused_batches_leave_the_state(method: str) -> None:
    window = {"window_size": "3i"} if method == "rolling_zscore_by" else {"half_life": "3i"}
    norm = pn.WindowNormalizer(method, "x", partition_by="g", by="t", **window)
    norm.transform(pl.DataFrame({"g": ["a", "a", "b"], "t": [1, 4, 2], "x": [1.0, 2.0, 3.0]}))
    good = pl.DataFrame({"g": ["b"], "t": [9], "x": [1.0]})
    _refused(norm, pl.DataFrame({"g": ["a"], "x": [1.0]}), r"the batch has no column 't'")
    _refused(norm, pl.DataFrame({"t": [5], "x": [1.0]}), r"the batch has no column 'g'")
    _refused(norm, pl.DataFrame({"g": ["a"], "t": [5]}), r"the batch has no column 'x'")
    _refused(
        norm,
        pl.DataFrame({"g": ["a"], "t": [5], "x": [1]}),
        r"column 'x' has dtype Int64 in this batch, Float64 in the first batch",
    )
    _refused(
        norm,
        pl.concat([good, pl.DataFrame({"g": ["a", "a"], "t": [6, 3], "x": [1.0, 2.0]})]),
        r"`by` column 't' must be non-decreasing .* group g='a': the value 3 at row 2 of the batch comes after 6",
    )
    _refused(
        norm,
        pl.concat([good, pl.DataFrame({"g": ["a"], "t": [3], "x": [1.0]})]),
        r"group g='a': the value 3 at row 1 of the batch comes after 4\. The batch was refused",
    )
    _refused(
        norm,
        pl.DataFrame({"g": ["b", "b"], "t": [5, None], "x": [1.0, 2.0]}, schema_overrides={"t": pl.Int64}),
        r"group g='b': a null value at row 1 of the batch",
    )
    # the refused batches changed nothing: the next good batch continues the first one
    got = norm.transform(pl.DataFrame({"g": ["a", "b"], "t": [5, 9], "x": [4.0, 1.0]}))
    whole = pl.DataFrame({"g": ["a", "a", "b", "a", "b"], "t": [1, 4, 2, 5, 9], "x": [1.0, 2.0, 3.0, 4.0, 1.0]})
    want = whole.with_columns(getattr(pl.col("x").norm, method)("t", **window).over("g")).tail(2)
    assert got["x"].to_list() == pytest.approx(want["x"].to_list(), rel=1e-12)


def test_tie_across_batches_is_refused_when_windows_hold_their_instant() -> None:
    df = pl.DataFrame({"t": [1, 2, 2], "x": [1.0, 2.0, 5.0]})
    norm = pn.WindowNormalizer("rolling_zscore_by", "x", by="t", window_size="3i")
    norm.transform(df.head(2))
    _refused(norm, df.tail(1), r"the value 2 at row 0 of the batch equals the last one of the previous batch")
    lagged = pn.WindowNormalizer("rolling_zscore_by", "x", by="t", window_size="3i", lag=True)
    got = pl.concat([lagged.transform(df.head(2)), lagged.transform(df.tail(1))])
    assert got["x"].to_list() == df.select(pl.col("x").norm.rolling_zscore_by("t", "3i", lag=True))["x"].to_list()


def test_batch_must_be_a_frame_without_the_reserved_name() -> None:
    norm = pn.WindowNormalizer("expanding_maxabs", "x")
    with pytest.raises(TypeError, match=r"a batch must be a polars DataFrame, got LazyFrame"):
        norm.transform(pl.LazyFrame({"x": [1.0]}))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"a name reserved for group codes"):
        norm.transform(pl.DataFrame({"x": [1.0], "__polars_norm_group__": [1]}))


def test_new_group_in_a_later_batch_starts_fresh_and_null_keys_are_a_group() -> None:
    norm = pn.WindowNormalizer("expanding_minmax", "x", partition_by=["g", "h"])
    norm.transform(pl.DataFrame({"g": [1, None], "h": ["a", None], "x": [0.0, 10.0]}))
    out = norm.transform(pl.DataFrame({"g": [2, None, 1], "h": ["a", None, "a"], "x": [5.0, 20.0, 4.0]}))
    assert out["x"].to_list() == [0.0, 1.0, 1.0]
    assert norm.to_state()["groups"] == [[1, "a"], [None, None], [2, "a"]]


@pytest.mark.parametrize(("method", "options"), [("rolling_minmax", {"window_size": 2}), ("expanding_minmax", {})])
def test_an_empty_first_batch_records_no_dtypes(method: str, options: dict[str, Any]) -> None:
    norm = pn.WindowNormalizer(method, "x", partition_by="g", **options)
    out = norm.transform(pl.DataFrame({"g": [], "x": []}, schema={"g": pl.Null, "x": pl.Float32}))
    assert out.schema["x"] == pl.Float32 and out.height == 0
    assert norm.to_state()["dtypes"] is None
    out = norm.transform(pl.DataFrame({"g": ["a", "a"], "x": [1, 3]}))
    assert out.schema["x"] == pl.Float64
    assert norm.to_state()["dtypes"] == {"x": "Int64", "g": "String"}


def test_pilot_rows_keep_the_groups_first_value_as_pilot() -> None:
    """The first values (0, 1) are the pilot of the one query; the batches' carried rows no longer hold them.

    Without the pilot rows each batch would shift by a value near 1e12: more
    accurate, but not what the one query computes (a weighted window then
    counts as constant there, and gives 0).
    """
    rng = np.random.default_rng(3)
    x = np.concatenate([[0.0, 1.0], np.sort(1e12 + rng.normal(size=400))])
    df = pl.DataFrame({"g": [1] * len(x), "x": x})
    options: dict[str, Any] = {"window_size": 20, "weights": list(range(1, 21))}
    want = df.with_columns(pl.col("x").norm.rolling_zscore(**options).over("g"))
    norm = pn.WindowNormalizer("rolling_zscore", "x", partition_by="g", **options)
    got = pl.concat([norm.transform(b) for b in df.iter_slices(50)])
    assert_same(got, want, atol=1e-9)


@pytest.mark.parametrize(("method", "options"), [("expanding_zscore", {}), ("ewm_zscore", {"span": 3})])
def test_recursions_check_dtypes_as_the_method_does(method: str, options: dict[str, object]) -> None:
    wn = pn.WindowNormalizer(method, "x", **options)
    with pytest.raises(TypeError, match=r"column 'x' has dtype String; expected a numeric column"):
        wn.transform(pl.DataFrame({"x": ["1.5", "2.5"]}))
    with pytest.raises(TypeError, match=r"dtype Boolean"):
        wn.transform(pl.DataFrame({"x": [True, False]}))
    assert wn.transform(pl.DataFrame({"x": [1.0, 2.0]})).height == 2  # nothing recorded by the refusals


def test_an_all_null_batch_of_dtype_null() -> None:
    wn = pn.WindowNormalizer("expanding_zscore", "x")
    with pytest.raises(TypeError, match=r"dtype Null"):  # as a first batch: no dtype to record
        wn.transform(pl.DataFrame({"x": [None, None]}))
    assert wn.transform(pl.DataFrame({"x": [1.0, 2.0]}))["x"].to_list()[1] == pytest.approx(0.5**0.5)
    assert wn.transform(pl.DataFrame({"x": [None, None]}))["x"].to_list() == [None, None]  # later: the column's
    assert wn.transform(pl.DataFrame({"x": [], "g": []})).height == 0
    assert wn.transform(pl.DataFrame({"x": [3.0]}))["x"].to_list() == [1.0]
