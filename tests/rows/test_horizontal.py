"""Row-wise (horizontal) normalizations vs scikit-learn's Normalizer and numpy."""

from __future__ import annotations

import math
import warnings

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from polars.testing import assert_frame_equal
from sklearn.preprocessing import Normalizer

from polars_norm import minmax_horizontal, norm_horizontal, unit_horizontal, zscore_horizontal

COLS = ["a", "b", "c", "d"]
INF = float("inf")


def matrix_frame(X: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame({c: X[:, j] for j, c in enumerate(COLS[: X.shape[1]])})


def data(seed: int = 0, n: int = 200) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4)) * rng.choice([1e-3, 1.0, 1e6], size=(n, 1))
    X[0] = 0.0
    X[1] = 5.0
    return X


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
def test_unit_matches_sklearn_normalizer(norm: str) -> None:
    X = data()
    p = {"l1": 1, "l2": 2, "max": INF}[norm]
    got = matrix_frame(X).select(unit_horizontal(*COLS, p=p)).to_numpy()
    np.testing.assert_allclose(got, Normalizer(norm=norm).fit_transform(X), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("p", [0.5, 1, 2, 3, INF])
def test_norm_matches_numpy(p: float) -> None:
    X = data(1)
    got = matrix_frame(X).select(norm_horizontal(COLS, p=p))["a"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's p < 1 "norm"
        want = np.array([np.sum(np.abs(r) ** p) ** (1 / p) if p != INF else np.abs(r).max() for r in X])
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_norm_and_unit_overflow_underflow() -> None:
    df = pl.DataFrame({"a": [1e300, 1e-300, 0.0, None], "b": [1e300, 1e-300, 0.0, None]})
    n = df.select(norm_horizontal("a", "b"))["a"].to_list()
    assert n[0] == pytest.approx(math.sqrt(2) * 1e300, rel=1e-15)
    assert n[1] == pytest.approx(math.sqrt(2) * 1e-300, rel=1e-15)
    assert n[2:] == [0.0, None]
    u = df.select(unit_horizontal("a", "b"))
    h = math.sqrt(0.5)
    assert u["a"].to_list()[:2] == pytest.approx([h, h], rel=1e-15)
    assert u.row(2) == (0.0, 0.0)
    assert u.row(3) == (None, None)


@given(
    st.lists(
        st.tuples(*[st.floats(-1e308, 1e308, allow_nan=False, allow_subnormal=False)] * 3).filter(
            lambda r: all(v == 0.0 or abs(v) > 1e-300 for v in r)
        ),
        min_size=1,
        max_size=20,
    )
)
def test_l2_norm_matches_hypot_at_every_magnitude(rows: list[tuple[float, float, float]]) -> None:
    df = pl.DataFrame(rows, schema=["a", "b", "c"], orient="row")
    got = df.select(norm_horizontal("a", "b", "c"))["a"].to_list()
    for row, value in zip(rows, got, strict=True):
        assert value == pytest.approx(math.hypot(*row), rel=1e-15, abs=0.0)


def nan_zscore(X: np.ndarray, ddof: int) -> np.ndarray:
    mean = np.nanmean(X, axis=1, keepdims=True)
    count = np.sum(~np.isnan(X), axis=1, keepdims=True)
    sd = np.sqrt(np.nansum((X - mean) ** 2, axis=1, keepdims=True) / np.maximum(count - ddof, 1))
    sd[(sd == 0) | (count - ddof <= 0)] = 1.0
    return (X - mean) / sd


@pytest.mark.parametrize("ddof", [0, 1])
def test_zscore_matches_numpy_with_nulls(ddof: int) -> None:
    X = data(2)
    X[5:20, 1] = np.nan
    X[7, :3] = np.nan
    df = matrix_frame(X).with_columns(pl.col("b").fill_nan(None))  # nulls in b, NaN in other columns
    got = df.select(zscore_horizontal(COLS, ddof=ddof)).to_numpy().astype(float)
    np.testing.assert_allclose(got, nan_zscore(X, ddof), rtol=1e-10, atol=1e-12)
    assert df.select(zscore_horizontal(COLS))["b"].null_count() == 15  # nulls stay null


def test_zscore_layer_norm_against_sklearn_standard_scaler_on_rows() -> None:
    from sklearn.preprocessing import StandardScaler

    X = data(3)[2:]
    got = matrix_frame(X).select(zscore_horizontal(COLS, ddof=0)).to_numpy()
    np.testing.assert_allclose(got, StandardScaler().fit_transform(X.T).T, rtol=1e-10, atol=1e-12)


def test_minmax_matches_numpy() -> None:
    X = data(4)
    X[3, 2] = np.nan
    for low, high in [(0.0, 1.0), (-1.0, 1.0)]:
        got = matrix_frame(X).select(minmax_horizontal(COLS, feature_range=(low, high))).to_numpy()
        lo, hi = np.nanmin(X, axis=1, keepdims=True), np.nanmax(X, axis=1, keepdims=True)
        rng = np.where(hi - lo == 0, 1.0, hi - lo)
        np.testing.assert_allclose(got, (X - lo) / rng * (high - low) + low, rtol=1e-12, atol=1e-12)
    clipped = matrix_frame(X).select(minmax_horizontal(COLS, clip=True)).to_numpy()
    assert np.nanmin(clipped) >= 0.0
    assert np.nanmax(clipped) <= 1.0


def test_nan_policy() -> None:
    df = pl.DataFrame({"a": [3.0, 1.0], "b": [4.0, float("nan")], "c": [float("nan"), 1.0]})
    ignore = df.select(unit_horizontal("a", "b", "c"))
    assert ignore.row(0)[:2] == pytest.approx((0.6, 0.8))
    assert math.isnan(ignore.row(0)[2])
    assert math.isnan(ignore.row(1)[1])
    for fn in (unit_horizontal, zscore_horizontal, minmax_horizontal):
        prop = df.select(fn("a", "b", "c", nan="propagate"))
        assert all(math.isnan(v) for v in prop.row(0)), fn.__name__
    assert math.isnan(df.select(norm_horizontal("a", "b", "c", p=INF, nan="propagate"))["a"][0])
    assert df.select(norm_horizontal("a", "b", "c", p=INF))["a"][0] == 4.0


def test_dtypes_and_single_column() -> None:
    df = pl.DataFrame(
        {"i": [1, 2], "f": [3.0, 4.0], "g": [1.0, -2.0]}, schema={"i": pl.Int64, "f": pl.Float32, "g": pl.Float32}
    )
    mixed = df.select(unit_horizontal("i", "f"))
    assert mixed.schema == pl.Schema({"i": pl.Float64, "f": pl.Float64})
    f32 = df.select(unit_horizontal("f", "g"), n=norm_horizontal("f", "g"))
    assert f32.schema == pl.Schema({"f": pl.Float32, "g": pl.Float32, "n": pl.Float32})
    one = df.select(
        u=unit_horizontal("g")[0],
        z=zscore_horizontal("g")[0],
        m=minmax_horizontal("g", feature_range=(-1, 1))[0],
        n=norm_horizontal("g"),
    )
    assert one.to_dict(as_series=False) == {"u": [1.0, -1.0], "z": [0.0, 0.0], "m": [-1.0, -1.0], "n": [1.0, 2.0]}
    # In place, names kept; expressions accepted.
    out = df.with_columns(unit_horizontal(pl.col("f"), pl.col("g") * 2))
    assert out.columns == ["i", "f", "g"]


def test_streaming_equals_in_memory() -> None:
    X = data(5, n=5000)
    X[::7, 2] = np.nan
    lf = matrix_frame(X).lazy()
    exprs = [
        *unit_horizontal(COLS),
        *[e.name.suffix("_z") for e in zscore_horizontal(COLS)],
        *[e.name.suffix("_m") for e in minmax_horizontal(COLS)],
        norm_horizontal(COLS, p=3).alias("n"),
    ]
    a = lf.select(exprs).collect()
    assert a.equals(lf.select(exprs).collect(engine="streaming"))
    assert_frame_equal(a, lf.collect().select(exprs))


def test_errors() -> None:
    df = pl.DataFrame({"a": [1.0], "s": ["x"], "d": [None]}, schema={"a": pl.Float64, "s": pl.String, "d": pl.Date})
    with pytest.raises(TypeError, match="unit_horizontal: column 's' has dtype String; expected a numeric column"):
        df.select(unit_horizontal("a", "s"))
    with pytest.raises(TypeError, match="zscore_horizontal: column 'd' has dtype Date"):
        df.select(zscore_horizontal("a", "d"))
    with pytest.raises(TypeError, match="norm_horizontal: column 's'"):
        df.select(norm_horizontal("s", "a"))
    for bad in (0, -2, math.nan):
        with pytest.raises(ValueError, match=r"unit_horizontal: p=.* must be a number in \(0, inf\]"):
            unit_horizontal("a", p=bad)
        with pytest.raises(ValueError, match=r"norm_horizontal: p="):
            norm_horizontal("a", p=bad)
    with pytest.raises(ValueError, match="zscore_horizontal: ddof=-1"):
        zscore_horizontal("a", ddof=-1)
    with pytest.raises(ValueError, match="minmax_horizontal: feature_range="):
        minmax_horizontal("a", feature_range=(1, 0))
    with pytest.raises(ValueError, match="unit_horizontal: needs at least one column"):
        unit_horizontal()
    with pytest.raises(ValueError, match=r"duplicate column names \['a'\]"):
        unit_horizontal("a", pl.col("a") * 2)
    with pytest.raises(ValueError, match="not a single named column"):
        unit_horizontal(pl.all())


@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(1, 4)),
        elements=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
    ),
    st.floats(1e-3, 1e3),
    st.sampled_from([1, 2, INF]),
)
def test_unit_invariant_to_positive_row_scaling(X: np.ndarray, c: float, p: float) -> None:
    df = matrix_frame(X)
    cols = df.columns
    base = df.select(unit_horizontal(cols, p=p)).to_numpy()
    scaled = df.select([pl.col(k) * c for k in cols]).select(unit_horizontal(cols, p=p)).to_numpy()
    np.testing.assert_allclose(scaled, base, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, math.inf])
