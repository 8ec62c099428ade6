"""Weighted rolling z-scores (``rolling_zscore(weights=...)``) against an exact window-by-window reference.

``.over``, streaming, causality, nulls/NaN and constant windows are tested with every window method in
``test_windows_semantics.py``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest
import window_references as ref
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_series_equal
from test_windows import Row, assert_rows_close, series

import polars_norm as pn

# Offsets far from 0 with noise well above the documented resolution of the weighted sums
# (a window's std resolved down to ~sqrt(4 (k + 1) eps) of its distance from the first value).
_offsets = st.sampled_from([0.0, 0.0, 1e9, -1e12])
# Weights with zeros, ties and a 20x spread (so a non-constant window is never near the tolerance).
_weight = st.sampled_from([0.0, 0.5, 1.0, 1.0, 2.0, 3.7, 10.0])


@st.composite
def weights(draw: st.DrawFn, max_size: int = 8) -> list[float]:
    out = draw(st.lists(_weight, min_size=1, max_size=max_size))
    if not any(out):
        out[draw(st.integers(0, len(out) - 1))] = draw(st.sampled_from([0.5, 2.0]))
    return out


@st.composite
def offset_series(draw: st.DrawFn) -> list[Row]:
    offset = draw(_offsets)
    return [v if v is None or math.isnan(v) else offset + v for v in draw(series(mixed=False))]


def _run(expr: pl.Expr, xs: list[Row]) -> list[Row]:
    df = pl.DataFrame({"x": xs}, schema={"x": pl.Float64}, nan_to_null=False)
    return df.select(expr).to_series().to_list()


@given(
    xs=offset_series(),
    w=weights(),
    min_samples=st.none() | st.integers(1, 8),
    ddof=st.integers(0, 2),
    where=st.sampled_from(["end", "end", "lag", "center"]),
    nan=st.sampled_from(["ignore", "ignore", "propagate"]),
)
def test_weighted_rolling_zscore_matches_exact_reference(
    xs: list[Row], w: list[float], min_samples: int | None, ddof: int, where: str, nan: str
) -> None:
    size = len(w)
    min_samples = None if min_samples is None else min(min_samples, size)
    lag, center = where == "lag", where == "center"
    want = ref.weighted_rolling_zscore(xs, w, min_samples=min_samples, ddof=ddof, center=center, lag=lag, nan=nan)
    expr = pn.rolling_zscore(
        pl.col("x"),
        size,
        min_samples=min_samples,
        ddof=ddof,
        center=center,
        lag=lag,
        nan=nan,
        weights=w,  # type: ignore[arg-type]
    )
    assert_rows_close(_run(expr, xs), want, rtol=1e-7, atol=1e-7)


@given(
    xs=series(mixed=False),
    weight=st.sampled_from([0.1, 1.0, 3.0, 1e6]),
    size=st.integers(1, 8),
    min_samples=st.none() | st.integers(1, 8),
    ddof=st.integers(0, 2),
    where=st.sampled_from(["end", "lag", "center"]),
)
def test_equal_weights_equal_the_unweighted_zscore(
    xs: list[Row], weight: float, size: int, min_samples: int | None, ddof: int, where: str
) -> None:
    min_samples = None if min_samples is None else min(min_samples, size)
    options = {"min_samples": min_samples, "ddof": ddof, "lag": where == "lag", "center": where == "center"}
    got = _run(pn.rolling_zscore(pl.col("x"), size, weights=[weight] * size, **options), xs)  # type: ignore[arg-type]
    want = _run(pn.rolling_zscore(pl.col("x"), size, **options), xs)  # type: ignore[arg-type]
    # A constant window after a large value (9e6 then zeros) has zero scale, taken
    # as 1 with lag: the output is then x - mean itself, whose rounding differs
    # between the two kernels by up to a few eps * max|x| (absolute, not relative).
    largest = max((abs(x) for x in xs if x is not None and math.isfinite(x)), default=0.0)
    assert_rows_close(got, want, rtol=1e-9, atol=max(1e-9, 16 * sys.float_info.epsilon * largest))


@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("size", [1, 4, 7])
def test_weights_align_as_polars_weighted_rolling_mean(size: int, center: bool) -> None:
    # Polars' own weighted mean and (population) std, on data without nulls where they work.
    rng = np.random.default_rng(size)
    w = rng.uniform(0.0, 2.0, size).tolist()
    x = pl.col("x")
    df = pl.DataFrame({"x": rng.normal(size=60)})
    out = df.select(
        ours=pn.rolling_zscore(x, size, weights=w, ddof=0, center=center, min_samples=1),
        polars=(x - x.rolling_mean(size, weights=w, center=center, min_samples=1))
        / x.rolling_std(size, weights=w, center=center, min_samples=1),
        mean_check=x.rolling_mean(size, weights=w, center=center),
    )
    full = out["mean_check"].is_not_null()  # Polars' partial windows renormalize the weights: compare full ones
    a, b = out.filter(full)["ours"], out.filter(full)["polars"]
    if size == 1:
        assert (a == 0.0).all()  # one row: a constant window
    else:
        assert_series_equal(a, b, check_names=False, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)


def test_partial_windows_keep_the_weights_of_their_rows() -> None:
    # weights[-1] is on the row itself at the start of the column, and the first weight
    # on the row window_size - 1 before it: a partial window has only the last weights.
    xs: list[Row] = [1.0, 3.0, 10.0, 20.0]
    got = _run(pn.rolling_zscore(pl.col("x"), 3, min_samples=2, ddof=0, weights=[100.0, 1.0, 3.0]), xs)
    # row 1: rows 0, 1 with weights 1, 3 -> mean 2.5, var (1 * 2.25 + 3 * 0.25) / 4 = 0.75
    assert got[1] == pytest.approx(0.5 / math.sqrt(0.75))
    lagged = _run(pn.rolling_zscore(pl.col("x"), 3, min_samples=2, ddof=0, lag=True, weights=[100.0, 1.0, 3.0]), xs)
    assert lagged[2] == pytest.approx((10.0 - 2.5) / math.sqrt(0.75))


@pytest.mark.parametrize(("offset", "noise"), [(1e9, 1.0), (1e9, 1e-3), (-1e12, 1.0), (0.0, 1e-100), (1e100, 1e92)])
def test_accurate_on_large_offsets(offset: float, noise: float) -> None:
    rng = np.random.default_rng(4)
    xs = (offset + rng.normal(0.0, noise, 300)).tolist()
    w = rng.uniform(0.0, 1.0, 30).tolist()
    got = _run(pn.rolling_zscore(pl.col("x"), 30, weights=w), xs)
    want = ref.weighted_rolling_zscore(xs, w)
    errs = [abs(g - v) / max(abs(v), 1e-3) for g, v in zip(got[29:], want[29:], strict=True)]  # type: ignore[operator]
    assert max(errs) < 1e-9


def test_spread_below_the_documented_resolution_counts_as_constant() -> None:
    # std / |mean - first value| ~ 1e-9 < sqrt(4 * 5 * eps) = 7e-8: zero scale, the rows map to 0.
    # At ~1e-4 it is resolved, to about 4 (k + 1) eps / (1e-4)**2 = 4e-7 relative.
    k = 4
    for ratio, constant in [(1e-9, True), (1e-4, False)]:
        xs: list[Row] = [0.0] + [1e6 * (1.0 + ratio * (i % 3)) for i in range(20)]
        w = [1.0, 2.0, 0.5, 1.0]
        got = _run(pn.rolling_zscore(pl.col("x"), k, weights=w), xs)
        if constant:
            assert all(v == 0.0 for v in got[k + 1 :])
        else:
            want = ref.weighted_rolling_zscore(xs, w)
            assert_rows_close(got[k + 1 :], want[k + 1 :], rtol=1e-5, atol=1e-5)
            assert max(abs(v) for v in got[k + 1 :]) > 0.5  # type: ignore[arg-type]


def test_constant_and_zero_weight_windows() -> None:
    xs: list[Row] = [5.0, 5.0, 5.0, None, None, 2.0, 8.0]
    out = pl.DataFrame({"x": xs}).select(
        z=pn.rolling_zscore(pl.col("x"), 3, min_samples=1, weights=[1.0, 1.0, 1.0]),
        lag=pn.rolling_zscore(pl.col("x"), 3, min_samples=1, lag=True, weights=[1.0, 1.0, 1.0]),
        first_only=pn.rolling_zscore(pl.col("x"), 3, min_samples=1, weights=[1.0, 0.0, 0.0]),
    )
    assert out["z"].to_list()[:3] == [0.0, 0.0, 0.0]  # a constant window maps to 0
    assert out["lag"].to_list()[1:3] == [0.0, 0.0]  # x - mean with the scale taken as 1
    assert out["lag"][5] == 2.0 - 5.0  # rows 2-4 hold one value (5): no std, scale 1
    # all the weight on the row 2 before: rows 0, 1 have no such row, rows 5, 6 a null there -> null
    assert out["first_only"].to_list() == [None, None, 0.0, None, None, None, None]


def test_float32_stays_float32_and_ints_become_float64() -> None:
    df = pl.DataFrame({"f": pl.Series([1.0, 4.0, 2.0, 8.0, 5.0], dtype=pl.Float32), "i": [1, 4, 2, 8, 5]})
    out = df.select(
        pn.rolling_zscore(pl.col("f"), 3, weights=[1, 2, 3]), pn.rolling_zscore(pl.col("i"), 3, weights=[1, 2, 3])
    )
    assert out.schema == pl.Schema({"f": pl.Float32, "i": pl.Float64})
    assert_series_equal(out["f"], out["i"].cast(pl.Float32), check_names=False)
    assert out["i"].to_list()[2:] == pytest.approx(
        ref.weighted_rolling_zscore([1.0, 4.0, 2.0, 8.0, 5.0], [1, 2, 3])[2:]
    )


def test_namespace_method_equals_function() -> None:
    df = pl.DataFrame({"x": [3.0, 1.0, None, 4.0, 1.0, 5.0, 9.0, 2.0]})
    a = df.select(pl.col("x").norm.rolling_zscore(3, min_samples=2, weights=[0.5, 1.0, 2.0])).to_series()
    b = df.select(pn.rolling_zscore(pl.col("x"), 3, min_samples=2, weights=(0.5, 1.0, 2.0))).to_series()
    assert_series_equal(a, b)
    c = df.select(pn.rolling_zscore(pl.col("x"), 3, min_samples=2, weights=np.array([0.5, 1.0, 2.0]))).to_series()  # type: ignore[arg-type]
    assert_series_equal(a, c)


_ERRORS: list[tuple[Callable[[], pl.Expr], str]] = [
    (lambda: pn.rolling_zscore(pl.col("x"), 3, weights=[1.0, 2.0]), r"weights=\[1.0, 2.0\] has 2 entries; expected"),
    (lambda: pn.rolling_zscore(pl.col("x"), 2, weights=[1.0, -1.0]), r"weights\[1\]=-1.0; every weight must be"),
    (lambda: pn.rolling_zscore(pl.col("x"), 2, weights=[math.nan, 1.0]), r"weights\[0\]=nan; every weight must"),
    (lambda: pn.rolling_zscore(pl.col("x"), 2, weights=[1.0, math.inf]), r"weights\[1\]=inf; .* finite number >= 0"),
    (lambda: pn.rolling_zscore(pl.col("x"), 2, weights=[1.0, "a"]), r"weights\[1\]='a'"),  # type: ignore[list-item]
    (lambda: pn.rolling_zscore(pl.col("x"), 2, weights=[1.0, True]), r"weights\[1\]=True"),
    (lambda: pn.rolling_zscore(pl.col("x"), 2, weights=[0, 0.0]), r"weights=\[0, 0.0\] must have at least one"),
    (lambda: pn.rolling_zscore(pl.col("x"), 2, weights=3.0), r"weights=3.0 must be a sequence of window_size=2"),  # type: ignore[arg-type]
    (lambda: pn.rolling_zscore(pl.col("x"), 2, weights="ab"), r"weights='ab' must be a sequence"),
    (lambda: pn.rolling_zscore(pl.col("x"), 100, weights=[1.0] * 99), r"weights=\[1.0, 1.0, .*\.\.\.\] has 99"),
    (lambda: pl.col("x").norm.rolling_zscore(2, weights=[-2, 1]), r"rolling_zscore: weights=\[-2, 1\] has weights"),
]


@pytest.mark.parametrize(("build", "match"), _ERRORS)
def test_parameter_errors_name_parameter_value_and_expectation(build: Callable[[], pl.Expr], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build()
