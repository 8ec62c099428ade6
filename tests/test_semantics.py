"""The shared semantics: exact references on hard cases, dtypes, empty input, errors."""

from __future__ import annotations

import math
import sys
from decimal import Decimal
from fractions import Fraction

import numpy as np
import polars as pl
import pytest

import polars_norm as pn


def _exact_moments(values: list[float], ddof: int = 1) -> tuple[Fraction, float]:
    """Exact mean, and the standard deviation correctly rounded (no overflow at 1e300)."""
    exact = [Fraction(v) for v in values]
    mean = sum(exact) / len(exact)
    var = sum((v - mean) ** 2 for v in exact) / (len(exact) - ddof)
    if var == 0:
        return mean, 0.0
    shift = (var.numerator.bit_length() - var.denominator.bit_length()) // 2
    return mean, math.sqrt(float(var / Fraction(2) ** (2 * shift))) * 2.0**shift


def _exact_zscore(values: list[float], ddof: int = 1) -> list[float]:
    mean, std = _exact_moments(values, ddof)
    return [float((Fraction(v) - mean) / Fraction(std or 1.0)) for v in values]


def _intrinsic_error(mean: Fraction, scale: float) -> float:
    """The error any float64 result must carry: the mean rounded to a double
    is off by up to half an ulp, which shows in every centered value."""
    return math.ulp(float(mean)) / scale + 1e-12


HARD_CASES = {
    "1e9 + 1e-3 noise": 1e9 + np.random.default_rng(1).normal(scale=1e-3, size=2000),
    "sorted 1e12 + N(0, 1)": np.sort(1e12 + np.random.default_rng(2).normal(size=2000)),
    "+1e15 offset": 1e15 + np.random.default_rng(3).normal(size=2000),
    "-1e15 offset": -1e15 + np.random.default_rng(4).normal(size=2000),
    "1e300 magnitude": 1e300 * np.random.default_rng(5).normal(size=200),
    "1e-300 magnitude": 1e-300 * np.random.default_rng(6).normal(size=200),
}


@pytest.mark.parametrize("case", list(HARD_CASES), ids=list(HARD_CASES))
def test_zscore_exact_on_hard_cases(case: str) -> None:
    values = HARD_CASES[case].tolist()
    mean, std = _exact_moments(values)
    expected = _exact_zscore(values)
    df = pl.DataFrame({"x": values})
    got = df.select(pl.col("x").norm.zscore()).to_series().to_list()
    err = max(abs(g - e) for g, e in zip(got, expected, strict=True))
    assert err <= 2 * _intrinsic_error(mean, std)
    # the scale itself is exact to rounding: z-scores of a centered copy have std 1
    got_std = pl.Series(got).std()
    assert got_std is not None and abs(float(got_std) - 1.0) < 1e-12  # type: ignore[arg-type]
    # Polars' own one-pass var() is not, which is why the package avoids it
    naive = df.select((pl.col("x") - pl.col("x").mean()) / pl.col("x").std()).to_series()
    if "sorted" in case:
        assert abs(float(naive.std()) - 1.0) > 1e-9  # type: ignore[arg-type]


@pytest.mark.parametrize("case", list(HARD_CASES), ids=list(HARD_CASES))
def test_mean_range_exact_on_hard_cases(case: str) -> None:
    values = HARD_CASES[case].tolist()
    exact = [Fraction(v) for v in values]
    mean = sum(exact) / len(exact)
    rng = max(exact) - min(exact)
    expected = [float((v - mean) / rng) for v in exact]
    got = pl.DataFrame({"x": values}).select(pl.col("x").norm.mean_range()).to_series().to_list()
    err = max(abs(g - e) for g, e in zip(got, expected, strict=True))
    assert err <= 2 * _intrinsic_error(mean, float(rng))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1e300, 1e300], math.sqrt(2) * 1e300),
        ([1e-300, 1e-300], math.sqrt(2) * 1e-300),
        ([3e-320, 4e-320], 5e-320),
        ([1.5e308, 1.5e308, 1e308], None),  # the norm itself exceeds the double range
    ],
)
def test_l2_overflow_and_underflow(values: list[float], expected: float | None) -> None:
    got = pl.DataFrame({"x": values}).select(pl.col("x").norm.l2()).item()
    if expected is None:  # the true norm, 2.06e308, is above the largest double
        assert math.isinf(got)
        return
    exact = expected
    assert math.isclose(got, exact, rel_tol=1e-15) or (exact < 1e-300 and math.isclose(got, exact, rel_tol=1e-2))
    # numpy's naive formula fails at both ends; ours must not
    naive = float(np.sqrt(np.sum(np.square(np.array(values)))))
    assert not math.isclose(naive, exact, rel_tol=1e-3) or 1e-150 < exact < 1e150


