"""Scale out on Ray: fit per-group statistics on Parquet files with Ray tasks, apply them, and train-pipeline style.

Starts a local 2-CPU Ray cluster (a real cluster works the same with
``ray.init(address=...)``, as long as every node can read the paths), writes
8 small Parquet files into a temporary directory (deleted at the end), then:

1. ``polars_norm.ray.fit_parquet``: Ray tasks fit the files with Polars and
   ship their states back as Arrow IPC bytes; the driver merges them k-way.
   The result equals ``polars_norm.fit`` on one machine (checked).
2. ``polars_norm.ray.transform_parquet``: one task per file applies the
   statistics and writes the output atomically.
3. ``PolarsNormalizer``: the same as a Ray Data ``Preprocessor`` on a
   ``ray.data.Dataset``, as in a Ray Train pipeline.

    pip install -e ".[ray]"
    python examples/ray_fit_transform.py

See docs/ray.md.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import ray
import ray.data

import polars_norm as pn
import polars_norm.ray as pn_ray

FILES, ROWS, STORES = 8, 20_000, 50


def write_parts(directory: Path) -> list[Path]:
    """Sales per store: levels from tens to millions, some missing values."""
    directory.mkdir(parents=True)
    rng = np.random.default_rng(0)
    level = 10.0 ** rng.uniform(1, 6, STORES)
    files = []
    for k in range(FILES):
        store = rng.integers(0, STORES, ROWS)
        sales = level[store] * rng.lognormal(0.0, 0.3, ROWS)
        sales[rng.random(ROWS) < 0.02] = np.nan  # 2% missing, stored as nulls
        frame = pl.DataFrame({"store": store, "sales": sales, "items": rng.poisson(level[store] ** 0.5)})
        frame = frame.with_columns(pl.col("sales").fill_nan(None))
        path = directory / f"part-{k}.parquet"
        frame.write_parquet(path)
        files.append(path)
    return files


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="polars-norm-ray-"))
    try:
        files = write_parts(root / "train")
        start = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="warning")
        ray.data.DataContext.get_current().enable_progress_bars = False
        print(f"local Ray cluster up in {time.perf_counter() - start:.1f} s")

        # 1. fit with Ray tasks; equal to the single-machine fit
        acc = pn_ray.fit_parquet(files, by="store")
        local = pn.fit(files, by="store")
        got, want = acc.to_frame().sort("store", "column"), local.to_frame().sort("store", "column")
        assert (got["count"] == want["count"]).all()
        assert ((got["std"] - want["std"]).abs() <= 1e-12 * want["std"].abs()).all()
        print(acc.to_frame().sort("store").head(4).select("store", "column", "count", "mean", "std", "median"))

        # 2. transform file by file, written atomically into out/
        outputs = pn_ray.transform_parquet(files, acc, root / "out", "zscore")
        z = pl.scan_parquet(outputs).group_by("store").agg(pl.col("sales").mean().abs().alias("mean_z")).collect()
        assert z["mean_z"].max() < 1e-9  # every store's sales now centred on 0
        print(f"wrote {len(outputs)} files: {[Path(p).name for p in outputs[:2]]}...")

        # 3. a Ray Data preprocessor (robust scaling per store: median and IQR from the merged sketches)
        ds = ray.data.read_parquet([str(f) for f in files])
        prep = pn_ray.PolarsNormalizer(["sales", "items"], by="store", method="robust").fit(ds)
        batch = prep.transform(ds).take_batch(5, batch_format="pyarrow")
        print(pl.from_arrow(batch))
        print(f"done in {time.perf_counter() - start:.1f} s")
    finally:
        ray.shutdown()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
