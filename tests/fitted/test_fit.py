"""Fitted statistics: Accumulator, fit, transform, inverse_transform, expr, stats files."""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import polars_norm as pn
from polars_norm.fitted.sketch import rank_error
from polars_norm.fitted.statsfile import StatsFileError

RNG = np.random.default_rng(7)


def exact_mean_m2(values: list[float]) -> tuple[Fraction, Fraction]:
    fr = [Fraction(v) for v in values]
    mean = sum(fr, Fraction(0)) / len(fr)
    return mean, sum(((v - mean) ** 2 for v in fr), Fraction(0))


def moments_of(acc: pn.Accumulator, column: str = "x") -> dict[str, float]:
    row = acc.to_frame(ddof=0).filter(pl.col("column") == column).row(0, named=True)
    return {k: row[k] for k in ("count", "mean", "var", "min", "max", "l1", "l2")}


def close(a: float | None, b: float | None, rel: float, abs_: float = 0.0) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# -- merging ---------------------------------------------------------------------
values_st = st.lists(
    st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.none(), st.just(float("nan"))), min_size=1, max_size=120
)


@settings(max_examples=25)
@given(values=values_st, offset=st.sampled_from([0.0, 1e9, -1e12]), cuts=st.lists(st.integers(0, 120), max_size=49))
# a part of zeros (scale 1) beside a tiny one: rescaling the tiny squares to 1 underflowed to an L2 norm of 0
@example(values=[0.0, 4.859081780643909e-208], offset=0.0, cuts=[1])
@example(values=[1e-300, 0.0, 0.0, -3e-301], offset=0.0, cuts=[1, 3])
@example(values=[0.0, 0.0, 2.5e150], offset=0.0, cuts=[2])
def test_merged_equals_single_pass(values: list[float | None], offset: float, cuts: list[int]) -> None:
    xs = [None if v is None else v + offset for v in values]
    df = pl.DataFrame({"x": xs}, schema={"x": pl.Float64})
    single = pn.fit(df, quantiles=False)
    bounds = sorted({0, len(xs), *(c % (len(xs) + 1) for c in cuts)})
    parts = [pn.fit(df.slice(a, b - a), ["x"], quantiles=False) for a, b in itertools.pairwise(bounds)]
    merged = pn.Accumulator.merge_all(parts)
    pairwise = parts[0]
    for p in reversed(parts[1:]):  # another order and association
        pairwise = p + pairwise
    s = single.to_frame(ddof=0).row(0, named=True)
    for acc in (merged, pairwise):
        m = acc.to_frame(ddof=0).row(0, named=True)
        for k in ("count", "null_count", "nan_count", "min", "max"):
            assert m[k] == s[k], k
        scale = max(abs(s["min"] or 0.0), abs(s["max"] or 0.0))
        assert close(m["mean"], s["mean"], 1e-12, 1e-12 * scale)
        assert close(m["var"], s["var"], 1e-9, 1e-12 * scale**2)
        assert close(m["l1"], s["l1"], 1e-12)
        assert close(m["l2"], s["l2"], 1e-12)


def test_states_without_data_merge_into_tiny_ones() -> None:
    # A group without valid values (all null or NaN) has no scale; merged once
    # it used to come out with scale 1, and merged again beside tiny values its
    # power sums became 0 * inf = NaN.
    b1 = pl.DataFrame({"g": ["a", "b"], "x": [1e-160, None]})
    b2 = pl.DataFrame({"g": ["a", "b"], "x": [3e-160, None]})
    acc = pn.fit(iter([b1, b2]), "x", by="g", quantiles=False)
    assert acc.pooled().to_frame()["l2"][0] == pytest.approx(math.hypot(1e-160, 3e-160), rel=1e-14)
    empty = pn.Accumulator("x", quantiles=False, norm_orders=(1, 2, 4)).update(
        pl.DataFrame({"x": [None, math.nan]}, schema={"x": pl.Float64})
    )
    tiny = pn.Accumulator("x", quantiles=False, norm_orders=(1, 2, 4)).update(pl.DataFrame({"x": [1e-80, 2e-80]}))
    for merged in ((empty + empty) + tiny, tiny + (empty + empty), pn.Accumulator.merge_all([empty + empty, tiny])):
        row = merged.to_frame().row(0, named=True)
        assert row["count"] == 2
        assert row["l1"] == pytest.approx(3e-80, rel=1e-15)
        assert row["l2"] == pytest.approx(math.hypot(1e-80, 2e-80), rel=1e-15)
        assert row["l4"] == pytest.approx((1.0 + 16.0) ** 0.25 * 1e-80, rel=1e-14)
    assert (empty + empty).state["scale"].to_list() == [None]