def test_unit_horizontal_subnormal_rows_keep_unit_norm(p: float) -> None:
    # Subnormal values are integer multiples of 2**-1074: scaled up exactly,
    # the reference is an ordinary unit normalization.
    rows = [[1e-310, 1e-310], [5e-324, 0.0], [1e-310, -3e-310], [2.5e-308, 1e-320]]
    df = pl.DataFrame(rows, schema=["a", "b"], orient="row")
    got = df.select(unit_horizontal("a", "b", p=p)).to_numpy()
    scaled = np.ldexp(np.array(rows), 1074)
    want = scaled / np.linalg.norm(scaled, ord=p, axis=1, keepdims=True)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    norms = df.select(norm_horizontal("a", "b", p=p)).to_series().to_numpy()
    np.testing.assert_allclose(np.ldexp(norms, 1074), np.linalg.norm(scaled, ord=p, axis=1), rtol=1e-12)


def _plan_sizes(fn: object, k: int) -> tuple[int, int]:
    """Unoptimized plan of one output, and the plan an eager ``select`` of all outputs runs."""
    from polars.lazyframe.opt_flags import QueryOptFlags

    cols = [f"c{j}" for j in range(k)]
    lf = pl.LazyFrame({c: [1.0, 2.0] for c in cols})
    out = fn(cols)  # type: ignore[operator]
    outs = out if isinstance(out, list) else [out]
    return (
        len(lf.select(outs[:1]).explain(optimized=False)),
        len(lf.select(outs).explain(optimizations=QueryOptFlags._eager())),
    )


