"""Chaining normalizations in one lazy query.

Every ``norm`` method returns a plain ``pl.Expr``, so normalizations compose
with each other and with the rest of Polars: take a log, z-score it per group,
clip the outliers, rescale onto [0, 1], rank-gauss another column, and
aggregate norms, all in one lazy query that Polars optimizes and runs once
(on its in-memory or its streaming engine alike).

    python examples/lazy_chain.py
"""

from __future__ import annotations

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

import polars_norm  # registers the `norm` namespace

# A product catalogue: skewed prices on very different levels per category,
# integer stock counts, and a review score with a few missing values.
rng = np.random.default_rng(7)
n = 30_000
category = rng.choice(["books", "games", "laptops", "phones"], size=n)
level = {"books": 2.5, "games": 3.5, "laptops": 7.0, "phones": 6.0}
products = pl.DataFrame(
    {
        "category": category,
        "price": np.exp(np.array([level[c] for c in category]) + rng.normal(0.0, 0.6, n)),
        "stock": rng.poisson(40, n),
        "score": np.where(rng.random(n) < 0.02, np.nan, rng.beta(5, 2, n) * 5),
    }
)

query = (
    products.lazy()
    .filter(pl.col("stock") > 0)
    .with_columns(
        # log-price z-scored within its category, outliers clipped at 3 sigma, then onto [0, 1]
        price_feature=pl.col("price").log().norm.zscore().over("category").clip(-3.0, 3.0).norm.minmax(),
        # integers are normalized in Float64; robust to the Poisson tails
        stock_feature=pl.col("stock").norm.robust(),
        # skewed scores mapped to N(0, 1) by rank (NaN is ignored by the statistics and kept)
        score_feature=pl.col("score").norm.quantile(output="normal"),
    )
    .with_columns(
        # each product's feature vector scaled to unit length (the row's L2 norm is 1)
        e.name.suffix("_unit")
        for e in polars_norm.unit_horizontal("price_feature", "stock_feature", "score_feature")
    )
)

print(f"{type(query).__name__} with {len(query.collect_schema())} columns: nothing is computed until collect()\n")
features = query.collect()
print(features.head(5))

summary = features.group_by("category", maintain_order=True).agg(
    pl.len().alias("products"),
    pl.col("price").median().round(2).alias("median_price"),
    pl.col("price_feature").mean().round(3).alias("mean_price_feature"),
    # norms are aggregations: the length of each category's feature column
    pl.col("stock_feature").norm.l2().round(1).alias("stock_feature_l2"),
)
print(summary.sort("category"))

# Sanity: the chain does what each step promises, and both engines agree.
assert features["price_feature"].min() == 0.0 and features["price_feature"].max() == 1.0
per_category = features.group_by("category").agg(pl.col("price").log().mean().alias("m"))
assert per_category["m"].std() > 1.0, "categories sit on different price levels..."
assert summary["mean_price_feature"].std() < 0.05, "...which the per-category z-score removed"
finite = features.filter(pl.col("score_feature").is_not_nan())
assert abs(finite["score_feature"].mean()) < 1e-2 and abs(finite["score_feature"].std() - 1.0) < 0.05
assert features["score_feature"].is_nan().sum() == products["score"].is_nan().sum()
norms = features.select(
    polars_norm.norm_horizontal("price_feature_unit", "stock_feature_unit", "score_feature_unit")
).to_series()
assert ((norms - 1.0).abs().drop_nans() < 1e-12).all()
assert_frame_equal(query.collect(engine="streaming"), features)  # the streaming engine agrees
print("\nok: per-category levels removed, [0, 1] range, N(0, 1) scores, unit rows; streaming == in-memory")
