"""Location-scale normalizations over a window: z-score, min-max, max-abs and robust (Float64 in and out).

Each is written once over the statistics every window kind of
:mod:`polars_norm.windows.base` exposes (mean, std, min, max, quantile), so
:func:`zscore_in`, :func:`minmax_in`, :func:`maxabs_in` and :func:`robust_in`
work over a :class:`~polars_norm.windows.base.RowWindow` or a
:class:`~polars_norm.windows.base.ByWindow` alike. The z-scores read values
shifted by the pilot and multiplied by the unit scale of
:mod:`polars_norm.windows.pilot`.

Zero scale
----------
The zero-scale rules (a constant window maps to 0, or is only centered
with ``lag``) and their tolerances are in :mod:`polars_norm.windows.scales`.
Too few values for ``min_samples`` means null.

Weights
-------
``rolling_zscore(weights=...)`` is :func:`weighted_zscore_in`: Polars'
weighted ``rolling_mean``/``rolling_std`` panic on nulls and ignore
``ddof``, so its moments come from weighted ``rolling_sum`` kernels over
the pilot-shifted values, read once each through a struct.

Speed
-----
Polars does not eliminate common subexpressions that contain a row-count
``rolling_*`` kernel (and an eager ``select`` eliminates none), so every
textual repetition of ``x.rolling_std(n)`` runs the kernel again. The
row-count formulas therefore read each kernel once, and the zero-scale rule
is applied by divisors that read their scale once (:func:`~polars_norm.windows.scales.std_divisor`,
:func:`~polars_norm.windows.scales.spread_divisor`).
"""

from __future__ import annotations

import polars as pl

from polars_norm.semantics import NanPolicy
from polars_norm.windows.base import RowWindow, Window
from polars_norm.windows.pilot import scaled_values, window_values
from polars_norm.windows.scales import spread_divisor, std_divisor, weighted_sums_rtol

__all__ = ["maxabs_in", "minmax_in", "robust_in", "weighted_zscore_in", "zscore_in"]


def zscore_in(window: Window, x: pl.Expr, *, ddof: int, nan: NanPolicy) -> pl.Expr:
    """``(x - window mean) / window std``, on pilot-shifted values scaled by :func:`unit_scale`.

    The scaled values are a struct field the kernels and the numerator read:
    computed once, where an eager ``select`` would compute them per reference.

    Parameters
    ----------
    window
        A :class:`RowWindow` or :class:`ByWindow`.
    x
        The Float64 values.
    ddof, nan
        As in :func:`polars_norm.rolling_zscore`.

    Returns
    -------
    pl.Expr
        Float64 z-scores; a zero or undefined window scale follows
        :func:`polars_norm.windows.scales.std_divisor`.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1.0, 3.0, 3.0, 3.0]})
    >>> w = RowWindow(2, None, False, False)
    >>> df.select(zscore_in(w, pl.col("x"), ddof=1, nan="ignore")).to_series().to_list()
    [None, 0.7071067811865475, 0.0, 0.0]
    """
    f = pl.field
    moments = scaled_values(x, nan)  # "c" keeps NaN rows NaN, "v" (the statistics' view) does not
    moments = moments.struct.with_fields(mean=window.mean(f("v")), std=window.std(f("v"), ddof))
    lag, undefined = not window.sees_row, window.may_lack_std(ddof)
    z = (f("c") - f("mean")) / std_divisor(f("std"), lag, undefined=undefined, one=f("one"))
    return moments.struct.with_fields(z=z).struct.field("z")


def minmax_in(window: Window, x: pl.Expr, *, feature_range: tuple[float, float], nan: NanPolicy) -> pl.Expr:
    """``(x - window min) / (window max - window min)``, onto ``feature_range``.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1.0, 3.0, 2.0]})
    >>> w = RowWindow(2, None, False, False)
    >>> df.select(minmax_in(w, pl.col("x"), feature_range=(-1.0, 1.0), nan="ignore")).to_series().to_list()
    [None, 1.0, -1.0]
    """
    f = pl.field
    # fields are computed once (each is a column Polars' streaming engine holds: few of them)
    stats = pl.struct(window_values(x, nan).alias("v"))
    stats = stats.struct.with_fields(lo=window.min(f("v")), hi=window.max(f("v")))
    out = (x - f("lo")) / spread_divisor(f("hi") - f("lo"))
    low, high = feature_range
    if (low, high) != (0.0, 1.0):
        out = out * (high - low) + low
    return stats.struct.with_fields(out=out).struct.field("out")


def maxabs_in(window: Window, x: pl.Expr, *, nan: NanPolicy) -> pl.Expr:
    """``x / window max |x|`` (an all-zero window has scale 1; no data stays null).

    Examples
    --------
    >>> df = pl.DataFrame({"x": [0.0, 0.0, -4.0, 2.0]})
    >>> w = RowWindow(2, 1, False, False)
    >>> df.select(maxabs_in(w, pl.col("x"), nan="ignore")).to_series().to_list()
    [0.0, 0.0, -1.0, 0.5]
    """
    stats = pl.struct(window.max(window_values(x, nan).abs()).alias("top"))
    out = x / spread_divisor(pl.field("top"))
    return stats.struct.with_fields(out=out).struct.field("out")


