"""Per-rater z-scores before averaging ratings.

Raters use the scale differently: one is harsh (everything is a 3), one is
lenient (everything is an 8), one uses the whole range, another only two
values. When each item is rated by a different handful of raters, the raw
average mostly measures *who* rated it. Z-scoring each rater's scores first
(``norm.zscore().over("rater")``) puts every rater on the same scale, and
the per-item average of those z-scores ranks the items by their quality.

    python examples/ratings_per_rater.py
"""

from __future__ import annotations

import numpy as np
import polars as pl

import polars_norm  # noqa: F401  (registers the `norm` namespace)

rng = np.random.default_rng(42)
n_items, n_raters, per_item = 400, 40, 5

# Each rater has a bias (harsh or lenient) and a spread (narrow or wide).
raters = pl.DataFrame(
    {
        "rater": [f"r{i:02d}" for i in range(n_raters)],
        "bias": rng.uniform(2.0, 8.0, n_raters),
        "spread": rng.uniform(0.3, 2.5, n_raters),
    }
)
items = pl.DataFrame({"item": [f"item{j:03d}" for j in range(n_items)], "quality": rng.normal(0.0, 1.0, n_items)})

# Each item is rated by 5 raters drawn at random: an incomplete design, as in
# peer review, app stores or annotation projects.
pairs = pl.DataFrame(
    {
        "item": np.repeat(items["item"].to_numpy(), per_item),
        "rater": [f"r{i:02d}" for row in range(n_items) for i in rng.choice(n_raters, per_item, replace=False)],
    }
)
ratings = (
    pairs.join(items, on="item")
    .join(raters, on="rater")
    .with_columns(
        score=(pl.col("bias") + pl.col("spread") * (pl.col("quality") + pl.lit(rng.normal(0, 0.3, len(pairs)))))
        .round(0)
        .clip(0, 10)
        .cast(pl.Int64)
    )
    .select("item", "rater", "score", "quality")
)
print(ratings.head(6))

per_item_scores = (
    ratings.lazy()
    .with_columns(z=pl.col("score").norm.zscore().over("rater"))  # each rater on the same scale
    .group_by("item")
    .agg(
        pl.col("quality").first(),
        pl.col("score").mean().alias("raw_mean"),
        pl.col("z").mean().alias("z_mean"),
    )
    .collect()
)

usage = (
    ratings.group_by("rater")
    .agg(pl.col("score").mean().round(1).alias("mean"), pl.col("score").std().round(1).alias("std"))
    .sort("mean")
)
print("\nHow raters use the scale (raw scores; the harshest and the most lenient):")
print(pl.concat([usage.head(3), usage.tail(3)]))

agreement = per_item_scores.select(
    raw=pl.corr("raw_mean", "quality", method="spearman"),
    per_rater_z=pl.corr("z_mean", "quality", method="spearman"),
)
print("\nRank correlation with the items' true quality:")
print(agreement)

top = 20
best = set(per_item_scores.top_k(top, by="quality")["item"])
found_raw = len(best & set(per_item_scores.top_k(top, by="raw_mean")["item"]))
found_z = len(best & set(per_item_scores.top_k(top, by="z_mean")["item"]))
print(f"\nOf the {top} best items, the top {top} by raw mean finds {found_raw}; by per-rater z-score, {found_z}.")

# Sanity: each rater's z-scores have mean 0 and standard deviation 1 ...
check = (
    ratings.with_columns(z=pl.col("score").norm.zscore().over("rater"))
    .group_by("rater")
    .agg(m=pl.col("z").mean(), s=pl.col("z").std())
)
assert check["m"].abs().max() < 1e-12 and (check["s"] - 1.0).abs().max() < 1e-12
# ... and averaging them ranks the items much better than averaging raw scores.
assert agreement["per_rater_z"].item() > agreement["raw"].item() + 0.1, agreement
assert found_z >= found_raw
print("ok: per-rater z-scores rank the items better than raw means")
