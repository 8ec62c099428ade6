"""Benchmark: fitted statistics in memory (fit + transform) against pandas and naive Polars.

    python benchmarks/bench_fit.py [--quick] [--repeat N]

Full size: 10M rows x 4 Float64 columns and a key with 1000 groups (``--quick``:
1M rows). Prints two markdown tables (best of N runs):

1. grouped z-score, ``fit(df, by="g")`` + ``transform(df)``, against pandas'
   vectorized ``(x - g.transform("mean")) / g.transform("std")`` and a naive
   Polars ``.over("g")`` z-score;
2. ``fit`` without and with the quantile sketch (global and 1000 groups),
   against a scan that sums every column.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import polars as pl

import polars_norm as pn

COLUMNS = ["a", "b", "c", "d"]


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def make_data(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    data = {"g": rng.integers(0, 1000, rows)}
    for i, c in enumerate(COLUMNS):
        data[c] = rng.normal(loc=10.0 * i, scale=1.0 + i, size=rows)
    return pl.DataFrame(data)


def table(title: str, rows: list[tuple[str, float]], base: str) -> str:
    ref = dict(rows)[base]
    out = [f"### {title}", "", "| method | time (s) | ratio to " + base + " |", "|---|---:|---:|"]
    out += [f"| {name} | {t:.3f} | {t / ref:.2f}x |" for name, t in rows]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1M rows instead of 10M")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    args = parser.parse_args()
    rows = 1_000_000 if args.quick else 10_000_000
    df = make_data(rows)
    pdf = df.to_pandas()
    r = args.repeat

    def ours(quantiles: bool) -> Callable[[], object]:
        return lambda: pn.fit(df, by="g", quantiles=quantiles).transform(df, "zscore")

    def pandas_vectorized() -> object:
        g = pdf.groupby("g")[COLUMNS]
        return (pdf[COLUMNS] - g.transform("mean")) / g.transform("std")

    def polars_over() -> object:
        return df.with_columns(((pl.col(c) - pl.col(c).mean().over("g")) / pl.col(c).std().over("g")) for c in COLUMNS)

    # sanity: the fitted transform equals pandas
    got = pn.fit(df, by="g", quantiles=False).transform(df, "zscore").select(COLUMNS).to_numpy()
    np.testing.assert_allclose(got, pandas_vectorized().to_numpy(), rtol=1e-9, atol=1e-9)

    grouped = [
        ("polars_norm fit(by=g, quantiles=False) + transform", best_of(ours(False), r)),
        ("polars_norm fit(by=g) with sketch + transform", best_of(ours(True), r)),
        ("pandas groupby().transform vectorized", best_of(pandas_vectorized, r)),
        ("naive Polars .over(g) z-score", best_of(polars_over, r)),
    ]

    def scan() -> object:
        return df.lazy().select(pl.col(COLUMNS).sum()).collect(engine="streaming")

    fits = [
        ("scan: sum of all columns", best_of(scan, r)),
        ("fit, global, no sketch", best_of(lambda: pn.fit(df, COLUMNS, quantiles=False), r)),
        ("fit, 1000 groups, no sketch", best_of(lambda: pn.fit(df, COLUMNS, by="g", quantiles=False), r)),
        ("fit, global, with sketch", best_of(lambda: pn.fit(df, COLUMNS), r)),
        ("fit, 1000 groups, with sketch", best_of(lambda: pn.fit(df, COLUMNS, by="g"), r)),
    ]
    print(f"{rows:,} rows x {len(COLUMNS)} Float64 columns, 1000 groups, best of {r}\n")
    print(table("Grouped z-score: fit + transform", grouped, "pandas groupby().transform vectorized"))
    print()
    print(table("Fit cost", fits, "scan: sum of all columns"))


if __name__ == "__main__":
    main()
