"""polars_norm.ray on a local 2-CPU Ray cluster: distributed fit and transform equal the single-machine ones.

Run with ``python -m pytest -m ray tests/test_ray.py`` (the default run deselects the ``ray`` marker).
"""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from polars.testing import assert_frame_equal

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

import polars_norm  # noqa: E402
from polars_norm import Accumulator  # noqa: E402
from polars_norm.fitted.sketch import rank_error  # noqa: E402
from polars_norm.io.sinks import OutputError  # noqa: E402

pn_ray = pytest.importorskip("polars_norm.ray")

pytestmark = pytest.mark.ray

FILES = 8
ROWS = 3_000
GROUPS = 100
FITTED = ["a", "offset", "i"]
QS = (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)


def _file(rng: np.random.Generator, start: int) -> pl.DataFrame:
    g = rng.integers(0, GROUPS, ROWS)
    a = rng.normal(5.0, 2.0, ROWS)
    a[rng.random(ROWS) < 0.05] = np.nan
    # per-group offsets from 1e6 to 1e12 with unit noise: the case where one-pass variances lose every digit
    offset = 10.0 ** (6.0 + 6.0 * g / (GROUPS - 1)) + rng.normal(0.0, 1.0, ROWS)
    return pl.DataFrame(
        {
            "id": np.arange(start, start + ROWS),
            "g": [f"g{k:03d}" for k in g],
            "a": a,
            "offset": offset,
            "i": rng.integers(-1000, 1000, ROWS).astype(np.int32),
            "name": rng.choice(["x", "y", "z"], ROWS),
        }
    ).with_columns(pl.when(pl.Series(rng.random(ROWS) < 0.1)).then(None).otherwise(pl.col(c)).alias(c) for c in FITTED)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("ray_data")
    rng = np.random.default_rng(7)
    files = []
    for k in range(FILES):
        path = root / "in" / f"part-{k}.parquet"
        path.parent.mkdir(exist_ok=True)
        _file(rng, k * ROWS).write_parquet(path)
        files.append(path)
    frame = pl.read_parquet(files)
    return {"root": root, "files": files, "frame": frame}


@pytest.fixture(scope="module")
def ds(data: dict[str, Any], ray_cluster: Any) -> Any:
    # one block per file, so that fit merges several partial states
    out = ray.data.from_arrow([pl.read_parquet(f).to_arrow() for f in data["files"]])
    assert out.num_blocks() == FILES
    return out


def _collect(dataset: Any) -> pl.DataFrame:
    frame = pl.from_arrow(pa.concat_tables(ray.get(dataset.to_arrow_refs())))
    assert isinstance(frame, pl.DataFrame)
    return frame


def _rel(a: pl.Series, b: pl.Series) -> float:
    x, y = a.to_numpy(), b.to_numpy()
    both = ~(np.isnan(x) | np.isnan(y))
    assert (np.isnan(x) == np.isnan(y)).all()
    scale = np.maximum(np.abs(y[both]), np.finfo(float).tiny)
    return float(np.max(np.abs(x[both] - y[both]) / scale, initial=0.0))


def _check_moments(got: Accumulator, want: Accumulator) -> None:
    keys = [*want.by, "column"]
    g = got.to_frame().sort(keys)
    w = want.to_frame().sort(keys)
    assert g.height == w.height > 0
    assert_frame_equal(
        g.select(*keys, "count", "null_count", "nan_count", "min", "max"),
        w.select(*keys, "count", "null_count", "nan_count", "min", "max"),
    )
    for stat in ("mean", "std", "var", "l1", "l2"):
        assert _rel(g[stat], w[stat]) <= 1e-12, stat