def robust_in(window: Window, x: pl.Expr, *, quantile_range: tuple[float, float], nan: NanPolicy) -> pl.Expr:
    """``(x - window median) / (window q_hi - window q_lo)``, linear interpolation.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1.0, 2.0, 3.0, 10.0]})
    >>> w = RowWindow(3, 1, False, False)
    >>> df.select(robust_in(w, pl.col("x"), quantile_range=(0.25, 0.75), nan="ignore")).to_series().to_list()
    [0.0, 1.0, 1.0, 1.75]
    """
    f = pl.field
    q_lo, q_hi = quantile_range
    stats = pl.struct(window_values(x, nan).alias("v"))
    stats = stats.struct.with_fields(
        mid=window.quantile(f("v"), 0.5), spread=window.quantile(f("v"), q_hi) - window.quantile(f("v"), q_lo)
    )
    out = (x - f("mid")) / spread_divisor(f("spread"))
    return stats.struct.with_fields(out=out).struct.field("out")


# --------------------------------------------------------------------------
# weighted row windows: moments from weighted sums
# --------------------------------------------------------------------------
def weighted_zscore_in(window: RowWindow, x: pl.Expr, *, ddof: int, nan: NanPolicy) -> pl.Expr:
    """``(x - weighted mean) / weighted std`` over a row window with ``window.weights``.

    Polars' weighted ``rolling_mean``/``rolling_std`` refuse nulls and ignore
    ``ddof``, so the moments come from weighted rolling sums over the
    pilot-shifted values ``v`` with nulls (and ignored NaN) as 0 and a
    validity indicator ``a``: ``W1 = sum(w a)``, ``W2 = sum(w**2 a)``,
    ``S1 = sum(w v)``, ``S2 = sum(w v**2)``. Then ``mean = S1 / W1`` and,
    with reliability weights, ``var = (S2 - S1**2 / W1) / (W1 - ddof W2 / W1)``
    (equal weights give the unweighted variance with that ``ddof``). The
    difference ``S2 - S1**2 / W1`` cancels: at most
    :func:`weighted_sums_rtol` ``* S2`` of it counts as zero (a constant
    window maps to 0), and a denominator within the same tolerance of 0
    (effective sample size ``W1**2 / W2`` at most ``ddof``) is undefined
    (scale 1). ``min_samples`` counts the valid rows; a window whose valid
    rows all weigh 0 is null. Polars does not share repeated rolling
    kernels, so each sum runs once, as a field of a struct the formula reads.

    Parameters
    ----------
    window
        A :class:`RowWindow` with weights.
    x
        The Float64 values.
    ddof, nan
        As in :func:`polars_norm.rolling_zscore`.

    Returns
    -------
    pl.Expr
        Float64 z-scores.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1.0, 2.0, None, 4.0]})
    >>> from polars_norm.windows.base import row_window
    >>> w = row_window(2, 1, False, False, "rolling_zscore", weights=[1.0, 1.0])
    >>> df.select(weighted_zscore_in(w, pl.col("x"), ddof=1, nan="ignore")).to_series().to_list()
    [0.0, 0.7071067811865475, None, 0.0]
    """
    assert window.weights is not None
    weights = list(window.weights)
    rtol = weighted_sums_rtol(window.window_size)

    f = pl.field
    values = scaled_values(x, nan)
    # recomputed per sum rather than held as fields: each field is a column the streaming engine holds
    filled, valid = f("v").fill_null(0.0), f("v").is_not_null().cast(pl.Float64)
    sums = {
        "n": window.sum(valid),
        "w1": window.sum(valid, weights),
        "s1": window.sum(filled, weights),
        "s2": window.sum(filled * filled, weights),
    }
    if ddof:
        sums["w2"] = window.sum(valid, [w * w for w in weights])
    moments = values.struct.with_fields(**sums)
    moments = moments.struct.with_fields(mean=f("s1") / f("w1"))
    moments = moments.struct.with_fields(
        m2=f("s2") - f("s1") * f("mean"), d=f("w1") - ddof * f("w2") / f("w1") if ddof else f("w1")
    )
    one = f("one")  # a scale of 1 in the original units
    zero_scale = float("inf") if window.sees_row else one  # the rule of std_divisor
    divisor = (
        # squares past the bound of docs/semantics.md (Limits) overflow: inf - inf would be NaN, and
        # finite data never gives NaN; an infinite scale maps the row to 0, as the unweighted std does
        pl.when(f("s2") == float("inf"))
        .then(float("inf"))
        .when(f("d") <= rtol * (1 + ddof) * f("w1"))
        .then(one)
        .when(f("m2") <= rtol * f("s2"))
        .then(zero_scale)
        .otherwise((f("m2") / f("d")).sqrt())
    )
    needed = window.window_size if window.min_samples is None else window.min_samples
    z = pl.when((f("n") >= needed) & (f("w1") > 0.0)).then((f("c") - f("mean")) / divisor)
    return moments.struct.with_fields(z=z).struct.field("z")
