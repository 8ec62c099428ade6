"""The zero-scale rule, scales as divisors or inverses, and the power-of-two rescaling that keeps sums finite.

A scale that is zero (or undefined) is taken as 1, as scikit-learn's
``_handle_zeros_in_scale`` does. Ranges, max-abs, norms and quantile spreads
are exact differences of data values: only an exact 0 counts. A standard
deviation counts as zero when it is at most ``ZERO_SCALE_RTOL`` in units of
the data's largest magnitude (:func:`std_unit_exponent`, :func:`std_is_zero`),
in queries (:func:`inverse_of_unit_std`, :func:`inverse_scale`) and fitted
statistics (:func:`scale_or_one`) alike. A scale below ``ZERO_SCALE_FLOOR`` is
clamped to it, so a reciprocal stays finite. :func:`pow2_scale` and
:func:`pow2_exponent` give the power of two by which data is rescaled exactly
before squares and sums.
"""

from __future__ import annotations

import sys

import polars as pl

__all__ = [
    "EWM_ROUNDING_FACTOR",
    "HEADROOM",
    "WINDOW_ANCHOR_EXPONENT",
    "WINDOW_SATURATION_EXPONENT",
    "WINDOW_SCALE_EXPONENTS",
    "ZERO_SCALE_FLOOR",
    "ZERO_SCALE_RTOL",
    "inverse_of_unit_std",
    "inverse_scale",
    "pow2_exponent",
    "pow2_scale",
    "scale_or_one",
    "std_is_zero",
    "std_unit_exponent",
]

#: Relative tolerance below which a scale counts as zero: a spread within one
#: unit in the last place of the data's magnitude is rounding, not signal.
#: (Exactly constant columns have an exactly zero scale: their location is taken
#: as the value itself.) Looser tolerances misjudge real data at large offsets:
#: at 1e15 an ulp is 0.125, so N(0, 1) noise there spans only ~8 ulps.
ZERO_SCALE_RTOL: float = sys.float_info.epsilon

#: Scales below the smallest normal double also count as zero: Polars divides
#: by a scalar through its reciprocal, which overflows for subnormal scales.
ZERO_SCALE_FLOOR: float = sys.float_info.min

#: Extra power-of-two headroom in a sum of squares: the products
#: ``x * (x * 2**-(k + HEADROOM))`` stay below ``2**(k - HEADROOM + 2)``, so the
#: sum of up to ``2**(HEADROOM - 2)`` of them cannot overflow even at the largest
#: finite values (the vector norms and z-scores, and the row z-score's kernel).
HEADROOM = 16

#: Window z-scores scale their pilot (a column's first finite value) to about
#: ``2**WINDOW_ANCHOR_EXPONENT``. Low, because the values below it need no room:
#: next to the pilot they differ from it by at least an ulp (2**-52 relative),
#: whose square, 2**-984, is still a normal double; above it, a value ``2**911``
#: times larger (1e274) still has a square below ``2**942``, and the sums of
#: ``2**40`` such squares (West's and Welford's increments square ``d * n``)
#: stay finite (:mod:`polars_norm.windows.pilot`; the batch kernels read it too).
WINDOW_ANCHOR_EXPONENT = -440
#: The window scale's power of two stays within ``2**-1000`` and ``2**900``: it and
#: its reciprocal are normal doubles, and Veltkamp's split that rounds it to a power
#: of two (a product with ``2**52 + 1``) cannot overflow.
WINDOW_SCALE_EXPONENTS = (-1000, 900)
#: A finite value more than about 1e274 times the pilot is past the bound: scaled, it is clipped to
#: ``±2**WINDOW_SATURATION_EXPONENT`` rather than overflowing to inf (whose differences are NaN), so
#: its windows' squares overflow to an infinite scale and their rows map to 0, never to NaN.
WINDOW_SATURATION_EXPONENT = 500
#: An exponentially weighted standard deviation below this many times its rounding
#: floor (``eps * |level| * memory``) counts as zero (:func:`polars_norm.windows.ewm.rounding_floor`).
EWM_ROUNDING_FACTOR = 16.0

# The bounds as typed literals: a plan prints them as 2.2251e-308 and
# 4.4942e307 (an untyped float literal prints every one of its 300 digits).
# A bound is cast to the bounded expression's dtype, so Float32 stays Float32.
_FLOOR = pl.lit(ZERO_SCALE_FLOOR, dtype=pl.Float64)
_CEILING = pl.lit(1.0 / ZERO_SCALE_FLOOR, dtype=pl.Float64)


