"""Group keys: matched by value across fit batches, merges and transforms (polars_norm.fitted.keys).

The reference is a plain Python loop that groups the fitted rows by the
Python value of their key (``1 == 1.0``, ``"b"`` from a String or an Enum,
``datetime`` values alike across time units), never by position.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import polars_norm as pn

#: kind -> (the dtypes of that kind, the pool of key values every dtype of the kind holds exactly)
KINDS: dict[str, tuple[list[pl.DataType], list[Any]]] = {
    "integer": (
        [pl.Int8(), pl.Int16(), pl.Int32(), pl.Int64(), pl.UInt8(), pl.UInt16(), pl.UInt32(), pl.UInt64()],
        [0, 1, 2, 5, 7, 100, 127],
    ),
    "number": ([pl.Int64(), pl.Float32(), pl.Float64(), pl.Decimal(10, 2)], [0, 1, 2, 5, 7, -3]),
    "text": ([pl.String(), pl.Categorical()], ["a", "b", "c", "zz", ""]),
    "boolean": ([pl.Boolean()], [True, False]),
    "date": ([pl.Date()], [dt.date(2020, 1, 1), dt.date(1969, 12, 31), dt.date(2024, 2, 29)]),
    "datetime": (
        [pl.Datetime("ms"), pl.Datetime("us"), pl.Datetime("ns")],
        [dt.datetime(2020, 1, 1, 12), dt.datetime(1970, 1, 1), dt.datetime(2021, 5, 6, 7, 8, 9, 123000)],
    ),
    "duration": (
        [pl.Duration("ms"), pl.Duration("us"), pl.Duration("ns")],
        [dt.timedelta(0), dt.timedelta(seconds=1), dt.timedelta(days=-2, milliseconds=5)],
    ),
    "time": ([pl.Time()], [dt.time(0), dt.time(12, 30), dt.time(23, 59, 59)]),
}


def _series(values: list[Any], dtype: pl.DataType) -> pl.Series:
    if isinstance(dtype, pl.Decimal):
        return pl.Series("g", [None if v is None else Decimal(v) for v in values], dtype=dtype)
    if dtype.is_float() or dtype.is_integer():
        return pl.Series("g", values, dtype=pl.Int64).cast(dtype)
    return pl.Series("g", values, dtype=dtype)


def _same(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a == b


def reference_minmax(fit_rows: list[tuple[Any, float]], rows: list[tuple[Any, float]]) -> list[float | None]:
    """minmax with per-group extremes, groups found by Python value equality (a loop, no Polars)."""
    groups: list[tuple[Any, list[float]]] = []
    for key, x in fit_rows:
        for gkey, xs in groups:
            if _same(gkey, key) or (gkey is None and key is None):
                xs.append(x)
                break
        else:
            groups.append((key, [x]))
    out: list[float | None] = []
    for key, x in rows:
        match = [xs for gkey, xs in groups if _same(gkey, key) or (gkey is None and key is None)]
        if not match:
            out.append(None)
            continue
        lo, hi = min(match[0]), max(match[0])
        out.append((x - lo) / ((hi - lo) or 1.0))
    return out


@st.composite
def key_case(draw: st.DrawFn) -> tuple[str, pl.DataType, pl.DataType, list[Any], list[Any]]:
    kind = draw(st.sampled_from(sorted(KINDS)))
    dtypes, pool = KINDS[kind]
    fit_dtype, frame_dtype = draw(st.sampled_from(dtypes)), draw(st.sampled_from(dtypes))
    if kind == "integer":  # values every integer dtype holds
        pool = [v for v in pool if v >= 0]
    values = st.one_of(st.sampled_from(pool), st.none())
    fit_keys = draw(st.lists(values, min_size=1, max_size=12))
    frame_keys = draw(st.lists(values, min_size=1, max_size=12))
    return kind, fit_dtype, frame_dtype, fit_keys, frame_keys


@settings(deadline=None)
@given(case=key_case(), enum_frame=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_keys_match_by_value_across_dtypes(
    case: tuple[str, pl.DataType, pl.DataType, list[Any], list[Any]], enum_frame: bool, seed: int
) -> None:
    kind, fit_dtype, frame_dtype, fit_keys, frame_keys = case
    rng = np.random.default_rng(seed)
    fit_x = rng.normal(size=len(fit_keys)).tolist()
    frame_x = rng.normal(size=len(frame_keys)).tolist()
    train = pl.DataFrame([_series(fit_keys, fit_dtype), pl.Series("x", fit_x)])
    if kind == "text" and enum_frame:  # an Enum of the frame's own categories (not the fitted ones)
        frame_dtype = pl.Enum(sorted({k for k in frame_keys if k is not None}))
    serve = pl.DataFrame([_series(frame_keys, frame_dtype), pl.Series("x", frame_x)])
    acc = pn.fit(train, by="g", quantiles=False)
    want = serve.with_columns(
        pl.Series("x", reference_minmax(list(zip(fit_keys, fit_x, strict=True)), serve.rows()), pl.Float64)
    )
    assert_frame_equal(acc.transform(serve, "minmax"), want, rel_tol=1e-12, abs_tol=1e-12)
    lazy = acc.transform(serve.lazy(), "minmax")
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(lazy.collect(engine="streaming"), want, rel_tol=1e-12, abs_tol=1e-12)
    # two keys (the join route): the same lookup
    two = pn.fit(train.with_columns(h=pl.lit(1)), by=["g", "h"], quantiles=False)
    got2 = two.transform(serve.with_columns(h=pl.lit(1)), "minmax").drop("h")
    assert_frame_equal(got2, want, rel_tol=1e-12, abs_tol=1e-12)


@settings(deadline=None)
@given(case=key_case(), split=st.integers(0, 12))
def test_fit_batches_and_merges_with_other_key_dtypes_equal_one_fit(
    case: tuple[str, pl.DataType, pl.DataType, list[Any], list[Any]], split: int
) -> None:
    _, first_dtype, second_dtype, keys_a, keys_b = case
    x_a = [float(i) for i in range(len(keys_a))]
    x_b = [100.0 + i for i in range(len(keys_b))]
    a = pl.DataFrame([_series(keys_a, first_dtype), pl.Series("x", x_a)])
    b = pl.DataFrame([_series(keys_b, second_dtype), pl.Series("x", x_b)])
    batches = pn.fit([a, b], by="g", quantiles=False)
    merged = pn.fit(a, by="g", quantiles=False) + pn.fit(b, by="g", quantiles=False)
    rows = list(zip(keys_a + keys_b, x_a + x_b, strict=True))
    probe = pl.DataFrame([_series(keys_a + keys_b, first_dtype), pl.Series("x", x_a + x_b)])
    want = probe.with_columns(pl.Series("x", reference_minmax(rows, probe.rows()), pl.Float64))
    for acc in (batches, merged):
        assert_frame_equal(acc.transform(probe, "minmax"), want, rel_tol=1e-12, abs_tol=1e-12)
        distinct = {k for k in keys_a + keys_b if k is not None} | ({None} if None in keys_a + keys_b else set())
        assert acc.state.height == len(distinct)


def test_boolean_keys_against_integer_fit_are_refused() -> None:
    # issue 14, item 2: every row silently got group 3's statistics
    acc = pn.fit(pl.DataFrame({"g": [1, 1, 2, 2, 3, 3], "x": [1.0, 2, 3, 4, 5, 7]}), by="g")
    serve = pl.DataFrame({"g": [True, False], "x": [1.0, 2.0]})
    with pytest.raises(TypeError, match=r"by key 'g' is Int64 in the fitted statistics but Boolean in the frame"):
        acc.transform(serve, "zscore")
    with pytest.raises(TypeError, match="by key 'g'"):
        acc.transform(serve.lazy(), "quantile")


def test_fractional_key_is_its_own_group() -> None:
    # issue 14, item 2: the 1.5 rows were merged into group 1 by truncation
    a = pl.DataFrame({"g": [1, 1], "x": [1.0, 2.0]})
    b = pl.DataFrame({"g": [1.5, 1.5], "x": [10.0, 20.0]})
    acc = pn.fit([a, b], by="g", quantiles=False)
    frame = acc.to_frame().sort("g")
    assert frame["g"].to_list() == [1.0, 1.5]
    assert frame["max"].to_list() == [2.0, 20.0]
    got = acc.transform(pl.DataFrame({"g": [1, 2, 1], "x": [1.5, 1.5, 3.0]}), "minmax")
    assert got["x"].to_list() == [0.5, None, 2.0]


def test_fitted_keys_out_of_the_frame_dtype_range() -> None:
    # issue 14, item 8: fitted keys {-1, 5, 300} and a UInt8 key column raised "conversion from i64 to u8 failed"
    acc = pn.fit(pl.DataFrame({"g": [-1, 5, 5, 300], "x": [1.0, 2.0, 4.0, 3.0]}), by="g")
    serve = pl.DataFrame({"g": pl.Series([5, 7, 255], dtype=pl.UInt8), "x": [3.0, 3.0, 3.0]})
    for method, want in (("minmax", [0.5, None, None]), ("quantile", [0.5, None, None])):
        assert acc.transform(serve, method)["x"].to_list() == want
    assert acc.transform(serve, "minmax", unseen="global")["x"].to_list() == [0.5, 2 / 3, 2 / 3]


def test_uint64_keys_beyond_int64() -> None:
    big = 2**64 - 1
    train = pl.DataFrame({"g": pl.Series([big, big, 3], dtype=pl.UInt64), "x": [0.0, 2.0, 5.0]})
    acc = pn.fit(train, by="g", quantiles=False)
    serve = pl.DataFrame({"g": pl.Series([-1, 3, None], dtype=pl.Int64), "x": [1.0, 5.0, 1.0]})
    assert acc.transform(serve, "minmax")["x"].to_list() == [None, 0.0, None]
    serve2 = pl.DataFrame({"g": pl.Series([big, big - 1], dtype=pl.UInt64), "x": [1.0, 1.0]})
    assert acc.transform(serve2, "minmax")["x"].to_list() == [0.5, None]


def test_string_fit_enum_frame_with_unseen_category() -> None:
    # issue 14, item 8: an Enum(["c", "b"]) key raised a conversion error instead of null for the unseen "c"
    acc = pn.fit(pl.DataFrame({"g": ["b", "b", "a"], "x": [1.0, 3.0, 5.0]}), by="g")
    serve = pl.DataFrame({"g": pl.Series(["c", "b", "a"], dtype=pl.Enum(["c", "b", "a"])), "x": [2.0, 2.0, 5.0]})
    for method in ("minmax", "robust", "quantile"):
        got = acc.transform(serve, method)["x"].to_list()
        assert got[0] is None, method
        assert got[1] is not None and got[2] is not None, method
    assert acc.transform(serve, "minmax")["x"].to_list() == [None, 0.5, 0.0]


def test_merge_int64_with_int32_keys() -> None:
    # issue 14, item 8: SchemaError "type Int32 is incompatible with expected type Int64"
    a = pn.fit(pl.DataFrame({"g": [1, 2], "x": [1.0, 5.0]}), by="g")
    b = pn.fit(pl.DataFrame({"g": pl.Series([1, 3], dtype=pl.Int32), "x": [3.0, 7.0]}), by="g")
    merged = (a + b).to_frame().sort("g")
    assert merged.schema["g"] == pl.Int64
    assert merged["g"].to_list() == [1, 2, 3]
    assert merged["count"].to_list() == [2, 1, 1]
    assert merged["mean"].to_list() == [2.0, 5.0, 7.0]


def test_merge_and_batches_refuse_keys_of_other_kinds() -> None:
    a = pn.fit(pl.DataFrame({"g": [1, 2], "x": [1.0, 5.0]}), by="g")
    b = pn.fit(pl.DataFrame({"g": ["1", "2"], "x": [3.0, 7.0]}), by="g")
    with pytest.raises(TypeError, match="by key 'g' is Int64 in one accumulator but String in another"):
        a + b
    batches = [pl.DataFrame({"g": [1], "x": [1.0]}), pl.DataFrame({"g": [True], "x": [1.0]})]
    with pytest.raises(TypeError, match="by key 'g' is Int64 in earlier batches but Boolean in this batch"):
        pn.fit(batches, by="g")


def test_datetime_keys_of_other_time_zones_are_refused() -> None:
    t = dt.datetime(2024, 1, 1)
    acc = pn.fit(pl.DataFrame({"g": [t], "x": [1.0]}).with_columns(pl.col("g").dt.replace_time_zone("UTC")), by="g")
    with pytest.raises(TypeError, match="by key 'g'"):
        acc.transform(pl.DataFrame({"g": [t], "x": [1.0]}), "zscore")


def test_unusable_key_dtypes_are_refused_before_fitting() -> None:
    df = pl.DataFrame({"g": [[1], [2]], "x": [1.0, 2.0]})
    with pytest.raises(TypeError, match=r"by key 'g' has dtype List\(Int64\); group keys must be"):
        pn.fit(df, by="g")
    with pytest.raises(TypeError, match="by key 'g' has dtype List"):
        pn.fit(df.lazy(), by="g", quantiles=False)


def test_negative_zero_float_key_is_the_zero_group() -> None:
    # a float key -0.0 is the group 0.0, as Python's == says
    acc = pn.fit(pl.DataFrame({"g": [0.0, 0.0, 2.5], "x": [1.0, 3.0, 9.0]}), by="g", quantiles=False)
    got = acc.transform(pl.DataFrame({"g": [-0.0, 2.5, math.inf], "x": [2.0, 9.0, 1.0]}), "minmax")
    assert got["x"].to_list() == [0.5, 0.0, None]


def test_nanosecond_datetime_keys_keep_their_own_sketches() -> None:
    # keys 1 ns apart shared one sketch (keyed by Python datetimes, which stop at microseconds)
    base = pl.Series([0, 0, 0, 1, 1, 1], dtype=pl.Int64).cast(pl.Datetime("ns"))
    df = pl.DataFrame({"g": base, "x": [1.0, 2.0, 3.0, 100.0, 200.0, 300.0]})
    acc = pn.fit(df, by="g")
    ints = df.with_columns(pl.col("g").to_physical())  # the same groups as ordinary integer keys
    want = pn.fit(ints, by="g").transform(ints, "robust").with_columns(g=base)
    assert want["x"].to_list() == [-0.5, 0.0, 0.5, -0.5, 0.0, 0.5]
    assert_frame_equal(acc.transform(df, "robust"), want)
    assert_frame_equal(acc.transform(df, "quantile"), df.with_columns(pl.col("x").norm.quantile().over("g")))
    # the same keys arriving in ms and in ns: one group each, by instant
    ms = pl.DataFrame({"g": pl.Series([5], dtype=pl.Int64).cast(pl.Datetime("ms")), "x": [7.0]})
    ns = pl.DataFrame({"g": pl.Series([5_000_000], dtype=pl.Int64).cast(pl.Datetime("ns")), "x": [9.0]})
    both = pn.fit([ms, ns], by="g")
    assert both.state.height == 1 and both.state.schema["g"] == pl.Datetime("ns")
    assert both.to_frame()["median"].to_list() in ([7.0], [9.0])
    assert both.sketch("x", dt.datetime(1970, 1, 1, 0, 0, 0, 5000)) is not None


def test_nan_and_far_future_keys_find_their_sketches(tmp_path: Path) -> None:
    df = pl.DataFrame({"g": [float("nan"), float("nan"), 1.0, 1.0], "x": [1.0, 3.0, 10.0, 30.0]})
    acc = pn.fit(df, by="g")
    same = pn.fit(df.with_columns(g=pl.col("g").fill_nan(2.0)), by="g")  # the NaN group as an ordinary one
    for method in ("zscore", "robust", "quantile"):
        got = acc.transform(df, method)["x"].to_list()
        assert got == same.transform(df.with_columns(g=pl.col("g").fill_nan(2.0)), method)["x"].to_list()
        assert None not in got
    far = pl.DataFrame({"g": pl.Series([10**9, 10**9], dtype=pl.Int32).cast(pl.Date), "x": [1.0, 3.0]})
    acc2 = pn.fit(far, by="g")
    assert acc2.to_frame()["median"].to_list() == [3.0]
    acc2.save(tmp_path / "far.json")
    plain = pl.DataFrame({"g": [1, 1], "x": [1.0, 3.0]})
    want = pn.fit(plain, by="g").transform(plain, "robust")["x"].to_list()
    assert pn.Accumulator.load(tmp_path / "far.json").transform(far, "robust")["x"].to_list() == want


def test_decimal_keys_recast_to_float_keep_their_sketches() -> None:
    dec = pl.DataFrame({"g": pl.Series([Decimal("0.1"), Decimal("0.1")], dtype=pl.Decimal(10, 2)), "x": [1.0, 3.0]})
    flo = pl.DataFrame({"g": [0.1, 0.1], "x": [5.0, 7.0]})
    for acc in (pn.fit([dec, flo], by="g"), pn.fit(dec, by="g") + pn.fit(flo, by="g")):
        frame = acc.to_frame()
        assert frame.schema["g"] == pl.Float64
        assert frame["count"].to_list() == [4]
        assert frame["median"].to_list()[0] in (3.0, 5.0)


def test_fitted_keys_that_meet_in_the_comparison_dtype_are_refused() -> None:
    # two fitted integer keys beyond 2**53 are one Float64: the transform duplicated rows
    acc = pn.fit(pl.DataFrame({"g": [2**53, 2**53, 2**53 + 1], "x": [1.0, 3.0, 10.0]}), by="g")
    serve = pl.DataFrame({"g": [float(2**53), 1.0], "x": [2.0, 2.0]})
    with pytest.raises(TypeError, match=r"different fitted keys .* become one value in .*Float64"):
        acc.transform(serve, "zscore")
    assert acc.transform(serve.with_columns(pl.col("g").cast(pl.Int64)), "minmax").height == 2
    batches = [pl.DataFrame({"g": [2**53, 2**53 + 1], "x": [1.0, 2.0]}), pl.DataFrame({"g": [0.5], "x": [1.0]})]
    with pytest.raises(TypeError, match="different keys become one value in Float64"):
        pn.fit(batches, by="g")
    with pytest.raises(TypeError, match="different keys become one value in Float64"):
        pn.fit(batches[0], by="g") + pn.fit(batches[1], by="g")


def test_keys_the_comparison_dtype_cannot_hold() -> None:
    # a microsecond key of year 9999 has no nanosecond value: it matches nothing (it raised a strict-cast error)
    t = [dt.datetime(2024, 1, 1), dt.datetime(9999, 12, 31)]
    acc = pn.fit(pl.DataFrame({"t": t, "x": [1.0, 3.0]}), by="t")
    serve = pl.DataFrame({"t": pl.Series([dt.datetime(2024, 1, 1), None]).cast(pl.Datetime("ns")), "x": [2.0, 2.0]})
    for method, want in (("minmax", 1.0), ("quantile", 0.5)):  # the 2024 group holds the single value 1.0
        for got in (acc.transform(serve.lazy(), method).collect(engine="streaming"), acc.transform(serve, method)):
            assert got["x"].to_list() == [want, None]
    # the frame's year-9999 key cannot be a nanosecond fitted key, nor the null group
    acc_ns = pn.fit(
        pl.DataFrame({"t": pl.Series([dt.datetime(2024, 1, 1), None]).cast(pl.Datetime("ns")), "x": [1.0, 5.0]}),
        by="t",
    )
    frame = pl.DataFrame({"t": [dt.datetime(9999, 1, 1), dt.datetime(2024, 1, 1), None], "x": [2.0, 1.0, 5.0]})
    assert acc_ns.transform(frame, "minmax")["x"].to_list() == [None, 0.0, 0.0]
    batches = [
        pl.DataFrame({"t": [dt.datetime(9999, 12, 31)], "x": [1.0]}),
        pl.DataFrame({"t": pl.Series([dt.datetime(2024, 1, 1)]).cast(pl.Datetime("ns")), "x": [1.0]}),
    ]
    with pytest.raises(TypeError, match=r"by key 't' cannot be held in Datetime\(time_unit='ns'"):
        pn.fit(batches, by="t")
