"""Quick start: normalize a small embedded dataset with the `norm` namespace."""

from __future__ import annotations

import polars as pl

import polars_norm  # noqa: F401  (registers the `norm` namespace)

ratings = pl.DataFrame(
    {
        "rater": ["ann", "ann", "ann", "bob", "bob", "bob", "cy", "cy", "cy"],
        "item": ["a", "b", "c", "a", "b", "c", "a", "b", "c"],
        "score": [4, 5, 3, 9, 10, 6, None, 7, 7],
    }
)

result = ratings.lazy().with_columns(
    z_per_rater=pl.col("score").norm.zscore().over("rater"),
    minmax=pl.col("score").norm.minmax(),
    rank_gauss=pl.col("score").norm.quantile(output="normal"),
)
print(result.collect())
print(ratings.group_by("rater", maintain_order=True).agg(l2=pl.col("score").norm.l2()))
