"""Window normalizations (rolling, ``_by``, expanding, EWM) against pandas and brute-force references."""

from __future__ import annotations

import itertools
import math
import sys
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import polars as pl
import pytest
import window_references as ref
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import polars_norm as pn

Row = float | None

# Values with nulls, NaN, constant stretches and mixed magnitudes. Spreads stay
# well above rounding so the zero-scale decision is the same in every reference.
_magnitudes = st.sampled_from([1e-3, 1.0, 7.0, 1e3, 1e6])
_plain = st.builds(lambda m, k: m * k, _magnitudes, st.integers(-50, 50).map(float))


@st.composite
def series(
    draw: st.DrawFn, *, min_size: int = 0, max_size: int = 40, nan: bool = True, mixed: bool = True
) -> list[Row]:
    """Values with nulls, NaN and constant runs; ``mixed`` mixes magnitudes within the series."""
    n = draw(st.integers(min_size, max_size))
    magnitude = draw(_magnitudes)
    plain = _plain if mixed else st.integers(-50, 50).map(lambda k: magnitude * k)
    out: list[Row] = []
    while len(out) < n:
        kind = draw(st.sampled_from(["value", "value", "value", "run", "null", "nan"] if nan else ["value", "run"]))
        if kind == "run":
            out.extend([draw(plain)] * draw(st.integers(2, 6)))
        elif kind == "null":
            out.append(None)
        elif kind == "nan":
            out.append(math.nan)
        else:
            out.append(draw(plain))
    return out[:n]


def _run(expr: pl.Expr, xs: list[Row], **cols: object) -> list[Row]:
    df = pl.DataFrame({"x": xs, **cols}, schema_overrides={"x": pl.Float64}, nan_to_null=False)
    return df.select(expr).to_series().to_list()


def assert_rows_close(got: list[Row], want: list[Row], *, rtol: float = 1e-9, atol: float = 1e-9) -> None:
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if w is None or g is None:
            assert g is None and w is None, f"row {i}: got {g}, want {w}"
        elif math.isnan(w) or math.isnan(g):
            assert math.isnan(g) and math.isnan(w), f"row {i}: got {g}, want {w}"
        else:
            assert math.isclose(g, w, rel_tol=rtol, abs_tol=atol), f"row {i}: got {g}, want {w}"


def rolling_sums_tol(xs: list[Row], rtol: float = 1e-7) -> float:
    """Absolute z-score tolerance of a variance from rolling add/remove sums over ``xs``.

    Rolling sums keep the rounding of every value that passed through the
    window, about ``eps * max|x - pilot|``; divided by a window's spread it can
    reach ``eps * max|x| / (smallest gap between values)`` on mixed magnitudes
    (1e6 next to 1e-3 steps). ``rtol`` elsewhere.
    """
    finite = sorted({abs(x) for x in xs if x is not None and math.isfinite(x)} | {0.0})
    values = sorted({x for x in xs if x is not None and math.isfinite(x)})
    gaps = [b - a for a, b in itertools.pairwise(values) if b > a]
    if not gaps:
        return rtol
    return max(rtol, 64 * sys.float_info.epsilon * finite[-1] / min(gaps))


def _pandas_rows(xs: list[Row], result: pd.Series, valid_location: pd.Series) -> list[Row]:
    """Put pandas' NaN-for-everything back into our null / NaN convention."""
    out: list[Row] = []
    for x, r, ok in zip(xs, result.tolist(), valid_location.tolist(), strict=True):
        if x is None or not ok:
            out.append(None)
        elif math.isnan(x):
            out.append(math.nan)
        else:
            out.append(r)
    return out


def _scale(std: pd.Series, magnitude: pd.Series) -> pd.Series:
    return std.where(~((std <= ref.RTOL_ZERO * magnitude) | std.isna()), 1.0)


def _stat(stat: pd.Series, lag: bool) -> pd.Series:
    return stat.shift(1) if lag else stat


