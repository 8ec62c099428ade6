"""Window normalizations: accuracy on hard data, ``.over``, streaming, causality, dtypes and errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
import window_references as ref
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

import polars_norm as pn

Build = Callable[[pl.Expr], pl.Expr]

# Every window method, in a form that needs only columns "x" and "t" (sorted integer times).
METHODS: dict[str, Build] = {
    "rolling_zscore": lambda e: pn.rolling_zscore(e, 4, min_samples=2),
    "rolling_zscore_lag": lambda e: pn.rolling_zscore(e, 4, min_samples=1, lag=True),
    "rolling_zscore_center": lambda e: pn.rolling_zscore(e, 3, min_samples=2, center=True),
    "rolling_zscore_weighted": lambda e: pn.rolling_zscore(e, 4, min_samples=2, weights=[0.5, 1.0, 0.0, 2.0]),
    "rolling_zscore_weighted_lag": lambda e: pn.rolling_zscore(e, 3, min_samples=1, lag=True, weights=[1, 2, 3]),
    "rolling_zscore_weighted_center": lambda e: pn.rolling_zscore(
        e, 4, min_samples=2, center=True, weights=[1, 2, 3, 4]
    ),
    "rolling_minmax": lambda e: pn.rolling_minmax(e, 3, min_samples=1),
    "rolling_robust": lambda e: pn.rolling_robust(e, 5, min_samples=2),
    "rolling_maxabs": lambda e: pn.rolling_maxabs(e, 3, min_samples=1, lag=True),
    "rolling_zscore_by": lambda e: pn.rolling_zscore_by(e, "t", "4i"),
    "rolling_minmax_by": lambda e: pn.rolling_minmax_by(e, "t", "3i", lag=True),
    "rolling_robust_by": lambda e: pn.rolling_robust_by(e, "t", "5i", min_samples=2),
    "rolling_maxabs_by": lambda e: pn.rolling_maxabs_by(e, "t", "3i"),
    "expanding_zscore": lambda e: pn.expanding_zscore(e),
    "expanding_zscore_lag": lambda e: pn.expanding_zscore(e, lag=True),
    "expanding_minmax": lambda e: pn.expanding_minmax(e),
    "expanding_maxabs": lambda e: pn.expanding_maxabs(e, lag=True),
    "ewm_zscore": lambda e: pn.ewm_zscore(e, span=4.0),
    "ewm_zscore_lag": lambda e: pn.ewm_zscore(e, alpha=0.3, adjust=False, lag=True),
    "ewm_zscore_by": lambda e: pn.ewm_zscore_by(e, "t", half_life="2i"),
    "ewm_zscore_by_lag": lambda e: pn.ewm_zscore_by(e, "t", half_life="3i", bias=True, lag=True),
    "ewm_zscore_by_min_samples": lambda e: pn.ewm_zscore_by(e, "t", half_life="2i", min_samples=3),
    "ewm_zscore_by_min_samples_lag": lambda e: pn.ewm_zscore_by(e, "t", half_life="2i", min_samples=2, lag=True),
}
CAUSAL = [name for name in METHODS if not name.endswith("center")]

_value = st.one_of(
    st.none(),
    st.just(math.nan),
    st.integers(-20, 20).map(float),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)


@st.composite
def frames(draw: st.DrawFn, max_size: int = 30) -> pl.DataFrame:
    xs = draw(st.lists(_value, max_size=max_size))
    steps = draw(st.lists(st.integers(0, 2), min_size=len(xs), max_size=len(xs)))
    groups = draw(st.lists(st.sampled_from("ab"), min_size=len(xs), max_size=len(xs)))
    return pl.DataFrame(
        {"g": groups, "t": np.cumsum(steps, dtype=np.int64), "x": xs},
        schema={"g": pl.String, "t": pl.Int64, "x": pl.Float64},
        nan_to_null=False,
    )


def _close(a: pl.Series, b: pl.Series) -> None:
    assert_series_equal(a, b, check_exact=False, rel_tol=1e-9, abs_tol=1e-9, check_names=False)


# --------------------------------------------------------------------------
# accuracy on large offsets, against exact rational references
# --------------------------------------------------------------------------
def _hard_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    return {
        "1e9+N(0,1e-3)": 1e9 + rng.normal(0.0, 1e-3, 400),
        "sorted 1e12+N(0,1)": np.sort(1e12 + rng.normal(0.0, 1.0, 400)),
        "1e15+N(0,1)": 1e15 + rng.normal(0.0, 1.0, 400),
        "-1e15+N(0,1)": -1e15 + rng.normal(0.0, 1.0, 400),
    }


def _max_rel_error(got: list[float | None], want: list[float | None]) -> float:
    errs = [abs(g - w) / max(abs(w), 1e-300) for g, w in zip(got, want, strict=True) if g is not None and w is not None]
    assert errs
    return max(errs)


@pytest.mark.parametrize("data", list(_hard_data()))
def test_rolling_and_expanding_zscore_exact_on_large_offsets(data: str) -> None:
    xs = _hard_data()[data].tolist()
    n = len(xs)
    exact = ref.zscore_stat(1, exact=True)
    cases = {
        "rolling": (pn.rolling_zscore(pl.col("x"), 50), ref.row_windows(n, 50), 50),
        "rolling_by": (pn.rolling_zscore_by(pl.col("x"), "t", "50i"), ref.row_windows(n, 50), 1),
        "expanding": (pn.expanding_zscore(pl.col("x")), ref.expanding_windows(n), 2),
        "rolling, lag": (pn.rolling_zscore(pl.col("x"), 50, lag=True), ref.row_windows(n, 50, lag=True), 50),
    }
    df = pl.DataFrame({"x": xs, "t": range(n)})
    for name, (expr, windows, min_samples) in cases.items():
        want = ref.apply_windows(xs, windows, min_samples, exact)
        got = df.select(expr).to_series().to_list()
        assert _max_rel_error(got[60:], want[60:]) < 1e-9, name
    # the naive hand-written forms really do fail here (so the test can tell them apart)
    naive = df.select((pl.col("x") - pl.col("x").rolling_mean(50)) / pl.col("x").rolling_std(50)).to_series()
    want = ref.apply_windows(xs, ref.row_windows(n, 50), 50, exact)
    assert _max_rel_error(naive.to_list()[60:], want[60:]) > 1e-7
    s = pl.col("x")
    naive_expanding = (s - s.cum_sum() / s.cum_count()) / (
        ((s * s).cum_sum() - s.cum_sum() ** 2 / s.cum_count()) / (s.cum_count() - 1)
    ).sqrt()
    got = df.select(naive_expanding).to_series().to_list()
    want = ref.apply_windows(xs, ref.expanding_windows(n), 2, exact)
    assert any(
        g is None or math.isnan(g) or abs(g - w) > 1e-3 * abs(w) for g, w in zip(got[60:], want[60:], strict=True)
    )


@pytest.mark.parametrize("data", list(_hard_data()))
def test_ewm_zscore_by_exact_on_large_offsets(data: str) -> None:
    xs = _hard_data()[data].tolist()[:150]
    times = list(range(len(xs)))
    got = pl.DataFrame({"x": xs, "t": times}).select(
        by_time=pn.ewm_zscore_by(pl.col("x"), "t", half_life="5i"),
        by_row=pn.ewm_zscore(pl.col("x"), half_life=5.0),  # same weights when rows are evenly spaced
    )
    # explicit weights in exact arithmetic would be slow; fsum on exactly shifted values suffices
    shift = xs[0]
    want = ref.ewm_by([v - shift for v in xs], times, 5.0)
    assert _max_rel_error(got["by_time"].to_list()[5:], want[5:]) < 1e-9
    assert _max_rel_error(got["by_row"].to_list()[5:], want[5:]) < 1e-9


def test_rolling_accuracy_on_a_trend_degrades_gracefully() -> None:
    # The pilot is the first value: a series drifting far from it keeps most, not all, digits.
    rng = np.random.default_rng(2)
    xs = (1e9 + 1e3 * np.arange(3000) + rng.normal(0, 1, 3000)).tolist()
    got = pl.DataFrame({"x": xs}).select(pn.rolling_zscore(pl.col("x"), 100)).to_series().to_list()
    want = ref.apply_windows(xs, ref.row_windows(3000, 100), 100, ref.zscore_stat(1))
    assert _max_rel_error(got[100:], want[100:]) < 1e-6


# --------------------------------------------------------------------------
# .over, streaming, causality
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(METHODS))
@settings(max_examples=15)
@given(df=frames())
def test_over_equals_per_group_loop(name: str, df: pl.DataFrame) -> None:
    build = METHODS[name]
    got = df.with_row_index("i").with_columns(z=build(pl.col("x")).over("g"))
    for _, part in got.group_by("g"):
        alone = part.drop("z").with_columns(z=build(pl.col("x")))
        _close(part["z"], alone["z"])


@pytest.mark.parametrize("name", list(METHODS))
@settings(max_examples=10)
@given(df=frames())
def test_streaming_equals_in_memory(name: str, df: pl.DataFrame) -> None:
    q = df.lazy().with_columns(z=METHODS[name](pl.col("x")), zg=METHODS[name](pl.col("x")).over("g"))
    assert_frame_equal(q.collect(engine="streaming"), q.collect(), check_exact=False, rel_tol=1e-12)


@pytest.mark.parametrize("name", CAUSAL)
@settings(max_examples=15)
@given(df=frames(), extra=frames(max_size=8))
def test_appending_rows_never_changes_earlier_outputs(name: str, df: pl.DataFrame, extra: pl.DataFrame) -> None:
    # later rows come at later times (rows at the same instant share a time window)
    later = extra.with_columns(pl.col("t") + (df["t"].max() or 0) + 1)
    longer = pl.concat([df, later])
    build = METHODS[name]
    before = df.select(build(pl.col("x"))).to_series()
    after = longer.select(build(pl.col("x"))).to_series().head(df.height)
    assert_series_equal(before, after)  # exactly: no future value may touch the past
    before_g = df.select(build(pl.col("x")).over("g")).to_series()
    after_g = longer.select(build(pl.col("x")).over("g")).to_series().head(df.height)
    assert_series_equal(before_g, after_g)


# --------------------------------------------------------------------------
# semantics: nulls, NaN, zero scale, dtypes
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(METHODS))
def test_null_and_nan_rows_are_kept_and_skipped(name: str) -> None:
    xs = [1.0, 2.0, None, 4.0, math.nan, 3.0, 5.0, 5.0, 2.0]
    df = pl.DataFrame({"x": xs, "t": range(len(xs))}, nan_to_null=False)
    out = df.select(METHODS[name](pl.col("x"))).to_series().to_list()
    assert out[2] is None
    assert out[4] is not None and math.isnan(out[4])
    later = [v for v in out[5:] if v is not None]
    assert later and all(math.isfinite(v) for v in later)  # one NaN does not poison later windows


@pytest.mark.parametrize("name", list(METHODS))
def test_constant_windows_give_zero_scale_policy(name: str) -> None:
    xs = [7.25] * 12
    out = pl.DataFrame({"x": xs, "t": range(12)}).select(METHODS[name](pl.col("x"))).to_series()
    valid = out.drop_nulls().to_list()
    assert valid, "some rows have enough values"
    want = 7.25 if "maxabs" in name else 0.0  # x / |x| = 1 scaled... maxabs: 7.25 / 7.25
    if "maxabs" in name:
        want = 1.0
    assert all(v == want for v in valid)


def test_rows_before_min_samples_are_null() -> None:
    df = pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    out = df.select(
        a=pn.rolling_zscore(pl.col("x"), 3),
        b=pn.expanding_zscore(pl.col("x"), min_samples=4),
        c=pn.ewm_zscore(pl.col("x"), alpha=0.5, min_samples=3),
        d=pn.rolling_robust(pl.col("x"), 4, min_samples=3),
    )
    assert out["a"].null_count() == 2 and out["a"][2] is not None
    assert out["b"].null_count() == 3 and out["b"][3] is not None
    assert out["c"].null_count() == 2 and out["c"][2] is not None
    assert out["d"].null_count() == 2 and out["d"][2] is not None


def test_dtypes_float32_int_and_non_numeric() -> None:
    df = pl.DataFrame(
        {
            "f32": pl.Series([1.0, 2.0, 4.0, 8.0], dtype=pl.Float32),
            "i64": pl.Series([2**62, 2**62 + 2**12, 2**62 - 2**12, 2**62], dtype=pl.Int64),
            "s": ["a", "b", "c", "d"],
            "t": [0, 1, 2, 3],
        }
    )
    out = df.select(
        pn.rolling_zscore(pl.col("f32"), 2),
        pn.ewm_zscore_by(pl.col("i64"), "t", half_life="1i"),
    )
    assert out.schema == pl.Schema({"f32": pl.Float32, "i64": pl.Float64})
    assert out["i64"].is_finite().all()
    with pytest.raises(TypeError, match=r"rolling_zscore: column 's' has dtype String"):
        df.select(pn.rolling_zscore(pl.col("s"), 2))
    with pytest.raises(TypeError, match=r"ewm_zscore_by: by has dtype String"):
        df.select(pn.ewm_zscore_by(pl.col("f32"), "s", half_life="1i"))


def test_namespace_methods_equal_functions() -> None:
    df = pl.DataFrame({"x": [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0], "t": [date(2024, 1, d) for d in range(1, 9)]})
    x = pl.col("x")
    pairs = [
        (x.norm.rolling_zscore(3), pn.rolling_zscore(x, 3)),
        (x.norm.rolling_minmax(3, feature_range=(-1, 1)), pn.rolling_minmax(x, 3, feature_range=(-1, 1))),
        (x.norm.rolling_robust(4), pn.rolling_robust(x, 4)),
        (x.norm.rolling_maxabs(2), pn.rolling_maxabs(x, 2)),
        (x.norm.rolling_zscore_by("t", "3d"), pn.rolling_zscore_by(x, "t", "3d")),
        (x.norm.rolling_minmax_by("t", "3d"), pn.rolling_minmax_by(x, "t", "3d")),
        (x.norm.rolling_robust_by("t", timedelta(days=4)), pn.rolling_robust_by(x, "t", timedelta(days=4))),
        (x.norm.rolling_maxabs_by("t", "2d", lag=True), pn.rolling_maxabs_by(x, "t", "2d", lag=True)),
        (x.norm.expanding_zscore(ddof=0), pn.expanding_zscore(x, ddof=0)),
        (x.norm.expanding_minmax(), pn.expanding_minmax(x)),
        (x.norm.expanding_maxabs(), pn.expanding_maxabs(x)),
        (x.norm.ewm_zscore(com=1.0), pn.ewm_zscore(x, com=1.0)),
        (x.norm.ewm_zscore_by("t", half_life="2d"), pn.ewm_zscore_by(x, "t", half_life="2d")),
    ]
    for a, b in pairs:
        assert_series_equal(df.select(a).to_series(), df.select(b).to_series())


def test_lagged_by_window_opens_the_right_end() -> None:
    # rows at the same instant do not see each other under lag=True
    df = pl.DataFrame({"t": [0, 1, 1, 2], "x": [1.0, 2.0, 4.0, 8.0]})
    out = df.select(pn.rolling_minmax_by(pl.col("x"), "t", "2i", lag=True)).to_series().to_list()
    # row 1 and 2 (t=1) see only t=0: x=1 -> range 0 -> scale 1; row 3 (t=2) sees t in (0, 2): {2, 4}
    assert out == [None, 1.0, 3.0, 3.0]


# --------------------------------------------------------------------------
# parameter errors
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: pn.rolling_zscore(pl.col("x"), 0), r"rolling_zscore: window_size=0 must be an integer >= 1"),
        (lambda: pn.rolling_minmax(pl.col("x"), 2.5), r"rolling_minmax: window_size=2.5 must be an integer"),  # type: ignore[arg-type]
        (lambda: pn.rolling_robust(pl.col("x"), 3, min_samples=4), r"min_samples=4 must not exceed window_size=3"),
        (lambda: pn.rolling_maxabs(pl.col("x"), 3, min_samples=0), r"rolling_maxabs: min_samples=0 must be"),
        (lambda: pn.rolling_zscore(pl.col("x"), 3, center=True, lag=True), r"lag=True and center=True"),
        (lambda: pn.rolling_zscore(pl.col("x"), 3, ddof=-1), r"rolling_zscore: ddof=-1"),
        (lambda: pn.rolling_robust(pl.col("x"), 3, quantile_range=(0.8, 0.2)), r"quantile_range=\(0.8, 0.2\)"),
        (lambda: pn.rolling_zscore_by(pl.col("x"), "t", "3x"), r"rolling_zscore_by: window_size='3x' must be"),
        (lambda: pn.rolling_minmax_by(pl.col("x"), "t", "0h"), r"window_size='0h' must be a positive duration"),
        (lambda: pn.rolling_robust_by(pl.col("x"), "t", timedelta(0)), r"window_size=datetime.timedelta\(0\)"),
        (lambda: pn.rolling_maxabs_by(pl.col("x"), "t", "-1h"), r"window_size='-1h'"),
        (lambda: pn.rolling_zscore_by(pl.col("x"), "t", "1h", closed="open"), r"closed='open' is not one of"),
        (lambda: pn.rolling_zscore_by(pl.col("x"), "t", "1h", closed="left", lag=True), r"lag=True needs closed"),
        (lambda: pn.rolling_zscore_by(pl.col("x"), "t", "1h", min_samples=0), r"min_samples=0"),
        (lambda: pn.expanding_zscore(pl.col("x"), min_samples=0), r"expanding_zscore: min_samples=0"),
        (lambda: pn.expanding_minmax(pl.col("x"), feature_range=(1, 1)), r"feature_range=\(1, 1\)"),
        (lambda: pn.ewm_zscore(pl.col("x")), r"ewm_zscore: give exactly one of com, span, half_life, alpha"),
        (lambda: pn.ewm_zscore(pl.col("x"), com=1.0, span=3.0), r"\(got com=1.0, span=3.0\)"),
        (lambda: pn.ewm_zscore(pl.col("x"), span=0.5), r"ewm_zscore: span=0.5 must be >= 1"),
        (lambda: pn.ewm_zscore(pl.col("x"), com=-1.0), r"com=-1.0 must be >= 0"),
        (lambda: pn.ewm_zscore(pl.col("x"), alpha=1.5), r"alpha=1.5 must be in \(0, 1\]"),
        (lambda: pn.ewm_zscore(pl.col("x"), half_life=0.0), r"half_life=0.0 must be > 0"),
        (lambda: pn.ewm_zscore(pl.col("x"), alpha=math.nan), r"alpha=nan must be a finite number"),
        (lambda: pn.ewm_zscore(pl.col("x"), alpha=0.5, min_samples=0), r"min_samples=0"),
        (lambda: pn.ewm_zscore_by(pl.col("x"), "t", half_life="1mo"), r"half_life='1mo' must be a constant"),
        (lambda: pn.ewm_zscore_by(pl.col("x"), "t", half_life="1d2i"), r"half_life='1d2i' must be a constant"),
        (lambda: pn.ewm_zscore_by(pl.col("x"), "t", half_life="soon"), r"half_life='soon' must be a positive"),
        (lambda: pn.ewm_zscore_by(pl.col("x"), "t", half_life="2i", min_samples=0), r"ewm_zscore_by: min_samples=0"),
        (lambda: pl.col("x").norm.ewm_zscore_by("t", half_life="2i", min_samples=1.5), r"min_samples=1.5 must be an"),  # type: ignore[arg-type]
        (lambda: pn.rolling_zscore(pl.col("x"), 3, nan="drop"), r"nan='drop' is not one of"),  # type: ignore[arg-type]
    ],
)
def test_parameter_errors_name_parameter_and_value(build: Callable[[], pl.Expr], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build()


def test_plan_time_errors_for_by_dtype_and_half_life_unit() -> None:
    df = pl.DataFrame({"x": [1.0, 2.0], "t": [0, 1], "d": [date(2024, 1, 1), date(2024, 1, 2)]})
    with pytest.raises(ValueError, match=r"by has integer dtype Int64; half_life='1h' must be an index count"):
        df.select(pn.ewm_zscore_by(pl.col("x"), "t", half_life="1h"))
    with pytest.raises(ValueError, match=r"by has temporal dtype Date; half_life='2i' must be a duration"):
        df.select(pn.ewm_zscore_by(pl.col("x"), "d", half_life="2i"))


@pytest.mark.parametrize(("first", "level"), [(0.0, 0.3), (1.0, 0.3), (-1e6, 0.7), (1e12, 1e12 + 0.5), (3.0, -2e-9)])
def test_level_shift_then_constant_maps_to_zero(first: float, level: float) -> None:
    # After a level shift the old value's weight decays below rounding: the EW variance sits on
    # the recursion's rounding floor and must count as zero (not give an O(1) z-score of noise).
    xs = [first] * 3 + [level] * 3000
    df = pl.DataFrame({"x": xs, "t": range(len(xs))})
    out = df.select(
        ewm=pn.ewm_zscore(pl.col("x"), alpha=0.1),
        ewm_slow=pn.ewm_zscore(pl.col("x"), alpha=0.01, adjust=False),
        ewm_by=pn.ewm_zscore_by(pl.col("x"), "t", half_life="7i"),
        rolling=pn.rolling_zscore(pl.col("x"), 50),
        rolling_by=pn.rolling_zscore_by(pl.col("x"), "t", "50i"),
        expanding_minmax=pn.expanding_minmax(pl.col("x"), lag=True),
    ).tail(1)
    for name in ["ewm", "ewm_slow", "ewm_by", "rolling", "rolling_by"]:
        assert abs(out[name].item()) < 1e-6, name
    assert out["expanding_minmax"].item() in (0.0, 1.0)


def test_every_nan_payload_is_ignored() -> None:
    neg_nan = float(np.copysign(np.nan, -1.0))
    quiet = float(np.frombuffer(np.uint64(0x7FF8000000000001).tobytes(), dtype=np.float64)[0])
    xs = [1.0, neg_nan, 2.0, quiet, 4.0, 3.0]
    df = pl.DataFrame({"x": xs}, nan_to_null=False)
    out = df.select(pn.rolling_zscore(pl.col("x"), 3, min_samples=1), pn.expanding_zscore(pl.col("x")).alias("e"))
    assert math.isnan(out["x"][1]) and math.isnan(out["x"][3])
    assert math.isfinite(out["x"][2]) and math.isfinite(out["x"][5])
    assert out["x"][5] == pytest.approx((3.0 - 3.5) / math.sqrt(0.5))  # window {4, 3}: NaN skipped
    assert out["e"][5] == pytest.approx((3.0 - 2.5) / np.std([1, 2, 4, 3], ddof=1))


# --------------------------------------------------------------------------
# magnitudes: z-scores at 1e155, 1e300, 1e-300 (squares over- or underflow) against exact arithmetic
# --------------------------------------------------------------------------
_SHAPE = [1.0, 2.0, 4.0, 3.0, 9.0, -2.0, 5.0, 7.0, 0.5, 6.0, -4.0, 8.0]
_TIMES = [0, 1, 2, 4, 5, 7, 8, 9, 12, 13, 14, 16]  # sorted, with gaps
MAGNITUDE_DATA: dict[str, list[float]] = {
    **{f"scaled_{s:g}": [v * s for v in _SHAPE] for s in (1e155, 1e300, 1e307, 1e-300, 1e-310)},
    # every window holds a value near 1e155 and one near 1: the small ones barely count
    "mixed_1_1e155": [1.0, 1e155, 3.0, -2e155, 5.0, 2.0, 4e155, -1.0, 6.0, 7.0, 3e155, 0.5],
    # windows of values near 1e-200 only (their squares underflow), between windows with a value near
    # 1e50: 1e250 above the first value, within the bound (docs/semantics.md: about 1e274)
    "mixed_1e-200_1e50": [
        *(1e-200, 3e-200, 2e-200, 1e50, -2e-200, 5e-200, 2e-200, 7e-200, 4e50, 6e-200, 1e-200, 8e-200)
    ],
}


def _zscore_cases(n: int, lag: bool) -> dict[str, tuple[Build, list[list[tuple[int, Fraction]]], int]]:
    """Each window z-score with its exact windows ``[(row, weight)]`` and ``min_samples``."""
    rows = ref.unit_weights(ref.row_windows(n, 3, lag=lag))
    weights = [1.0, 2.0, 3.0]
    return {
        "rolling_zscore": (lambda e: pn.rolling_zscore(e, 3, lag=lag), rows, 3),
        "rolling_zscore_weighted": (
            lambda e: pn.rolling_zscore(e, 3, lag=lag, weights=weights),
            ref.weighted_row_windows(n, weights, lag=lag),
            3,
        ),
        "rolling_zscore_by": (
            lambda e: pn.rolling_zscore_by(e, "t", "4i", lag=lag),
            ref.unit_weights(ref.by_windows(_TIMES, 4, "none" if lag else "right")),
            1,
        ),
        "expanding_zscore": (
            lambda e: pn.expanding_zscore(e, lag=lag),
            ref.unit_weights(ref.expanding_windows(n, lag=lag)),
            2,
        ),
        "ewm_zscore": (lambda e: pn.ewm_zscore(e, alpha=0.5, lag=lag), ref.ewm_windows(n, 0.5, lag=lag), 1),
        "ewm_zscore_by": (
            lambda e: pn.ewm_zscore_by(e, "t", half_life="2i", lag=lag),
            ref.ewm_by_windows(_TIMES, 2.0, lag=lag),
            1,
        ),
    }


@pytest.mark.parametrize("lag", [False, True], ids=["own_row", "lag"])
@pytest.mark.parametrize("method", list(_zscore_cases(1, False)))
@pytest.mark.parametrize("data", list(MAGNITUDE_DATA))
def test_window_zscores_exact_at_any_magnitude(data: str, method: str, lag: bool) -> None:
    xs = MAGNITUDE_DATA[data]
    build, windows, min_samples = _zscore_cases(len(xs), lag)[method]
    want = ref.exact_zscores(xs, windows, 1, lag=lag, min_samples=min_samples)
    got = pl.DataFrame({"x": xs, "t": _TIMES[: len(xs)]}).select(build(pl.col("x")))["x"].to_list()
    assert sum(w is not None and not w[1] for w in want) >= 4  # the test holds z-scores, not only differences
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if w is None:
            assert g is None, f"row {i}: got {g}, want null"
            continue
        value, is_difference = w
        # a z-score is O(1): its rounding is absolute; a difference ("scale 1") is in the data's units
        assert g is not None and math.isclose(g, value, rel_tol=1e-9, abs_tol=0.0 if is_difference else 1e-12), (
            f"row {i}: got {g}, want {value}"
        )


def test_expanding_zscore_of_1e155_after_1_is_that_of_two_values() -> None:
    """The issue's repro: z of 1e155 among {1, 1e155} with ddof=1 is 1/sqrt(2) (it was 0)."""
    got = pl.DataFrame({"x": [1.0, 1e155]}).select(pl.col("x").norm.expanding_zscore())["x"].to_list()
    assert got[0] is None
    assert got[1] == pytest.approx(1 / math.sqrt(2), rel=1e-15)


