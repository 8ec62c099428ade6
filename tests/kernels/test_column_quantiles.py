"""The selection kernel behind ``robust``: order statistics against a full numpy sort."""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.preprocessing import RobustScaler

from polars_norm.kernels.column_quantiles import order_statistics

_values = hnp.arrays(
    np.float64,
    st.integers(1, 300),
    elements=st.one_of(
        st.sampled_from([0.0, -0.0, 1.0, 1.0, np.nan, np.inf, -np.inf, 1e300, -1e-300]),
        st.floats(allow_nan=True, allow_infinity=True),
    ),
)


@given(_values, st.data())
def test_order_statistics_match_a_sort(values: np.ndarray, data: st.DataObject) -> None:
    ranks = data.draw(st.lists(st.integers(0, values.size - 1), min_size=1, max_size=8))
    want = np.sort(values)  # NaN last
    got = order_statistics(values.copy(), ranks)
    assert sorted(got) == sorted(set(ranks))
    for r in ranks:
        np.testing.assert_array_equal(got[r], want[r])


@given(
    st.integers(0, 2**32 - 1),
    st.integers(4097, 30_000),
    st.sampled_from([1, 2, 3, 50, 0]),  # distinct values (0: continuous)
    st.sampled_from([0.0, 0.01, 0.5]),  # NaN share
    st.data(),
)
def test_order_statistics_past_the_sorting_size(
    seed: int, size: int, distinct: int, nan_share: float, data: st.DataObject
) -> None:
    # past 4096 values the kernel partitions, and sorts a part only when it is heavily tied
    rng = np.random.default_rng(seed)
    values = rng.normal(size=size) if distinct == 0 else rng.integers(0, distinct, size=size).astype(np.float64)
    values[rng.random(size) < nan_share] = np.nan
    ranks = data.draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=8))
    want = np.sort(values)
    got = order_statistics(values.copy(), ranks)
    for r in ranks:
        np.testing.assert_array_equal(got[r], want[r])


def test_order_statistics_on_the_thread_pool_with_ties_and_nan() -> None:
    # big enough that the halves below and above the median are selected in on two threads
    rng = np.random.default_rng(7)
    values = np.round(rng.normal(size=(1 << 22) + 3), 2)
    values[::97] = np.nan
    ranks = [0, 1, 1 << 20, (1 << 20) + 1, 1 << 21, (1 << 21) + 1, 3 << 20, values.size - 1]
    want = np.sort(values)
    got = order_statistics(values.copy(), ranks)
    for r in ranks:
        np.testing.assert_array_equal(got[r], want[r])


def test_robust_on_a_large_column_matches_robust_scaler() -> None:
    rng = np.random.default_rng(3)
    x = np.round(rng.lognormal(size=3_000_001), 3)
    every_11th = pl.int_range(pl.len()) % 11 == 0
    df = pl.DataFrame({"x": x}).with_columns(pl.when(every_11th).then(None).otherwise("x").alias("x"))
    valid = df["x"].drop_nulls().to_numpy()[:, None]
    want = RobustScaler().fit(valid).transform(df["x"].to_numpy()[:, None])[:, 0]
    for got in (
        df.select(pl.col("x").norm.robust())["x"],
        df.lazy().select(pl.col("x").norm.robust()).collect(engine="streaming")["x"],
    ):
        assert got.null_count() == df["x"].null_count()
        np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-13, atol=1e-13)


def test_robust_on_a_long_column_with_infinities_warns_nothing() -> None:
    # The long null-free path maps with numpy, which warns on inf - inf and inf * 0
    # where Polars' arithmetic is silent; a warnings-as-errors setting made it raise.
    x = np.arange(1 << 22, dtype=np.float64)  # long enough for the numpy path
    x[0] = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = pl.DataFrame({"x": x}).select(pl.col("x").norm.robust(quantile_range=(0.0, 1.0)))["x"]
    # the spread is inf, so the scale is inf: finite values map to -0.0, inf to NaN (inf * 0)
    assert np.isnan(got[0])
    assert (got.slice(1) == 0.0).all()
