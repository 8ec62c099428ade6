"""quantile_normalize vs straightforward numpy implementations (classic, ties, missing values)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from polars.testing import assert_frame_equal

from polars_norm import quantile_normalize


def classic_reference(X: np.ndarray) -> np.ndarray:
    """Sort, average rank by rank, map back; tied values get the mean over their ranks."""
    n, k = X.shape
    reference = np.sort(X, axis=0).mean(axis=1)
    out = np.empty_like(X, dtype=float)
    for j in range(k):
        order = np.argsort(X[:, j], kind="stable")
        s = X[order, j]
        values = np.empty(n)
        start = 0
        while start < n:
            end = start
            while end + 1 < n and s[end + 1] == s[start]:
                end += 1
            values[start : end + 1] = reference[start : end + 1].mean()
            start = end + 1
        out[order, j] = values
    return out


def missing_reference(X: np.ndarray) -> np.ndarray:
    """The documented rule for missing values (NaN here), via np.interp.

    The reference is tabulated at the L equally spaced levels of a complete
    column (L = the number of rows): at level g / (L - 1) it is the mean over
    columns of their sorted valid values read (linearly interpolated) there.
    Rank r of a column with m valid values sits at level u = r / (m - 1) and
    reads the tabulated reference, linearly interpolated, at u.
    """
    k = X.shape[1]
    sorted_cols = [np.sort(X[~np.isnan(X[:, j]), j]) for j in range(k)]
    sorted_cols = [s for s in sorted_cols if s.size]
    if not sorted_cols:
        return np.full_like(X, np.nan, dtype=float)
    longest = X.shape[0]
    grid = np.arange(longest) / (longest - 1) if longest > 1 else np.array([0.5])
    reference = np.mean([np.interp(grid * (s.size - 1), np.arange(s.size), s) for s in sorted_cols], axis=0)
    out = np.full_like(X, np.nan, dtype=float)
    for j in range(k):
        valid = ~np.isnan(X[:, j])
        m = int(valid.sum())
        if m == 0:
            continue
        u = np.arange(m) / (m - 1) if m > 1 else np.array([0.5])
        at_rank = np.interp(u * (longest - 1), np.arange(longest), reference)
        out[valid, j] = classic_like(X[valid, j], at_rank)
    return out


def classic_like(col: np.ndarray, at_rank: np.ndarray) -> np.ndarray:
    order = np.argsort(col, kind="stable")
    s = col[order]
    values = np.empty(col.size)
    start = 0
    while start < col.size:
        end = start
        while end + 1 < col.size and s[end + 1] == s[start]:
            end += 1
        values[start : end + 1] = at_rank[start : end + 1].mean()
        start = end + 1
    out = np.empty(col.size)
    out[order] = values
    return out


def run(X: np.ndarray, *, lazy: bool = True) -> np.ndarray:
    df = pl.DataFrame({f"c{j}": X[:, j] for j in range(X.shape[1])})
    exprs = quantile_normalize(df.columns)
    out = df.lazy().select(exprs).collect() if lazy else df.select(exprs)
    return out.to_numpy().astype(float)


@pytest.mark.parametrize(("n", "k", "levels"), [(10, 3, 4), (200, 4, 20), (500, 3, 500), (1, 2, 1)])
def test_matches_classic_with_ties(n: int, k: int, levels: int) -> None:
    rng = np.random.default_rng(n + k)
    X = rng.integers(0, levels, size=(n, k)).astype(float)
    np.testing.assert_allclose(run(X), classic_reference(X), rtol=1e-12, atol=1e-9)


def test_bolstad_example() -> None:
    X = np.array([[5.0, 4.0, 3.0], [2.0, 1.0, 4.0], [3.0, 4.0, 6.0], [4.0, 2.0, 8.0]])
    want = np.array([[17 / 3, 31 / 6, 2.0], [2.0, 2.0, 3.0], [3.0, 31 / 6, 14 / 3], [14 / 3, 3.0, 17 / 3]])
    np.testing.assert_allclose(run(X), want, rtol=1e-14)
    np.testing.assert_allclose(run(X, lazy=False), want, rtol=1e-14)


def test_missing_values_rule() -> None:
    rng = np.random.default_rng(11)
    X = rng.standard_normal((40, 4))
    X[rng.random((40, 4)) < 0.2] = np.nan
    X[:, 3] = np.nan
    X[:3, 3] = [1.0, 1.0, 2.0]  # a short column with a tie
    np.testing.assert_allclose(run(X), missing_reference(X), rtol=1e-12, atol=1e-12, equal_nan=True)


def test_nulls_nan_dtypes_and_streaming() -> None:
    df = pl.DataFrame(
        {"a": [5.0, None, 3.0, 4.0], "b": [4.0, 1.0, float("nan"), 2.0], "c": [None, None, None, None]},
        schema={"a": pl.Float32, "b": pl.Float32, "c": pl.Float32},
    )
    out = df.lazy().select(quantile_normalize("a", "b", "c")).collect()
    assert out.schema == df.schema
    assert out["a"][1] is None
    assert math.isnan(out["b"][2])
    assert out["c"].null_count() == 4
    mixed = pl.DataFrame({"i": [1, 2, 3], "f": [0.5, 0.1, 0.2]}).select(quantile_normalize("i", "f"))
    assert mixed.schema == pl.Schema({"i": pl.Float64, "f": pl.Float64})
    X = np.random.default_rng(2).integers(0, 50, size=(3000, 3)).astype(float)
    lf = pl.DataFrame({f"c{j}": X[:, j] for j in range(3)}).lazy()
    exprs = quantile_normalize(lf.collect_schema().names())
    a = lf.select(exprs).collect()
    assert_frame_equal(a, lf.select(exprs).collect(engine="streaming"))


def test_per_group() -> None:
    rng = np.random.default_rng(4)
    X = rng.integers(0, 5, size=(60, 3)).astype(float)
    g = np.repeat([0, 1, 2], 20)
    df = pl.DataFrame({"g": g, "a": X[:, 0], "b": X[:, 1], "c": X[:, 2]})
    out = df.select([e.over("g") for e in quantile_normalize("a", "b", "c")]).to_numpy()
    for grp in range(3):
        np.testing.assert_allclose(out[g == grp], classic_reference(X[g == grp]), rtol=1e-12)


def test_per_group_with_missing_values_over_agg_and_streaming() -> None:
    rng = np.random.default_rng(5)
    X = rng.standard_normal((90, 4))
    X[rng.random((90, 4)) < 0.25] = np.nan
    g = np.repeat([0, 1, 2], 30)
    rng.shuffle(g)
    df = pl.DataFrame({"g": g, **{f"c{j}": X[:, j] for j in range(4)}})
    names = [f"c{j}" for j in range(4)]
    exprs = quantile_normalize(names)
    over = df.lazy().select([e.over("g") for e in exprs])
    in_memory = over.collect(engine="in-memory")
    assert_frame_equal(in_memory, over.collect(engine="streaming"))
    agg = df.group_by("g").agg(exprs)
    for grp in range(3):
        want = missing_reference(X[g == grp])
        np.testing.assert_allclose(in_memory.to_numpy()[g == grp], want, rtol=1e-12, atol=1e-12, equal_nan=True)
        row = agg.filter(pl.col("g") == grp)
        got = np.column_stack([row[c][0].to_numpy() for c in names])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_errors() -> None:
    df = pl.DataFrame({"a": [1.0], "s": ["x"]})
    with pytest.raises(TypeError, match="quantile_normalize: column 's' has dtype String"):
        df.select(quantile_normalize("a", "s"))
    with pytest.raises(ValueError, match="quantile_normalize: needs at least one column"):
        quantile_normalize()


@given(
    st.integers(2, 3).flatmap(
        lambda k: arrays(
            np.float64,
            st.tuples(st.integers(1, 30), st.just(k)),
            elements=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
            unique=True,
        )
    )
)
def test_without_ties_all_columns_share_sorted_values(X: np.ndarray) -> None:
    out = np.sort(run(X), axis=0)
    for j in range(1, X.shape[1]):
        np.testing.assert_array_equal(out[:, j], out[:, 0])
    np.testing.assert_allclose(out[:, 0], np.sort(X, axis=0).mean(axis=1), rtol=1e-12, atol=1e-6)


def test_large_chunked_input_streams_whole_and_shares_one_computation() -> None:
    # The kernel needs whole columns: the streaming engine, fed many chunks,
    # must hand it all rows. The k outputs share one computation (a cache
    # keyed by the input buffers), which must never serve another input and
    # must be empty once every output of a query is evaluated.
    from polars_norm.kernels.quantile_normalization import MEMOIZED

    rng = np.random.default_rng(9)
    X = rng.integers(0, 1000, size=(60_000, 4)).astype(float)
    df = pl.DataFrame({f"c{j}": X[:, j] for j in range(4)})
    chunked = pl.concat([df.slice(i, 7_000) for i in range(0, len(df), 7_000)], rechunk=False)
    assert chunked.n_chunks() > 1
    exprs = quantile_normalize(df.columns)
    want = classic_reference(X)
    for engine in ("streaming", "in-memory"):
        got = chunked.lazy().select(exprs).collect(engine=engine).to_numpy()  # type: ignore[call-overload]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(chunked.select(exprs).to_numpy(), want, rtol=1e-12, atol=1e-9)
    assert len(MEMOIZED) == 0
    # the same buffers for three columns, a new one for the fourth: computed afresh
    doubled = df.with_columns(pl.col("c3") * -1.0)
    Y = X.copy()
    Y[:, 3] *= -1.0
    np.testing.assert_allclose(doubled.select(exprs).to_numpy(), classic_reference(Y), rtol=1e-12, atol=1e-9)
    # only some outputs evaluated: still right, and the next query is not served stale results
    first = df.lazy().with_columns(exprs).select("c0").collect()["c0"].to_numpy()
    np.testing.assert_allclose(first, want[:, 0], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(doubled.select(exprs).to_numpy(), classic_reference(Y), rtol=1e-12, atol=1e-9)


def test_tie_means_and_interpolation_are_local_to_their_ranks() -> None:
    # Tie means summed over the whole column (prefix-sum differences) let one huge
    # value swamp the small ones; an infinity made its neighbours NaN (inf * 0).
    one = pl.DataFrame({"a": [-1e6, 1e-10, 2e-10, 3e-10]}).lazy().with_columns(quantile_normalize("a")).collect()
    assert one["a"].to_list() == [-1e6, 1e-10, 2e-10, 3e-10]  # one column: unchanged
    for big in (-1e20, -math.inf):
        df = pl.DataFrame({"a": [big, 1.0, 2.0, 3.0], "b": [4.0, 3.0, 2.0, 1.0]})
        out = df.lazy().with_columns(quantile_normalize("a", "b")).collect()
        # reference: mean of the sorted columns [big, 1, 2, 3] and [1, 2, 3, 4]
        assert out["a"].to_list() == [(big + 1.0) / 2.0, 1.5, 2.5, 3.5]
        assert out["b"].to_list() == [3.5, 2.5, 1.5, (big + 1.0) / 2.0]
    ties = pl.DataFrame({"a": [-1e15, 1e-3, 1e-3, 2e-3], "b": [1e-3, 2e-3, 3e-3, 4e-3]})
    got = ties.lazy().with_columns(quantile_normalize("a", "b")).collect()["a"].to_list()
    ref = [(-1e15 + 1e-3) / 2, (1e-3 + 2e-3) / 2, (1e-3 + 3e-3) / 2, (2e-3 + 4e-3) / 2]
    assert got[0] == ref[0]
    assert got[1] == got[2] == pytest.approx((ref[1] + ref[2]) / 2, rel=1e-15)
    assert got[3] == pytest.approx(ref[3], rel=1e-15)


def test_cache_never_serves_a_changed_input() -> None:
    # A partly evaluated query leaves a cache entry; memory under a frame
    # changed in place afterwards (zero-copy numpy) must not be served from it.
    import pyarrow as pa

    a = np.array([5.0, 2.0, 3.0, 4.0, 1.0, 7.0])
    b = np.array([4.0, 1.0, 4.0, 2.0, 9.0, 8.0])
    lf = pl.from_arrow(pa.table({"a": pa.array(a), "b": pa.array(b)})).lazy()  # type: ignore[union-attr]
    lf.with_columns(quantile_normalize("a", "b")).select("a").collect()
    a[1] = 10.0  # a row the cache's fingerprint does not sample
    got = lf.with_columns(quantile_normalize("a", "b")).collect().to_numpy()
    np.testing.assert_allclose(got, classic_reference(np.column_stack([a, b])), rtol=1e-15)
