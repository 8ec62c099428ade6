"""The workaround in polars_norm.kernels.shared_nulls: a null that common-subexpression elimination shares."""

from __future__ import annotations

import polars as pl
import pytest

from polars_norm.kernels.shared_nulls import null


def _shared(e: pl.Expr) -> bool:
    """Whether a query with two outputs holding ``e`` computes ``e`` once."""
    plan = pl.LazyFrame({"x": [1.0, float("nan")]}).select(e.alias("a"), (e + 1.0).alias("b")).explain()
    select = plan.split("WITH_COLUMNS")[0]
    return "__POLARS_CSER" in select and "sum()" not in select


def test_null_is_shared() -> None:
    assert _shared(pl.col("x").fill_nan(null()).sum())
    assert _shared(pl.when(pl.col("x") > 0).then(pl.col("x")).otherwise(null()).sum())


@pytest.mark.parametrize("dtype", [pl.Float32, pl.Float64, pl.Int64])
def test_null_has_the_dtype(dtype: pl.DataType) -> None:
    got = pl.select(null(dtype).alias("n")).to_series()
    assert got.dtype == dtype
    assert got.to_list() == [None]


@pytest.mark.xfail(
    reason="Polars does not share an expression holding a null literal; when this passes, "
    "shared_nulls.null can become pl.lit(None, dtype=dtype)",
    strict=False,
)
def test_null_literal_is_not_shared_yet() -> None:
    assert _shared(pl.col("x").fill_nan(None).sum())
