"""Benchmark: per-group z-scores and fitted statistics in memory, against pandas, Polars and DuckDB.

    python benchmarks/bench_fit.py [--quick] [--repeat N]

Full size: 10M rows x 4 Float64 columns and a key with 1000 groups (``--quick``:
1M rows). Prints one markdown table (best of N runs, in turns; ratio =
alternative / ours):

1. grouped z-score, ``fit(df, by="g")`` + ``transform(df)`` and
   ``norm.zscore().over("g")``, against pandas' vectorized
   ``(x - g.transform("mean")) / g.transform("std")`` (on its own frame), a
   hand-written Polars ``.over("g")`` z-score, and DuckDB's
   ``AVG/STDDEV_SAMP OVER (PARTITION BY g)`` (result fetched as a Polars frame);
2. ``fit`` without and with the quantile sketch (global and 1000 groups),
   against scikit-learn's ``StandardScaler().fit`` / ``RobustScaler().fit``,
   pandas' ``groupby().agg`` and hand-written Polars computing the moments,
   extremes or exact quartiles (``fit`` computes more: counts, norm sums, sketches);
3. fitted ``quantile``, ``robust`` and ``zscore`` transforms with many small
   groups (2M rows, 100k groups; ``--quick``: 1M rows, 50k groups): the time to
   build the query (a transform of 10 rows) and to run it on every row,
   against the in-query ``norm.quantile().over("g")``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import duck
import numpy as np
import polars as pl
from timing import Row, compare, compare_many, markdown_table

import polars_norm as pn

COLUMNS = ["a", "b", "c", "d"]


def _mean(x: pl.Expr) -> pl.Expr:
    return x.mean()


def _std(x: pl.Expr) -> pl.Expr:
    return x.std()


def _min(x: pl.Expr) -> pl.Expr:
    return x.min()


def _max(x: pl.Expr) -> pl.Expr:
    return x.max()


def make_data(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    data = {"g": rng.integers(0, 1000, rows)}
    for i, c in enumerate(COLUMNS):
        data[c] = rng.normal(loc=10.0 * i, scale=1.0 + i, size=rows)
    return pl.DataFrame(data)


def rows(n: int = 10_000_000, repeat: int = 3, *, budget: float = 20.0) -> list[Row]:
    """Grouped z-score (fit + transform, and ``.over``) and fit cost on ``n`` rows, 1000 groups."""
    df = make_data(n)
    pdf = df.to_pandas()

    def ours(quantiles: bool) -> Callable[[], object]:
        return lambda: pn.fit(df, by="g", quantiles=quantiles).transform(df, "zscore")

    def ours_over() -> object:
        return df.with_columns(pl.col(COLUMNS).norm.zscore().over("g"))

    def pandas_vectorized() -> object:
        g = pdf.groupby("g")[COLUMNS]
        return (pdf[COLUMNS] - g.transform("mean")) / g.transform("std")

    def polars_over() -> object:
        return df.with_columns(((pl.col(c) - pl.col(c).mean().over("g")) / pl.col(c).std().over("g")) for c in COLUMNS)

    con = duck.connect(df)
    part = "OVER (PARTITION BY g)"
    duck_sql = duck.select(COLUMNS, f"({{c}} - AVG({{c}}) {part}) / STDDEV_SAMP({{c}}) {part}", "t")

    # sanity: the fitted transform equals pandas, and DuckDB (sorted) equals ours
    got = pn.fit(df, by="g", quantiles=False).transform(df, "zscore").select(COLUMNS).to_numpy()
    np.testing.assert_allclose(got, pandas_vectorized().to_numpy(), rtol=1e-9, atol=1e-9)
    if con is not None:
        mine = np.sort(got[:, 0])
        theirs = np.sort(con.sql(duck_sql).pl()[COLUMNS[0]].to_numpy())
        np.testing.assert_allclose(theirs, mine, rtol=1e-9, atol=1e-9)
    del got

    alternatives: list[tuple[str, Callable[[], object]]] = [
        ("pandas groupby().transform, vectorized", pandas_vectorized),
        ("hand-written Polars `.over(g)`", polars_over),
    ]
    if con is not None:
        alternatives.append(("DuckDB AVG/STDDEV_SAMP OVER (PARTITION BY g)", duck.query(con, duck_sql)))
    out = compare_many(
        "grouped z-score: fit(by=g, quantiles=False) + transform", ours(False), alternatives, repeat, budget=budget
    )
    out += compare_many("grouped z-score: norm.zscore().over(g)", ours_over, alternatives, repeat, budget=budget)
    out.append(
        compare(
            "grouped z-score: fit(by=g) with sketch + transform",
            ours(True),
            "pandas groupby().transform, vectorized",
            pandas_vectorized,
            repeat,
            budget=budget,
        )
    )

    # Fitting statistics, against what computes the same statistics elsewhere (fit computes more:
    # counts, NaN counts, a stable mean and M2, min/max, L1/L2 norm sums; with sketch, KLL quantile sketches).
    arr = df.select(COLUMNS).to_numpy()
    stats = [f(pl.col(c)).name.suffix(f"_{f.__name__}") for c in COLUMNS for f in (_mean, _std, _min, _max)]
    exact_quantiles = [pl.col(c).quantile(q, "linear").alias(f"{c}_{q}") for c in COLUMNS for q in (0.25, 0.5, 0.75)]

    def sk_fit(name: str) -> Callable[[], object]:
        from sklearn import preprocessing as skp

        return lambda: getattr(skp, name)().fit(arr)

    def pandas_stats() -> object:
        return pdf.groupby("g")[COLUMNS].agg(["mean", "std", "min", "max"])

    fits: list[tuple[str, Callable[[], object], list[tuple[str, Callable[[], object]]]]] = [
        (
            "fit, global, no sketch",
            lambda: pn.fit(df, COLUMNS, quantiles=False),
            [
                ("scikit-learn StandardScaler().fit", sk_fit("StandardScaler")),
                ("hand-written Polars select(mean, std, min, max)", lambda: df.select(stats)),
            ],
        ),
        (
            "fit, 1000 groups, no sketch",
            lambda: pn.fit(df, COLUMNS, by="g", quantiles=False),
            [
                ("pandas groupby().agg(mean, std, min, max)", pandas_stats),
                ("hand-written Polars group_by().agg(mean, std, min, max)", lambda: df.group_by("g").agg(stats)),
            ],
        ),
        (
            "fit, global, with sketch",
            lambda: pn.fit(df, COLUMNS),
            [
                ("scikit-learn RobustScaler().fit (exact quartiles)", sk_fit("RobustScaler")),
                ("hand-written Polars exact quartiles", lambda: df.select(exact_quantiles)),
            ],
        ),
        (
            "fit, 1000 groups, with sketch",
            lambda: pn.fit(df, COLUMNS, by="g"),
            [("hand-written Polars group_by().agg(exact quartiles)", lambda: df.group_by("g").agg(exact_quantiles))],
        ),
    ]
    for name, ours_fit, alts in fits:
        out += compare_many(name, ours_fit, alts, repeat, budget=budget)
    return out + many_groups_rows(min(n, 2_000_000), repeat, budget=budget)


def many_groups_rows(n: int, repeat: int = 3, *, budget: float = 20.0) -> list[Row]:
    """Fitted transforms with many small groups (``n / 20`` groups): the plan built per group, then the rows."""
    groups = max(n // 20, 1)
    rng = np.random.default_rng(1)
    df = pl.DataFrame({"g": rng.integers(0, groups, n), "x": rng.normal(size=n)})
    acc = pn.fit(df, by="g")  # fitted once, outside the timings
    head = df.head(10)
    in_query = lambda: df.with_columns(pl.col("x").norm.quantile().over("g"))  # noqa: E731
    out = []
    for method in ("quantile", "robust", "zscore"):
        label = f"{groups:,} groups, fitted {method}"
        out.append(
            compare(
                f"{label}: transform(df.head(10))",
                lambda m=method: acc.transform(head, m),
                "in-query `.over(g)` quantile, all rows",
                in_query,
                repeat,
                budget=budget,
            )  # type: ignore[misc]
        )
        out.append(
            compare(
                f"{label}: transform(df), {n:,} rows",
                lambda m=method: acc.transform(df, m),
                "in-query `.over(g)` quantile, all rows",
                in_query,
                repeat,
                budget=budget,
            )  # type: ignore[misc]
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1M rows instead of 10M")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    args = parser.parse_args()
    n = 1_000_000 if args.quick else 10_000_000
    table = rows(n, args.repeat)
    print(f"\n{n:,} rows x {len(COLUMNS)} Float64 columns, 1000 groups, best of {args.repeat}\n")
    print(markdown_table(table))


if __name__ == "__main__":
    main()