def _check_sketches(acc: Accumulator, frame: pl.DataFrame) -> None:
    """Every sketch's quantiles sit within the KLL rank bound of the exact ranks of the data."""
    eps = rank_error(acc.sketch_k)
    parts = frame.partition_by(list(acc.by), as_dict=True) if acc.by else {(): frame}
    checked = 0
    for key, part in parts.items():
        for column in acc.columns:
            values = np.sort(part[column].cast(pl.Float64).fill_nan(None).drop_nulls().to_numpy())
            sk = acc.sketch(column, key)
            assert sk is not None
            assert sk.n == values.size
            for q in QS:
                v = sk.get_quantile(q)
                lo = np.searchsorted(values, v, "left") / values.size
                hi = np.searchsorted(values, v, "right") / values.size
                assert lo - eps <= q <= hi + eps, (key, column, q, lo, hi, eps)
                checked += 1
    assert checked == len(parts) * len(acc.columns) * len(QS)


# --------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------
@pytest.mark.parametrize("by", [None, "g"])
def test_fit_dataset_equals_single_machine(data: dict[str, Any], ds: Any, by: str | None) -> None:
    k = 64 if by else 200  # small sketches, so that merging compacts them
    got = pn_ray.fit(ds, FITTED, by=by, sketch_k=k)
    want = polars_norm.fit(data["files"], FITTED, by=by, sketch_k=k)
    _check_moments(got, want)
    _check_sketches(got, data["frame"])


@pytest.mark.parametrize(("by", "tasks"), [(None, None), ("g", 3)])
def test_fit_parquet_equals_single_machine(data: dict[str, Any], ray_cluster: Any, by: str | None, tasks: int) -> None:
    k = 64 if by else 200
    got = pn_ray.fit_parquet(data["root"] / "in", by=by, sketch_k=k, tasks=tasks)
    assert got.columns == ("id", "a", "offset", "i")  # every numeric column by default, in file order
    want = polars_norm.fit(data["files"], by=by, sketch_k=k)
    _check_moments(got, want)
    _check_sketches(got, data["frame"])


