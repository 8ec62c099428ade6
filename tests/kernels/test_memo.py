"""The memo through which the k outputs of a row-wise kernel share one call per batch."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import polars_norm
import polars_norm.kernels.row_zscore as row_zscore
from polars_norm.kernels.memo import Memo


@pytest.mark.parametrize("engine", ["in-memory", "streaming"])
def test_row_kernel_runs_once_per_batch(monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    # 50 outputs over batches larger than the memo's value budget: one kernel call per batch
    # (evicting a batch still in use made every output recompute it).
    calls: list[int] = []
    kernel = row_zscore.zscore_rows

    def counting(batch: pl.Series, **kwargs: object) -> pl.Series:
        calls.append(len(batch))
        return kernel(batch, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(row_zscore, "zscore_rows", counting)
    monkeypatch.setattr(row_zscore, "_MEMOS", {})
    cols = [f"c{j}" for j in range(50)]
    rng = np.random.default_rng(0)
    df = pl.DataFrame({c: rng.standard_normal(200_000) for c in cols})
    got = df.lazy().select(polars_norm.zscore_horizontal(cols)).collect(engine=engine)  # type: ignore[call-overload]
    assert sum(calls) == df.height
    assert len(calls) <= 4
    X = df.to_numpy()
    want = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, ddof=1, keepdims=True)
    np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-9, atol=1e-12)


def test_memo_shares_and_forgets() -> None:
    runs: list[int] = []

    def kernel(batch: pl.Series) -> pl.Series:
        runs.append(1)
        return batch

    memo = Memo(kernel)
    batch = pl.struct(pl.Series("a", [1.0, 2.0]), pl.Series("b", [3.0, 4.0]), eager=True)
    assert memo(batch) is memo(batch)  # two fields: the second output reuses the first's result
    assert len(runs) == 1 and len(memo) == 0  # and the entry leaves after its last use
    memo(batch)
    assert len(runs) == 2