# --------------------------------------------------------------------------
# row-count windows against pandas
# --------------------------------------------------------------------------
@st.composite
def row_cases(draw: st.DrawFn) -> tuple[list[Row], int, int | None, bool, bool]:
    xs = draw(series(mixed=False))  # pandas' rolling variance drifts after a large value leaves
    size = draw(st.integers(1, 8))
    min_samples = draw(st.none() | st.integers(1, size))
    lag = draw(st.booleans())
    center = False if lag else draw(st.booleans())
    return xs, size, min_samples, center, lag


@given(case=row_cases(), ddof=st.integers(0, 2))
def test_rolling_zscore_matches_pandas(case: tuple[list[Row], int, int | None, bool, bool], ddof: int) -> None:
    xs, size, min_samples, center, lag = case
    s = pd.Series(xs, dtype="float64")
    roll = s.rolling(size, min_periods=min_samples, center=center)
    mean, std = _stat(roll.mean(), lag), _stat(roll.std(ddof=ddof), lag)
    want = _pandas_rows(xs, (s - mean) / _scale(std, mean.abs()), mean.notna())
    got = _run(pn.rolling_zscore(pl.col("x"), size, min_samples=min_samples, center=center, ddof=ddof, lag=lag), xs)
    assert_rows_close(got, want, rtol=1e-7, atol=1e-7)


@given(case=row_cases(), feature_range=st.sampled_from([(0.0, 1.0), (-1.0, 1.0)]))
def test_rolling_minmax_matches_pandas(
    case: tuple[list[Row], int, int | None, bool, bool], feature_range: tuple[float, float]
) -> None:
    xs, size, min_samples, center, lag = case
    s = pd.Series(xs, dtype="float64")
    roll = s.rolling(size, min_periods=min_samples, center=center)
    lo, hi = _stat(roll.min(), lag), _stat(roll.max(), lag)
    scale = _scale(hi - lo, np.maximum(lo.abs(), hi.abs()))
    low, high = feature_range
    want = _pandas_rows(xs, (s - lo) / scale * (high - low) + low, lo.notna())
    expr = pn.rolling_minmax(
        pl.col("x"), size, feature_range=feature_range, min_samples=min_samples, center=center, lag=lag
    )
    assert_rows_close(_run(expr, xs), want)


@given(case=row_cases(), quantile_range=st.sampled_from([(0.25, 0.75), (0.1, 0.9), (0.0, 1.0)]))
def test_rolling_robust_matches_pandas(
    case: tuple[list[Row], int, int | None, bool, bool], quantile_range: tuple[float, float]
) -> None:
    xs, size, min_samples, center, lag = case
    s = pd.Series(xs, dtype="float64")
    roll = s.rolling(size, min_periods=min_samples, center=center)
    median = _stat(roll.median(), lag)
    lo = _stat(roll.quantile(quantile_range[0], interpolation="linear"), lag)
    hi = _stat(roll.quantile(quantile_range[1], interpolation="linear"), lag)
    scale = _scale(hi - lo, np.maximum(lo.abs(), hi.abs()))
    want = _pandas_rows(xs, (s - median) / scale, median.notna())
    expr = pn.rolling_robust(
        pl.col("x"), size, quantile_range=quantile_range, min_samples=min_samples, center=center, lag=lag
    )
    assert_rows_close(_run(expr, xs), want)


@given(case=row_cases())
def test_rolling_maxabs_matches_pandas(case: tuple[list[Row], int, int | None, bool, bool]) -> None:
    xs, size, min_samples, center, lag = case
    s = pd.Series(xs, dtype="float64")
    top = _stat(s.abs().rolling(size, min_periods=min_samples, center=center).max(), lag)
    want = _pandas_rows(xs, s / top.where(top != 0.0, 1.0), top.notna())
    expr = pn.rolling_maxabs(pl.col("x"), size, min_samples=min_samples, center=center, lag=lag)
    assert_rows_close(_run(expr, xs), want)


_ROW_METHODS = {
    "zscore": (pn.rolling_zscore, ref.zscore_stat(1)),
    "minmax": (pn.rolling_minmax, ref.minmax_stat()),
    "robust": (pn.rolling_robust, ref.robust_stat()),
    "maxabs": (pn.rolling_maxabs, ref.maxabs_stat),
}