def test_merge_grouped_and_sketches() -> None:
    n = 3000
    df = pl.DataFrame({"g": RNG.integers(0, 5, n), "x": RNG.lognormal(size=n)})
    whole = pn.fit(df, by="g")
    merged = pn.Accumulator.merge_all(pn.fit(df.slice(i, 500), by="g") for i in range(0, n, 500))
    a, b = whole.to_frame().sort("g"), merged.to_frame().sort("g")
    assert_frame_equal(a.drop("q25", "median", "q75"), b.drop("q25", "median", "q75"), rel_tol=1e-12)
    for g in range(5):
        exact = np.sort(df.filter(pl.col("g") == g)["x"].to_numpy())
        for q in (0.1, 0.5, 0.9):
            value = merged.sketch("x", g).get_quantile(q)
            assert abs(np.searchsorted(exact, value) / exact.size - q) <= 2 * rank_error() + 1 / exact.size


def test_merge_rejects_incompatible() -> None:
    a = pn.fit(pl.DataFrame({"x": [1.0]}), quantiles=False)
    b = pn.fit(pl.DataFrame({"x": [1.0]}), quantiles=True)
    with pytest.raises(ValueError, match="quantiles differs"):
        a + b


# -- stability against exact references ---------------------------------------------
@pytest.mark.parametrize(
    "values",
    [
        sorted((1e12 + RNG.normal(size=20_000)).tolist()),
        sorted((1e9 + RNG.normal(scale=1e-3, size=20_000)).tolist()),
        [1e15 + v for v in RNG.random(2000)] + [-1e15 + v for v in RNG.random(2000)],
        (1e15 + RNG.random(4000)).tolist(),
    ],
    ids=["sorted-1e12", "sorted-1e9-tiny", "plus-minus-1e15", "offset-1e15"],
)
def test_moments_stable(values: list[float]) -> None:
    mean, m2 = exact_mean_m2(values)
    df = pl.DataFrame({"x": values})
    for acc in (pn.fit(df, quantiles=False), pn.Accumulator.merge_all(pn.fit(b) for b in df.iter_slices(999))):
        got = moments_of(acc)
        assert math.isclose(got["mean"], float(mean), rel_tol=1e-15, abs_tol=1e-15 * max(map(abs, values)))
        assert math.isclose(got["var"], float(m2 / len(values)), rel_tol=1e-10)


@pytest.mark.parametrize("magnitude", [1e300, 1e-300])
def test_norms_do_not_overflow(magnitude: float) -> None:
    values = [magnitude] * 1000
    parts = [pn.fit(pl.DataFrame({"x": values[i : i + 100]}), quantiles=False) for i in range(0, 1000, 100)]
    for acc in (pn.fit(pl.DataFrame({"x": values}), quantiles=False), pn.Accumulator.merge_all(parts)):
        got = moments_of(acc)
        assert math.isclose(got["l1"], math.fsum(values), rel_tol=1e-15)
        assert math.isclose(
            got["l2"], math.sqrt(math.fsum((v / magnitude) ** 2 for v in values)) * magnitude, rel_tol=1e-15
        )
        assert got["var"] == 0.0