def test_lp_and_unit_at_extreme_magnitudes() -> None:
    for scale in (1e300, 1e-300):
        values = [scale * v for v in (1.0, 2.0, 2.0)]
        got = pl.DataFrame({"x": values}).select(pl.col("x").norm.lp(3)).item()
        assert math.isclose(got, scale * 17 ** (1 / 3), rel_tol=1e-14)
        unit = pl.DataFrame({"x": values}).select(pl.col("x").norm.unit()).to_series().to_list()
        assert unit == pytest.approx([1 / 3, 2 / 3, 2 / 3], rel=1e-15)


# -- dtypes -------------------------------------------------------------------
def test_int64_near_2_62_does_not_wrap() -> None:
    big = 2**62
    values = [big, big - 3, big + 5, -big]
    got = pl.DataFrame({"x": values}).select(pl.col("x").norm.l2(), z=pl.col("x").norm.zscore())
    exact = math.sqrt(float(sum(Fraction(v) ** 2 for v in values)))
    assert got["x"].dtype == pl.Float64
    assert math.isclose(got["x"][0], exact, rel_tol=1e-15)
    assert got["z"].to_list() == pytest.approx(_exact_zscore([float(v) for v in values]), rel=1e-12)


@pytest.mark.parametrize("dtype", [pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64])
def test_integers_become_float64(dtype: pl.DataType) -> None:
    df = pl.DataFrame({"x": pl.Series([1, 2, 3, 10], dtype=dtype)})
    out = df.select(pl.col("x").norm.minmax(), l1=pl.col("x").norm.l1())
    assert out.schema == pl.Schema({"x": pl.Float64, "l1": pl.Float64})
    assert out["x"].to_list() == pytest.approx([0.0, 1 / 9, 2 / 9, 1.0])
    assert out["l1"][0] == 16.0


def test_decimal_input_is_float64() -> None:
    df = pl.DataFrame({"x": pl.Series([Decimal("1.50"), Decimal("2.50"), None], dtype=pl.Decimal(10, 2))})
    out = df.select(pl.col("x").norm.zscore())
    assert out["x"].dtype == pl.Float64
    assert out["x"].to_list()[:2] == pytest.approx([-math.sqrt(0.5), math.sqrt(0.5)])
    assert out["x"][2] is None


def test_float32_stays_float32_but_accumulates_in_float64() -> None:
    # 1e7 + small noise: Float32 sums would lose the noise entirely
    rng = np.random.default_rng(7)
    values = (np.float32(1e4) + rng.normal(size=10_000).astype(np.float32)).astype(np.float32)
    out = pl.DataFrame({"x": values}).select(pl.col("x").norm.zscore())
    assert out["x"].dtype == pl.Float32
    expected = _exact_zscore(values.astype(np.float64).tolist())
    assert np.allclose(out["x"].to_numpy(), expected, atol=1e-5)


@pytest.mark.parametrize(
    ("series", "dtype_text"),
    [
        (pl.Series("s", ["a", "b"]), "String"),
        (pl.Series("s", [True, False]), "Boolean"),
        (pl.Series("s", [[1.0], [2.0]]), "List"),
        (pl.Series("s", [1, 2]).cast(pl.Date), "Date"),
    ],
)
@pytest.mark.parametrize("method", ["zscore", "minmax", "robust", "quantile", "l2", "softmax", "box_cox"])
def test_non_numeric_column_raises_naming_column_dtype_method(series: pl.Series, dtype_text: str, method: str) -> None:
    expr = getattr(pl.col("s").norm, method)(*((0.5,) if method == "box_cox" else ()))
    lazy = series.to_frame().lazy().select(expr)  # building the query is fine...
    with pytest.raises(Exception, match=rf"polars_norm\.{method}: column 's' has dtype {dtype_text}") as info:
        lazy.collect_schema()  # ...planning it fails, before any data is read
    assert "expected a numeric column" in str(info.value)


# -- empty and all-null input ---------------------------------------------------
TRANSFORM_NAMES = ["zscore", "minmax", "maxabs", "robust", "mean_range", "unit", "softmax", "quantile"]