def std_unit_exponent(maxabs: pl.Expr) -> pl.Expr:
    """``k`` with ``2**k <= maxabs < 2**(k+1)``: the unit in which a standard deviation is tested for zero.

    Clipped to ``[-1022, 1022]`` so that ``2**k`` and ``2**-k`` are normal
    doubles; 0 without data (null ``maxabs``). A standard deviation is zero
    when, in units of ``2**k``, it is at most ``ZERO_SCALE_RTOL``: the column's
    values all lie within about an ulp of each other (rounding, not signal).
    The in-query z-score (:func:`polars_norm.columns.scaling.inverse_std`) and the
    fitted one (:func:`scale_or_one`) both apply this test.

    Parameters
    ----------
    maxabs
        The data's ``max|x|``, a scalar expression.

    Returns
    -------
    pl.Expr
        ``k``, Float64.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"m": [5.0, 1e-320, None]})
    >>> df.select(std_unit_exponent(pl.col("m"))).to_series().to_list()
    [2.0, -1022.0, 0.0]
    """
    return maxabs.log(2.0).floor().clip(-1022.0, 1022.0).fill_null(0.0)


def std_is_zero(std: pl.Expr, maxabs: pl.Expr) -> pl.Expr:
    """Whether a standard deviation counts as zero: at most ``ZERO_SCALE_RTOL`` in units of ``2**k``.

    ``k`` is :func:`std_unit_exponent` of the data's ``max|x|``. Null stays null.

    Parameters
    ----------
    std
        A standard deviation.
    maxabs
        The ``max|x|`` of the data it was computed from.

    Returns
    -------
    pl.Expr
        Boolean.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"std": [1e-13, 1e-9, None], "maxabs": [1e3, 1e3, 1e3]})
    >>> df.select(std_is_zero(pl.col("std"), pl.col("maxabs"))).to_series().to_list()
    [True, False, None]
    """
    return std * pl.lit(2.0).pow(-std_unit_exponent(maxabs)) <= ZERO_SCALE_RTOL


def inverse_of_unit_std(unit_std: pl.Expr, k: pl.Expr) -> pl.Expr:
    """``1 / std`` from ``unit_std = std * 2**-k``, with the zero-scale rule of a standard deviation.

    ``unit_std`` at most ``ZERO_SCALE_RTOL`` (the values lie within about an
    ulp of each other: the test of :func:`std_is_zero`) or null (undefined)
    gives 0, so the centered values, rounding noise, map to exactly 0. A
    standard deviation below the smallest normal double is clamped to it, so
    the inverse stays finite (``2**1022`` at most). NaN stays NaN.
    ``unit_std`` is referenced once: an eager ``select`` would compute every
    extra reference again.

    Parameters
    ----------
    unit_std
        The standard deviation in units of ``2**k``.
    k
        The exponent of :func:`std_unit_exponent`.

    Returns
    -------
    pl.Expr
        The multiplier ``1 / std`` (0 for a zero or undefined one).

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"u": [0.5, 1e-17, None], "k": [2.0, 2.0, 2.0]})
    >>> df.select(inverse_of_unit_std(pl.col("u"), pl.col("k"))).to_series().to_list()
    [0.5, 0.0, 0.0]
    """
    ceiling = 1.0 / ZERO_SCALE_RTOL
    inverse_unit = (1.0 / unit_std).clip(upper_bound=ceiling).replace(ceiling, 0.0).fill_null(0.0)
    return (inverse_unit * pl.lit(2.0).pow(-k)).clip(upper_bound=_CEILING)


def scale_or_one(scale: pl.Expr, *, maxabs: pl.Expr | None = None) -> pl.Expr:
    """A fitted scale statistic as a divisor: zero or undefined becomes 1.

    The rule of the in-query methods, for statistics fitted earlier: a scale
    that is exactly 0 (a range, max-abs, norm or interquartile range of
    constant data) or null (no data, or too few values for a standard
    deviation) is taken as 1. With ``maxabs`` the scale is a standard
    deviation, zero when at most ``ZERO_SCALE_RTOL`` in units of
    ``2**std_unit_exponent(maxabs)``. A scale below the smallest normal double
    is clamped to it, as :func:`inverse_scale` does. (The fitted transform
    divides new data, which need not be constant, by 1; in a query the
    column itself is constant, so both give ``x - location``.)

    Parameters
    ----------
    scale
        The fitted scale.
    maxabs
        The fitted ``max|x|`` when ``scale`` is a standard deviation, else None.

    Returns
    -------
    pl.Expr
        The divisor, Float64.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"s": [2.0, 0.0, None, 1e-14]})
    >>> df.select(scale_or_one(pl.col("s"))).to_series().to_list()
    [2.0, 1.0, 1.0, 1e-14]
    >>> df.select(scale_or_one(pl.col("s"), maxabs=pl.lit(100.0))).to_series().to_list()
    [2.0, 1.0, 1.0, 1.0]
    """
    is_zero = scale.is_null() | (scale == 0.0)
    if maxabs is not None:
        is_zero = is_zero | std_is_zero(scale, maxabs)
    return pl.when(is_zero).then(pl.lit(1.0)).otherwise(scale.clip(lower_bound=_FLOOR))