def test_lazy_streaming_fit_equals_eager() -> None:
    df = pl.DataFrame({"g": RNG.integers(0, 4, 5000), "x": 1e12 + RNG.normal(size=5000), "y": RNG.normal(size=5000)})
    eager = pn.fit(df, by="g", quantiles=False).to_frame().sort("g", "column")
    lazy = pn.fit(df.lazy(), by="g", quantiles=False).to_frame().sort("g", "column")
    assert_frame_equal(eager, lazy, rel_tol=1e-12)


# -- against scikit-learn ------------------------------------------------------------------
def test_against_sklearn() -> None:
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

    train = RNG.normal(loc=3.0, scale=2.0, size=(20_000, 2))
    test = RNG.normal(loc=3.0, scale=2.0, size=(500, 2))
    df_train, df_test = pl.DataFrame(train, schema=["a", "b"]), pl.DataFrame(test, schema=["a", "b"])
    acc = pn.fit(df_train)
    pairs = [("zscore", StandardScaler(), {"ddof": 0}), ("minmax", MinMaxScaler(), {}), ("maxabs", MaxAbsScaler(), {})]
    for method, scaler, opts in pairs:
        got = acc.transform(df_test, method, **opts).to_numpy()
        np.testing.assert_allclose(got, scaler.fit(train).transform(test), rtol=1e-10, atol=1e-12)
    # robust: the sketch's quartiles are within its rank error of the exact ones
    got = acc.transform(df_test, "robust").to_numpy()
    want = RobustScaler().fit(train).transform(test)
    slope = 1.0 / (2.0 * 0.6745 * 2.0) / (1.0 / (np.sqrt(2 * np.pi) * 2.0))  # d(quantile)/d(rank) scale for N(3, 2)
    assert np.max(np.abs(got - want)) < 4 * rank_error() * slope * (1 + np.max(np.abs(want)))


# -- fitted transform equals the in-query expression -----------------------------------------------
IN_QUERY = [
    ("zscore", lambda c: c.norm.zscore()),
    ("minmax", lambda c: c.norm.minmax()),
    ("maxabs", lambda c: c.norm.maxabs()),
    ("mean_range", lambda c: c.norm.mean_range()),
    ("unit", lambda c: c.norm.unit()),
]


@pytest.mark.parametrize(("method", "expr"), IN_QUERY, ids=[m for m, _ in IN_QUERY])
def test_transform_equals_in_query(method: str, expr) -> None:  # type: ignore[no-untyped-def]
    n = 400
    df = pl.DataFrame(
        {
            "g": RNG.integers(0, 4, n),
            "x": [
                None if i % 17 == 0 else (float("nan") if i % 23 == 0 else v) for i, v in enumerate(RNG.normal(size=n))
            ],
            "i": RNG.integers(-1000, 1000, n),
            "f": pl.Series(RNG.normal(size=n), dtype=pl.Float32),
        }
    )
    cols = ["x", "i", "f"]
    got = pn.fit(df, cols, quantiles=False).transform(df, method)
    want = df.with_columns(expr(pl.col(c)) for c in cols)
    assert_frame_equal(got, want, rel_tol=1e-9, abs_tol=1e-12)
    assert got.schema == want.schema  # Float32 stays Float32, ints become Float64
    got = pn.fit(df, cols, by="g", quantiles=False).transform(df, method)
    want = df.with_columns(expr(pl.col(c)).over("g") for c in cols)
    assert_frame_equal(got, want, rel_tol=1e-9, abs_tol=1e-12)


def test_quantile_transform_within_rank_error() -> None:
    x = RNG.standard_t(3, size=20_000)
    df = pl.DataFrame({"x": x})
    acc = pn.fit(df)
    got = acc.transform(df, "quantile")["x"].to_numpy()
    want = df.select(pl.col("x").norm.quantile())["x"].to_numpy()
    assert np.max(np.abs(got - want)) < 2 * rank_error()
    z = acc.transform(df, "quantile", output="normal")["x"]
    assert z.is_finite().all()
    # the normal output is ndtri of the uniform one (Blom offset)
    u = acc.transform(df, "quantile", offset="blom")["x"].to_numpy()
    from scipy.special import ndtri

    np.testing.assert_allclose(z.to_numpy(), ndtri(u), rtol=1e-12, atol=1e-12)


