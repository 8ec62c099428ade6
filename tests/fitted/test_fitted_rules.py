"""Fitted statistics follow the in-query rules: no data, infinite values, empty fits, helper names, inputs.

Regression tests for issue 14 (items 3, 5, 6, 7, 14, 15, 16). References are
the in-query methods (which have their own reference tests) or plain numpy.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from polars.testing import assert_frame_equal

import polars_norm as pn
from polars_norm.cli import main
from polars_norm.fitted.sketch import new_sketch
from polars_norm.fitted.sketch_cdf import cdf_knots, stacked_cdf_knots

LOCATION_SCALE = ("zscore", "minmax", "maxabs", "robust", "mean_range", "unit", "quantile")
INF = math.inf


def _engines(acc: pn.Accumulator, frame: pl.DataFrame, method: str, **options: object) -> list[pl.DataFrame]:
    """The transform eagerly, lazily on the default engine and under the streaming engine."""
    lazy = acc.transform(frame.lazy(), method, **options)  # type: ignore[arg-type]
    assert isinstance(lazy, pl.LazyFrame)
    eager = acc.transform(frame, method, **options)  # type: ignore[arg-type]
    assert isinstance(eager, pl.DataFrame)
    return [eager, lazy.collect(), lazy.collect(engine="streaming")]


# -- item 3 and 6: a group (or a whole fit) without valid data gives null, for every method ------------------
@pytest.mark.parametrize("method", LOCATION_SCALE)
def test_group_without_data_gives_null(method: str) -> None:
    train = pl.DataFrame({"g": ["a", "a", "a", "b", "b"], "x": [1.0, 3.0, 2.0, None, float("nan")]})
    acc = pn.fit(train, by="g")
    serve = pl.DataFrame({"g": ["a", "b", "b", "b"], "x": [2.0, 2.0, None, float("nan")]})
    for got in _engines(acc, serve, method):
        b = got.filter(pl.col("g") == "b")["x"].to_list()
        assert b[0] is None and b[1] is None, (method, b)
        assert math.isnan(b[2]), (method, b)  # NaN stays NaN
        assert got["x"][0] is not None
    back = acc.inverse_transform(serve, method)["x"].to_list()
    assert back[1] is None and back[2] is None and math.isnan(back[3])


@pytest.mark.parametrize("method", LOCATION_SCALE)
def test_ungrouped_fit_without_data_gives_null(method: str) -> None:
    # item 3 (maxabs and unit passed raw values through) and item 7 (robust raised on an empty fit)
    serve = pl.DataFrame({"x": [1.0, 5.0, None]})
    for train in (
        pl.DataFrame({"x": [None, None]}, schema={"x": pl.Float64}),
        pl.DataFrame({"x": []}, schema={"x": pl.Float64}),
    ):
        acc = pn.fit(train)
        for got in _engines(acc, serve, method):
            assert got["x"].to_list() == [None, None, None], method
        assert acc.expr("x", method) is not None
        assert serve.select(acc.expr("x", method))["x"].to_list() == [None, None, None]


def test_robust_without_centering_on_a_group_without_data() -> None:
    acc = pn.fit(pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, None]}), by="g")
    got = acc.transform(pl.DataFrame({"g": ["a", "b"], "x": [2.0, 2.0]}), "robust", with_centering=False)
    assert got["x"].to_list() == [1.0, None]


def test_empty_fit_round_trips_through_a_stats_file(tmp_path: Path) -> None:
    acc = pn.fit(pl.DataFrame({"x": []}, schema={"x": pl.Float64}))
    acc.save(tmp_path / "s.json")
    loaded = pn.Accumulator.load(tmp_path / "s.json")
    for method in LOCATION_SCALE:
        assert loaded.transform(pl.DataFrame({"x": [1.0]}), method)["x"].to_list() == [None]


def test_grouped_quantile_with_an_empty_group_everywhere(tmp_path: Path) -> None:
    # item 6: "OutOfBoundsError: gather indices are out of bounds", eagerly, lazily, streaming, inverse and CLI
    acc = pn.fit(pl.DataFrame({"g": ["a", "a", "b", "b"], "x": [1.0, 3.0, None, None]}), by="g")
    serve = pl.DataFrame({"g": ["a", "b"], "x": [2.0, 2.0]})
    for got in _engines(acc, serve, "quantile"):
        assert got["x"].to_list() == [0.5, None]
    for output, median in (("uniform", 0.5), ("normal", 0.0)):
        back = acc.inverse_transform(serve.with_columns(x=pl.lit(median)), "quantile", output=output)
        assert back["x"].to_list() == [2.0, None]
    # the empty group last, first, and the only one
    for keys in (["b", "b", "a", "a"], ["a", "a", "b", "b"]):
        train = pl.DataFrame({"g": keys, "x": [None, None, 1.0, 3.0] if keys[0] == "b" else [1.0, 3.0, None, None]})
        assert pn.fit(train, by="g").transform(serve, "quantile")["x"].to_list() == [0.5, None]
    only = pn.fit(pl.DataFrame({"g": ["b"], "x": [None]}, schema={"g": pl.String, "x": pl.Float64}), by="g")
    assert only.transform(serve, "quantile")["x"].to_list() == [None, None]
    assert only.transform(serve, "quantile", unseen="global")["x"].to_list() == [None, None]
    data, stats, out = tmp_path / "d.parquet", tmp_path / "s.json", tmp_path / "o.parquet"
    pl.DataFrame({"g": ["a", "a", "b", "b"], "x": [1.0, 3.0, None, None]}).write_parquet(data)
    assert main(["fit", str(data), "--by", "g", "-o", str(stats), "-q"]) == 0
    assert main(["transform", str(data), "--stats", str(stats), "--method", "quantile", "-o", str(out), "-q"]) == 0
    want = pl.read_parquet(data).with_columns(pl.col("x").norm.quantile().over("g"))
    assert want["x"].to_list() == [1 / 3, 2 / 3, None, None]
    assert_frame_equal(pl.read_parquet(out), want)


# -- item 5: data holding inf follow one rule in a query and from fitted statistics ---------------------------
INF_DATA = [1.0, 2.0, INF, 3.0, -INF, None, float("nan"), 2.5]


@pytest.mark.parametrize("method", ["zscore", "minmax", "maxabs", "mean_range", "quantile"])
@pytest.mark.parametrize("data", [INF_DATA, [1.0, 2.0, INF, 3.0], [-INF, 1.0, 0.5]], ids=["both", "plus", "minus"])
def test_infinite_values_fitted_equals_in_query(method: str, data: list[float]) -> None:
    # (robust is left out: its fitted quantiles are sketch items, where the in-query ones interpolate)
    df = pl.DataFrame({"x": data})
    want = df.select(getattr(pl.col("x").norm, method)())
    for got in _engines(pn.fit(df), df, method):
        assert_frame_equal(got, want, rel_tol=1e-12)
    grouped = pl.concat([df.with_columns(g=pl.lit("a")), df.with_columns(g=pl.lit("b"), x=pl.col("x") * 2)])
    want_g = grouped.with_columns(getattr(pl.col("x").norm, method)().over("g"))
    got_g = pn.fit(grouped, by="g").transform(grouped, method)
    assert_frame_equal(got_g, want_g, rel_tol=1e-12)


def test_inf_in_data_zscore_is_nan_not_minus_inf() -> None:
    acc = pn.fit(pl.DataFrame({"x": [1.0, 2.0, INF, 3.0]}))
    got = acc.transform(pl.DataFrame({"x": [1.0, 2.0, None]}), "zscore")["x"].to_list()
    assert math.isnan(got[0]) and math.isnan(got[1]) and got[2] is None


def test_quantile_of_inf_round_trips() -> None:
    df = pl.DataFrame({"x": [1.0, 2.0, INF, 3.0, -INF]})
    acc = pn.fit(df)
    u = acc.transform(df, "quantile")
    assert u["x"].to_list() == pytest.approx([2 / 6, 3 / 6, 5 / 6, 4 / 6, 1 / 6])
    assert acc.inverse_transform(u, "quantile")["x"].to_list() == df["x"].to_list()


# -- item 14: the knots of many groups at once ---------------------------------------------------------------
def test_stacked_knots_equal_per_sketch_knots() -> None:
    rng = np.random.default_rng(5)
    sketches = []
    for j in range(60):
        n = j if j < 4 else int(rng.integers(0, 3000))
        sk = new_sketch(200 if j % 3 else 800)
        if n:
            values = rng.normal(size=n)
            sk.update(np.round(values, 1) if j % 2 else values)  # ties in every other group
        if j % 5 == 4:
            sk.update(np.array([INF, -INF]))
        sketches.append(sk if j % 7 else None)
    group, xs, fs = stacked_cdf_knots(sketches)
    assert np.all(np.diff(group) >= 0)
    for j, sk in enumerate(sketches):
        mine = group == j
        if sk is None or sk.is_empty():
            assert not mine.any()
            continue
        kx, kf = cdf_knots(sk)
        np.testing.assert_array_equal(xs[mine], kx)
        np.testing.assert_allclose(fs[mine], kf, rtol=0, atol=1e-15)


def test_many_groups_quantile_equals_in_query() -> None:
    rng = np.random.default_rng(11)
    n, groups = 60_000, 5_000
    df = pl.DataFrame({"g": rng.integers(0, groups, n), "x": rng.normal(size=n)})
    df = df.with_columns(x=pl.when(pl.col("g") % 97 == 0).then(None).otherwise(pl.col("x")))  # groups without data
    acc = pn.fit(df, by="g")
    got = acc.transform(df.lazy(), "quantile").collect(engine="streaming")
    want = df.with_columns(pl.col("x").norm.quantile().over("g"))
    assert_frame_equal(got, want, rel_tol=1e-9, abs_tol=1e-12)
    back = acc.inverse_transform(got, "quantile")
    assert_frame_equal(back.filter(pl.col("x").is_not_null()), df.filter(pl.col("x").is_not_null()), rel_tol=1e-9)


# -- item 15: the user's columns never collide with helper columns --------------------------------------------
@pytest.mark.parametrize("method", LOCATION_SCALE)
def test_columns_named_like_helpers_survive(method: str) -> None:
    rng = np.random.default_rng(3)
    df = pl.DataFrame(
        {
            "g": rng.integers(0, 3, 50),
            "__pn_group": rng.normal(size=50),
            "__pn_0_scale": rng.normal(size=50),
            "__pn_key_0": rng.normal(size=50),
            "___pn_x": rng.normal(size=50),
        }
    )
    acc = pn.fit(df, by="g")
    got = acc.transform(df, method)
    assert got.columns == df.columns
    want = df.with_columns(getattr(pl.col(c).norm, method)().over("g") for c in df.columns if c != "g")
    if method in ("zscore", "minmax", "maxabs", "mean_range", "quantile"):
        assert_frame_equal(got, want, rel_tol=1e-9, abs_tol=1e-12)
    two = pn.fit(df.with_columns(h=pl.lit(1)), by=["g", "h"])  # the join route
    assert two.transform(df.with_columns(h=pl.lit(1)), method).drop("h").columns == df.columns
    untouched = acc.transform(df, {"__pn_group": method})
    assert_frame_equal(untouched.drop("__pn_group"), df.drop("__pn_group"))


# -- item 16: inputs and errors that name what is accepted ---------------------------------------------------
def test_fit_accepts_pandas_frames() -> None:
    frame = pd.DataFrame({"g": ["a", "b", "a"], "x": [1.0, 2.0, 5.0]})
    acc = pn.fit(frame, by="g")
    want = pn.fit(pl.from_pandas(frame), by="g")
    assert_frame_equal(acc.to_frame(), want.to_frame())
    batches = pn.fit([frame, frame], by="g", quantiles=False)
    assert batches.to_frame().sort("g")["count"].to_list() == [4, 2]
    assert pn.Accumulator().update(frame).columns == ("x",)


def test_fit_of_unknown_sources_names_what_is_accepted() -> None:
    with pytest.raises(TypeError, match=r"cannot fit a builtins\.int; expected a polars DataFrame or LazyFrame"):
        pn.fit(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="batch 1 of the iterable source is a dict; an iterable source must yield"):
        pn.fit([pl.DataFrame({"x": [1.0]}), {"x": [1.0]}])
    with pytest.raises(TypeError, match="expected a batch as a polars DataFrame, an Arrow table"):
        pn.Accumulator().update("x")  # type: ignore[arg-type]
    assert pn.fit(pa.table({"x": [1.0, 3.0]})).to_frame()["mean"].to_list() == [2.0]


def test_to_frame_of_data_holding_inf_reads_as_polars() -> None:
    for data in ([1.0, 2.0, INF], [1.0, -INF], [INF, -INF, 1.0]):
        series = pl.Series(data)
        for acc in (pn.fit(pl.DataFrame({"x": data})), pn.fit(iter([pl.DataFrame({"x": [v]}) for v in data]))):
            row = acc.to_frame().row(0, named=True)
            mean, std = series.mean(), series.std()
            assert isinstance(mean, float) and isinstance(std, float)
            assert row["mean"] == mean or (math.isnan(row["mean"]) and math.isnan(mean)), data
            assert math.isnan(row["std"]) and math.isnan(std), data


def test_transform_accepts_pandas_and_names_bad_inputs() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 4.0]})
    acc = pn.fit(frame)
    got = acc.transform(frame, "minmax")
    assert isinstance(got, pl.DataFrame)
    assert got["x"].to_list() == [0.0, 1 / 3, 1.0]
    with pytest.raises(TypeError, match="expected a polars DataFrame or LazyFrame, or a pandas DataFrame"):
        acc.transform([1.0], "zscore")  # type: ignore[arg-type]
    for spec in (["zscore"], ("zscore",), 5, ("zscore", "ddof")):
        with pytest.raises(TypeError, match=r"method=.* must be a method name such as 'zscore'"):
            acc.transform(pl.DataFrame({"x": [1.0]}), spec)  # type: ignore[arg-type]


def test_cli_key_dtype_mismatch_names_the_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d.csv"
    data.write_text("g,x\n1,1.0\n2,3.0\n1,2.0\n")
    stats = tmp_path / "s.json"
    assert main(["fit", str(data), "--by", "g", "--schema-override", "g=String", "-o", str(stats), "-q"]) == 0
    capsys.readouterr()
    out = tmp_path / "o.csv"
    assert main(["transform", str(data), "--stats", str(stats), "-o", str(out), "-q"]) == 1
    assert "--schema-override g=String" in capsys.readouterr().err
    assert not out.exists()
    args = ["transform", str(data), "--stats", str(stats), "-o", str(out), "-q", "--schema-override", "g=String"]
    assert main(args) == 0


@pytest.mark.parametrize("method", LOCATION_SCALE)
def test_grouped_fit_without_groups_gives_null(method: str, tmp_path: Path) -> None:
    # a grouped fit of no rows (or a stats file with "groups": []): quantile raised a ShapeError
    acc = pn.fit(pl.DataFrame({"g": [], "x": []}, schema={"g": pl.String, "x": pl.Float64}), by="g")
    acc.save(tmp_path / "s.json")
    serve = pl.DataFrame({"g": ["a", None], "x": [1.0, float("nan")]})
    for fitted in (acc, pn.Accumulator.load(tmp_path / "s.json")):
        for unseen in ("null", "global"):
            got = fitted.transform(serve.lazy(), method, unseen=unseen).collect(engine="streaming")["x"].to_list()
            assert got[0] is None and math.isnan(got[1]), (method, unseen, got)
        assert fitted.inverse_transform(serve, method)["x"].to_list()[0] is None
