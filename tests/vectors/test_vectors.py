"""Vector cells (Array / List columns): vector_norm, vector_unit, vector_zscore vs numpy and scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from polars.testing import assert_frame_equal
from sklearn.preprocessing import normalize

import polars_norm
from polars_norm import vector_norm, vector_unit, vector_zscore

INF = float("inf")


def frame(rows: list[list[float | None] | None], dtype: pl.DataType) -> pl.DataFrame:
    return pl.DataFrame({"e": pl.Series("e", rows, dtype=dtype)})


def vec_dtype(kind: str, inner: type[pl.DataType], dim: int) -> pl.DataType:
    return pl.Array(inner, dim) if kind == "array" else pl.List(inner)


def np_norm(v: np.ndarray, p: float) -> float:
    v = v[~np.isnan(v)]
    if v.size == 0:
        return math.nan
    return float(np.linalg.norm(v.astype(np.float64), ord=p))


def random_rows(rng: np.random.Generator, n: int, dim: int) -> list[list[float | None] | None]:
    """Random vectors with a zero vector, a null vector and some null elements."""
    data = rng.standard_normal((n, dim)) * rng.choice([1e-3, 1.0, 1e3], size=(n, 1))
    rows: list[list[float | None] | None] = [list(map(float, r)) for r in data]
    rows[0] = [0.0] * dim
    rows[1] = None
    if dim > 1:
        for r in rows[2:5]:
            assert r is not None
            r[int(rng.integers(dim))] = None
    return rows


def to_matrix(rows: list[list[float | None] | None], dim: int) -> np.ndarray:
    """Rows as a float matrix: null elements NaN, a null vector all NaN."""
    return np.array([[math.nan] * dim if r is None else [math.nan if v is None else v for v in r] for r in rows])


@pytest.mark.parametrize("kind", ["array", "list"])
@pytest.mark.parametrize("inner", [pl.Float32, pl.Float64])
@pytest.mark.parametrize("dim", [1, 3, 384, 1024])
def test_norm_and_unit_match_numpy(kind: str, inner: type[pl.DataType], dim: int) -> None:
    rng = np.random.default_rng(dim)
    rows = random_rows(rng, 12, dim)
    df = frame(rows, vec_dtype(kind, inner, dim))
    X = to_matrix(rows, dim)
    if inner == pl.Float32:
        X = X.astype(np.float32).astype(np.float64)
    rtol = 1e-5 if inner == pl.Float32 else 1e-12
    for p in (1, 2, 3, INF):
        out = df.select(n=vector_norm(pl.col("e"), p), u=vector_unit(pl.col("e"), p))
        assert out.schema["n"] == inner
        assert out.schema["u"] == df.schema["e"]
        norms = out["n"].to_numpy().astype(np.float64)
        for i, row in enumerate(rows):
            if row is None:
                assert out["n"][i] is None
                assert out["u"][i] is None
                continue
            expected = np_norm(X[i], p)
            np.testing.assert_allclose(norms[i], expected, rtol=rtol, atol=0)
            unit = np.array(out["u"][i].to_list(), dtype=float)
            nulls = np.isnan(X[i])
            assert np.isnan(unit[nulls]).all()  # null elements stay null (NaN in numpy)
            want = X[i][~nulls] / (expected if expected > 0 else 1.0)
            np.testing.assert_allclose(unit[~nulls], want, rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
def test_unit_matches_sklearn_normalize(norm: str) -> None:
    X = np.random.default_rng(7).standard_normal((50, 16))
    X[3] = 0.0
    p = {"l1": 1, "l2": 2, "max": INF}[norm]
    for dtype in (pl.Array(pl.Float64, 16), pl.List(pl.Float64)):
        df = pl.DataFrame({"e": pl.Series("e", X, dtype=pl.Array(pl.Float64, 16))}).cast({"e": dtype})
        got = np.array(df.select(vector_unit(pl.col("e"), p))["e"].to_list())
        np.testing.assert_allclose(got, normalize(X, norm=norm), rtol=1e-13, atol=1e-15)


def test_zscore_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    rows = random_rows(rng, 20, 9)
    rows[5] = [4.0] * 9
    X = to_matrix(rows, 9)
    for kind in ("array", "list"):
        for ddof in (0, 1):
            out = frame(rows, vec_dtype(kind, pl.Float64, 9)).select(vector_zscore(pl.col("e"), ddof=ddof))["e"]
            for i, row in enumerate(rows):
                if row is None:
                    assert out[i] is None
                    continue
                got = np.array(out[i].to_list(), dtype=float)
                x = X[i]
                sd = np.nanstd(x, ddof=ddof)
                want = (x - np.nanmean(x)) / (sd if sd > 0 else 1.0)
                np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12)


def test_zscore_ties_offsets_and_float32() -> None:
    df = pl.DataFrame({"e": [[1e9 + 1e-3, 1e9, 1e9 - 1e-3], [3.0, 3.0, 3.0]]}, schema={"e": pl.Array(pl.Float64, 3)})
    out = df.select(vector_zscore(pl.col("e")))["e"].to_list()
    np.testing.assert_allclose(out[0], [1.0, 0.0, -1.0], rtol=1e-6)
    assert out[1] == [0.0, 0.0, 0.0]
    f32 = df.cast({"e": pl.Array(pl.Float32, 3)}).select(vector_zscore(pl.col("e")))
    assert f32.schema["e"] == pl.Array(pl.Float32, 3)


def test_overflow_underflow_and_extremes() -> None:
    df = frame([[1e300, 1e300], [1e-300, 1e-300], [-1e300, 1e300], [0.0, 0.0]], pl.Array(pl.Float64, 2))
    out = df.select(n=vector_norm(pl.col("e")), u=vector_unit(pl.col("e")))
    n = out["n"].to_list()
    assert n[0] == pytest.approx(math.sqrt(2) * 1e300, rel=1e-15)
    assert n[1] == pytest.approx(math.sqrt(2) * 1e-300, rel=1e-15)
    assert n[3] == 0.0
    h = math.sqrt(0.5)
    np.testing.assert_allclose(out["u"].to_list()[:3], [[h, h], [h, h], [-h, h]], rtol=1e-15)
    assert out["u"].to_list()[3] == [0.0, 0.0]
    f32 = frame([[1e30, 1e30], [1e-30, 1e-30], [3e38, 3e38]], pl.Array(pl.Float32, 2))
    out32 = f32.select(n=vector_norm(pl.col("e")), u=vector_unit(pl.col("e")))
    assert out32["n"].to_list()[0] == pytest.approx(math.sqrt(2) * 1e30, rel=1e-6)
    assert out32["n"].to_list()[1] == pytest.approx(math.sqrt(2) * 1e-30, rel=1e-6)
    assert out32["n"].to_list()[2] == INF  # the true norm exceeds the Float32 range
    np.testing.assert_allclose(np.array(out32["u"].to_list()), h, rtol=1e-6)


def test_nan_elements() -> None:
    nan = math.nan
    df = frame([[nan, 3.0, 4.0], [nan, nan], [None, None], [], None], pl.List(pl.Float64))
    out = df.select(
        n=vector_norm(pl.col("e")),
        u=vector_unit(pl.col("e")),
        z=vector_zscore(pl.col("e")),
        np_=vector_norm(pl.col("e"), nan="propagate"),
        up=vector_unit(pl.col("e"), nan="propagate"),
        ninf=vector_norm(pl.col("e"), INF),
        n1=vector_norm(pl.col("e"), 1),
    )
    assert out["n"].to_list() == [5.0, None, None, None, None]
    assert out["ninf"].to_list()[0] == 4.0
    assert out["n1"].to_list()[0] == 7.0
    u = out["u"].to_list()
    assert math.isnan(u[0][0])
    assert u[0][1:] == pytest.approx([0.6, 0.8])
    assert all(math.isnan(v) for v in u[1])
    assert u[2] == [None, None]
    assert u[3] == []
    assert u[4] is None
    assert math.isnan(out["np_"][0])
    assert all(math.isnan(v) for v in out["up"][0])
    z = out["z"].to_list()[0]
    assert math.isnan(z[0])
    assert z[1:] == pytest.approx([-math.sqrt(0.5), math.sqrt(0.5)])


def test_integer_elements_and_namespace() -> None:
    df = pl.DataFrame({"e": [[3, 4], [0, 0]]}, schema={"e": pl.Array(pl.Int64, 2)})
    out = df.select(
        n=pl.col("e").norm.vector_norm(),
        u=pl.col("e").norm.vector_unit(),
        z=pl.col("e").norm.vector_zscore(ddof=0),
    )
    assert out.schema == pl.Schema({"n": pl.Float64, "u": pl.Array(pl.Float64, 2), "z": pl.Array(pl.Float64, 2)})
    assert out["n"].to_list() == [5.0, 0.0]
    np.testing.assert_allclose(out["u"].to_list(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-15)
    assert out["z"].to_list() == [[-1.0, 1.0], [0.0, 0.0]]


@pytest.mark.parametrize("kind", ["array", "list"])
def test_streaming_equals_in_memory(kind: str) -> None:
    rows = random_rows(np.random.default_rng(1), 3000, 8)
    lf = frame(rows, vec_dtype(kind, pl.Float32, 8)).lazy()
    exprs = [
        polars_norm.vector_norm(pl.col("e")).alias("n"),
        polars_norm.vector_norm(pl.col("e"), 1).alias("n1"),
        polars_norm.vector_unit(pl.col("e")).alias("u"),
        polars_norm.vector_zscore(pl.col("e")).alias("z"),
    ]
    a = lf.select(exprs).collect()
    b = lf.select(exprs).collect(engine="streaming")
    assert a.equals(b)
    # Eager evaluation may sum in another order: equal to rounding.
    assert_frame_equal(a, lf.collect().select(exprs), check_exact=False, rel_tol=1e-5, abs_tol=1e-6)


def test_errors() -> None:
    df = pl.DataFrame({"s": [["a"]], "x": [1.0], "b": [[True]]})
    with pytest.raises(TypeError, match=r"vector_unit: column 's' has dtype List\(String\).*Array or List"):
        df.select(pl.col("s").norm.vector_unit())
    with pytest.raises(TypeError, match="vector_norm: column 'x' has dtype Float64"):
        df.select(pl.col("x").norm.vector_norm())
    with pytest.raises(TypeError, match=r"vector_zscore: column 'b' has dtype List\(Boolean\)"):
        df.select(pl.col("b").norm.vector_zscore())
    for bad in (0, -1, math.nan, "2"):
        with pytest.raises(ValueError, match=r"vector_norm: p=.* must be a number in \(0, inf\]"):
            vector_norm(pl.col("e"), bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=r"vector_unit: p="):
            vector_unit(pl.col("e"), bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="vector_zscore: ddof=-1"):
        vector_zscore(pl.col("e"), ddof=-1)
    with pytest.raises(ValueError, match="vector_unit: nan='x'"):
        vector_unit(pl.col("e"), nan="x")  # type: ignore[arg-type]


finite = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_subnormal=False).filter(
    lambda v: v == 0.0 or abs(v) > 1e-290
)


@given(
    arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 40)), elements=finite),
    st.sampled_from(["array", "list"]),
    st.sampled_from([pl.Float32, pl.Float64]),
)
def test_unit_has_norm_one_or_is_zero(X: np.ndarray, kind: str, inner: type[pl.DataType]) -> None:
    if inner == pl.Float32:
        X = np.clip(X, -1e38, 1e38).astype(np.float32)
        X[np.abs(X) < 1e-30] = 0.0
    df = pl.DataFrame({"e": pl.Series("e", X, dtype=pl.Array(inner, X.shape[1]))}).cast(
        {"e": vec_dtype(kind, inner, X.shape[1])}
    )
    U = np.array(df.select(vector_unit(pl.col("e")))["e"].to_list(), dtype=np.float64)
    assert np.isfinite(U).all()
    tol = 1e-5 if inner == pl.Float32 else 1e-13
    for x, u in zip(X, U, strict=True):
        if not x.any():
            assert not u.any()
        else:
            # Scale before squaring: numpy's own norm overflows at 1e300.
            assert np.linalg.norm(u / np.abs(u).max()) * np.abs(u).max() == pytest.approx(1.0, abs=tol)


@pytest.mark.parametrize("inner", [pl.Float32, pl.Float64])
def test_unit_l2_kernel_rows_it_cannot_take_follow_the_native_route(inner: type[pl.DataType]) -> None:
    # vector_unit(p=2) on Array cells runs a numpy kernel; rows with a null or
    # NaN element, null vectors, zero vectors and rows whose squares overflow or
    # underflow go to the native route (the one List cells take) and come back
    # in place. Compare every row with the List route, and the order with the input.
    rng = np.random.default_rng(4)
    n, dim = 5000, 16
    rows = random_rows(rng, n, dim)
    big, tiny = (1e30, 1e-30) if inner == pl.Float32 else (1e300, 1e-300)
    for i in rng.choice(np.arange(5, n), size=300, replace=False).tolist():
        kind = i % 5
        if kind == 0:
            rows[i] = None
        elif kind == 1:
            rows[i] = [math.nan, *rng.standard_normal(dim - 1).tolist()]
        elif kind == 2:
            rows[i] = [0.0] * dim
        else:
            rows[i] = (rng.standard_normal(dim) * (big if kind == 3 else tiny)).tolist()
    df = frame(rows, pl.Array(inner, dim)).with_columns(l=pl.col("e").cast(pl.List(inner)))
    got = df.select(pl.col("e").norm.vector_unit())["e"]
    want = df.select(pl.col("l").norm.vector_unit().cast(pl.Array(inner, dim)))["l"]
    assert got.dtype == pl.Array(inner, dim)
    assert_frame_equal(got.to_frame(), want.alias("e").to_frame(), check_exact=False, rel_tol=1e-6, abs_tol=1e-7)
    # the fast rows really have unit norm, the zero rows stay zero
    norms = np.linalg.norm(np.nan_to_num(got.to_numpy().astype(np.float64)), axis=1)
    zero = np.array([r is not None and all(v == 0.0 for v in r) for r in rows])
    assert np.all(norms[zero] == 0.0)
    valid = np.array([r is not None and all(v is not None and not math.isnan(v) for v in r) for r in rows])
    np.testing.assert_allclose(norms[valid & ~zero], 1.0, rtol=1e-6)
    # streaming, chunked input and .over give the same
    lf = pl.concat([df.slice(0, 1234), df.slice(1234)], rechunk=False).lazy().with_columns(g=pl.int_range(n) % 3)
    for out in (
        lf.select(pl.col("e").norm.vector_unit()).collect(engine="streaming")["e"],
        lf.select(pl.col("e").norm.vector_unit().over("g")).collect()["e"],
    ):
        assert out.equals(got)


@pytest.mark.parametrize("kind", ["array", "list"])
@pytest.mark.parametrize("inner", [pl.Float32, pl.Float64])
def test_zero_and_subnormal_vectors_with_nan_elements(kind: str, inner: type[pl.DataType]) -> None:
    # The NaN-free recomputation divided by the vector's max|x|: 0 / 0 for a zero
    # vector, and Polars' reciprocal of a subnormal overflowed to inf.
    tiny = 1e-310 if inner == pl.Float64 else 1e-40
    df = frame([[0.0, math.nan], [tiny, math.nan], [math.nan, 2.0]], vec_dtype(kind, inner, 2))
    norms = df.select(vector_norm(pl.col("e")))["e"].to_list()
    assert norms[0] == 0.0
    assert norms[1] == pytest.approx(tiny, rel=1e-6)
    assert norms[2] == 2.0
    units = df.select(vector_unit(pl.col("e")))["e"].to_list()
    assert units[0][0] == 0.0
    assert math.isnan(units[0][1])
    assert math.isfinite(units[1][0])
    assert units[2][1] == 1.0


@pytest.mark.parametrize("inner", [pl.Float32, pl.Float64, pl.Int64])
def test_zero_width_arrays(inner: type[pl.DataType]) -> None:
    # Polars' own arr.max panics on Array(_, 0); every vector is empty: no valid
    # element, so null norms, and empty (or null) vectors out.
    df = pl.DataFrame({"e": pl.Series("e", [[], None, []], dtype=pl.Array(inner, 0))})
    out_inner = pl.Float32 if inner == pl.Float32 else pl.Float64
    for engine in ("in-memory", "streaming"):
        for p in (1, 2, 3.5, math.inf):
            norms = df.lazy().select(vector_norm(pl.col("e"), p)).collect(engine=engine)["e"]
            assert norms.dtype == out_inner
            assert norms.to_list() == [None, None, None]
            units = df.lazy().select(vector_unit(pl.col("e"), p)).collect(engine=engine)["e"]
            assert units.dtype == pl.Array(out_inner, 0)
            assert units.to_list() == [[], None, []]
        z = df.lazy().select(vector_zscore(pl.col("e"))).collect(engine=engine)["e"]
        assert z.dtype == pl.Array(out_inner, 0)
        assert z.to_list() == [[], None, []]