@pytest.mark.parametrize("lag", [False, True], ids=["own_row", "lag"])
@pytest.mark.parametrize("data", [name for name in MAGNITUDE_DATA if name != "scaled_1e-310"])
def test_range_scalings_exact_at_any_magnitude(data: str, lag: bool) -> None:
    """min-max, robust and max-abs divide differences of data values: nothing is squared, at any magnitude.

    (Not below the smallest normal double: the reference takes a subnormal range as 1, where the
    window methods divide by it.)
    """
    xs = MAGNITUDE_DATA[data]
    n = len(xs)
    rows = ref.row_windows(n, 3, lag=lag)
    cases = {
        "rolling_minmax": (pn.rolling_minmax(pl.col("x"), 3, min_samples=1, lag=lag), rows, ref.minmax_stat()),
        "rolling_robust": (pn.rolling_robust(pl.col("x"), 3, min_samples=1, lag=lag), rows, ref.robust_stat()),
        "rolling_maxabs": (pn.rolling_maxabs(pl.col("x"), 3, min_samples=1, lag=lag), rows, ref.maxabs_stat),
        "expanding_minmax": (
            pn.expanding_minmax(pl.col("x"), lag=lag),
            ref.expanding_windows(n, lag=lag),
            ref.minmax_stat(),
        ),
        "expanding_maxabs": (
            pn.expanding_maxabs(pl.col("x"), lag=lag),
            ref.expanding_windows(n, lag=lag),
            ref.maxabs_stat,
        ),
    }
    frame = pl.DataFrame({"x": xs})
    for name, (expr, windows, stat) in cases.items():
        got = frame.select(expr)["x"].to_list()
        want = ref.apply_windows(xs, windows, 1, stat)
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert (g is None) == (w is None), f"{name} row {i}: got {g}, want {w}"
            if w is not None:
                # a lagged row outside the window's range maps outside [0, 1]: still relative
                assert g is not None and math.isclose(g, w, rel_tol=1e-12, abs_tol=1e-300), (
                    f"{name} row {i}: {g} != {w}"
                )