# -- inverse -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "opts"),
    [
        ("zscore", {}),
        ("minmax", {"feature_range": (-1.0, 1.0)}),
        ("maxabs", {}),
        ("robust", {"unit_variance": True}),
        ("mean_range", {}),
        ("unit", {"p": 1}),
        ("quantile", {}),
        ("quantile", {"output": "normal"}),
    ],
)
def test_inverse_round_trip(method: str, opts: dict[str, object]) -> None:
    df = pl.DataFrame({"x": [*RNG.normal(10.0, 3.0, 3000).tolist(), None, float("nan")]})
    acc = pn.fit(df)
    back = acc.inverse_transform(acc.transform(df, method, **opts), method, **opts)
    tol = 1e-6 if method == "quantile" else 1e-12
    assert_frame_equal(back, df, rel_tol=tol, abs_tol=tol)


def test_grouped_inverse_and_unseen() -> None:
    train = pl.DataFrame({"g": ["a", "a", "b", "b"], "x": [1.0, 3.0, 10.0, 30.0]})
    acc = pn.fit(train, by="g")
    serve = pl.DataFrame({"g": ["b", "c", "a", None], "x": [20.0, 5.0, float("nan"), 7.0]})
    out = acc.transform(serve, "minmax")
    assert out["x"].to_list()[:2] == [0.5, None]
    assert math.isnan(out["x"][2]) and out["x"][3] is None
    pooled = acc.transform(serve, "minmax", unseen="global")["x"].to_list()
    assert pooled[:2] == [0.5, (5.0 - 1.0) / 29.0]
    with pytest.raises(ValueError, match=r"groups not seen in fitting.*'c'"):
        acc.transform(serve, "minmax", unseen="raise")
    back = acc.inverse_transform(acc.transform(train, "robust"), "robust")
    assert_frame_equal(back, train)


def test_lazy_stays_lazy_and_streams(tmp_path) -> None:  # type: ignore[no-untyped-def]
    df = pl.DataFrame({"g": RNG.integers(0, 3, 1000), "x": RNG.normal(size=1000)})
    for acc in (pn.fit(df), pn.fit(df, by="g")):
        out = acc.transform(df.lazy(), "zscore")
        assert isinstance(out, pl.LazyFrame)
        assert_frame_equal(out.collect(engine="streaming"), acc.transform(df, "zscore"))
    path = tmp_path / "part.parquet"
    df.write_parquet(path)
    df.write_csv(tmp_path / "part.csv")
    from_file = pn.fit(str(path), by="g").to_frame().sort("g", "column")
    from_batches = pn.fit(df.to_arrow().to_batches(max_chunksize=128), by="g").to_frame().sort("g", "column")
    from_csv = pn.fit(tmp_path / "part.csv", by="g").to_frame().sort("g", "column")
    assert_frame_equal(from_file, from_batches, rel_tol=1e-12)
    assert_frame_equal(from_file.drop("q25", "median", "q75"), from_csv.drop("q25", "median", "q75"), rel_tol=1e-12)


def test_expr_and_fit_sources() -> None:
    acc = pn.fit(pa.table({"x": [1.0, 2.0, 3.0]}))
    assert pl.DataFrame({"x": [2.0]}).select(acc.expr("x", "zscore")).item() == 0.0
    grouped = pn.fit(pl.DataFrame({"g": [1, 1], "x": [1.0, 2.0]}), by="g")
    with pytest.raises(ValueError, match="grouped by"):
        grouped.expr("x")
    assert pl.DataFrame({"x": [1.5]}).select(grouped.pooled().expr("x")).item() == 0.0


# -- save / load ------------------------------------------------------------------------------
def test_save_load_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    df = pl.DataFrame({"g": ["a", "b", "a", None], "x": [1.0, 1e300, float("nan"), 2.5], "y": [1, 2, 3, 4]})
    for acc in (pn.fit(df, by="g"), pn.fit(df, quantiles=False)):
        path = tmp_path / "stats.json"
        acc.save(path)
        loaded = pn.Accumulator.load(path)
        assert_frame_equal(loaded.to_frame(), acc.to_frame())
        assert_frame_equal(loaded.state, acc.state)
        assert_frame_equal(pn.Accumulator.from_arrow(acc.to_arrow()).to_frame(), acc.to_frame())
        assert json.loads(path.read_text())["format_version"] == 1


