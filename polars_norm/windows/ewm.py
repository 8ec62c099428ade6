r"""Exponentially weighted z-scores with row-count decay (``ewm_zscore``).

Time decay is in :mod:`polars_norm.windows.ewm_by`.

``ewm_zscore`` follows Polars' ``ewm_mean``/``ewm_std`` conventions (``com``,
``span``, ``half_life`` or ``alpha``; ``adjust``, ``bias``, ``min_samples``,
``ignore_nulls``), which are pandas' ``ewm`` conventions.

Zero scale: an EW recursion never forgets exactly, so after a level shift
the variance of a now-constant series sinks to a rounding floor, about
``eps * |x - pilot| / alpha`` (``alpha`` replaced by ``1 / W`` for time
decay), instead of 0; a standard deviation below 16 times that floor counts
as zero, and the row maps to 0. All of it runs on values shifted by the first valid
value (:func:`polars_norm.windows.pilot.causal_pilot`), so offsets such as
``1e12 + N(0, 1)`` keep full accuracy, and scaled by a power of two
(:func:`polars_norm.windows.pilot.unit_scale`), so the squares never over- or
underflow, at 1e-300 as at 1e300.
"""

from __future__ import annotations

import math
import sys

import polars as pl

from polars_norm.semantics import EWM_ROUNDING_FACTOR, NanPolicy, check_finite, check_nan, numeric_expr
from polars_norm.windows.checks import check_min_samples
from polars_norm.windows.pilot import scaled_values
from polars_norm.windows.scales import tolerant_divisor

__all__ = ["ewm_alpha", "ewm_zscore"]

_EPS = sys.float_info.epsilon


def rounding_floor(level: pl.Expr, memory: pl.Expr | float) -> pl.Expr:
    """The standard deviation below which exponentially weighted statistics are rounding.

    An EW recursion never forgets exactly: after a level shift the old
    values' weights sink below rounding, the mean settles within a few ulps
    of the new level and the variance on a rounding floor of about
    ``eps * |x - pilot| * memory`` (``memory`` = ``1/alpha``, or the sum of
    weights for time decay), where the z-score of rounding noise would be
    O(1). Measured floors on constant stretches reach 5x that; scales below
    16x count as zero, so such rows map to 0.
    """
    return level.abs() * memory * (EWM_ROUNDING_FACTOR * _EPS)


def recent_level(centered: pl.Expr, shifted: pl.Expr, lag: bool) -> pl.Expr:
    """The (pilot-shifted) level the recursion settled on: the row's own value, or the last valid one before it.

    Without ``lag`` a missing row's output is null or NaN whatever the floor,
    so the row's own value serves; with ``lag``, the last valid value in row
    order before the row.
    """
    return shifted.forward_fill().shift(1) if lag else centered


def ewm_alpha(
    method: str,
    *,
    com: float | None = None,
    span: float | None = None,
    half_life: float | None = None,
    alpha: float | None = None,
) -> float:
    """The smoothing factor from exactly one of ``com``, ``span``, ``half_life``, ``alpha``.

    Polars' conventions: ``alpha = 1 / (1 + com)`` (``com >= 0``),
    ``2 / (span + 1)`` (``span >= 1``), ``1 - exp(-ln 2 / half_life)``
    (``half_life > 0``), or ``alpha`` itself (``0 < alpha <= 1``).

    Parameters
    ----------
    method
        The public method's name, for error messages.
    com, span, half_life, alpha
        The decay, exactly one of them not None.

    Returns
    -------
    float
        ``alpha``, in ``(0, 1]``.

    Raises
    ------
    ValueError
        If not exactly one is given, or it is out of its range.

    Examples
    --------
    >>> ewm_alpha("ewm_zscore", span=3), ewm_alpha("ewm_zscore", com=1.0)
    (0.5, 0.5)
    >>> ewm_alpha("ewm_zscore", com=1.0, alpha=0.5)
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.ewm_zscore: give exactly one of com, span, half_life, alpha (got com=1.0, alpha=0.5)
    """
    candidates = {"com": com, "span": span, "half_life": half_life, "alpha": alpha}
    given = {k: v for k, v in candidates.items() if v is not None}
    if len(given) != 1:
        named = ", ".join(f"{k}={v!r}" for k, v in given.items()) or "none"
        msg = f"polars_norm.{method}: give exactly one of com, span, half_life, alpha (got {named})"
        raise ValueError(msg)
    ((param, value),) = given.items()
    number = check_finite(value, param, method)
    if param == "com" and number >= 0.0:
        return 1.0 / (1.0 + number)
    if param == "span" and number >= 1.0:
        return 2.0 / (number + 1.0)
    if param == "half_life" and number > 0.0:
        return 1.0 - math.exp(-math.log(2.0) / number)
    if param == "alpha" and 0.0 < number <= 1.0:
        return number
    bounds = {"com": ">= 0", "span": ">= 1", "half_life": "> 0", "alpha": "in (0, 1]"}
    msg = f"polars_norm.{method}: {param}={value!r} must be {bounds[param]}"
    raise ValueError(msg)


