"""vector_unit on an Array(Float32, 384) column vs numpy and scikit-learn, side by side.

    python benchmarks/bench_vectors.py [--quick]

Full size is 1M x 384 Float32 (about 1.5 GB per copy; peak ~5 GB). Every
contender starts from the same Polars column and ends with a Polars column
(numpy and scikit-learn include the conversions). Best of N; compare ratios.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import polars as pl
from sklearn.preprocessing import normalize

import polars_norm  # noqa: F401  (registers the norm namespace)


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100k rows instead of 1M")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n, dim = (100_000 if args.quick else 1_000_000), 384
    emb = np.random.default_rng(0).standard_normal((n, dim), dtype=np.float32)
    df = pl.DataFrame({"emb": pl.Series(emb, dtype=pl.Array(pl.Float32, dim))})
    del emb
    dtype = pl.Array(pl.Float32, dim)
    e = pl.col("emb")

    def numpy_unit() -> pl.Series:
        a = df["emb"].to_numpy()
        return pl.Series("emb", a / np.linalg.norm(a, axis=1, keepdims=True), dtype=dtype)

    def sklearn_unit() -> pl.Series:
        return pl.Series("emb", normalize(df["emb"].to_numpy()), dtype=dtype)

    # The fastest hand-written native expression found (not overflow-safe, NaN poisons the row).
    naive = e * (1.0 / e.arr.dot(e).sqrt().clip(lower_bound=1e-30))
    ours = e.norm.vector_unit()
    ours_prop = e.norm.vector_unit(nan="propagate")
    cases: dict[str, Callable[[], object]] = {
        "numpy `E / norm(E)` (with conversion)": numpy_unit,
        "sklearn `normalize` (with conversion)": sklearn_unit,
        "hand-written Polars `e * (1/sqrt(e.dot(e)))`, lazy": lambda: df.lazy().select(naive).collect(),
        "polars_norm vector_unit, eager `select`": lambda: df.select(ours),
        "polars_norm vector_unit, lazy": lambda: df.lazy().select(ours).collect(),
        "polars_norm vector_unit, streaming": lambda: df.lazy().select(ours).collect(engine="streaming"),
        "polars_norm vector_unit(nan='propagate'), lazy": lambda: df.lazy().select(ours_prop).collect(),
        "polars_norm vector_norm, lazy": lambda: df.lazy().select(e.norm.vector_norm()).collect(),
    }
    # correctness check before timing
    ref = numpy_unit().to_numpy()
    got = df.lazy().select(ours).collect().to_series().to_numpy()
    assert np.allclose(got, ref, atol=1e-6), "vector_unit disagrees with numpy"
    del ref, got

    times = {name: best(fn, args.repeat) for name, fn in cases.items()}
    base_np = times["numpy `E / norm(E)` (with conversion)"]
    base_sk = times["sklearn `normalize` (with conversion)"]
    print(f"\nvector_unit, {n:,} x {dim} Float32 Array, best of {args.repeat}\n")
    print("| method | time (s) | / numpy | sklearn / this |")
    print("|---|---|---|---|")
    for name, t in times.items():
        print(f"| {name} | {t:.3f} | {t / base_np:.2f}x | {base_sk / t:.2f}x |")


if __name__ == "__main__":
    main()