def test_corrupt_stats_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "stats.json"
    pn.fit(pl.DataFrame({"x": [1.0, 2.0]})).save(path)
    text = path.read_text()
    (tmp_path / "trunc.json").write_text(text[: len(text) // 2])
    with pytest.raises(StatsFileError, match="truncated or not valid JSON"):
        pn.Accumulator.load(tmp_path / "trunc.json")
    (tmp_path / "edit.json").write_text(text.replace('"count": 2', '"count": 3'))
    with pytest.raises(StatsFileError, match="checksum mismatch"):
        pn.Accumulator.load(tmp_path / "edit.json")
    doc = json.loads(text)
    doc["format_version"] = 99
    (tmp_path / "v99.json").write_text(json.dumps(doc))
    with pytest.raises(StatsFileError, match="format version 99"):
        pn.Accumulator.load(tmp_path / "v99.json")
    (tmp_path / "other.json").write_text("{}")
    with pytest.raises(StatsFileError, match="not a polars-norm statistics file"):
        pn.Accumulator.load(tmp_path / "other.json")


# -- errors -------------------------------------------------------------------------------------
def test_errors() -> None:
    df = pl.DataFrame({"x": [1.0, 2.0], "s": ["a", "b"]})
    with pytest.raises(pl.exceptions.ColumnNotFoundError, match="column 'nope' not found"):
        pn.fit(df, "nope")
    with pytest.raises(TypeError, match="column 's' has dtype String"):
        pn.fit(df, "s")
    acc = pn.fit(df, quantiles=False)
    assert acc.columns == ("x",)
    with pytest.raises(ValueError, match="method='zz' is not one of"):
        acc.transform(df, "zz")
    with pytest.raises(ValueError, match="option p=1 does not apply to method 'zscore'"):
        acc.transform(df, "zscore", p=1)
    with pytest.raises(ValueError, match="column 's' was not fitted"):
        acc.transform(df, {"s": "zscore"})
    with pytest.raises(ValueError, match="needs quantile sketches"):
        acc.transform(df, "robust")
    with pytest.raises(ValueError, match="L3 norm was not fitted"):
        acc.transform(df, "unit", p=3)
    with pytest.raises(ValueError, match="unseen='x' is not one of"):
        acc.transform(df, unseen="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="column 'x' has dtype String"):
        acc.transform(pl.DataFrame({"x": ["a"]}))


KEY_KINDS = {
    "int_dense": pl.Series([3, 5, 3, None, 9, 5, 12, 3] * 25),
    "int_sparse": pl.Series([10**15, -7, 10**15, None, 42, -7, 0, 42] * 25),
    "string": pl.Series(["b", "a", None, "c", "a", "b", "zz", "c"] * 25),
    "categorical": pl.Series(["b", "a", None, "c", "a", "b", "zz", "c"] * 25, dtype=pl.Categorical),
    "bool": pl.Series([True, False, None, True, True, False, False, None] * 25),
    "date": pl.Series([0, 400, 0, None, 9000, 400, 12, 12] * 25).cast(pl.Date),
    "float": pl.Series([0.5, -1.5, None, 0.5, 2.0, -1.5, 2.0, 0.5] * 25),
}


@pytest.mark.parametrize("kind", list(KEY_KINDS))
def test_grouped_lookup_every_key_kind(kind: str) -> None:
    keys = KEY_KINDS[kind]
    df = pl.DataFrame({"g": keys, "x": RNG.normal(size=keys.len())})
    seen = df.filter(pl.int_range(pl.len()) % 8 != 6)  # one key value stays unseen
    acc = pn.fit(seen, by="g", quantiles=False)
    got = acc.transform(df.lazy(), "zscore").collect(engine="streaming")
    stats = {}  # per-group reference by a plain loop over the fitted rows
    for key in seen["g"].unique().to_list():
        xs = np.array([x for g, x in seen.iter_rows() if g == key])
        stats[key] = (xs.mean(), xs.std(ddof=1))
    want = [(x - stats[g][0]) / stats[g][1] if g in stats else None for g, x in df.iter_rows()]
    ref = df.with_columns(pl.Series("x", want, pl.Float64))
    assert_frame_equal(got, ref, rel_tol=1e-9, abs_tol=1e-12)
    two = pn.fit(seen.with_columns(h=pl.col("g").is_null()), by=["g", "h"], quantiles=False)
    got2 = two.transform(df.with_columns(h=pl.col("g").is_null()), "zscore").drop("h")
    assert_frame_equal(got2, ref, rel_tol=1e-9, abs_tol=1e-12)


def test_grouped_quantile_transform() -> None:
    # groups of at most 700 values: KLL (k=800) keeps them exactly, so the fitted transform is the in-query one
    sizes = {"a": 700, "b": 300, "c": 1, "d": 50}
    g = [k for k, n in sizes.items() for _ in range(n)]
    x = np.concatenate([RNG.lognormal(size=700) * 1e6, RNG.normal(size=300), [3.0], np.repeat([1.0, 2.0], 25)])
    df = pl.DataFrame({"g": g, "x": x}).sample(fraction=1.0, shuffle=True, seed=3)
    acc = pn.fit(df, by="g")
    for output in ("uniform", "normal"):
        got = acc.transform(df.lazy(), "quantile", output=output).collect(engine="streaming")
        want = df.with_columns(pl.col("x").norm.quantile(output=output).over("g"))
        assert_frame_equal(got, want, rel_tol=1e-9, abs_tol=1e-9)
        back = acc.inverse_transform(got, "quantile", output=output)
        single = back.filter(pl.col("g") != "c")  # a single value maps back to itself too
        assert_frame_equal(back.filter(pl.col("g") == "c"), df.filter(pl.col("g") == "c"))
        assert_frame_equal(single, df.filter(pl.col("g") != "c"), rel_tol=1e-9)
    # larger groups: within the sketch's rank error of the exact per-group ranks
    big = pl.DataFrame({"g": RNG.integers(0, 3, 30_000), "x": RNG.standard_t(3, size=30_000)})
    got = pn.fit(big, by="g").transform(big, "quantile")["x"].to_numpy()
    want = big.select(pl.col("x").norm.quantile().over("g"))["x"].to_numpy()
    assert np.max(np.abs(got - want)) < 2 * rank_error()
    serve = pl.DataFrame({"g": ["a", "zz", "b", None], "x": [1e6, 0.0, float("nan"), None]})
    out = acc.transform(serve, "quantile", unseen="global")["x"].to_list()
    pooled = acc.pooled().transform(serve.select("x"), "quantile")["x"].to_list()
    assert out[0] == acc.transform(serve.head(1), "quantile")["x"].item()
    assert abs(out[1] - pooled[1]) < 2 * rank_error()  # merging sketches is randomized: pooled twice differs
    assert math.isnan(out[2]) and out[3] is None
    assert acc.transform(serve, "quantile")["x"][1] is None


@settings(max_examples=30)
@given(
    knots=st.lists(st.integers(-5, 5), min_size=1, max_size=12),
    xs=st.lists(st.one_of(st.integers(-7, 7), st.none()), min_size=1, max_size=12),
)
def test_count_at_most_equals_searchsorted(knots: list[int], xs: list[int | None]) -> None:
    from polars_norm.fitted.cdf_exprs import count_at_most as _count_at_most

    k = pl.Series(sorted(knots), dtype=pl.Float64)
    got = pl.DataFrame({"x": xs}, schema={"x": pl.Float64}).select(_count_at_most(pl.col("x"), k)).to_series()
    want = [None if v is None else int(np.searchsorted(k.to_numpy(), v, side="right")) for v in xs]
    assert got.to_list() == want