def ewm_zscore(
    expr: pl.Expr,
    *,
    com: float | None = None,
    span: float | None = None,
    half_life: float | None = None,
    alpha: float | None = None,
    adjust: bool = True,
    min_samples: int = 1,
    bias: bool = False,
    ignore_nulls: bool = False,
    lag: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Exponentially weighted z-score: ``(x - ewm_mean) / ewm_std``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    com, span, half_life, alpha
        The decay, exactly one of them, as in Polars' ``ewm_mean``:
        ``alpha = 1/(1 + com) = 2/(span + 1) = 1 - exp(-ln 2 / half_life)``.
    adjust
        Divide by the decaying sum of weights (default, pandas' ``adjust=True``)
        rather than use the recursive form.
    min_samples
        Valid values needed before a result (default 1).
    bias
        Use the biased (population) variance; the default corrects it, so the
        first valid row has no variance (its scale is taken as 1: it maps to 0).
    ignore_nulls
        Ignore missing values when computing weights (Polars' parameter,
        pandas' ``ignore_na``).
    lag
        Normalize each row by the statistics of the rows before it (strictly
        causal).
    nan
        ``"ignore"`` (default) treats NaN as missing in the statistics (as
        pandas does); ``"propagate"`` keeps Polars' own NaN arithmetic.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are skipped by the statistics and kept in the output. A zero
    standard deviation, or one at the rounding floor of the recursion (a
    constant stretch after a level shift, module notes), counts as zero: the
    row maps to 0 (with ``lag``, the scale is taken as 1).
    The statistics are computed on values shifted by the first finite value
    (exact to rounding on ``1e12 + N(0, 1)``, where ``ewm_std`` on the raw
    values loses three digits).

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [1.0, 2.0, None, 4.0, 4.0]})
    >>> df.with_columns(z=pl.col("x").norm.ewm_zscore(alpha=0.5))
    shape: (5, 2)
    ┌──────┬──────────┐
    │ x    ┆ z        │
    │ ---  ┆ ---      │
    │ f64  ┆ f64      │
    ╞══════╪══════════╡
    │ 1.0  ┆ 0.0      │
    │ 2.0  ┆ 0.471405 │
    │ null ┆ null     │
    │ 4.0  ┆ 0.390632 │
    │ 4.0  ┆ 0.257355 │
    └──────┴──────────┘
    """
    a = ewm_alpha("ewm_zscore", com=com, span=span, half_life=half_life, alpha=alpha)
    samples = check_min_samples(min_samples, "ewm_zscore")
    check_nan(nan, "ewm_zscore")

    def build(x: pl.Expr, _: object) -> pl.Expr:
        # a power of two keeps the squares from over- or underflowing (polars_norm.windows.pilot); the
        # values are struct fields read by every statistic, computed once (an eager select shares nothing)
        f = pl.field
        stats = scaled_values(x, nan)
        options = {"alpha": a, "adjust": adjust, "min_samples": samples, "ignore_nulls": ignore_nulls}
        mean = f("v").ewm_mean(**options)  # type: ignore[arg-type]
        std = f("v").ewm_std(bias=bias, **options)  # type: ignore[arg-type]
        # Polars' ewm statistics are null at a missing row; the state there is the
        # last valid row's (a uniform decay of all weights changes neither mean
        # nor variance), so a NaN row keeps its history and stays NaN.
        mean, std = mean.forward_fill(), std.forward_fill()
        if lag:
            mean, std = mean.shift(1), std.shift(1)
        stats = stats.struct.with_fields(mean=mean, std=std)
        stats = stats.struct.with_fields(floor=rounding_floor(recent_level(f("c"), f("v"), lag), 1.0 / a))
        z = (f("c") - f("mean")) / tolerant_divisor(f("std"), f("floor"), lag, one=f("one"))
        return stats.struct.with_fields(z=z).struct.field("z")

    return numeric_expr(expr, "ewm_zscore", build)