@pytest.mark.parametrize("lag", [False, True], ids=["own_row", "lag"])
@pytest.mark.parametrize("method", list(_zscore_cases(1, False)))
def test_window_zscores_scale_each_group_on_its_own(method: str, lag: bool) -> None:
    """Under ``.over`` each group has its own power of two: 1e300 next to 1e-300 (2000 binades) stays exact."""
    big, tiny = MAGNITUDE_DATA["scaled_1e+300"], MAGNITUDE_DATA["scaled_1e-300"]
    n = len(big)
    build, windows, min_samples = _zscore_cases(n, lag)[method]
    frame = pl.DataFrame({"x": big + tiny, "t": _TIMES + _TIMES, "g": [0] * n + [1] * n})
    got = frame.select(build(pl.col("x")).over("g"))["x"].to_list()
    for part, xs in ((got[:n], big), (got[n:], tiny)):
        want = ref.exact_zscores(xs, windows, 1, lag=lag, min_samples=min_samples)
        for i, (g, w) in enumerate(zip(part, want, strict=True)):
            assert (g is None) == (w is None), f"row {i}: got {g}, want {w}"
            if w is not None:
                assert g is not None and math.isclose(g, w[0], rel_tol=1e-9, abs_tol=0.0 if w[1] else 1e-12)


