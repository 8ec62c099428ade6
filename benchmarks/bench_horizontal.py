"""Row-wise unit_horizontal and column-wise quantile_normalize vs hand-written Polars and numpy.

    python benchmarks/bench_horizontal.py [--quick]

Full sizes: unit_horizontal over 4 Float64 columns x 10M rows; quantile_normalize
over 8 columns x 1M rows. Best of N, in turns, side by side in one run;
ratio = alternative / ours; compare ratios.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import polars as pl
from sklearn.preprocessing import normalize
from timing import Row, compare_many, markdown_table

import polars_norm


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


def unit_rows(n: int = 10_000_000, repeat: int = 5, *, budget: float = 20.0) -> list[Row]:
    """unit_horizontal (row-wise L2) over 4 Float64 columns of ``n`` rows against the alternatives."""
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
    alternatives: list[tuple[str, Callable[[], object]]] = [
        ("hand-written Polars, naive `x / sqrt(sum x**2)`, lazy", lambda: df.lazy().select(naive).collect()),
        (
            "hand-written Polars, naive, two steps (norm column first), eager",
            lambda: df.with_columns(_n=naive_norm).select([pl.col(c) / pl.col("_n") for c in cols]),
        ),
        ("hand-written Polars, max-abs-scaled (overflow-safe), lazy", lambda: df.lazy().select(safe).collect()),
        ("scikit-learn `normalize` (numpy in, numpy out)", lambda: normalize(X)),
    ]
    out = compare_many(
        "unit_horizontal, lazy", lambda: df.lazy().select(ours).collect(), alternatives, repeat, budget=budget
    )
    out += compare_many(
        "unit_horizontal, streaming",
        lambda: df.lazy().select(ours).collect(engine="streaming"),
        alternatives[:1],
        repeat,
        budget=budget,
    )
    out += compare_many(
        "unit_horizontal, eager `select`", lambda: df.select(ours), alternatives[-1:], repeat, budget=budget
    )
    return out


def quantile_rows(n: int = 1_000_000, repeat: int = 5, *, budget: float = 20.0) -> list[Row]:
    """quantile_normalize over 8 Float64 columns of ``n`` rows (one with many ties) against numpy."""
    k = 8
    X = np.random.default_rng(1).standard_normal((n, k))
    X[:, 0] = np.round(X[:, 0], 2)  # one column with many ties
    df = pl.DataFrame({f"c{j}": X[:, j] for j in range(k)})
    ours = polars_norm.quantile_normalize(df.columns)
    assert np.allclose(df.select(ours).to_numpy(), numpy_quantile_normalize(X))
    reference = [("numpy (argsort, tie runs via cumsum)", lambda: numpy_quantile_normalize(df.to_numpy()))]
    # Polars 2.1's default engine sends this query (sorts, gathers) to the streaming engine,
    # slower in memory: measure the in-memory engine, as bench_columnwise does.
    out = compare_many(
        "quantile_normalize, lazy (in-memory engine)",
        lambda: df.lazy().select(ours).collect(engine="in-memory"),
        reference,
        repeat,
        budget=budget,
    )
    out += compare_many(
        "quantile_normalize, eager `select`", lambda: df.select(ours), reference, max(1, repeat // 3), budget=budget
    )
    return out


def wide_rows(
    n: int = 200_000, widths: tuple[int, ...] = (4, 50, 200), repeat: int = 3, *, budget: float = 60.0
) -> list[Row]:
    """Every row-wise method over ``k`` Float64 columns of ``n`` rows, eager ``select``, against numpy's same math.

    Conversion to and from numpy is included on the numpy side. zscore_horizontal runs at 4 columns only:
    its plan still grows with the square of the number of columns.
    """
    out: list[Row] = []
    for k in widths:
        X = np.random.default_rng(2).standard_normal((n, k))
        df = pl.DataFrame({f"c{j}": X[:, j] for j in range(k)})
        cols = df.columns

        def np_minmax() -> pl.DataFrame:
            A = df.to_numpy()  # noqa: B023
            lo, hi = np.nanmin(A, axis=1, keepdims=True), np.nanmax(A, axis=1, keepdims=True)
            return pl.DataFrame((A - lo) / np.where(hi == lo, 1.0, hi - lo), schema=cols)  # noqa: B023

        def np_unit() -> pl.DataFrame:
            A = df.to_numpy()  # noqa: B023
            norm = np.sqrt(np.nansum(A * A, axis=1, keepdims=True))
            return pl.DataFrame(A / np.where(norm == 0, 1.0, norm), schema=cols)  # noqa: B023

        def np_norm() -> pl.Series:
            A = df.to_numpy()  # noqa: B023
            return pl.Series(np.sqrt(np.nansum(A * A, axis=1)))

        def np_zscore() -> pl.DataFrame:
            A = df.to_numpy()  # noqa: B023
            sd = A.std(axis=1, ddof=1, keepdims=True)
            return pl.DataFrame((A - A.mean(axis=1, keepdims=True)) / np.where(sd == 0, 1.0, sd), schema=cols)  # noqa: B023

        cases: list[tuple[str, object, Callable[[], object]]] = [
            ("minmax_horizontal", polars_norm.minmax_horizontal(cols), np_minmax),
            ("unit_horizontal", polars_norm.unit_horizontal(cols), np_unit),
            ("norm_horizontal", polars_norm.norm_horizontal(cols), np_norm),
        ]
        if k <= 4:
            cases.append(("zscore_horizontal", polars_norm.zscore_horizontal(cols), np_zscore))
        for name, ours, ref in cases:
            out += compare_many(
                f"{name}, {k} columns, eager `select`",
                lambda ours=ours: df.select(ours),  # type: ignore[misc]  # noqa: B023
                [("numpy, same math (conversion included)", ref)],
                repeat,
                budget=budget,
            )
    return out


def rows(n: int = 10_000_000, repeat: int = 5, *, quantile_n: int | None = None, budget: float = 20.0) -> list[Row]:
    """Both: unit_horizontal on ``n`` rows, quantile_normalize on ``quantile_n`` (default n / 10; 0 skips it)."""
    q = n // 10 if quantile_n is None else quantile_n
    return unit_rows(n, repeat, budget=budget) + (quantile_rows(q, repeat, budget=budget) if q else [])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1M / 100k rows instead of 10M / 1M")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--wide", action="store_true", help="only the row-wise methods at 4, 50, 200 columns x 200k rows"
    )
    parser.add_argument("--quantile-rows", type=int, default=None, help="override the quantile size (0 skips it)")
    args = parser.parse_args()
    if args.wide:
        print(markdown_table(wide_rows(repeat=args.repeat)))
        return
    n = 1_000_000 if args.quick else 10_000_000
    table = rows(n, args.repeat, quantile_n=args.quantile_rows)
    q = n // 10 if args.quantile_rows is None else args.quantile_rows
    print(
        f"\nunit_horizontal: 4 Float64 columns x {n:,} rows; quantile_normalize: 8 columns x {q:,} rows; "
        f"best of {args.repeat}\n"
    )
    print(markdown_table(table))


if __name__ == "__main__":
    main()
