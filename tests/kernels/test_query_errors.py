"""Errors raised inside a running query read as their own message, first, under every engine."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest
import window_references as ref
from polars.exceptions import InvalidOperationError

import polars_norm  # noqa: F401  (registers the .norm namespace)
from polars_norm.kernels.query_errors import raise_when, unless_raised

Collect = Callable[[pl.DataFrame, pl.Expr], pl.DataFrame]
ENGINES: dict[str, Collect] = {
    "eager": lambda df, e: df.select(e),
    "lazy_in_memory": lambda df, e: df.lazy().select(e).collect(engine="in-memory"),
    "lazy_streaming": lambda df, e: df.lazy().select(e).collect(engine="streaming"),
}

LAG_MESSAGE = (
    "polars_norm.ewm_zscore_by: lag=True needs `by` (t) sorted ascending without nulls "
    "(within each group under .over); sort the frame by it first"
)


def first_line(error: BaseException) -> str:
    return str(error).splitlines()[0]


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize(
    ("times", "over"),
    [
        ([3, 1, 2], False),  # the repro
        ([0, None, 1], False),  # a null time
        ([1, 2, 2, 1], True),  # group 1 sorted, group 2 runs backwards
    ],
    ids=["unsorted", "null", "unsorted_group"],
)
def test_unsorted_lag_raises_its_own_message_first(engine: str, times: list[int | None], over: bool) -> None:
    df = pl.DataFrame({"t": times, "x": [1.0, 2.0, 3.0, 4.0][: len(times)], "g": [1, 1, 2, 2][: len(times)]})
    expr = pl.col("x").norm.ewm_zscore_by("t", half_life="1i", lag=True)
    with pytest.raises(InvalidOperationError) as caught:
        ENGINES[engine](df, expr.over("g") if over else expr)
    assert first_line(caught.value) == LAG_MESSAGE
    assert "conversion from" not in str(caught.value)  # the old strict-cast trick's wrapping


@pytest.mark.parametrize("engine", list(ENGINES))
def test_sorted_lag_still_works_per_group(engine: str) -> None:
    times = [0, 1, 3, 4, 8, 9]
    xs = [1.0, 2.0, 4.0, 3.0, 9.0, 5.0]
    # two groups, each sorted, interleaved: the frame as a whole is not sorted
    df = pl.DataFrame({"t": [t for t in times for _ in (1, 2)], "x": [x for x in xs for _ in (1, 2)], "g": [1, 2] * 6})
    expr = pl.col("x").norm.ewm_zscore_by("t", half_life="2i", lag=True).over("g")
    got = ENGINES[engine](df, expr)["x"].to_list()
    want = ref.ewm_by(xs, times, 2.0, lag=True)
    for group in (got[0::2], got[1::2]):
        assert group[0] is None and want[0] is None
        assert group[1:] == pytest.approx(want[1:], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("engine", list(ENGINES))
def test_sorted_lag_single_run(engine: str) -> None:
    times = [0, 1, 3, 4, 8, 9]
    xs = [1.0, 2.0, 4.0, 3.0, 9.0, 5.0]
    df = pl.DataFrame({"t": times, "x": xs})
    got = ENGINES[engine](df, pl.col("x").norm.ewm_zscore_by("t", half_life="2i", lag=True))["x"].to_list()
    want = ref.ewm_by(xs, times, 2.0, lag=True)
    assert got[0] is None and want[0] is None
    assert got[1:] == pytest.approx(want[1:], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("engine", list(ENGINES))
def test_unless_raised_passes_the_expression_through(engine: str) -> None:
    df = pl.DataFrame({"x": [1.0, None, 3.0]})
    expr = unless_raised(pl.col("x") * 2, pl.col("x").is_nan().any(), "polars_norm.test: x has NaN")
    out = ENGINES[engine](df, expr)
    assert out.columns == ["x"]
    assert out["x"].to_list() == [2.0, None, 6.0]


@pytest.mark.parametrize("engine", list(ENGINES))
def test_raise_when_raises_the_message_and_class_given(engine: str) -> None:
    df = pl.DataFrame({"x": [1.0, 2.0]})
    message = "polars_norm.test: x must be negative; got 2 positive values"
    with pytest.raises(InvalidOperationError) as caught:
        ENGINES[engine](df, unless_raised(pl.col("x"), (pl.col("x") > 0).any(), message))
    assert first_line(caught.value) == message
    with pytest.raises(ValueError, match=r"^polars_norm\.test: custom class") as value_error:
        ENGINES[engine](df, raise_when(pl.col("x").max() > 1, "polars_norm.test: custom class", error=ValueError))
    assert first_line(value_error.value) == "polars_norm.test: custom class"


def test_raise_when_null_condition_is_not_true() -> None:
    df = pl.DataFrame({"x": [None, None]}, schema={"x": pl.Float64})
    out = df.select(unless_raised(pl.col("x"), (pl.col("x") > 0).max(), "polars_norm.test: never"))
    assert out["x"].to_list() == [None, None]


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_late_violation_raises_under_every_engine(engine: str) -> None:
    """The per-row check sees every morsel: one swapped pair near the end of 300k rows is caught."""
    n = 300_000
    times = list(range(n))
    times[-5], times[-4] = times[-4], times[-5]
    df = pl.DataFrame({"t": times, "x": [float(i % 7) for i in range(n)]})
    with pytest.raises(InvalidOperationError) as caught:
        ENGINES[engine](df, pl.col("x").norm.ewm_zscore_by("t", half_life="10i", lag=True))
    assert first_line(caught.value) == LAG_MESSAGE
    assert ENGINES[engine](df.sort("t"), pl.col("x").norm.ewm_zscore_by("t", half_life="10i", lag=True)).height == n
