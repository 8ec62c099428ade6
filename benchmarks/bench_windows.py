"""Benchmark the window normalizations against hand-written Polars, pandas and DuckDB, side by side.

Run ``python benchmarks/bench_windows.py`` (10M rows x 4 Float64, window 100)
or ``--quick`` (1M rows). Prints a markdown table: best-of-N wall time and
the ratio alternative / ours on the same line (ours and the alternative run in
turns). The machine is shared and noisy: compare ratios, not absolute times.
pandas gets its own frame (no conversion counted); DuckDB a native table with
a row index ``i`` to order the window by (result fetched as a Polars frame).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import duck
import numpy as np
import polars as pl
from timing import Row, markdown_table
from timing import compare as _compare

import polars_norm as pn

WINDOW = 100
COLUMNS = ["a", "b", "c", "d"]


def rows(n: int = 10_000_000, repeat: int = 3, *, slow_baselines: bool = True, budget: float = 20.0) -> list[Row]:
    """Window normalizations of 4 Float64 columns of ``n`` rows (window 100) against the alternatives.

    ``slow_baselines=False`` skips pandas' rolling median/quantile (the slowest).
    """
    rng = np.random.default_rng(0)
    data = {c: 100.0 * i + rng.normal(size=n).cumsum() * 0.01 + rng.normal(size=n) for i, c in enumerate(COLUMNS)}
    df = pl.DataFrame(data).with_columns(t=pl.int_range(pl.len(), dtype=pl.Int64) * 3)
    pdf = df.select(COLUMNS).to_pandas()
    lf = df.lazy()
    cols = [pl.col(c) for c in COLUMNS]

    def lazy(exprs: list[pl.Expr]) -> Callable[[], object]:
        return lambda: lf.select(exprs).collect()

    def in_memory(exprs: list[pl.Expr]) -> Callable[[], object]:
        return lambda: lf.select(exprs).collect(engine="in-memory")

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
    # Weighted (linear weights, heaviest on the current row): Polars' own weighted mean/std work on
    # these null-free columns only, and give the population std; numpy convolves the same sums.
    weights = np.linspace(0.01, 1.0, WINDOW).tolist()
    hand_wz = [(x - x.rolling_mean(WINDOW, weights)) / x.rolling_std(WINDOW, weights) for x in cols]
    ours_wz = [pn.rolling_zscore(x, WINDOW, weights=weights) for x in cols]

    def numpy_wz(head: int | None = None) -> dict[str, np.ndarray]:
        kernel = np.asarray(weights)[::-1]  # np.convolve flips it back: weights[-1] on the last row
        w1, w2 = kernel.sum(), (kernel * kernel).sum()
        out = {}
        for c in COLUMNS:
            a = data[c][:head]
            s1, s2 = np.convolve(a, kernel, "valid"), np.convolve(a * a, kernel, "valid")
            mean = s1 / w1
            out[c] = (a[WINDOW - 1 :] - mean) / np.sqrt((s2 - s1 * mean) / (w1 - w2 / w1))
        return out

    got_wz = df.head(2000).select(ours_wz)[WINDOW - 1 :]  # sanity: numpy computes the same z-scores
    np.testing.assert_allclose(got_wz.to_numpy(), np.column_stack(list(numpy_wz(2000).values())), rtol=1e-6)

    def pandas_z() -> object:
        r = pdf.rolling(WINDOW)
        return (pdf - r.mean()) / r.std()

    def pandas_robust() -> object:
        r = pdf.rolling(WINDOW)
        return (pdf - r.median()) / (r.quantile(0.75, interpolation="linear") - r.quantile(0.25))

    con = duck.connect(df.with_row_index("i"))
    w = f"WINDOW w AS (ORDER BY i ROWS BETWEEN {WINDOW - 1} PRECEDING AND CURRENT ROW)"
    duck_z = duck.select(COLUMNS, "({c} - AVG({c}) OVER w) / STDDEV_SAMP({c}) OVER w", f"t {w}")
    duck_mm = duck.select(COLUMNS, "({c} - MIN({c}) OVER w) / (MAX({c}) OVER w - MIN({c}) OVER w)", f"t {w}")
    if con is not None:  # sanity: DuckDB's full windows equal ours (row order restored by i)
        got = con.sql(duck_z.replace(" FROM t ", ", i FROM t ") + " ORDER BY i LIMIT 2000").pl().drop("i")
        want = df.head(2000).select(ours_z)
        np.testing.assert_allclose(got[WINDOW - 1 :].to_numpy(), want[WINDOW - 1 :].to_numpy(), rtol=1e-6)
    out: list[Row] = []

    def compare(
        name: str, ours: Callable[[], object], base_name: str, base: Callable[[], object], target: float | None = None
    ) -> None:
        note = f"target >= {target:.2f}x" if target else ""
        out.append(_compare(name, ours, base_name, base, repeat, budget=budget, note=note))

    compare("rolling_zscore (lazy)", lazy(ours_z), "hand-written Polars (lazy)", lazy(hand_z), 1 / 1.1)
    compare("rolling_zscore (eager)", eager(ours_z), "hand-written Polars (eager)", eager(hand_z), 1 / 1.1)
    compare("rolling_zscore (streaming)", streaming(ours_z), "hand-written Polars (streaming)", streaming(hand_z))
    compare("rolling_zscore (lazy)", lazy(ours_z), "pandas rolling mean/std", pandas_z, 3.0)
    if con is not None:
        duck_name = "DuckDB AVG/STDDEV_SAMP OVER (ROWS BETWEEN 99 PRECEDING)"
        compare("rolling_zscore (lazy)", lazy(ours_z), duck_name, duck.query(con, duck_z))
    compare("rolling_minmax (lazy)", lazy(ours_mm), "hand-written Polars (lazy)", lazy(hand_mm))
    if con is not None:
        duck_name = "DuckDB MIN/MAX OVER (ROWS BETWEEN 99 PRECEDING)"
        compare("rolling_minmax (lazy)", lazy(ours_mm), duck_name, duck.query(con, duck_mm))
    compare("rolling_zscore, weights (lazy)", lazy(ours_wz), "hand-written weighted Polars (lazy)", lazy(hand_wz))
    compare("rolling_zscore, weights (lazy)", lazy(ours_wz), "numpy np.convolve weighted sums", numpy_wz)
    compare("rolling_robust (lazy)", lazy(ours_robust), "hand-written Polars (lazy)", lazy(hand_robust))
    if slow_baselines:
        compare("rolling_robust (lazy)", lazy(ours_robust), "pandas rolling median/quantile", pandas_robust, 2.0)
    compare(
        "expanding_zscore (lazy)",
        lazy([pn.expanding_zscore(x) for x in cols]),
        "one cum_sum pass",
        lazy([x.cum_sum() for x in cols]),
        1 / 1.5,
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
    )
    compare(
        "expanding_zscore (lazy, in-memory engine)",
        in_memory([pn.expanding_zscore(x) for x in cols]),
        "one cum_sum pass (in-memory engine)",
        in_memory([x.cum_sum() for x in cols]),
        1 / 1.5,
    )
    compare(
        "expanding_minmax (lazy)",
        lazy([pn.expanding_minmax(x) for x in cols]),
        "one cum_min pass",
        lazy([x.cum_min() for x in cols]),
        1 / 1.5,
    )
    compare(
        "ewm_zscore span=100 (lazy)",
        lazy([pn.ewm_zscore(x, span=100) for x in cols]),
        "one ewm_mean pass",
        lazy([x.ewm_mean(span=100) for x in cols]),
        1 / 1.5,
    )
    compare(
        "ewm_zscore span=100 (lazy)",
        lazy([pn.ewm_zscore(x, span=100) for x in cols]),
        "hand-written ewm_mean/ewm_std",
        lazy([(x - x.ewm_mean(span=100)) / x.ewm_std(span=100) for x in cols]),
    )
    compare(
        "ewm_zscore_by, half life 50 rows (lazy)",
        lazy([pn.ewm_zscore_by(x, "t", half_life="150i") for x in cols]),
        "one ewm_mean_by pass",
        lazy([x.ewm_mean_by("t", half_life="150i") for x in cols]),
        1 / 1.5,
    )
    compare(
        "ewm_zscore_by, half life 50 rows (lazy, in-memory engine)",
        in_memory([pn.ewm_zscore_by(x, "t", half_life="150i") for x in cols]),
        "one ewm_mean_by pass (in-memory engine)",
        in_memory([x.ewm_mean_by("t", half_life="150i") for x in cols]),
        1 / 1.5,
    )
    compare(
        "rolling_zscore_by, 100 rows (lazy)",
        lazy([pn.rolling_zscore_by(x, "t", "300i") for x in cols]),
        "hand-written Polars (lazy)",
        lazy([(x - x.rolling_mean_by("t", "300i")) / x.rolling_std_by("t", "300i") for x in cols]),
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1M rows instead of 10M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pandas-robust", action="store_true", help="skip the slowest baseline")
    args = parser.parse_args()
    n = 1_000_000 if args.quick else 10_000_000
    table = rows(n, args.repeat, slow_baselines=not args.skip_pandas_robust)
    print(f"\n{n:,} rows x {len(COLUMNS)} Float64, window {WINDOW}, best of {args.repeat}\n")
    print(markdown_table(table))


if __name__ == "__main__":
    main()