def inverse_scale(scale: pl.Expr, *, is_zero: pl.Expr | None = None, zero_inverse: float = 0.0) -> pl.Expr:
    """``1 / scale`` for ``(x - loc) * inverse_scale(scale)``, with the zero-scale rule.

    A zero scale (or one for which ``is_zero`` holds) and an undefined (null)
    one give ``zero_inverse``. The default 0 is for scales that are zero only
    on a constant column (standard deviation, range, max-abs, norm): there the
    centered values are exactly 0 or rounding noise, and 0 is what "scale
    taken as 1 with the exact location" gives. Use ``zero_inverse=1.0`` where
    a zero scale does not imply a constant column (a zero interquartile range),
    which is scikit-learn's rule verbatim. A scale below the smallest normal
    double is clamped to it, so the reciprocal stays finite. NaN
    (``nan="propagate"``) stays NaN.

    ``scale`` appears once in the result: an eager ``DataFrame.select`` does
    not eliminate common subexpressions, so every extra reference to a
    statistic would compute it again (the cost of a method is in
    docs/benchmarks.md; the rule in docs/semantics.md, "Cost").

    Parameters
    ----------
    scale
        The scale statistic.
    is_zero
        An extra condition under which the scale counts as zero, or None.
    zero_inverse
        The multiplier for a zero or undefined scale: 0 or 1.

    Returns
    -------
    pl.Expr
        The multiplier, Float64.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"s": [4.0, 0.0, None]})
    >>> df.select(inverse_scale(pl.col("s"))).to_series().to_list()
    [0.25, 0.0, 0.0]
    >>> df.select(inverse_scale(pl.col("s"), zero_inverse=1.0)).to_series().to_list()
    [0.25, 1.0, 1.0]
    """
    zero_to = float("inf") if zero_inverse == 0.0 else 1.0 / zero_inverse
    inverse = (1.0 / scale.replace(0.0, zero_to).clip(lower_bound=_FLOOR)).fill_null(zero_inverse)
    if is_zero is not None:
        inverse = pl.when(is_zero).then(zero_inverse).otherwise(inverse)
    return inverse


def pow2_scale(maxabs: pl.Expr) -> pl.Expr:
    """A power of two near ``maxabs`` (1 when it is 0), to rescale without rounding.

    Dividing by a power of two is exact, so ``x / pow2_scale(max|x|)`` lies in
    [-2, 2] with the same significant bits; squares and sums of it can neither
    overflow nor underflow, which is how the norms and variances here stay
    finite and accurate at magnitudes of 1e+-300 (as LAPACK's ``dnrm2`` does).

    Parameters
    ----------
    maxabs
        The data's ``max|x|``.

    Returns
    -------
    pl.Expr
        ``2**floor(log2 maxabs)``, clamped to normal doubles; 1 for a zero,
        infinite or missing ``maxabs``.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"m": [5.0, 0.0, 1e300]})
    >>> df.select(pow2_scale(pl.col("m"))).to_series().to_list()
    [4.0, 1.0, 6.696928794914171e+299]
    """
    # Clamped so that both the scale and its reciprocal are normal doubles.
    exponent = maxabs.log(2.0).floor().clip(-1022.0, 1022.0)
    scale = pl.lit(2.0).pow(exponent)
    return pl.when((maxabs > 0.0) & maxabs.is_finite()).then(scale).otherwise(pl.lit(1.0))


def pow2_exponent(maxabs: pl.Expr, dtype: type[pl.Float32] | type[pl.Float64] = pl.Float64) -> pl.Expr:
    """The exponent ``k`` with ``2**k <= maxabs < 2**(k+1)``, as a Float64 expression.

    The single-use form of :func:`pow2_scale` for row-wise and vector code:
    ``maxabs`` appears once, so an eager ``DataFrame.select`` (which does not
    eliminate common subexpressions) computes it once. ``k`` is clipped to the
    normal exponents of ``dtype`` (``[-1022, 1023]`` for Float64,
    ``[-126, 127]`` for Float32), so ``2**-k`` is finite: a zero ``maxabs``
    gives the lowest exponent, inf the highest, NaN stays NaN, null stays null.

    Parameters
    ----------
    maxabs
        The data's ``max|x|``.
    dtype
        The float dtype whose normal exponents bound ``k``.

    Returns
    -------
    pl.Expr
        ``k``, Float64.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"m": [5.0, 0.0, float("inf"), None]})
    >>> df.select(pow2_exponent(pl.col("m"))).to_series().to_list()
    [2.0, -1022.0, 1023.0, None]
    >>> df.select(pow2_exponent(pl.col("m"), pl.Float32)).to_series().to_list()
    [2.0, -126.0, 127.0, None]
    """
    lo, hi = (-126.0, 127.0) if dtype == pl.Float32 else (-1022.0, 1023.0)
    return maxabs.cast(pl.Float64).log(2.0).floor().clip(lo, hi)
