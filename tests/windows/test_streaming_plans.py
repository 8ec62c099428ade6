"""Which window methods hold a construct that makes Polars' streaming engine buffer its input (issue 16).

Measured with ``../shared/stream_probe.py`` (30M x 4 Float64, sunk to
Parquet; a copy peaks at 0.34 GB): Polars' own window kernels stream
(``rolling_max`` 0.38 GB, ``cum_max`` 0.35 GB, ``fill_nan(None)`` 0.33 GB),
but two constructs buffer the whole input:

* an aggregate over the whole column (``first()``, ``max()``, ``len()``...)
  broadcast back onto the rows;
* ``replace`` (``col.replace(nan, None)`` peaks at 1.10 GB,
  ``rolling_max(100).replace(0.0, 1.0)`` at 2.41 GB; the same rule written as
  ``m + (m == 0)`` streams at 0.40 GB).

:func:`buffering_constructs` finds both in a query's plan, and sorts,
gathers and Python functions over the whole column. No window method holds one (issue 16 rewrote the pilot, the scale
and the zero-scale rules; the sinks are measured in
``docs/windows-out-of-core.md``), except ``ewm_zscore_by``, a compiled
recursion over the whole column as Polars' own ``ewm_mean_by`` is: a strict
expected failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl
import pytest

import polars_norm  # noqa: F401  (registers the namespace)

#: An aggregation method called with a dot, not as part of a window kernel's name
#: (``rolling_mean()``, ``cum_sum()``, ``ewm_std()`` have no dot before the aggregate).
_BUFFERING = re.compile(
    r"\.(first_non_null|first|last|max|min|sum|mean|median|std|var|quantile|n_unique|count|null_count|replace"
    r"|sort_by|sort|arg_sort|gather|python_udf)\("
    r"|(?<![\w.])len\(\)"
)


def buffering_constructs(plan: str) -> list[str]:
    """The whole-column aggregates and ``replace`` calls in a query plan (the plan's text, optimized)."""
    return [m.group(0) for m in _BUFFERING.finditer(plan)]


def _plan(expr: pl.Expr) -> str:
    lf = pl.LazyFrame(
        {"x": [1.0, 2.0, 4.0, 7.0], "t": pl.Series([0, 1, 2, 5]).cast(pl.Datetime("us")), "g": [0, 0, 1, 1]}
    )
    return lf.select(expr).explain()


x = pl.col("x")

NATIVE: dict[str, pl.Expr] = {
    "rolling mean/std": (x - x.rolling_mean(3)) / x.rolling_std(3),
    "rolling min/max": (x - x.rolling_min(3)) / (x.rolling_max(3) - x.rolling_min(3)),
    "cumulative sums": x.cum_sum() / x.cum_count(),
    "ewm mean/std": (x - x.ewm_mean(span=3)) / x.ewm_std(span=3),
    "rolling by time": x.rolling_mean_by("t", "2us"),
}


@pytest.mark.parametrize("name", list(NATIVE))
def test_native_windows_hold_no_buffering_construct(name: str) -> None:
    assert buffering_constructs(_plan(NATIVE[name])) == []


@pytest.mark.parametrize(
    "expr",
    [
        x - x.mean(),
        x / x.abs().max(),
        x - x.drop_nulls().first(),
        x * pl.len(),
        (x - x.min()).over("g"),
        x.rolling_max(3).replace(0.0, 1.0),
        x.gather(pl.int_range(pl.len()).sort_by("t")),
        x.map_batches(lambda s: s, return_dtype=pl.Float64),
    ],
)
def test_detector_finds_buffering_constructs(expr: pl.Expr) -> None:
    assert buffering_constructs(_plan(expr)) != []


WINDOW_METHODS: dict[str, Callable[[bool], pl.Expr]] = {
    "rolling_zscore": lambda lag: x.norm.rolling_zscore(3, lag=lag),
    "rolling_zscore weighted": lambda lag: x.norm.rolling_zscore(3, weights=[1.0, 2.0, 3.0], lag=lag),
    "rolling_minmax": lambda lag: x.norm.rolling_minmax(3, lag=lag),
    "rolling_robust": lambda lag: x.norm.rolling_robust(3, lag=lag),
    "rolling_maxabs": lambda lag: x.norm.rolling_maxabs(3, lag=lag),
    "rolling_zscore_by": lambda lag: x.norm.rolling_zscore_by("t", "3us", lag=lag),
    "rolling_minmax_by": lambda lag: x.norm.rolling_minmax_by("t", "3us", lag=lag),
    "rolling_robust_by": lambda lag: x.norm.rolling_robust_by("t", "3us", lag=lag),
    "rolling_maxabs_by": lambda lag: x.norm.rolling_maxabs_by("t", "3us", lag=lag),
    "expanding_zscore": lambda lag: x.norm.expanding_zscore(lag=lag),
    "expanding_minmax": lambda lag: x.norm.expanding_minmax(lag=lag),
    "expanding_maxabs": lambda lag: x.norm.expanding_maxabs(lag=lag),
    "ewm_zscore": lambda lag: x.norm.ewm_zscore(span=3, lag=lag),
    "ewm_zscore_by": lambda lag: x.norm.ewm_zscore_by("t", half_life="2us", lag=lag),
    "ewm_zscore_by min_samples": lambda lag: x.norm.ewm_zscore_by("t", half_life="2us", lag=lag, min_samples=2),
}


def _holds_aggregates(name: str, lag: bool) -> bool:
    return bool(buffering_constructs(_plan(WINDOW_METHODS[name](lag))))


#: Methods that buffer by design: ``ewm_zscore_by`` runs a compiled recursion over the whole column
#: (each group under ``.over``), as Polars' own ``ewm_mean_by`` needs the whole column too (sunk
#: from a 20M-row file it peaks at 1.48 GB against 0.32 GB for a copy; docs/windows-out-of-core.md).
#: Out of core it runs batch by batch in :class:`polars_norm.WindowNormalizer`.
STILL_BUFFERING = {"ewm_zscore_by", "ewm_zscore_by min_samples"}


@pytest.mark.parametrize("lag", [False, True])
@pytest.mark.parametrize("name", list(WINDOW_METHODS))
def test_window_method_plans(name: str, lag: bool, request: pytest.FixtureRequest) -> None:
    if name in STILL_BUFFERING:
        request.applymarker(pytest.mark.xfail(strict=True, reason="a compiled recursion over the whole column"))
    assert not _holds_aggregates(name, lag), buffering_constructs(_plan(WINDOW_METHODS[name](lag)))