def test_merge_in_chunks(data: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver's bounded merge (a few states at a time) equals one k-way merge of all states."""
    from polars_norm.ray import shipping

    states = [polars_norm.fit(f, by="g", sketch_k=64) for f in data["files"]]
    monkeypatch.setattr(shipping, "MERGE_CHUNK", 3)
    got = shipping.merge_bytes((shipping.to_bytes(s) for s in states), "test")
    want = Accumulator.merge_all(states)
    _check_moments(got, want)
    for key in [("g000",), ("g057",)]:
        assert got.sketch("offset", key).n == want.sketch("offset", key).n


def test_offset_moments_against_exact_sums(data: dict[str, Any], ray_cluster: Any) -> None:
    """Grouped mean and variance of the offset column (1e6..1e12 + N(0, 1)), against exact rational arithmetic."""
    acc = pn_ray.fit_parquet(data["files"], ["offset"], by="g", quantiles=False)
    stats = acc.to_frame()
    for key, part in sorted(data["frame"].partition_by("g", as_dict=True).items())[:: GROUPS // 10]:
        x = [Fraction(v) for v in part["offset"].drop_nulls().to_list()]
        mean = sum(x, Fraction(0)) / len(x)
        var = sum(((v - mean) ** 2 for v in x), Fraction(0)) / (len(x) - 1)
        row = stats.filter(pl.col("g") == key[0]).row(0, named=True)
        assert abs(Fraction(row["mean"]) - mean) <= Fraction(1, 10**15) * abs(mean)
        assert abs(Fraction(row["var"]) - var) <= Fraction(1, 10**12) * var


# --------------------------------------------------------------------------
# transform
# --------------------------------------------------------------------------
METHODS = {"a": "zscore", "offset": "robust", "i": ("quantile", {"output": "normal"})}


def test_transform_dataset_equals_single_machine(data: dict[str, Any], ds: Any) -> None:
    acc = polars_norm.fit(data["files"], FITTED, by="g")
    got = _collect(pn_ray.transform(ds, acc, METHODS, unseen="global"))
    want = acc.transform(data["frame"], METHODS, unseen="global")
    assert isinstance(want, pl.DataFrame)
    assert got.columns == want.columns
    assert_frame_equal(got.sort("id"), want.sort("id"))
    assert got["offset"].null_count() == data["frame"]["offset"].null_count()


def test_transform_parquet_equals_single_machine(data: dict[str, Any], ray_cluster: Any) -> None:
    acc = polars_norm.fit(data["files"], FITTED, by="g", quantiles=False)
    out_dir = data["root"] / "out"
    outputs = pn_ray.transform_parquet(data["root"] / "in", acc, out_dir, "zscore", ddof=0)
    assert outputs == [str(out_dir / f.name) for f in data["files"]]
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(f.name for f in data["files"])  # no temporaries
    for source, target in zip(data["files"], outputs, strict=True):
        want = acc.transform(pl.read_parquet(source), "zscore", ddof=0)
        assert_frame_equal(pl.read_parquet(target), want)  # same rows, same order
    with pytest.raises(OutputError, match=r"part-0\.parquet' exists; pass overwrite=True"):
        pn_ray.transform_parquet(data["files"], acc, out_dir)
    again = pn_ray.transform_parquet(data["files"][:1], acc, out_dir, "minmax", overwrite=True)
    assert_frame_equal(pl.read_parquet(again[0]), acc.transform(pl.read_parquet(data["files"][0]), "minmax"))
    with pytest.raises(OutputError, match="refusing to overwrite the input file"):
        pn_ray.transform_parquet(data["files"], acc, data["root"] / "in", overwrite=True)


# --------------------------------------------------------------------------
# Preprocessor
# --------------------------------------------------------------------------
def test_preprocessor_round_trip(data: dict[str, Any], ds: Any) -> None:
    from ray.data.preprocessor import Preprocessor, PreprocessorNotFittedException

    prep = pn_ray.PolarsNormalizer(["a", "offset"], by="g", method="minmax", feature_range=(-1, 1))
    with pytest.raises(PreprocessorNotFittedException):
        prep.transform(ds)
    assert prep.fit(ds) is prep
    _check_moments(prep.accumulator, polars_norm.fit(data["files"], ["a", "offset"], by="g", quantiles=False))
    assert not prep.accumulator.quantiles  # minmax needs no sketches
    want = prep.accumulator.transform(data["frame"], "minmax", feature_range=(-1, 1))
    assert isinstance(want, pl.DataFrame)

    got = _collect(prep.transform(ds))
    assert_frame_equal(got.sort("id"), want.sort("id"))
    assert got["a"].min() == -1.0

    # Ray's checkpoint format pickles the preprocessor: the state goes as Arrow IPC bytes, never as Polars objects
    assert not any(isinstance(v, (pl.DataFrame, Accumulator)) for v in prep.__getstate__().values())
    restored = Preprocessor.deserialize(prep.serialize())
    assert isinstance(restored, pn_ray.PolarsNormalizer)
    assert restored.state_ == prep.state_
    batch = data["frame"].head(500)
    got_arrow = pl.from_arrow(restored.transform_batch(batch.to_arrow()))
    assert isinstance(got_arrow, pl.DataFrame)
    assert_frame_equal(got_arrow, want.head(500))
    # pandas batches: pandas itself turns NaN into null, so compare a column without NaN
    got_pandas = pl.from_pandas(restored.transform_batch(batch.to_pandas()))
    assert_frame_equal(got_pandas.select("id", "offset"), want.head(500).select("id", "offset"))

    fresh = pn_ray.PolarsNormalizer(["a", "offset"], by="g", method="minmax", feature_range=(-1, 1))
    got_ft = _collect(fresh.fit_transform(ds))
    assert_frame_equal(got_ft.sort("id"), want.sort("id"))


def test_preprocessor_fits_sketches_only_when_needed(ds: Any) -> None:
    prep = pn_ray.PolarsNormalizer(method={"a": "robust", "i": "maxabs"}).fit(ds)
    assert prep.accumulator.columns == ("a", "i")
    assert prep.accumulator.quantiles
    assert prep.get_output_columns() == ["a", "i"]


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------
def test_missing_column(data: dict[str, Any], ds: Any) -> None:
    with pytest.raises(pl.exceptions.ColumnNotFoundError, match="column 'nope' not found"):
        pn_ray.fit(ds, ["a", "nope"])
    with pytest.raises(pl.exceptions.ColumnNotFoundError, match="by key 'nope' not found"):
        pn_ray.fit_parquet(data["files"], by="nope")
    acc = polars_norm.fit(data["files"], ["a"], quantiles=False)
    with pytest.raises(pl.exceptions.ColumnNotFoundError, match="column 'a' not found in the frame"):
        pn_ray.transform(ds.drop_columns(["a"]), acc)
    with pytest.raises(ValueError, match="column 'offset' was not fitted"):
        pn_ray.transform_parquet(data["files"], acc, data["root"] / "never", {"offset": "zscore"})
    assert not (data["root"] / "never").exists()


def test_non_numeric_column(data: dict[str, Any], ds: Any) -> None:
    with pytest.raises(TypeError, match="column 'name' has dtype String; expected a numeric column"):
        pn_ray.fit(ds, ["name"])
    with pytest.raises(TypeError, match="column 'name' has dtype String"):
        pn_ray.fit_parquet(data["files"], ["a", "name"])


def test_empty_dataset(data: dict[str, Any], ds: Any) -> None:
    with pytest.raises(ValueError, match="the dataset is empty"):
        pn_ray.fit(ray.data.from_items([]))
    with pytest.raises(ValueError, match="the dataset is empty"):
        pn_ray.fit(ds.limit(0), FITTED)
    empty = data["root"] / "empty.parquet"
    data["frame"].clear().write_parquet(empty)
    with pytest.raises(ValueError, match=r"the dataset is empty \(no rows\)"):
        pn_ray.fit_parquet(empty)
    with pytest.raises(ValueError, match="is not a Parquet file"):
        pn_ray.fit_parquet(Path(__file__))


def test_corrupt_file_fails_in_its_task(data: dict[str, Any], ray_cluster: Any) -> None:
    """An error inside a task comes back as the original exception class; finished outputs stay, whole."""
    bad_dir = data["root"] / "bad"
    bad_dir.mkdir()
    good = bad_dir / "a.parquet"
    shutil.copy(data["files"][0], good)
    (bad_dir / "b.parquet").write_bytes(b"not a parquet file")
    with pytest.raises(pl.exceptions.ComputeError, match="PAR1"):
        pn_ray.fit_parquet(bad_dir, ["a"])
    acc = polars_norm.fit(good, ["a"], quantiles=False)
    with pytest.raises(pl.exceptions.ComputeError, match="PAR1"):
        pn_ray.transform_parquet([good, bad_dir / "b.parquet"], acc, data["root"] / "bad_out")
    written = sorted(p.name for p in (data["root"] / "bad_out").iterdir())
    assert written in ([], ["a.parquet"])  # no partial or temporary file
    if written:
        assert_frame_equal(
            pl.read_parquet(data["root"] / "bad_out" / "a.parquet"), acc.transform(pl.read_parquet(good))
        )


def test_bad_parameters(data: dict[str, Any], ray_cluster: Any) -> None:
    with pytest.raises(ValueError, match="method='nope' is not one of"):
        pn_ray.PolarsNormalizer(method="nope")
    with pytest.raises(ValueError, match="option p=1 does not apply to method 'zscore'"):
        pn_ray.PolarsNormalizer(p=1)
    with pytest.raises(ValueError, match="tasks=0 must be a positive integer"):
        pn_ray.fit_parquet(data["files"], tasks=0)
