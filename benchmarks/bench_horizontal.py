"""Row-wise unit_horizontal and column-wise quantile_normalize vs hand-written Polars and numpy.

    python benchmarks/bench_horizontal.py [--quick]

Full sizes: unit_horizontal over 4 Float64 columns x 10M rows; quantile_normalize
over 8 columns x 1M rows. Best of N, side by side in one run; compare ratios.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import polars as pl
from sklearn.preprocessing import normalize

import polars_norm


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def numpy_quantile_normalize(X: np.ndarray) -> np.ndarray:
    """The straightforward numpy reference: argsort, mean of sorted columns, ties averaged."""
    n, k = X.shape
    order = np.argsort(X, axis=0, kind="stable")
    s = np.take_along_axis(X, order, axis=0)
    reference = s.mean(axis=1)
    cum = np.concatenate([[0.0], np.cumsum(reference)])
    out = np.empty_like(X)
    for j in range(k):
        col = s[:, j]
        starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
        ends = np.r_[starts[1:], n]
        run_mean = (cum[ends] - cum[starts]) / (ends - starts)
        values = np.repeat(run_mean, ends - starts)
        out[order[:, j], j] = values
    return out


def table(title: str, times: dict[str, float], base: str) -> None:
    print(f"\n{title}\n")
    print("| method | time (s) | ratio to baseline |")
    print("|---|---|---|")
    for name, t in times.items():
        print(f"| {name} | {t:.3f} | {t / times[base]:.2f}x |")


def bench_unit(n: int, repeat: int) -> None:
    cols = ["a", "b", "c", "d"]
    X = np.random.default_rng(0).standard_normal((n, 4))
    df = pl.DataFrame({c: X[:, j] for j, c in enumerate(cols)})
    naive_norm = pl.sum_horizontal([pl.col(c) ** 2 for c in cols]).sqrt()
    naive = [pl.col(c) / naive_norm for c in cols]
    # The same overflow-safe math written by hand: rescale by the row's max |x|.
    m = pl.max_horizontal([pl.col(c).abs() for c in cols])
    safe_norm = pl.sum_horizontal([(pl.col(c) / m) ** 2 for c in cols]).sqrt() * m
    safe = [pl.col(c) / pl.when(safe_norm > 0).then(safe_norm).otherwise(1.0) for c in cols]
    ours = polars_norm.unit_horizontal(cols)
    assert np.allclose(df.lazy().select(ours).collect().to_numpy(), normalize(X))
    times = {
        "hand-written naive `x / sqrt(sum x**2)`, lazy": best(lambda: df.lazy().select(naive).collect(), repeat),
        "hand-written naive, two steps (norm column first), eager": best(
            lambda: df.with_columns(_n=naive_norm).select([pl.col(c) / pl.col("_n") for c in cols]), repeat
        ),
        "hand-written max-abs-scaled (overflow-safe), lazy": best(lambda: df.lazy().select(safe).collect(), repeat),
        "polars_norm unit_horizontal, lazy": best(lambda: df.lazy().select(ours).collect(), repeat),
        "polars_norm unit_horizontal, streaming": best(
            lambda: df.lazy().select(ours).collect(engine="streaming"), repeat
        ),
        "polars_norm unit_horizontal, eager `select`": best(lambda: df.select(ours), repeat),
        "sklearn `normalize` (numpy in, numpy out)": best(lambda: normalize(X), repeat),
    }
    table(f"unit_horizontal (L2), 4 Float64 columns x {n:,} rows, best of {repeat}", times,
          "hand-written naive `x / sqrt(sum x**2)`, lazy")


def bench_quantile(n: int, repeat: int) -> None:
    k = 8
    X = np.random.default_rng(1).standard_normal((n, k))
    X[:, 0] = np.round(X[:, 0], 2)  # one column with many ties
    df = pl.DataFrame({f"c{j}": X[:, j] for j in range(k)})
    ours = polars_norm.quantile_normalize(df.columns)
    assert np.allclose(df.lazy().select(ours).collect().to_numpy(), numpy_quantile_normalize(X))
    times = {
        "numpy reference (argsort, tie runs via cumsum)": best(lambda: numpy_quantile_normalize(df.to_numpy()), repeat),
        "polars_norm quantile_normalize, lazy": best(lambda: df.lazy().select(ours).collect(), repeat),
        "polars_norm quantile_normalize, eager `select`": best(lambda: df.select(ours), max(1, repeat // 3)),
    }
    table(f"quantile_normalize, {k} Float64 columns x {n:,} rows, best of {repeat}", times,
          "numpy reference (argsort, tie runs via cumsum)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1M / 100k rows instead of 10M / 1M")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quantile-rows", type=int, default=None, help="override the quantile size (0 skips it)")
    args = parser.parse_args()
    bench_unit(1_000_000 if args.quick else 10_000_000, args.repeat)
    q_rows = args.quantile_rows if args.quantile_rows is not None else (100_000 if args.quick else 1_000_000)
    if q_rows:
        bench_quantile(q_rows, args.repeat)


if __name__ == "__main__":
    main()