@pytest.mark.parametrize("method", list(_ROW_METHODS))
@settings(max_examples=25)
@given(xs=series(mixed=True), size=st.integers(1, 8), min_samples=st.integers(1, 8), lag=st.booleans())
def test_rolling_mixed_magnitudes_match_brute_force(
    method: str, xs: list[Row], size: int, min_samples: int, lag: bool
) -> None:
    function, stat = _ROW_METHODS[method]
    min_samples = min(min_samples, size)
    want = ref.apply_windows(xs, ref.row_windows(len(xs), size, lag=lag), min_samples, stat)
    got = _run(function(pl.col("x"), size, min_samples=min_samples, lag=lag), xs)  # type: ignore[operator]
    # a z-score's rounding is relative to the distance from the pilot (the first value) over the spread
    assert_rows_close(got, want, rtol=1e-7, atol=rolling_sums_tol(xs) if method == "zscore" else 1e-7)


# --------------------------------------------------------------------------
# time / index windows against a brute-force loop
# --------------------------------------------------------------------------
@st.composite
def by_cases(draw: st.DrawFn) -> tuple[list[Row], list[int], int, int, str, bool]:
    xs = draw(series(min_size=1, max_size=25))
    steps = draw(st.lists(st.integers(0, 3), min_size=len(xs), max_size=len(xs)))
    times = list(np.cumsum(steps).tolist())
    size = draw(st.integers(1, 6))
    min_samples = draw(st.integers(1, 3))
    closed = draw(st.sampled_from(["right", "left", "both", "none"]))
    lag = closed in ("right", "both") and draw(st.booleans())
    return xs, times, size, min_samples, closed, lag


_LAGGED = {"right": "none", "both": "left"}

_BY_METHODS = {
    "zscore": (pn.rolling_zscore_by, ref.zscore_stat(1)),
    "minmax": (pn.rolling_minmax_by, ref.minmax_stat()),
    "robust": (pn.rolling_robust_by, ref.robust_stat()),
    "maxabs": (pn.rolling_maxabs_by, ref.maxabs_stat),
}


@pytest.mark.parametrize("method", list(_BY_METHODS))
@given(case=by_cases(), as_dates=st.booleans())
def test_rolling_by_matches_brute_force(
    method: str, case: tuple[list[Row], list[int], int, int, str, bool], as_dates: bool
) -> None:
    xs, times, size, min_samples, closed, lag = case
    function, stat = _BY_METHODS[method]
    windows = ref.by_windows(times, size, _LAGGED[closed] if lag else closed)
    want = ref.apply_windows(xs, windows, min_samples, stat)
    if as_dates:
        by = pl.Series([date(2024, 1, 1) + timedelta(days=t) for t in times])
        window_size: str = f"{size}d"
    else:
        by, window_size = pl.Series(times), f"{size}i"
    expr = function(pl.col("x"), "t", window_size, min_samples=min_samples, closed=closed, lag=lag)  # type: ignore[operator]
    assert_rows_close(_run(expr, xs, t=by), want, rtol=1e-7, atol=rolling_sums_tol(xs))


def test_rolling_by_unsorted_equals_sorted() -> None:
    # Polars' rolling_*_by sort by ``by`` internally: each row keeps its time window's statistics.
    rng = np.random.default_rng(3)
    df = pl.DataFrame({"t": rng.permutation(40), "x": rng.normal(size=40)})
    expr = pn.rolling_zscore_by(pl.col("x"), "t", "5i")
    unsorted = df.with_columns(z=expr)
    sorted_first = df.sort("t").with_columns(z=expr)
    # equal up to rounding: the pilot shift is the first valid value in row order
    assert_frame_equal(unsorted.sort("t"), sorted_first, check_exact=False, rel_tol=1e-12, abs_tol=1e-12)
    assert not df["t"].is_sorted()