@pytest.mark.parametrize("method", TRANSFORM_NAMES)
def test_empty_and_all_null_give_empty_and_null(method: str) -> None:
    empty = pl.DataFrame({"x": pl.Series([], dtype=pl.Float64)})
    assert empty.select(getattr(pl.col("x").norm, method)()).height == 0
    nulls = pl.DataFrame({"x": pl.Series([None, None], dtype=pl.Float64)})
    assert nulls.select(getattr(pl.col("x").norm, method)())["x"].to_list() == [None, None]
    nans = pl.DataFrame({"x": [float("nan"), None]})
    out = nans.select(getattr(pl.col("x").norm, method)())["x"].to_list()
    assert math.isnan(out[0]) and out[1] is None


@pytest.mark.parametrize("method", ["l0", "l1", "l2", "linf"])
def test_norm_of_no_values_is_null(method: str) -> None:
    for values in ([], [None], [float("nan"), None]):
        df = pl.DataFrame({"x": pl.Series(values, dtype=pl.Float64)})
        assert df.select(getattr(pl.col("x").norm, method)()).item() is None


def test_nan_propagate_follows_polars() -> None:
    df = pl.DataFrame({"x": [1.0, 2.0, float("nan")]})
    ignored = df.select(pl.col("x").norm.zscore())["x"].to_list()
    assert ignored[:2] == pytest.approx([-math.sqrt(0.5), math.sqrt(0.5)])
    assert math.isnan(ignored[2])
    propagated = df.select(pl.col("x").norm.zscore(nan="propagate"))["x"].to_list()
    assert all(math.isnan(v) for v in propagated)
    assert math.isnan(df.select(pl.col("x").norm.l2(nan="propagate")).item())
    assert df.select(pl.col("x").norm.l0(nan="propagate")).item() == 3


def test_constant_column_maps_to_zero_at_any_magnitude() -> None:
    for value in (0.1, 1e300, -7e-300, 123456789.123):
        df = pl.DataFrame({"x": [value] * 7})
        out = df.select(
            z=pl.col("x").norm.zscore(),
            r=pl.col("x").norm.robust(),
            mr=pl.col("x").norm.mean_range(),
            mm=pl.col("x").norm.minmax(feature_range=(2.0, 3.0)),
        )
        assert out["z"].to_list() == [0.0] * 7
        assert out["r"].to_list() == [0.0] * 7
        assert out["mr"].to_list() == [0.0] * 7
        assert out["mm"].to_list() == [2.0] * 7


def test_single_value_maps_to_zero() -> None:
    out = pl.DataFrame({"x": [5.0, None]}).select(pl.col("x").norm.zscore())["x"].to_list()
    assert out == [0.0, None]


