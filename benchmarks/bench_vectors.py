"""vector_unit on an Array(Float32, 384) column vs numpy and scikit-learn, side by side.

    python benchmarks/bench_vectors.py [--quick]

Full size is 1M x 384 Float32 (about 1.5 GB per copy; peak ~5 GB). Every
contender starts from the same Polars column and ends with a Polars column
(numpy and scikit-learn include the conversions). Best of N, in turns;
ratio = alternative / ours; compare ratios.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import polars as pl
from sklearn.preprocessing import normalize
from timing import Row, compare_many, markdown_table

import polars_norm  # noqa: F401  (registers the norm namespace)


def rows(n: int = 1_000_000, repeat: int = 5, *, dim: int = 384, budget: float = 20.0) -> list[Row]:
    """vector_unit / vector_norm of an ``Array(Float32, dim)`` column of ``n`` rows against the alternatives."""
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

    def numpy_norm() -> pl.Series:
        return pl.Series("norm", np.linalg.norm(df["emb"].to_numpy(), axis=1))

    # The fastest hand-written native expression found (not overflow-safe, NaN poisons the row).
    naive = e * (1.0 / e.arr.dot(e).sqrt().clip(lower_bound=1e-30))
    ours = e.norm.vector_unit()
    # correctness check before timing
    ref = numpy_unit().to_numpy()
    got = df.lazy().select(ours).collect().to_series().to_numpy()
    assert np.allclose(got, ref, atol=1e-6), "vector_unit disagrees with numpy"
    del ref, got

    unit_alternatives: list[tuple[str, Callable[[], object]]] = [
        ("numpy `E / norm(E, axis=1)` (with conversion)", numpy_unit),
        ("scikit-learn `normalize` (with conversion)", sklearn_unit),
        ("hand-written Polars `e * (1/sqrt(e.dot(e)))`, lazy", lambda: df.lazy().select(naive).collect()),
    ]
    out = compare_many(
        "vector_unit, lazy", lambda: df.lazy().select(ours).collect(), unit_alternatives, repeat, budget=budget
    )
    out += compare_many(
        "vector_unit, eager `select`",
        lambda: df.select(ours),
        unit_alternatives[:1],
        repeat,
        budget=budget,
    )
    out += compare_many(
        "vector_unit, streaming",
        lambda: df.lazy().select(ours).collect(engine="streaming"),
        unit_alternatives[:1],
        repeat,
        budget=budget,
    )
    out += compare_many(
        "vector_unit(nan='propagate'), lazy",
        lambda: df.lazy().select(e.norm.vector_unit(nan="propagate")).collect(),
        unit_alternatives[:1],
        repeat,
        budget=budget,
    )
    out += compare_many(
        "vector_norm, lazy",
        lambda: df.lazy().select(e.norm.vector_norm()).collect(),
        [
            ("numpy `norm(E, axis=1)` (with conversion)", numpy_norm),
            ("hand-written Polars `sqrt(e.dot(e))`, lazy", lambda: df.lazy().select(e.arr.dot(e).sqrt()).collect()),
        ],
        repeat,
        budget=budget,
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100k rows instead of 1M")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n, dim = (100_000 if args.quick else 1_000_000), 384
    table = rows(n, args.repeat, dim=dim)
    print(f"\nvector_unit, {n:,} x {dim} Float32 Array, best of {args.repeat}\n")
    print(markdown_table(table))


if __name__ == "__main__":
    main()