# --------------------------------------------------------------------------
# expanding against a brute-force loop
# --------------------------------------------------------------------------
@given(xs=series(), min_samples=st.integers(1, 4), ddof=st.integers(0, 2), lag=st.booleans())
def test_expanding_zscore_matches_brute_force(xs: list[Row], min_samples: int, ddof: int, lag: bool) -> None:
    want = ref.apply_windows(
        xs, ref.expanding_windows(len(xs), lag=lag), min_samples, ref.zscore_stat(ddof, exact=True)
    )
    got = _run(pn.expanding_zscore(pl.col("x"), min_samples=min_samples, ddof=ddof, lag=lag), xs)
    assert_rows_close(got, want, rtol=1e-7, atol=1e-7)


@given(xs=series(), min_samples=st.integers(1, 4), lag=st.booleans())
def test_expanding_minmax_and_maxabs_match_brute_force(xs: list[Row], min_samples: int, lag: bool) -> None:
    windows = ref.expanding_windows(len(xs), lag=lag)
    got = _run(pn.expanding_minmax(pl.col("x"), feature_range=(-1.0, 1.0), min_samples=min_samples, lag=lag), xs)
    assert_rows_close(got, ref.apply_windows(xs, windows, min_samples, ref.minmax_stat(-1.0, 1.0)))
    got = _run(pn.expanding_maxabs(pl.col("x"), min_samples=min_samples, lag=lag), xs)
    assert_rows_close(got, ref.apply_windows(xs, windows, min_samples, ref.maxabs_stat))


# --------------------------------------------------------------------------
# exponentially weighted
# --------------------------------------------------------------------------
_decay = st.sampled_from(
    [{"alpha": 0.3}, {"alpha": 1.0}, {"com": 2.0}, {"com": 0.0}, {"span": 5.0}, {"half_life": 1.5}]
)


@given(
    xs=series(mixed=False),
    decay=_decay,
    adjust=st.booleans(),
    bias=st.booleans(),
    ignore_nulls=st.booleans(),
    min_samples=st.integers(1, 3),
    lag=st.booleans(),
)
def test_ewm_zscore_matches_pandas(
    xs: list[Row],
    decay: dict[str, float],
    adjust: bool,
    bias: bool,
    ignore_nulls: bool,
    min_samples: int,
    lag: bool,
) -> None:
    s = pd.Series(xs, dtype="float64")
    pd_decay = {("halflife" if k == "half_life" else k): v for k, v in decay.items()}
    ewm = s.ewm(**pd_decay, adjust=adjust, ignore_na=ignore_nulls, min_periods=min_samples)
    mean, std = ewm.mean(), ewm.std(bias=bias)
    if lag:
        mean, std = mean.ffill().shift(1), std.ffill().shift(1)
        # pandas' ffill also fills across the rows before min_periods is reached; those stay null
        enough = s.notna().cumsum().shift(1, fill_value=0) >= min_samples
        mean, std = mean.where(enough), std.where(enough)
    want = _pandas_rows(xs, (s - mean) / _scale(std, mean.abs()), mean.notna())
    expr = pn.ewm_zscore(
        pl.col("x"), **decay, adjust=adjust, bias=bias, ignore_nulls=ignore_nulls, min_samples=min_samples, lag=lag
    )
    assert_rows_close(_run(expr, xs), want, rtol=1e-7, atol=1e-7)


@given(
    xs=series(min_size=1, max_size=25),
    steps=st.lists(st.integers(0, 3), min_size=25, max_size=25),
    half_life=st.sampled_from([1, 2, 5]),
    bias=st.booleans(),
    lag=st.booleans(),
)
def test_ewm_zscore_by_matches_explicit_weights(
    xs: list[Row], steps: list[int], half_life: int, bias: bool, lag: bool
) -> None:
    times = np.cumsum(steps[: len(xs)]).tolist()
    want = ref.ewm_by(xs, times, float(half_life), bias=bias, lag=lag)
    expr = pn.ewm_zscore_by(pl.col("x"), "t", half_life=f"{half_life}i", bias=bias, lag=lag)
    assert_rows_close(_run(expr, xs, t=times), want, rtol=1e-7, atol=1e-7)


