"""Fit statistics on a Parquet dataset out of core, then transform it with a sink.

The job of a training pipeline: per-ticker statistics are fitted on the
training files and applied, unchanged, to new files (no leakage of the new
data into its own normalization). Neither pass holds the data in memory:
``polars_norm.fit`` reads the files in one streaming pass of flat reductions
(plus quantile sketches), and ``acc.transform(...)`` returns a lazy query
that ``sink_parquet`` streams to disk. The same code runs unchanged on files
larger than memory; here it writes a few small ones (in a temporary
directory, deleted at the end) so that it runs in seconds. The last part does
the same with the ``polars-norm`` command line.

    python examples/fit_transform_parquet.py

See docs/fit-transform.md.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

import polars_norm as pn

TICKERS = [f"T{i:02d}" for i in range(40)]


def write_parts(directory: Path, parts: int, rows: int, seed: int, tickers: list[str]) -> None:
    """``parts`` Parquet files of ``rows`` rows: prices on very different levels per ticker."""
    directory.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    level = {t: 10.0 * (1 + i) for i, t in enumerate([*TICKERS, "NEW"])}
    for p in range(parts):
        ticker = rng.choice(tickers, rows)
        base = np.array([level[t] for t in ticker])
        pl.DataFrame(
            {
                "ticker": ticker,
                "price": base * (1.0 + 0.05 * rng.standard_normal(rows)),
                "volume": rng.lognormal(8.0, 1.0, rows).round(),
            }
        ).write_parquet(directory / f"part-{p:03d}.parquet")


with tempfile.TemporaryDirectory(prefix="polars-norm-example-") as tmp:
    root = Path(tmp)
    write_parts(root / "train", parts=8, rows=100_000, seed=1, tickers=TICKERS)
    # new data: a different seed, and one ticker never seen in training
    write_parts(root / "serve", parts=2, rows=50_000, seed=2, tickers=[*TICKERS, "NEW"])
    size = sum(f.stat().st_size for f in root.rglob("*.parquet")) / 1e6
    print(f"wrote 10 Parquet files, {size:.1f} MB, in {root}")

    # ---- pass 1: statistics, one streaming pass over every training file
    t0 = time.perf_counter()
    acc = pn.fit(pl.scan_parquet(root / "train" / "*.parquet"), ["price", "volume"], by="ticker")
    acc.save(root / "stats.json")  # versioned, checksummed JSON
    print(f"\nfitted {len(TICKERS)} tickers x 2 columns in {time.perf_counter() - t0:.2f} s:")
    print(acc.to_frame().sort("ticker").head(4))

    # ---- pass 2: apply the saved statistics to the new files, streamed into one Parquet file
    t0 = time.perf_counter()
    stats = pn.Accumulator.load(root / "stats.json")
    query = stats.transform(
        pl.scan_parquet(root / "serve" / "*.parquet"),
        {"price": "zscore", "volume": "robust"},
        unseen="global",  # a ticker not seen in training gets the statistics pooled over all tickers
    )
    assert isinstance(query, pl.LazyFrame)  # still lazy: nothing read yet
    query.sink_parquet(root / "serve_normalized.parquet")
    print(f"\ntransformed the new files in {time.perf_counter() - t0:.2f} s:")
    served = pl.read_parquet(root / "serve_normalized.parquet")
    print(served.head(4))

    # Sanity 1: the new data is normalized with the *training* statistics, computed here in memory.
    train = pl.read_parquet(root / "train" / "*.parquet")
    serve = pl.read_parquet(root / "serve" / "*.parquet")
    moments = train.group_by("ticker").agg(m=pl.col("price").mean(), s=pl.col("price").std())
    pooled = train.select(m=pl.col("price").mean(), s=pl.col("price").std())
    expected = (
        serve.join(moments, on="ticker", how="left", maintain_order="left")
        .with_columns(pl.col("m").fill_null(pooled["m"].item()), pl.col("s").fill_null(pooled["s"].item()))
        .select((pl.col("price") - pl.col("m")) / pl.col("s"))
        .to_series()
    )
    assert np.allclose(served["price"].to_numpy(), expected.to_numpy(), rtol=1e-9, atol=1e-9)
    new_rows = served.filter(pl.col("ticker") == "NEW")
    assert new_rows.height > 0 and new_rows["price"].null_count() == 0
    print(f"\nok: {served.height:,} new rows scaled by the training statistics ({new_rows.height:,} of a new ticker)")

    # ---- the same job with the command line: fit and transform in one call, then describe the statistics
    t0 = time.perf_counter()
    cli = [sys.executable, "-m", "polars_norm"]
    out = root / "train_normalized.parquet"
    subprocess.run(
        [
            *cli,
            "normalize",
            str(root / "train"),
            "-o",
            str(out),
            "--by",
            "ticker",
            "--method",
            "price=zscore",
            "--method",
            "volume=minmax",
            "--save-stats",
            str(root / "cli_stats.json"),
            "--quiet",
        ],
        check=True,
    )
    described = subprocess.run([*cli, "describe", str(root / "cli_stats.json")], check=True, capture_output=True)
    print(f"\n`polars-norm normalize` wrote {out.name} in {time.perf_counter() - t0:.2f} s; `polars-norm describe`:")
    print(described.stdout.decode().splitlines()[0])

    # Sanity 2: the command line's output equals the in-memory per-ticker z-score and min-max.
    normalized = pl.read_parquet(out)
    reference = train.select(
        "ticker",
        pl.col("price").norm.zscore().over("ticker"),
        pl.col("volume").norm.minmax().over("ticker"),
    )
    assert normalized.columns == reference.columns and normalized["ticker"].equals(reference["ticker"])
    for column in ("price", "volume"):
        assert np.allclose(normalized[column].to_numpy(), reference[column].to_numpy(), rtol=1e-9, atol=1e-9)
    print("ok: the command line's two streaming passes equal the in-memory .over('ticker') normalizations")

print("(temporary files deleted)")
