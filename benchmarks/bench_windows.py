"""Benchmark the window normalizations against hand-written Polars and pandas, side by side.

Run ``python benchmarks/bench_windows.py`` (10M rows x 4 Float64, window 100)
or ``--quick`` (1M rows). Prints a markdown table: best-of-N wall time and
the ratio to the baseline named on the same line. The machine is shared and
noisy: compare ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable

import numpy as np
import polars as pl

import polars_norm as pn

WINDOW = 100
COLUMNS = ["a", "b", "c", "d"]


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1M rows instead of 10M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pandas-robust", action="store_true", help="skip the slowest baseline")
    args = parser.parse_args()
    n = 1_000_000 if args.quick else 10_000_000
    rng = np.random.default_rng(0)
    data = {c: 100.0 * i + rng.normal(size=n).cumsum() * 0.01 + rng.normal(size=n) for i, c in enumerate(COLUMNS)}
    df = pl.DataFrame(data).with_columns(t=pl.int_range(pl.len(), dtype=pl.Int64) * 3)
    pdf = df.select(COLUMNS).to_pandas()
    lf = df.lazy()
    cols = [pl.col(c) for c in COLUMNS]

    def lazy(exprs: list[pl.Expr]) -> Callable[[], object]:
        return lambda: lf.select(exprs).collect()

    def streaming(exprs: list[pl.Expr]) -> Callable[[], object]:
        return lambda: lf.select(exprs).collect(engine="streaming")

    def eager(exprs: list[pl.Expr]) -> Callable[[], object]:
        return lambda: df.select(exprs)

    hand_z = [(x - x.rolling_mean(WINDOW)) / x.rolling_std(WINDOW) for x in cols]
    ours_z = [pn.rolling_zscore(x, WINDOW) for x in cols]
    hand_mm = [(x - x.rolling_min(WINDOW)) / (x.rolling_max(WINDOW) - x.rolling_min(WINDOW)) for x in cols]
    ours_mm = [pn.rolling_minmax(x, WINDOW) for x in cols]
    hand_robust = [
        (x - x.rolling_median(WINDOW))
        / (x.rolling_quantile(0.75, "linear", WINDOW) - x.rolling_quantile(0.25, "linear", WINDOW))
        for x in cols
    ]
    ours_robust = [pn.rolling_robust(x, WINDOW) for x in cols]

    def pandas_z() -> object:
        r = pdf.rolling(WINDOW)
        return (pdf - r.mean()) / r.std()

    def pandas_robust() -> object:
        r = pdf.rolling(WINDOW)
        return (pdf - r.median()) / (r.quantile(0.75, interpolation="linear") - r.quantile(0.25))

    rows: list[tuple[str, float, str, float, str]] = []

    def compare(name: str, ours: Callable[[], object], base_name: str, base: Callable[[], object], target: str) -> None:
        # interleaved (ours, baseline, ours, ...) so that load drifts hit both alike
        repeat = args.repeat if "pandas" not in base_name else max(1, args.repeat - 1)
        t_ours = t_base = float("inf")
        for _ in range(repeat):
            t_ours = min(t_ours, best_of(ours, 1))
            t_base = min(t_base, best_of(base, 1))
        rows.append((name, t_ours, base_name, t_base, target))
        print(f"  {name}: {t_ours:.3f}s vs {base_name}: {t_base:.3f}s", flush=True)

    compare("rolling_zscore (lazy)", lazy(ours_z), "hand-written Polars (lazy)", lazy(hand_z), "<= 1.10x")
    compare("rolling_zscore (eager)", eager(ours_z), "hand-written Polars (eager)", eager(hand_z), "<= 1.10x")
    compare("rolling_zscore (streaming)", streaming(ours_z), "hand-written Polars (streaming)", streaming(hand_z), "")
    compare("rolling_zscore (lazy)", lazy(ours_z), "pandas rolling mean/std", pandas_z, ">= 3x faster")
    compare("rolling_minmax (lazy)", lazy(ours_mm), "hand-written Polars (lazy)", lazy(hand_mm), "")
    compare("rolling_robust (lazy)", lazy(ours_robust), "hand-written Polars (lazy)", lazy(hand_robust), "")
    if not args.skip_pandas_robust:
        compare(
            "rolling_robust (lazy)", lazy(ours_robust), "pandas rolling median/quantile", pandas_robust, ">= 2x faster"
        )
    compare(
        "expanding_zscore (lazy)",
        lazy([pn.expanding_zscore(x) for x in cols]),
        "one cum_sum pass",
        lazy([x.cum_sum() for x in cols]),
        "<= 1.5x",
    )
    compare(
        "expanding_zscore (lazy)",
        lazy([pn.expanding_zscore(x) for x in cols]),
        "naive cum_sum z (unstable)",
        lazy(
            [
                (x - x.cum_sum() / x.cum_count())
                / (((x * x).cum_sum() - x.cum_sum() ** 2 / x.cum_count()) / (x.cum_count() - 1)).sqrt()
                for x in cols
            ]
        ),
        "",
    )
    compare(
        "expanding_minmax (lazy)",
        lazy([pn.expanding_minmax(x) for x in cols]),
        "one cum_min pass",
        lazy([x.cum_min() for x in cols]),
        "<= 1.5x",
    )
    compare(
        "ewm_zscore span=100 (lazy)",
        lazy([pn.ewm_zscore(x, span=100) for x in cols]),
        "one ewm_mean pass",
        lazy([x.ewm_mean(span=100) for x in cols]),
        "<= 1.5x",
    )
    compare(
        "ewm_zscore span=100 (lazy)",
        lazy([pn.ewm_zscore(x, span=100) for x in cols]),
        "hand-written ewm_mean/ewm_std",
        lazy([(x - x.ewm_mean(span=100)) / x.ewm_std(span=100) for x in cols]),
        "",
    )
    compare(
        "ewm_zscore_by 50i (lazy)",
        lazy([pn.ewm_zscore_by(x, "t", half_life="150i") for x in cols]),
        "one ewm_mean_by pass",
        lazy([x.ewm_mean_by("t", half_life="150i") for x in cols]),
        "<= 1.5x",
    )
    compare(
        "rolling_zscore_by 300i (lazy)",
        lazy([pn.rolling_zscore_by(x, "t", "300i") for x in cols]),
        "hand-written Polars (lazy)",
        lazy([(x - x.rolling_mean_by("t", "300i")) / x.rolling_std_by("t", "300i") for x in cols]),
        "",
    )

    print(f"\n{n:,} rows x {len(COLUMNS)} Float64, window {WINDOW}, best of {args.repeat}\n")
    print("| method | time (s) | baseline | baseline (s) | ratio ours/baseline | target |")
    print("|---|---|---|---|---|---|")
    for name, t_ours, base_name, t_base, target in rows:
        print(f"| {name} | {t_ours:.3f} | {base_name} | {t_base:.3f} | {t_ours / t_base:.2f}x | {target} |")


if __name__ == "__main__":
    main()