@pytest.mark.parametrize("fn", [zscore_horizontal, minmax_horizontal, unit_horizontal, norm_horizontal])
def test_plan_linear_in_columns(fn: object) -> None:
    # Each output holds the row's statistics once, and the plan that runs holds them once
    # for all outputs: 5x the columns gives about 5x the plan (it gave 25x).
    small, large = _plan_sizes(fn, 10), _plan_sizes(fn, 50)
    for s, big in zip(small, large, strict=True):
        assert big / s < 6.0, (small, large)


def _wide(k: int, seed: int = 7, n: int = 300) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, k)) * rng.choice([1e-3, 1.0, 1e6], size=(n, 1))
    X[rng.random(X.shape) < 0.1] = np.nan
    X[3] = np.nan  # a row without a valid cell
    X[4] = 2.5  # a constant row
    df = pl.DataFrame({f"c{j}": X[:, j] for j in range(k)})
    return df.with_columns(pl.col("c1").fill_nan(None))  # nulls in one column, NaN elsewhere


@pytest.mark.parametrize("k", [50, 200])
def test_wide_rows_match_numpy(k: int) -> None:
    df = _wide(k)
    cols = df.columns
    X = df.to_numpy().astype(float)  # nulls as NaN: both are left out of the statistics
    null = df.select(pl.all().is_null()).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lo, hi = np.nanmin(X, axis=1, keepdims=True), np.nanmax(X, axis=1, keepdims=True)
        norm = np.sqrt(np.nansum(X**2, axis=1, keepdims=True))
    rng = np.where(hi - lo == 0, 1.0, hi - lo)
    got = df.select(minmax_horizontal(cols))
    np.testing.assert_allclose(got.to_numpy().astype(float), (X - lo) / rng, rtol=1e-12, atol=1e-12)
    # null cells stay null, and a row without a valid cell is null
    assert (got.select(pl.all().is_null()).to_numpy() == (null | np.isnan(lo))).all()
    got = df.select(unit_horizontal(cols))
    np.testing.assert_allclose(got.to_numpy().astype(float), X / np.where(norm == 0, 1.0, norm), rtol=1e-12)
    assert (got.select(pl.all().is_null()).to_numpy() == null).all()
    n = df.select(norm_horizontal(cols)).to_series().to_numpy().astype(float)
    np.testing.assert_allclose(n[~np.isnan(lo[:, 0])], norm[~np.isnan(lo[:, 0]), 0], rtol=1e-12)
    if True:  # zscore_horizontal: its numpy kernel, against numpy's nan-aware formula
        got = df.select(zscore_horizontal(cols))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mean, sd = np.nanmean(X, axis=1, keepdims=True), np.nanstd(X, axis=1, ddof=1, keepdims=True)
        z = (X - mean) / np.where(sd == 0, 1.0, sd)
        np.testing.assert_allclose(got.to_numpy().astype(float), z, rtol=1e-9, atol=1e-9)
        assert (got.select(pl.all().is_null()).to_numpy() == (null | np.isnan(lo))).all()
    prop = df.select(minmax_horizontal(cols, nan="propagate"), *[])
    assert np.isnan(prop.row(0, named=False)[0]) == np.isnan(X[0]).any()
