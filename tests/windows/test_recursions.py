"""The stateful window recursions, batch by batch, against the one-query expressions ``.over(group)``.

The reference is the public expression (``pl.col("x").norm.<method>(...).over("g")``)
on the whole frame; the kernels see the same rows cut into random batches
(empty and one-row batches included), carrying each group's state. The data
mix nulls, NaN, infinities, constant stretches and values from 1e-100 to 1e100
times the group's first value; half the examples start each group (at its
first non-null row) with a finite value, where the expressions' earlier pilot
(the first non-null value) and the current one (the first finite value) agree.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import polars_norm  # noqa: F401  (registers the .norm namespace)
from polars_norm.kernels.window_recursions import EWM_ZSCORE_BY_FIELDS, EXPANDING_ZSCORE_FIELDS, METHODS
from polars_norm.windows.recursions import new_state, run_batch, state_fields

RTOL = 1e-9
ATOL = 1e-9


def norm(x: pl.Expr) -> Any:
    """The ``.norm`` namespace (registered at run time, unknown to mypy)."""
    return x.norm  # type: ignore[attr-defined]


@st.composite
def frames(draw: st.DrawFn, max_rows: int = 60) -> pl.DataFrame:
    """Rows of ``g`` (1-3 groups), ``x`` (nulls, NaN, constant stretches, mixed magnitudes), ``t`` (sorted)."""
    n = draw(st.integers(0, max_rows))
    n_groups = draw(st.integers(1, 3))
    base = 10.0 ** draw(st.integers(-100, 100)) * draw(st.sampled_from([1.0, -1.0, 3.7, -0.3]))
    xs: list[float | None] = []
    groups: list[int] = []
    previous: dict[int, float] = {}
    for _ in range(n):
        g = draw(st.integers(0, n_groups - 1))
        kind = draw(st.sampled_from(["value", "value", "value", "repeat", "repeat", "null", "nan", "zero", "inf"]))
        x: float | None
        if kind == "null":
            x = None
        elif kind == "nan":
            x = math.nan
        elif kind == "repeat" and g in previous:
            x = previous[g]
        elif kind == "zero":
            x = 0.0
        elif kind == "inf":
            x = draw(st.sampled_from([math.inf, -math.inf]))
        else:
            magnitude = 10.0 ** draw(st.sampled_from([-100, -30, -8, -1, 0, 0, 0, 1, 3, 12, 50, 100]))
            x = base * (1.0 + draw(st.floats(-2.0, 2.0)) * magnitude)
        if x is not None and math.isfinite(x):
            previous[g] = x
        xs.append(x)
        groups.append(g)
    if draw(st.booleans()):
        # the first non-null value of each group is finite (see the module notes)
        started: set[int] = set()
        for i, (g, x) in enumerate(zip(groups, xs, strict=True)):
            if x is None or g in started:
                continue
            started.add(g)
            if not math.isfinite(x):
                xs[i] = base
    steps = draw(st.lists(st.sampled_from([0, 0, 1, 1, 2, 7, 300]), min_size=n, max_size=n))
    times = np.cumsum(steps, dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    return pl.DataFrame({"g": groups, "x": xs, "t": times}, schema={"g": pl.Int64, "x": pl.Float64, "t": pl.Int64})


def batched(frame: pl.DataFrame, cuts: list[int], method: str, **options: Any) -> tuple[np.ndarray, np.ndarray]:
    """Run the kernel over ``frame`` cut at ``cuts`` (sorted, repeats make empty batches)."""
    codes = frame["g"].to_numpy().astype(np.int64)
    values = frame["x"].fill_null(0.0).to_numpy().astype(np.float64)
    valid = frame["x"].is_not_null().to_numpy()
    times = frame["t"].to_numpy().astype(np.int64)
    state = new_state(method, int(codes.max()) + 1 if codes.size else 0)
    outs, oks = [], []
    bounds = [0, *cuts, frame.height]
    for lo, hi in itertools.pairwise(bounds):
        part = slice(lo, hi)
        extra = {"times": times[part]} if method == "ewm_zscore_by" else {}
        out, ok = run_batch(method, values[part], valid[part], codes[part], state, **extra, **options)
        outs.append(out)
        oks.append(ok)
    return np.concatenate(outs), np.concatenate(oks)


def reference(frame: pl.DataFrame, expr: pl.Expr) -> tuple[np.ndarray, np.ndarray]:
    col = frame.select(expr.over("g")).to_series()
    return col.fill_null(0.0).to_numpy().astype(np.float64), col.is_not_null().to_numpy()


def assert_matches(got: tuple[np.ndarray, np.ndarray], want: tuple[np.ndarray, np.ndarray]) -> None:
    out, ok = got
    ref, ref_ok = want
    np.testing.assert_array_equal(ok, ref_ok, err_msg="null pattern")
    out, ref = out[ok], ref[ok]
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref), err_msg="NaN pattern")
    finite = np.isfinite(ref)
    np.testing.assert_array_equal(out[~finite & ~np.isnan(ref)], ref[~finite & ~np.isnan(ref)])
    size = np.abs(ref[finite]).max() if finite.any() else 0.0
    np.testing.assert_allclose(out[finite], ref[finite], rtol=RTOL, atol=ATOL * max(size, 1.0))


cut_points = st.lists(st.integers(0, 60), max_size=6)


def _cuts(frame: pl.DataFrame, raw: list[int]) -> list[int]:
    return sorted(min(c, frame.height) for c in raw)


nan_policy = st.sampled_from(["ignore", "propagate"])


@given(frames(), cut_points, st.sampled_from([1, 2, 3]), st.sampled_from([0, 1, 2]), st.booleans(), nan_policy)
def test_expanding_zscore(
    frame: pl.DataFrame, raw: list[int], min_samples: int, ddof: int, lag: bool, nan: str
) -> None:
    options = {"min_samples": min_samples, "ddof": ddof, "lag": lag, "nan": nan}
    want = reference(frame, norm(pl.col("x")).expanding_zscore(**options))
    assert_matches(batched(frame, _cuts(frame, raw), "expanding_zscore", **options), want)


@given(
    frames(),
    cut_points,
    st.sampled_from([1, 3]),
    st.sampled_from([(0.0, 1.0), (-1.0, 1.0), (2.5, 7.0)]),
    st.booleans(),
    nan_policy,
)
def test_expanding_minmax(
    frame: pl.DataFrame, raw: list[int], min_samples: int, feature_range: tuple[float, float], lag: bool, nan: str
) -> None:
    options = {"min_samples": min_samples, "feature_range": feature_range, "lag": lag, "nan": nan}
    want = reference(frame, norm(pl.col("x")).expanding_minmax(**options))
    assert_matches(batched(frame, _cuts(frame, raw), "expanding_minmax", **options), want)


@given(frames(), cut_points, st.sampled_from([1, 3]), st.booleans(), nan_policy)
def test_expanding_maxabs(frame: pl.DataFrame, raw: list[int], min_samples: int, lag: bool, nan: str) -> None:
    options = {"min_samples": min_samples, "lag": lag, "nan": nan}
    want = reference(frame, norm(pl.col("x")).expanding_maxabs(**options))
    assert_matches(batched(frame, _cuts(frame, raw), "expanding_maxabs", **options), want)


decays = st.sampled_from([{"alpha": 0.5}, {"alpha": 1.0}, {"span": 3.0}, {"com": 0.0}, {"half_life": 40.0}])


@given(
    frames(),
    cut_points,
    decays,
    st.booleans(),
    st.sampled_from([1, 3]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    nan_policy,
)
def test_ewm_zscore(
    frame: pl.DataFrame,
    raw: list[int],
    decay: dict[str, float],
    adjust: bool,
    min_samples: int,
    bias: bool,
    ignore_nulls: bool,
    lag: bool,
    nan: str,
) -> None:
    options: dict[str, Any] = {
        **decay,
        "adjust": adjust,
        "min_samples": min_samples,
        "bias": bias,
        "ignore_nulls": ignore_nulls,
        "lag": lag,
        "nan": nan,
    }
    want = reference(frame, norm(pl.col("x")).ewm_zscore(**options))
    assert_matches(batched(frame, _cuts(frame, raw), "ewm_zscore", **options), want)


@given(
    frames(),
    cut_points,
    st.sampled_from([1, 2, 3, 10]),
    st.sampled_from([1, 3]),
    st.booleans(),
    st.booleans(),
    nan_policy,
)
def test_ewm_zscore_by(
    frame: pl.DataFrame, raw: list[int], half_life: int, min_samples: int, bias: bool, lag: bool, nan: str
) -> None:
    options: dict[str, Any] = {"min_samples": min_samples, "bias": bias, "lag": lag, "nan": nan}
    want = reference(frame, norm(pl.col("x")).ewm_zscore_by("t", half_life=f"{half_life}i", **options))
    got = batched(frame, _cuts(frame, raw), "ewm_zscore_by", half_life_units=half_life, **options)
    assert_matches(got, want)


@given(frames(max_rows=30), st.sampled_from(METHODS), st.booleans(), nan_policy)
def test_one_row_at_a_time_equals_one_batch(frame: pl.DataFrame, method: str, lag: bool, nan: str) -> None:
    options: dict[str, Any] = {"lag": lag, "nan": nan}
    if method == "ewm_zscore":
        options["span"] = 5.0
    if method == "ewm_zscore_by":
        options["half_life_units"] = 3
    whole = batched(frame, [], method, **options)
    rows = batched(frame, list(range(frame.height)), method, **options)
    np.testing.assert_array_equal(rows[1], whole[1])
    np.testing.assert_array_equal(rows[0], whole[0])  # the same operations: bit for bit


def test_new_groups_can_be_appended_to_a_state() -> None:
    x = np.array([10.0, 11.0, 13.0, 20.0, 22.0, 12.0])
    g = np.array([0, 0, 1, 1, 1, 0])
    ok = np.ones(6, dtype=bool)
    frame = pl.DataFrame({"g": g, "x": x})
    want = reference(frame, norm(pl.col("x")).expanding_zscore(min_samples=1))
    state = new_state("expanding_zscore", 1)
    first = run_batch("expanding_zscore", x[:2], ok[:2], g[:2], state, min_samples=1)
    state = np.vstack([state, new_state("expanding_zscore", 1)])  # group 1 appears
    rest = run_batch("expanding_zscore", x[2:], ok[2:], g[2:], state, min_samples=1)
    assert_matches((np.concatenate([first[0], rest[0]]), np.concatenate([first[1], rest[1]])), want)


def test_state_layout() -> None:
    assert state_fields("expanding_zscore") == EXPANDING_ZSCORE_FIELDS
    assert state_fields("ewm_zscore_by") == EWM_ZSCORE_BY_FIELDS
    for method in METHODS:
        state = new_state(method, 3)
        assert state.shape == (3, len(state_fields(method)))
        assert state.dtype == np.float64
        assert state.flags.c_contiguous
    assert new_state("ewm_zscore", 0).shape == (0, len(state_fields("ewm_zscore")))


def _arrays(n: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.arange(n, dtype=np.float64), np.ones(n, dtype=bool), np.zeros(n, dtype=np.int64)


@pytest.mark.parametrize(
    ("method", "options", "error", "match"),
    [
        ("rolling_zscore", {}, ValueError, "unknown method"),
        ("expanding_zscore", {"window_size": 3}, TypeError, "window_size"),
        ("expanding_zscore", {"ddof": -1}, ValueError, "ddof"),
        ("expanding_zscore", {"min_samples": 0}, ValueError, "min_samples"),
        ("expanding_minmax", {"feature_range": (1.0, 0.0)}, ValueError, "feature_range"),
        ("expanding_maxabs", {"nan": "drop"}, ValueError, "nan"),
        ("expanding_maxabs", {"lag": "yes"}, ValueError, "lag"),
        ("ewm_zscore", {}, ValueError, "exactly one of com, span, half_life, alpha"),
        ("ewm_zscore", {"alpha": 1.5}, ValueError, "alpha"),
        ("ewm_zscore_by", {"half_life_units": 0}, ValueError, "half_life_units"),
        ("ewm_zscore_by", {"half_life_units": 2, "adjust": True}, TypeError, "adjust"),
    ],
)
def test_bad_options_raise(method: str, options: dict[str, Any], error: type[Exception], match: str) -> None:
    values, valid, codes = _arrays()
    extra = {"times": np.arange(3, dtype=np.int64)} if method == "ewm_zscore_by" else {}
    state = new_state(method, 1) if method in METHODS else np.zeros((1, 1))
    with pytest.raises(error, match=match):
        run_batch(method, values, valid, codes, state, **extra, **options)


def test_bad_arrays_raise() -> None:
    values, valid, codes = _arrays()
    state = new_state("expanding_zscore", 1)
    with pytest.raises(ValueError, match=r"codes must lie in \[0, 1\)"):
        run_batch("expanding_zscore", values, valid, codes + 1, state)
    with pytest.raises(ValueError, match="one length"):
        run_batch("expanding_zscore", values, valid[:2], codes, state)
    with pytest.raises(ValueError, match="state must be"):
        run_batch("expanding_zscore", values, valid, codes, new_state("expanding_minmax", 1))
    with pytest.raises(ValueError, match="times"):
        run_batch("ewm_zscore_by", values, valid, codes, new_state("ewm_zscore_by", 1), half_life_units=2)
    with pytest.raises(ValueError, match="times"):
        run_batch("expanding_zscore", values, valid, codes, state, times=np.arange(3))


def test_importing_the_package_does_not_import_numba() -> None:
    code = "import sys, polars_norm; assert 'numba' not in sys.modules, 'numba imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@given(
    st.integers(-300, 300),
    st.floats(1.0, 2.0),
    st.floats(-3.0, 3.0),
    st.integers(20, 150),
    st.sampled_from([{"alpha": 0.5}, {"span": 4.0}, {"com": 0.5}]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    cut_points,
)
def test_ewm_constant_after_a_level_shift(
    exponent: int,
    mantissa: float,
    jump: float,
    length: int,
    decay: dict[str, float],
    adjust: bool,
    bias: bool,
    lag: bool,
    raw: list[int],
) -> None:
    # A constant stretch after a level shift: the variance sinks to the recursion's rounding
    # floor, not to 0; the zero-scale rule (std at most 16 times that floor) decides every row.
    # Above the floor such rows hold z-scores of rounding noise, equal only where both sides
    # compute the scaled values c bit for bit (both scale by a power of two: exact).
    base = mantissa * 2.0**exponent
    # then back to the pilot (c = 0): with lag, the floor is the stretch's level, not the row's
    xs = [base, base * 1.3, base * 0.9] + [base * (1.0 + jump)] * length + [base] * 3
    frame = pl.DataFrame({"g": [0] * len(xs), "x": xs, "t": list(range(len(xs)))})
    cuts = _cuts(frame, raw)
    options: dict[str, Any] = {**decay, "adjust": adjust, "bias": bias, "lag": lag}
    assert_matches(
        batched(frame, cuts, "ewm_zscore", **options), reference(frame, norm(pl.col("x")).ewm_zscore(**options))
    )
    by_options: dict[str, Any] = {"bias": bias, "lag": lag}
    want = reference(frame, norm(pl.col("x")).ewm_zscore_by("t", half_life="1i", **by_options))
    assert_matches(batched(frame, cuts, "ewm_zscore_by", half_life_units=1, **by_options), want)


@given(
    st.integers(1, 4),
    st.integers(0, 200),
    st.sampled_from([0.5, 0.9, 0.99]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    cut_points,
)
def test_ewm_after_a_long_null_gap(
    before: int, gap: int, alpha: float, adjust: bool, ignore_nulls: bool, lag: bool, raw: list[int]
) -> None:
    # Without ignore_nulls the old weights decay through the gap, and the unbiased correction's
    # denominator (weight_sum**2 less the sum of squared weights) with them: computed by a
    # subtraction it would lose every digit; once it underflows to 0, Polars' ewm_std is null
    # and the expression carries the last one forward.
    xs: list[float | None] = [3.0 + 0.25 * i * (-1) ** i for i in range(before)] + [None] * gap + [5.0, 4.5, 7.0]
    frame = pl.DataFrame({"g": [0] * len(xs), "x": xs, "t": list(range(len(xs)))}, schema_overrides={"x": pl.Float64})
    options: dict[str, Any] = {"alpha": alpha, "adjust": adjust, "ignore_nulls": ignore_nulls, "lag": lag}
    want = reference(frame, norm(pl.col("x")).ewm_zscore(**options))
    assert_matches(batched(frame, _cuts(frame, raw), "ewm_zscore", **options), want)