@settings(max_examples=15)
@given(
    xs=series(min_size=1, max_size=30),
    steps=st.lists(st.integers(0, 2), min_size=30, max_size=30),
    min_samples=st.integers(1, 5),
    lag=st.booleans(),
)
def test_ewm_zscore_by_min_samples_counts_valid_values_so_far(
    xs: list[Row], steps: list[int], min_samples: int, lag: bool
) -> None:
    times = np.cumsum(steps[: len(xs)]).tolist()
    want = ref.ewm_by(xs, times, 2.0, lag=lag, min_samples=min_samples)
    expr = pn.ewm_zscore_by(pl.col("x"), "t", half_life="2i", lag=lag, min_samples=min_samples)
    df = pl.DataFrame({"x": xs, "t": times}, schema={"x": pl.Float64, "t": pl.Int64}, nan_to_null=False)
    assert_rows_close(df.select(expr).to_series().to_list(), want, rtol=1e-7, atol=1e-7)


def test_ewm_zscore_by_min_samples_follows_time_order_when_by_is_unsorted() -> None:
    rng = np.random.default_rng(8)
    xs: list[Row] = [None if i % 5 == 0 else float(v) for i, v in enumerate(rng.integers(-9, 9, 40))]
    times = rng.integers(0, 15, 40).tolist()  # unsorted, with ties
    want = ref.ewm_by(xs, times, 3.0, min_samples=4)
    df = pl.DataFrame({"x": xs, "t": times}, schema={"x": pl.Float64, "t": pl.Int64})
    got = df.select(pn.ewm_zscore_by(pl.col("x"), "t", half_life="3i", min_samples=4)).to_series().to_list()
    assert_rows_close(got, want, rtol=1e-7, atol=1e-7)
    assert sum(v is None for v in got) > sum(v is None for v in xs)  # some rows really are below min_samples
    namespace = df.select(pl.col("x").norm.ewm_zscore_by("t", half_life="3i", min_samples=4)).to_series()
    assert_rows_close(namespace.to_list(), want)


@pytest.mark.parametrize(
    ("unit", "half_life"),
    [("ns", "90m"), ("us", "1h"), ("ms", "1d12h"), (None, "2d"), (None, "12h")],
)
def test_ewm_zscore_by_temporal_clocks(unit: str | None, half_life: str) -> None:
    rng = np.random.default_rng(7)
    xs = rng.normal(size=30).tolist()
    days = np.cumsum(rng.integers(0, 3, size=30)).tolist()
    if unit is None:
        by = pl.Series([date(2024, 1, 1) + timedelta(days=d) for d in days])
    else:
        by = pl.Series([datetime(2024, 1, 1) + timedelta(days=d) for d in days]).cast(pl.Datetime(unit))  # type: ignore[arg-type]
    hl_days = {"90m": 1.5 / 24, "1h": 1 / 24, "1d12h": 1.5, "2d": 2.0, "12h": 0.5}[half_life]
    want = ref.ewm_by(xs, days, hl_days)
    assert_rows_close(_run(pn.ewm_zscore_by(pl.col("x"), "t", half_life=half_life), xs, t=by), want, rtol=1e-7)
    # a timedelta half life is the same duration
    td = pn.ewm_zscore_by(pl.col("x"), "t", half_life=timedelta(days=hl_days))
    assert_rows_close(_run(td, xs, t=by), want, rtol=1e-7)


