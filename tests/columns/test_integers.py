"""Wide integers (Int64, UInt64, Int128) against exact ``fractions`` references.

Near ``2**62`` a Float64 holds only multiples of 1024 (512 just below), so a
method that casts the values before centering them loses the low bits:
``2**62 + 100 * i`` all become ``2**62`` or ``2**62 + 1024``. The references
here work on the integers themselves, in exact rational arithmetic, rounded
once at the end. Every method, engine and ``.over(...)`` must agree with them
to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from statistics import NormalDist

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import polars_norm  # noqa: F401  (registers the namespace)

Values = list[int | None]
Reference = Callable[[list[int]], list[Fraction]]

INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


# -- exact references on the valid (non-null) integers -----------------------
def _sqrt(q: Fraction) -> Fraction:
    """``sqrt(q)`` to 2**-120 relative: far below a double's rounding."""
    shift = 240 - (q.numerator.bit_length() - q.denominator.bit_length())
    shift += shift % 2
    scaled = q * Fraction(2) ** shift
    return Fraction(math.isqrt(scaled.numerator // scaled.denominator), 2 ** (shift // 2))


def _mean(v: list[int]) -> Fraction:
    return Fraction(sum(v), len(v))


def ref_zscore(v: list[int], ddof: int = 1) -> list[Fraction]:
    m = _mean(v)
    var = sum((x - m) ** 2 for x in v) / (len(v) - ddof) if len(v) > ddof else Fraction(0)
    std = _sqrt(var) if var else Fraction(1)  # zero or undefined scale: 1
    return [(x - m) / std for x in v]


def _range_or_one(v: list[int]) -> int:
    return (max(v) - min(v)) or 1


def ref_minmax(v: list[int]) -> list[Fraction]:
    return [Fraction(x - min(v), _range_or_one(v)) for x in v]


def ref_mean_range(v: list[int]) -> list[Fraction]:
    m = _mean(v)
    return [(x - m) / _range_or_one(v) for x in v]


def ref_maxabs(v: list[int]) -> list[Fraction]:
    scale = max(abs(x) for x in v) or 1
    return [Fraction(x, scale) for x in v]


def _quantile(v: list[int], q: Fraction) -> Fraction:
    """Linear interpolation between order statistics (numpy's default)."""
    s = sorted(v)
    position = q * (len(s) - 1)
    lo = math.floor(position)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (position - lo)


def ref_robust(v: list[int], *, with_centering: bool = True) -> list[Fraction]:
    spread = _quantile(v, Fraction(3, 4)) - _quantile(v, Fraction(1, 4))
    center = _quantile(v, Fraction(1, 2)) if with_centering else Fraction(0)
    return [(x - center) / (spread or 1) for x in v]


def ref_l1(v: list[int]) -> list[Fraction]:
    return [Fraction(sum(abs(x) for x in v))]


def ref_l2(v: list[int]) -> list[Fraction]:
    return [_sqrt(Fraction(sum(x * x for x in v)))]


METHODS: dict[str, tuple[Callable[[pl.Expr], pl.Expr], Reference]] = {
    "zscore": (lambda e: e.norm.zscore(), ref_zscore),
    "zscore_ddof0": (lambda e: e.norm.zscore(ddof=0), lambda v: ref_zscore(v, 0)),
    "minmax": (lambda e: e.norm.minmax(), ref_minmax),
    "mean_range": (lambda e: e.norm.mean_range(), ref_mean_range),
    "maxabs": (lambda e: e.norm.maxabs(), ref_maxabs),
    "robust": (lambda e: e.norm.robust(), ref_robust),
    "robust_nocenter": (
        lambda e: e.norm.robust(with_centering=False),
        lambda v: ref_robust(v, with_centering=False),
    ),
}
NORMS: dict[str, tuple[Callable[[pl.Expr], pl.Expr], Reference]] = {
    "l1": (lambda e: e.norm.l1(), ref_l1),
    "l2": (lambda e: e.norm.l2(), ref_l2),
}
ENGINES = ["eager", "lazy", "streaming", "in-memory"]


def run(df: pl.DataFrame, expr: pl.Expr, engine: str) -> pl.Series:
    if engine == "eager":
        return df.select(expr).to_series()
    lazy = df.lazy().select(expr)
    out = lazy.collect() if engine == "lazy" else lazy.collect(engine=engine)  # type: ignore[call-overload]
    return out.to_series()


def expected(values: Values, reference: Reference) -> list[float | None]:
    """The reference on the valid values, null kept null, each rounded once."""
    valid = [v for v in values if v is not None]
    exact = iter(reference(valid)) if valid else iter(())
    return [None if v is None else float(next(exact)) for v in values]


def assert_exact_to_rounding(got: list[float | None], want: list[float | None], *, tol: float = 1e-13) -> None:
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if w is None or g is None:
            assert g is None and w is None, f"row {i}: got {g!r}, expected {w!r}"
        else:
            assert math.isclose(g, w, rel_tol=tol, abs_tol=tol), f"row {i}: got {g!r}, expected {w!r}"


# -- the issue's example ------------------------------------------------------
ISSUE = [2**62 + i * 1000 for i in range(-5, 6)]


@pytest.mark.parametrize("engine", ENGINES)
def test_issue_zscore_near_2_62_is_exact_in_every_engine(engine: str) -> None:
    out = run(pl.DataFrame({"x": ISSUE}), pl.col("x").norm.zscore(), engine)
    assert out.dtype == pl.Float64
    want = expected(list(ISSUE), ref_zscore)
    assert want[0] == pytest.approx(-1.5075567228888183, rel=1e-15)
    assert_exact_to_rounding(out.to_list(), want)


# Steps of 100 and 7: far below the spacing of doubles there (1024), where
# every value cast to Float64 collapses onto one or two doubles.
SMALL_STEPS: dict[str, tuple[Values, pl.DataType]] = {
    "int64 +2**62 step 100": ([2**62 + 100 * i for i in range(11)], pl.Int64),
    "int64 -2**62 step 7, nulls": ([None, *(-(2**62) - 7 * i for i in range(9)), None], pl.Int64),
    "int64 max step 3": ([INT64_MAX - 3 * i for i in range(6)], pl.Int64),
    "int64 min step 5": ([INT64_MIN + 5 * i for i in range(6)], pl.Int64),
    "uint64 max step 1": ([UINT64_MAX - i for i in (0, 1, 2, 5, 9)], pl.UInt64),
    "int128 2**100 step 11": ([2**100 + 11 * i for i in range(7)], pl.Int128),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("case", list(SMALL_STEPS))
def test_small_steps_at_extreme_magnitudes(case: str, method: str, engine: str) -> None:
    values, dtype = SMALL_STEPS[case]
    build, reference = METHODS[method]
    out = run(pl.DataFrame({"x": values}, schema={"x": dtype}), build(pl.col("x")), engine)
    assert out.dtype == pl.Float64
    assert out.name == "x"
    assert_exact_to_rounding(out.to_list(), expected(values, reference))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("method", list(METHODS))
def test_over_groups_at_different_magnitudes(method: str, engine: str) -> None:
    groups = {
        "a": [2**62 + 100 * i for i in range(7)],
        "b": [-(2**62) + 3 * i * i for i in range(5)],
        "c": [INT64_MAX, INT64_MAX - 1, None, INT64_MAX - 10],
        "d": [INT64_MIN, INT64_MAX, 0, 1],  # the full range: offsets up to 2**64 - 1
    }
    rows = [(g, v) for g, vs in groups.items() for v in vs]
    df = pl.DataFrame({"g": [g for g, _ in rows], "x": [v for _, v in rows]}, schema={"g": pl.String, "x": pl.Int64})
    build, reference = METHODS[method]
    out = run(df, build(pl.col("x")).over("g"), engine)
    want = [w for vs in groups.values() for w in expected(vs, reference)]
    assert_exact_to_rounding(out.to_list(), want)


# -- hypothesis: small spreads at the ends of the ranges ----------------------
@st.composite
def wide_columns(draw: st.DrawFn) -> tuple[Values, pl.DataType]:
    """A column of Int64 near +-2**62 or the ends of Int64, or UInt64 near 2**64 - 1, with small spreads."""
    dtype, base, sign = draw(
        st.sampled_from(
            [
                (pl.Int64, 2**62, 1),
                (pl.Int64, -(2**62), 1),
                (pl.Int64, INT64_MAX, -1),
                (pl.Int64, INT64_MIN, 1),
                (pl.UInt64, UINT64_MAX, -1),
            ]
        )
    )
    spread = draw(st.sampled_from([3, 100, 5000, 10**6]))
    offsets = draw(st.lists(st.integers(0, spread), min_size=1, max_size=25))
    mask = draw(st.lists(st.booleans(), min_size=len(offsets), max_size=len(offsets)))
    values: Values = [base + sign * o if keep else None for o, keep in zip(offsets, mask, strict=True)]
    return values, dtype


@pytest.mark.parametrize("method", list(METHODS))
@given(column=wide_columns())
def test_wide_integers_match_exact_reference(method: str, column: tuple[Values, pl.DataType]) -> None:
    values, dtype = column
    build, reference = METHODS[method]
    df = pl.DataFrame({"x": values}, schema={"x": dtype})
    want = expected(values, reference)
    for engine in ("eager", "streaming"):
        assert_exact_to_rounding(run(df, build(pl.col("x")), engine).to_list(), want)


@pytest.mark.parametrize("norm", list(NORMS))
@given(column=wide_columns())
def test_wide_integer_norms_match_exact_reference(norm: str, column: tuple[Values, pl.DataType]) -> None:
    # Norms add magnitudes, nothing cancels: the cast's rounding stays relative.
    values, dtype = column
    build, reference = NORMS[norm]
    df = pl.DataFrame({"x": values}, schema={"x": dtype})
    valid = [v for v in values if v is not None]
    for engine in ("eager", "streaming"):
        got = run(df, build(pl.col("x")), engine).item()
        if not valid:
            assert got is None
        else:
            assert math.isclose(got, float(reference(valid)[0]), rel_tol=1e-15)


@given(
    values=st.lists(st.integers(INT64_MIN, INT64_MAX), min_size=2, max_size=25),
    method=st.sampled_from(["zscore", "minmax", "mean_range"]),
)
def test_full_int64_range_is_exact_to_rounding_of_the_spread(values: list[int], method: str) -> None:
    # Offsets up to 2**64 - 1 are rounded once to a double: each output is off
    # by a few ulps of the spread over the scale, which is 1 for min-max and
    # mean-range and at most sqrt(2 (n - 1)) for a z-score.
    build, reference = METHODS[method]
    out = pl.DataFrame({"x": values}).select(build(pl.col("x"))).to_series().to_list()
    want = expected(list(values), reference)
    bound = 8 * math.sqrt(2 * len(values)) * math.ulp(1.0)
    for g, w in zip(out, want, strict=True):
        assert g is not None and w is not None
        assert abs(g - w) <= bound, (g, w)


# -- robust: quantiles far narrower than the column's spread ------------------
def _epoch_ns(n: int, seed: int) -> list[int]:
    """Nanosecond timestamps a few ms apart near 1.7e18 (doubles there are 256 apart)."""
    state, out = seed, []
    for _ in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        out.append(1_700_000_000_000_000_000 + (state >> 40))
    return out


ROBUST_CASES: dict[str, tuple[Values, pl.DataType]] = {
    # a 0 sentinel: offsets from the minimum are about 1.7e18, rounded to 256
    "timestamps with a 0 sentinel": ([0, *_epoch_ns(30, 1), None], pl.Int64),
    # the full range: the centering needs 65 bits (Int128)
    "int64 ends around 2**62": ([INT64_MIN, INT64_MAX, *(2**62 + i for i in range(9))], pl.Int64),
    "uint64 0 beside 2**64 - 1": ([0, *(UINT64_MAX - 2 * i for i in range(8))], pl.UInt64),
    # long enough for the selection (not the sort) path, and heavily tied
    "tied, selected": ([2**62 + (i * 7919) % 5 for i in range(20_000)] + [INT64_MIN], pl.Int64),
    "timestamps, selected": ([INT64_MAX, *_epoch_ns(9_000, 7)], pl.Int64),
}


@pytest.mark.parametrize("engine", ["eager", "streaming"])
@pytest.mark.parametrize("method", ["robust", "robust_nocenter"])
@pytest.mark.parametrize("case", list(ROBUST_CASES))
def test_robust_quantiles_narrower_than_the_spread(case: str, method: str, engine: str) -> None:
    values, dtype = ROBUST_CASES[case]
    build, reference = METHODS[method]
    out = run(pl.DataFrame({"x": values}, schema={"x": dtype}), build(pl.col("x")), engine)
    assert_exact_to_rounding(out.to_list(), expected(values, reference))


def test_robust_unit_variance_and_quantile_range_on_integers() -> None:
    values = [2**62 + i * i for i in range(13)]
    out = pl.DataFrame({"x": values}).select(pl.col("x").norm.robust(quantile_range=(0.1, 0.9), unit_variance=True))[
        "x"
    ]
    lo, hi = _quantile(values, Fraction(0.1)), _quantile(values, Fraction(0.9))
    normal = NormalDist()
    divisor = normal.inv_cdf(0.9) - normal.inv_cdf(0.1)
    median = _quantile(values, Fraction(1, 2))
    want = [float((v - median) / (hi - lo)) * divisor for v in values]
    assert_exact_to_rounding(out.to_list(), want)


# -- the documented semantics still hold --------------------------------------
@pytest.mark.parametrize("method", list(METHODS))
def test_constant_single_and_all_null_wide_integers(method: str) -> None:
    build, reference = METHODS[method]
    for values in ([2**62 + 1] * 4, [UINT64_MAX], [None, None], []):
        dtype = pl.UInt64 if values == [UINT64_MAX] else pl.Int64
        out = pl.DataFrame({"x": values}, schema={"x": dtype}).select(build(pl.col("x"))).to_series()
        assert out.dtype == pl.Float64
        assert out.to_list() == expected(values, reference)


def test_literal_and_aggregate_inputs() -> None:
    df = pl.DataFrame({"x": [2**62, 2**62 + 1, 2**62 + 3]})
    out = df.select(
        a=pl.lit(2**62).norm.zscore(),
        b=pl.lit(2**62, pl.UInt64).norm.minmax(),
        c=pl.lit(5).norm.robust(),
        d=pl.col("x").max().norm.robust(with_centering=False),
    )
    assert out.row(0) == (0.0, 0.0, 0.0, float(2**62 + 3))


# -- narrower integers: the same exact centering -----------------------------------
NARROW = {
    "uint32_top": ([2**32 - 1, 2**32 - 2, 2**32 - 1, 2**32 - 3, None, 2**32 - 2], pl.UInt32),
    "int32_bottom": ([-(2**31), -(2**31) + 1, -(2**31) + 3, None, -(2**31) + 1], pl.Int32),
    "uint16_top": ([65535, 65534, 65535, 65533], pl.UInt16),
    "int8_ends": ([-128, 127, -127, 0], pl.Int8),
}


@pytest.mark.parametrize("case", list(NARROW))
@pytest.mark.parametrize("method", ["zscore", "minmax", "mean_range", "robust"])
@pytest.mark.parametrize("engine", ["eager", "streaming"])
def test_narrow_integers_at_their_ends_are_exact(case: str, method: str, engine: str) -> None:
    # UInt32 near 2**32 with a spread of 1 had z-scores off by 2e-7 (the mean of the values carries rounding)
    values, dtype = NARROW[case]
    expr, reference = METHODS[method]
    got = run(pl.DataFrame({"x": pl.Series(values, dtype=dtype)}), expr(pl.col("x")), engine)
    assert got.dtype == pl.Float64
    assert_exact_to_rounding(got.to_list(), expected(values, reference))