_BEYOND_THE_BOUND = {
    "1e300_after_1e-300": [1e-300, 3e-300, 2e-300, 1.0, -2e-300, 5e-300, 2e-300, 7e-300, 4.0, 6e-300, 1e-300, 8e-300],
    "1e300_after_1": [1.0, 1e300, 3.0, -2e300, 5.0, 2.0, 4e300, -1.0, 6.0, 7.0, 3e300, 0.5],
    # scaled, ±1e300 after 1e-300 would overflow to ±inf (inf - inf: NaN); they saturate instead
    "pm1e300_after_1e-300": [1e-300, 1.0, 1e300, -1e300, 1e300, 2.0, 3.0, 4.0, 2.0, 5.0, 1.0, 3.0],
}


@pytest.mark.parametrize("lag", [False, True], ids=["own_row", "lag"])
@pytest.mark.parametrize("method", list(_zscore_cases(1, False)))
@pytest.mark.parametrize("data", list(_BEYOND_THE_BOUND))
def test_window_zscores_beyond_the_magnitude_bound_stay_finite(data: str, method: str, lag: bool) -> None:
    """Values more than about 1e274 above the first nonzero value (docs/semantics.md, Limits) lose
    their digits, but finite data still never gives NaN or inf; windows within the bound stay exact."""
    xs = _BEYOND_THE_BOUND[data]
    build, windows, min_samples = _zscore_cases(len(xs), lag)[method]
    got = pl.DataFrame({"x": xs, "t": _TIMES[: len(xs)]}).select(build(pl.col("x")))["x"].to_list()
    assert all(g is None or math.isfinite(g) for g in got), got
    want = ref.exact_zscores(xs, windows, 1, lag=lag, min_samples=min_samples)
    first = xs[0]
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        window_rows = [i, *(j for j, _ in windows[i])]  # the row itself too (with lag it is not in its window)
        if w is None or any(abs(xs[j]) > 1e270 * abs(first) for j in window_rows):
            continue
        if method.startswith("ewm") and any(abs(v) > 1e270 * abs(first) for v in xs[: i + 1]):
            continue  # an exponentially weighted history never forgets an overflow
        if method.startswith("expanding") and any(abs(v) > 1e270 * abs(first) for v in xs[: i + 1]):
            continue
        value, is_difference = w
        assert g is not None and math.isclose(g, value, rel_tol=1e-9, abs_tol=0.0 if is_difference else 1e-12), (
            f"row {i}: got {g}, want {value}"
        )
