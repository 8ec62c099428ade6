"""The quantile sketches: KLL fed by sorted, compacted batches (``polars_norm.fitted.sketch``)."""

from __future__ import annotations

import struct

import numpy as np
import polars as pl
import pytest
from datasketches import kll_doubles_sketch
from hypothesis import given, settings
from hypothesis import strategies as st

import polars_norm as pn
from polars_norm.fitted.kll_format import compacted_sketch, total_capacity
from polars_norm.fitted.sketch import rank_error


def serialized_levels(sk: kll_doubles_sketch) -> tuple[int, list[int]]:
    """``(num_levels, levels)`` read from DataSketches' own serialized image (full preamble)."""
    image = sk.serialize()
    assert image[0] == 5  # full preamble: the sketch holds more than one item
    num_levels = image[18]
    return num_levels, list(struct.unpack(f"<{num_levels}I", image[20 : 20 + 4 * num_levels]))


@pytest.mark.parametrize("k", [8, 20, 200, 800, 1001, 4000])
@pytest.mark.parametrize("n", [100, 10_000, 300_000])
def test_total_capacity_matches_datasketches(k: int, n: int) -> None:
    sk = kll_doubles_sketch(k)
    sk.update(np.random.default_rng(k + n).standard_normal(n))
    num_levels, levels = serialized_levels(sk)
    # DataSketches keeps the levels at the end of an array of the total capacity.
    assert levels[0] + sk.num_retained == total_capacity(k, num_levels)


def true_ranks(ordered: np.ndarray, queries: np.ndarray) -> np.ndarray:
    return np.searchsorted(ordered, queries, side="right")


finite = st.floats(allow_nan=False, allow_infinity=True, width=64)
batches = st.one_of(
    st.lists(finite, min_size=1, max_size=3000),
    st.lists(st.sampled_from([-1.0, 0.0, 0.5, 1e300, -1e-300]), min_size=1, max_size=3000),  # heavy ties
    st.builds(
        lambda n, offset, seed: (offset + np.random.default_rng(seed).normal(scale=1e-3, size=n)).tolist(),
        st.integers(1, 5000),
        st.sampled_from([0.0, 1e9, -1e15]),
        st.integers(0, 2**32),
    ),
)


@settings(max_examples=60, deadline=None)
@given(values=batches, k=st.sampled_from([8, 9, 16, 50, 200]), seed=st.integers(0, 2**32))
def test_compacted_sketch_keeps_weight_extremes_and_bounded_rank_error(values: list[float], k: int, seed: int) -> None:
    ordered = np.sort(np.array(values, dtype=np.float64))
    if ordered.size <= k:
        return
    sk = compacted_sketch(ordered, k, np.random.default_rng(seed))
    assert sk.n == ordered.size
    assert sk.get_min_value() == ordered[0]
    assert sk.get_max_value() == ordered[-1]
    num_levels, _ = serialized_levels(sk)
    assert sk.num_retained <= k + num_levels - 1
    # Each halving at level j moves any rank by at most 2**j, so the total is below 2**h.
    bound = 2 ** (num_levels - 1)
    queries = np.unique(ordered)
    estimated = np.rint(np.array(sk.get_cdf(queries.tolist(), inclusive=True)[:-1]) * sk.n)
    assert np.max(np.abs(estimated - true_ranks(ordered, queries))) < bound
    # Merged into an empty sketch it is the same (the merge of a valid state).
    merged = kll_doubles_sketch(k)
    merged.merge(sk)
    assert merged.n == sk.n
    assert merged.get_quantiles([0.0, 0.5, 1.0]) == sk.get_quantiles([0.0, 0.5, 1.0])


def test_compacted_sketch_is_unbiased() -> None:
    ordered = np.sort(np.random.default_rng(1).lognormal(size=2**13 - 1))  # odd at every level
    queries = np.quantile(ordered, [0.05, 0.25, 0.5, 0.75, 0.95])
    trials = 400
    errors = np.empty((trials, queries.size))
    for seed in range(trials):
        sk = compacted_sketch(ordered, 50, np.random.default_rng(seed))
        estimated = np.array(sk.get_cdf(queries.tolist(), inclusive=True)[:-1]) * sk.n
        errors[seed] = estimated - true_ranks(ordered, queries)
    spread = errors.std(axis=0)
    assert np.all(spread > 0)  # the coin is really flipped
    # A coin that always kept the odd (or the even) items, or an item set aside
    # at one end but removed from the other, would shift the mean by up to 2**h.
    assert np.all(np.abs(errors.mean(axis=0)) < 4 * spread / np.sqrt(trials))


@pytest.mark.parametrize(
    "make",
    [
        lambda rng, n: rng.lognormal(size=n),
        lambda rng, n: np.sort(rng.standard_normal(n)),  # sorted input
        lambda rng, n: rng.integers(0, 50, n).astype(np.float64),  # ties
        lambda rng, n: 1e12 + rng.standard_normal(n),  # offset
    ],
    ids=["lognormal", "sorted", "ties", "offset"],
)
def test_fit_sketch_rank_error_over_compacted_batches(make: object) -> None:
    rng = np.random.default_rng(3)
    n = 1_500_000
    x = make(rng, n)  # type: ignore[operator]
    x[::101] = np.nan
    df = pl.DataFrame({"x": x}).with_columns(pl.when(pl.int_range(pl.len()) % 103 == 0).then(None).otherwise("x"))
    acc = pn.fit(df.iter_slices(150_000))  # ten compacted batches merged into one sketch
    sk = acc.sketch("x")
    assert sk is not None
    valid = np.sort(df["x"].drop_nulls().drop_nans().to_numpy())
    assert sk.n == valid.size
    assert (sk.get_min_value(), sk.get_max_value()) == (valid[0], valid[-1])
    qs = np.linspace(0.01, 0.99, 99)
    values = np.array(sk.get_quantiles(qs.tolist()))
    # the data's own rank interval of each returned value (ties span an interval)
    below = np.searchsorted(valid, values, side="left") / valid.size
    upto = np.searchsorted(valid, values, side="right") / valid.size
    error = np.maximum(below - qs, qs - upto).clip(min=0.0)
    assert error.max() <= rank_error()