# -- parameter errors (raised when the expression is built) --------------------
@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: pl.col("x").norm.unit(0), r"unit: p=0 must be a number in \(0, inf\]"),
        (lambda: pl.col("x").norm.unit(-2.0), r"unit: p=-2.0 must be"),
        (lambda: pl.col("x").norm.lp(float("nan")), r"lp: p=nan must be"),
        (lambda: pl.col("x").norm.lp("2"), r"lp: p='2' must be"),
        (lambda: pl.col("x").norm.zscore(ddof=-1), r"zscore: ddof=-1 must be a non-negative integer"),
        (lambda: pl.col("x").norm.zscore(ddof=1.5), r"zscore: ddof=1.5 must be a non-negative integer"),
        (lambda: pl.col("x").norm.minmax(feature_range=(1.0, 1.0)), r"minmax: feature_range=\(1.0, 1.0\) must be"),
        (lambda: pl.col("x").norm.minmax(feature_range=(2, 1)), r"minmax: feature_range=\(2, 1\) must be"),
        (lambda: pl.col("x").norm.minmax(feature_range=(0, float("inf"))), r"feature_range=\(0, inf\)"),
        (lambda: pl.col("x").norm.robust(quantile_range=(0.75, 0.25)), r"robust: quantile_range=\(0.75, 0.25\)"),
        (lambda: pl.col("x").norm.robust(quantile_range=(-0.1, 0.5)), r"quantile_range=\(-0.1, 0.5\) must be"),
        (lambda: pl.col("x").norm.robust(quantile_range=(0.0, 1.0), unit_variance=True), r"strictly inside"),
        (lambda: pl.col("x").norm.softmax(temperature=0), r"softmax: temperature=0 must be a finite number > 0"),
        (lambda: pl.col("x").norm.softmax(temperature=-1.0), r"temperature=-1.0 must be"),
        (lambda: pl.col("x").norm.quantile(output="gauss"), r"quantile: output='gauss' is not one of"),
        (lambda: pl.col("x").norm.quantile(offset=1.0), r"quantile: offset=1.0 must be in \[0, 1\)"),
        (lambda: pl.col("x").norm.quantile(offset="weibull"), r"quantile: offset='weibull' is not one of"),
        (lambda: pl.col("x").norm.box_cox(float("inf")), r"box_cox: lmbda=inf must be a finite number"),
        (lambda: pl.col("x").norm.yeo_johnson(float("nan")), r"yeo_johnson: lmbda=nan must be a finite number"),
        (lambda: pl.col("x").norm.zscore(nan="drop"), r"zscore: nan='drop' is not one of 'ignore', 'propagate'"),
        (lambda: pl.col("x").norm.l2(nan=None), r"l2: nan=None is not one of"),
    ],
)
def test_invalid_parameters_raise_value_error_when_built(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_box_cox_policy_non_positive_is_null() -> None:
    out = pl.DataFrame({"x": [-1.0, 0.0, 1.0, float("nan"), None]}).select(pl.col("x").norm.box_cox(0.3))
    values = out["x"].to_list()
    assert values[0] is None and values[1] is None and values[2] == 0.0
    assert math.isnan(values[3]) and values[4] is None


def test_box_cox_small_lambda_is_precise() -> None:
    # (x**l - 1) / l naively loses ~8 digits at l = 1e-8; expm1 does not
    x = [0.5, 2.0, 10.0]
    out = pl.DataFrame({"x": x}).select(pl.col("x").norm.box_cox(1e-8))["x"].to_list()
    exact = [math.expm1(1e-8 * math.log(v)) / 1e-8 for v in x]
    assert out == pytest.approx(exact, rel=1e-14)


@pytest.mark.parametrize("lmbda", [0.5, 1e-9, 2.0 - 1e-9, -3.0, 0.0, 2.0])
def test_yeo_johnson_is_precise_near_zero_and_near_the_log_limits(lmbda: float) -> None:
    # ((1 + x)**l - 1) / l loses about 1e-16 / |x| relatively (1e-6 at 1e-10)
    x = [-1e6, -3.0, -1e-10, -1e-300, 0.0, 1e-300, 1e-10, 0.25, 7.0, 1e6]

    def exact(v: float) -> float:
        p = lmbda if v >= 0 else 2.0 - lmbda
        t = math.log1p(abs(v))
        r = t if p == 0.0 else math.expm1(p * t) / p
        return math.copysign(r, v) if v != 0 else 0.0

    out = pl.DataFrame({"x": x}).select(pl.col("x").norm.yeo_johnson(lmbda))["x"].to_list()
    assert out == pytest.approx([exact(v) for v in x], rel=1e-14, abs=0.0)


def test_ndtri_against_statistics_normaldist() -> None:
    from statistics import NormalDist

    p = [1e-300, 1e-100, 1e-10, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-10, 1 - 1e-16]
    got = pl.DataFrame({"p": p}).select(pn.ndtri(pl.col("p")))["p"].to_list()
    expected = [NormalDist().inv_cdf(v) for v in p]
    assert got == pytest.approx(expected, rel=1e-14)


def test_ndtri_against_scipy_over_the_whole_range() -> None:
    from scipy.special import ndtri

    p = np.concatenate([np.logspace(-300, -1, 3000), np.linspace(0.01, 0.99, 3001), 1 - np.logspace(-16, -1, 300)])
    got = pl.DataFrame({"p": p}).select(pn.ndtri(pl.col("p"))).to_series().to_numpy()
    ref = ndtri(p)
    assert np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1e-300)) < 1e-14
    edges = pl.DataFrame({"p": [0.0, 1.0, -0.5, 1.5, None]}).select(pn.ndtri(pl.col("p")))["p"].to_list()
    assert edges[0] == -math.inf and edges[1] == math.inf
    assert math.isnan(edges[2]) and math.isnan(edges[3]) and edges[4] is None