@settings(max_examples=25)
@given(data=st.data(), lag=st.booleans(), min_samples=st.integers(1, 3), over=st.booleans())
def test_ewm_zscore_by_unsorted_equals_sorted(data: st.DataObject, lag: bool, min_samples: int, over: bool) -> None:
    # Without lag every row's output depends on time, not row order: the
    # statistics a null/NaN row carries and min_samples follow time (distinct
    # times: rows sharing one see each other in row order). With lag the row
    # before must be the row before in time: an unsorted ``by`` is refused.
    n = data.draw(st.integers(1, 14))
    t = sorted(data.draw(st.lists(st.integers(0, 60), min_size=n, max_size=n, unique=True)))
    # Values on a 0.01 grid: the pilot (the first valid value in row order) differs
    # after the shuffle, and a spread within rounding of |x - pilot| (1e-300 next
    # to 50) would count as zero under one pilot and not the other.
    cell = st.one_of(st.none(), st.just(float("nan")), st.integers(-5000, 5000).map(lambda k: k / 100))
    xs = data.draw(st.lists(cell, min_size=n, max_size=n))
    groups = data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    df = pl.DataFrame({"t": t, "x": xs, "g": groups}, schema_overrides={"x": pl.Float64}).with_row_index()
    expr = pn.ewm_zscore_by(pl.col("x"), "t", half_life="5i", lag=lag, min_samples=min_samples)
    expr = (expr.over("g") if over else expr).alias("z")
    shuffled = df[np.random.default_rng(n).permutation(n)]
    in_order = (
        shuffled.group_by("g").agg(pl.col("t").diff().min() > 0)
        if over
        else shuffled.select(pl.col("t").diff().min() > 0)
    )
    if lag and not in_order.get_column("t").fill_null(True).all():
        with pytest.raises(pl.exceptions.InvalidOperationError, match=r"lag=True needs `by` \(t\) sorted ascending"):
            shuffled.with_columns(expr)
        return
    assert_frame_equal(
        shuffled.with_columns(expr).sort("index"), df.with_columns(expr), check_exact=False, rel_tol=1e-9, abs_tol=1e-12
    )


def test_ewm_zscore_by_lag_refuses_null_times() -> None:
    df = pl.DataFrame({"t": [0, None, 1, 2], "x": [1.0, 5.0, 2.0, 3.0]})
    expr = pn.ewm_zscore_by(pl.col("x"), "t", half_life="2i", lag=True)
    with pytest.raises(pl.exceptions.InvalidOperationError, match=r"needs `by` \(t\) sorted ascending without nulls"):
        df.select(expr)


@settings(max_examples=10)
@given(xs=series(min_size=1, max_size=20, nan=False))
def test_lag_never_sees_the_current_row(xs: list[Row]) -> None:
    # Changing the last row's value cannot change its own lagged output beyond x itself:
    # (x - loc) / scale is affine in x with loc and scale from earlier rows only.
    exprs = [
        pn.rolling_zscore(pl.col("x"), 3, min_samples=1, lag=True),
        pn.expanding_zscore(pl.col("x"), min_samples=1, lag=True),
        pn.ewm_zscore(pl.col("x"), alpha=0.4, lag=True),
        pn.ewm_zscore_by(pl.col("x"), "t", half_life="2i", lag=True),
        pn.rolling_zscore_by(pl.col("x"), "t", "3i", lag=True),
    ]
    for expr in exprs:
        a = _run(expr, [*xs, 0.0], t=list(range(len(xs) + 1)))[-1]
        b = _run(expr, [*xs, 1.0], t=list(range(len(xs) + 1)))[-1]
        c = _run(expr, [*xs, 2.0], t=list(range(len(xs) + 1)))[-1]
        if a is None:
            assert b is None and c is None
        else:
            assert b is not None and c is not None
            # a "scale 1" output is a difference in the data's units, rounded relative to them
            # (the values are multiplied by a factor that is not a power of two, then divided)
            units = max((abs(v) for v in xs if v is not None and math.isfinite(v)), default=0.0)
            assert math.isclose(c - b, b - a, rel_tol=1e-9, abs_tol=max(1e-12, 16 * sys.float_info.epsilon * units))


def test_ewm_zscore_by_null_times_keep_nanosecond_clocks_exact() -> None:
    """A null in a Datetime("ns") `by` near 1.7e18 must not turn the clock into floats (2**53 < 1.7e18)."""
    start = 1_700_000_000_000_000_000
    times = [start + i for i in (0, 1, 2, 3, 5, 8)]
    xs = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0]
    expr = pn.ewm_zscore_by(pl.col("x"), "t", half_life="2ns")
    full = pl.DataFrame({"t": times, "x": xs}).with_columns(pl.col("t").cast(pl.Datetime("ns")))
    with_null = pl.concat([full, pl.DataFrame({"t": [None], "x": [9.0]}, schema=full.schema)])
    want = full.select(expr).to_series().to_list()
    got = with_null.select(expr).to_series().to_list()
    assert got[-1] is None
    assert got[:-1] == want
