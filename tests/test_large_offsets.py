"""Z-scores of data far from zero (1e15 + N(0, 1), -1e9 + 1e-3 noise) against exact rational arithmetic.

The same rule on every axis: a column (in one query and per group), a vector
cell and a row across columns. A mean rounded to the offset is off by up to
half an ulp of the offset, which at 1e15 + N(0, 1) is a tenth of a standard
deviation; the outputs must be the exact z-scores, rounded.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import polars_norm

#: (offset, noise scale): the guide's hard cases
CASES = [(1e15, 1.0), (-1e15, 1.0), (1e9, 1e-3), (-1e9, 1e-3), (1e300, 1e285), (-1e300, 1e286), (3e-290, 1e-304)]


def _exact(values: list[float | None], ddof: int) -> list[float | None] | None:
    """Exact z-scores of the non-null, non-NaN values (None where the input is missing); None if undefined."""
    vals = [Fraction(v) for v in values if v is not None and not math.isnan(v)]
    if len(vals) - ddof <= 0:
        return None
    mean = sum(vals) / len(vals)
    var = sum((v - mean) ** 2 for v in vals) / (len(vals) - ddof)
    maxabs = max(abs(v) for v in vals)
    # clear of the zero-scale rule (a standard deviation of at most 2**-52 max|x| is taken as 0)
    if var <= (maxabs * Fraction(2, 2**52)) ** 2:
        return None
    # sqrt of a Fraction at any magnitude: scaled by 4**e near 1, its float sqrt is correctly rounded
    e = (var.numerator.bit_length() - var.denominator.bit_length()) // 2
    sd = Fraction(math.sqrt(float(var / Fraction(4) ** e))) * Fraction(2) ** e
    return [None if v is None or math.isnan(v) else float((Fraction(v) - mean) / sd) for v in values]


@st.composite
def _samples(draw: st.DrawFn) -> tuple[list[float | None], int]:
    offset, scale = draw(st.sampled_from(CASES))
    n = draw(st.integers(2, 12))
    noise = draw(st.lists(st.floats(-3.0, 3.0), min_size=n, max_size=n))
    missing = draw(st.lists(st.sampled_from([None, "nan", "keep", "keep", "keep"]), min_size=n, max_size=n))
    values: list[float | None] = []
    for z, m in zip(noise, missing, strict=True):
        values.append(None if m is None else float("nan") if m == "nan" else offset + z * scale)
    return values, draw(st.sampled_from([0, 1]))


def _check(got: list[float | None], want: list[float | None]) -> None:
    for g, w in zip(got, want, strict=True):
        if w is None:
            assert g is None or math.isnan(g)
        else:
            assert g is not None
            assert abs(g - w) <= 1e-9, (got, want)


@given(_samples())
def test_column_zscore_exact(sample: tuple[list[float | None], int]) -> None:
    values, ddof = sample
    want = _exact(values, ddof)
    if want is None:
        return
    df = pl.DataFrame({"x": values}, schema={"x": pl.Float64})
    _check(df.select(pl.col("x").norm.zscore(ddof=ddof)).to_series().to_list(), want)
    # per group: the same values in a second group shifted far away must not matter
    both = pl.concat([df.with_columns(g=pl.lit(0)), df.with_columns(pl.col("x") * -3.0, g=pl.lit(1))])
    got = both.lazy().select(pl.col("x").norm.zscore(ddof=ddof).over("g")).collect().to_series().to_list()
    _check(got[: len(values)], want)


@given(_samples())
def test_vector_zscore_exact(sample: tuple[list[float | None], int]) -> None:
    values, ddof = sample
    want = _exact(values, ddof)
    if want is None:
        return
    df = pl.DataFrame({"v": [values]}, schema={"v": pl.List(pl.Float64)})
    _check(df.select(pl.col("v").norm.vector_zscore(ddof=ddof)).item().to_list(), want)
    arr = df.cast({"v": pl.Array(pl.Float64, len(values))})
    _check(arr.select(pl.col("v").norm.vector_zscore(ddof=ddof)).item().to_list(), want)


@given(_samples())
def test_row_zscore_exact(sample: tuple[list[float | None], int]) -> None:
    values, ddof = sample
    want = _exact(values, ddof)
    if want is None:
        return
    cols = [f"c{i}" for i in range(len(values))]
    df = pl.DataFrame({c: [v] for c, v in zip(cols, values, strict=True)}, schema=dict.fromkeys(cols, pl.Float64))
    _check(list(df.select(polars_norm.zscore_horizontal(cols, ddof=ddof)).row(0)), want)


@pytest.mark.parametrize("axis", ["column", "vector", "row"])
def test_three_values_at_1e15(axis: str) -> None:
    # 1e15 + [1, -0.25, 0]: the mean 1e15 + 0.25 is a double, but a rounded sum gives 1e15 + 0.375
    values = [1e15 + 1.0, 1e15 - 0.25, 1e15]
    want = _exact(list(values), 1)
    assert want is not None
    if axis == "column":
        got = pl.DataFrame({"x": values}).select(pl.col("x").norm.zscore()).to_series().to_list()
    elif axis == "vector":
        got = pl.DataFrame({"v": [values]}).select(pl.col("v").norm.vector_zscore()).item().to_list()
    else:
        df = pl.DataFrame({f"c{i}": [v] for i, v in enumerate(values)})
        got = list(df.select(polars_norm.zscore_horizontal(df.columns)).row(0))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_column_zscore_near_the_double_range_stays_finite() -> None:
    # The deviations' sum overflows here; the mean correction must not turn finite z-scores into inf.
    values = [9e307, -1.7e308, 1.5e308, 1e308, -1.7e308, -1.7e308]
    want = _exact(values, 1)
    assert want is not None
    df = pl.DataFrame({"x": values, "g": [0] * len(values)})
    for got in (
        df.select(pl.col("x").norm.zscore()).to_series().to_list(),
        df.lazy().select(pl.col("x").norm.zscore().over("g")).collect().to_series().to_list(),
    ):
        np.testing.assert_allclose(got, want, rtol=1e-12)