def test_quantile_matches_sklearn_quantile_transformer() -> None:
    from sklearn.preprocessing import QuantileTransformer

    rng = np.random.default_rng(8)
    x = rng.lognormal(size=500)  # distinct values (ties are checked against scipy's rankdata elsewhere)
    sk = QuantileTransformer(n_quantiles=len(x)).fit_transform(x.reshape(-1, 1)).ravel()
    # offset=1 is not allowed (it maps the extremes to 0 and 1); with a = 0,
    # u = r / (n + 1), and scikit-learn's (r - 1) / (n - 1) is the same ranks
    ours = pl.DataFrame({"x": x}).select(pl.col("x").norm.quantile()).to_series().to_numpy()
    ranks_ours = ours * (len(x) + 1)
    ranks_sk = sk * (len(x) - 1) + 1
    assert np.allclose(ranks_ours, ranks_sk, atol=1e-6)


# -- one zero-scale rule on every axis ----------------------------------------------------------------
NEAR_CONSTANT = {
    "constant 1e9": [1e9] * 6,
    "1e9 and its neighbouring doubles": [1e9, math.nextafter(1e9, 2e9), 1e9, math.nextafter(1e9, 0.0), 1e9, 1e9],
    "ulp-spread around 1e15": [1e15 + 0.125 * k for k in (0, 1, 0, 2, 1, 0)],
    "4-ulp spread around 1e15": [1e15 + 0.125 * k for k in (0, 4, 1, 3, 2, 0)],
    "1e15 + N(0, 1)": list(1e15 + np.random.default_rng(3).normal(size=6)),
    "spanning zero, 1e-300": [-1e-300, 1e-300, 0.0, -1e-300, 1e-300, 0.0],
    "1e300 with 1e285 noise": [1e300 + 1e285 * k for k in (0, 1, -1, 2, -2, 0)],
    "plain": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0],
}


def _is_zero_std(values: list[float]) -> bool:
    """The documented rule, from exact arithmetic: std <= eps in units of 2**floor(log2 max|x|)."""
    _, std = _exact_moments(values)
    top = max(abs(v) for v in values)
    unit = 2.0 ** max(-1022, min(1022, math.floor(math.log2(top)))) if top > 0 else 1.0
    return std <= sys.float_info.epsilon * unit


def _zscores_on_every_axis(values: list[float]) -> dict[str, np.ndarray]:
    df = pl.DataFrame({"x": values})
    row = pl.DataFrame({f"c{i}": [v] for i, v in enumerate(values)})
    return {
        "column": df.select(pl.col("x").norm.zscore())["x"].to_numpy(),
        "row": np.array(row.select(pn.zscore_horizontal(row.columns)).row(0)),
        "vector": pl.DataFrame({"v": [values]}).select(pl.col("v").norm.vector_zscore())["v"][0].to_numpy(),
        "fitted": pn.fit(df, ["x"], quantiles=False).transform(df, "zscore")["x"].to_numpy(),
    }


@pytest.mark.parametrize("values", list(NEAR_CONSTANT.values()), ids=list(NEAR_CONSTANT))
def test_zscore_zero_scale_rule_is_the_same_on_every_axis(values: list[float]) -> None:
    got = _zscores_on_every_axis(values)
    mean, std = _exact_moments(values)
    if _is_zero_std(values):
        # In a query the values are a constant up to rounding: exactly 0. Fitted statistics
        # apply to new data, so there the scale is taken as 1: x - mean, within the spread.
        for axis in ("column", "row", "vector"):
            np.testing.assert_array_equal(got[axis], np.zeros(len(values)), err_msg=axis)
        assert np.all(np.abs(got["fitted"]) <= max(values) - min(values))
    else:
        want = np.array(_exact_zscore(values))
        for axis, z in got.items():
            np.testing.assert_allclose(z, want, rtol=1e-9, atol=_intrinsic_error(mean, std), err_msg=axis)


def test_subnormal_spread_stays_finite() -> None:
    """A standard deviation below the smallest normal double is clamped to it, never inf or NaN."""
    values = [2.0**-1070 * k for k in (1, 2, 3, 1, 2, 3)]
    got = _zscores_on_every_axis(values)
    for axis, z in got.items():
        assert np.all(np.isfinite(z)), axis
    want = (np.array(values) - 2.0**-1069) / sys.float_info.min  # clamped scale
    # (rows and vector cells rescale squares by powers of two of normal range only:
    # their subnormal deviations underflow to a zero scale, which gives 0)
    for axis in ("column", "fitted"):
        np.testing.assert_allclose(got[axis], want, rtol=1e-12, err_msg=axis)
