"""The semantics every polars-norm method shares, written once.

Every expression family (column-wise scaling, norms, ranks, power transforms,
windows, rows, vectors, fitted statistics) goes through the helpers here, so
that the rules below hold everywhere:

==================  ==========================================================
topic               rule
==================  ==========================================================
null                ignored by statistics; a null input gives a null output
NaN                 ignored by statistics (``nan="ignore"``, the default); a
                    NaN input gives a NaN output. ``nan="propagate"`` follows
                    Polars' own semantics instead (one NaN poisons the
                    statistics of its column or group)
zero scale          a scale that is zero (or undefined) is taken as 1, as
                    scikit-learn's ``_handle_zeros_in_scale`` does. Ranges,
                    max-abs, norms and quantile spreads are exact differences
                    of data values: only an exact 0 counts. A standard
                    deviation counts as zero when it is at most
                    ``ZERO_SCALE_RTOL`` in units of the data's largest
                    magnitude (``2**floor(log2 max|x|)``: a constant column up
                    to rounding), in queries and fitted statistics alike
                    (:func:`std_unit_exponent`, :func:`scale_or_one`). A
                    scale below the smallest normal double is clamped to it,
                    so a reciprocal stays finite; finite
                    input never yields NaN or inf (as long as its spread,
                    ``max - min``, is itself a finite double)
ddof                defaults to 1 (Polars' convention; scikit-learn uses 0)
dtypes              integers, unsigned integers and Decimal are computed in
                    Float64 (nothing wraps). Integers wider than 53 bits are
                    centered exactly in integer arithmetic before the cast
                    (:func:`exact_offsets`, :func:`exact_range`), so that
                    methods that center them are exact to rounding anywhere
                    in their range; Float32 stays Float32 (statistics
                    accumulate in Float64);
                    any other dtype raises a ``TypeError`` naming the column,
                    its dtype and the method, when the query is planned
no data             an aggregation (a norm) over no valid values is null. In a
                    transform, an undefined scale (fewer than ``ddof + 1``
                    values) is taken as 1 like a zero scale, and an undefined
                    location keeps NaN rows NaN: empty or all-null input gives
                    an empty or all-null output, a single value maps to 0
parameters          checked when the expression is built; a bad one raises
                    ``ValueError`` naming the parameter and the value
==================  ==========================================================
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Literal

import polars as pl

__all__ = [
    "ZERO_SCALE_FLOOR",
    "ZERO_SCALE_RTOL",
    "NanPolicy",
    "check_choice",
    "check_ddof",
    "check_feature_range",
    "check_finite",
    "check_nan",
    "check_open_unit_interval",
    "check_p",
    "check_positive",
    "check_quantile_range",
    "exact_offsets",
    "exact_range",
    "float_dtype",
    "inverse_of_unit_std",
    "inverse_scale",
    "is_pandas_frame",
    "is_wide_integer",
    "max_abs",
    "numeric_expr",
    "pow2_exponent",
    "pow2_scale",
    "safe_location",
    "scale_or_one",
    "stat_view",
    "std_is_zero",
    "std_unit_exponent",
    "unsigned_offsets",
    "valid_values",
]

NanPolicy = Literal["ignore", "propagate"]

#: Relative tolerance below which a scale counts as zero: a spread within one
#: unit in the last place of the data's magnitude is rounding, not signal.
#: (Exactly constant columns have an exactly zero scale: their location is taken
#: as the value itself.) Looser tolerances misjudge real data at large offsets:
#: at 1e15 an ulp is 0.125, so N(0, 1) noise there spans only ~8 ulps.
ZERO_SCALE_RTOL: float = sys.float_info.epsilon

#: Scales below the smallest normal double also count as zero: Polars divides
#: by a scalar through its reciprocal, which overflows for subnormal scales.
ZERO_SCALE_FLOOR: float = sys.float_info.min

_NAN_POLICIES = ("ignore", "propagate")


# --------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------
def float_dtype(dtype: pl.DataType) -> type[pl.Float32] | type[pl.Float64] | None:
    """Return the float dtype a column of ``dtype`` is normalized into.

    Float32 stays Float32; every other numeric dtype (integers, unsigned,
    Decimal, Float64, Float16) becomes Float64. Non-numeric dtypes give None.

    Parameters
    ----------
    dtype
        The input column's dtype.

    Returns
    -------
    type[pl.Float32] | type[pl.Float64] | None
        The output dtype, or None when ``dtype`` is not numeric.

    Examples
    --------
    >>> import polars as pl
    >>> float_dtype(pl.Float32), float_dtype(pl.Int64()), float_dtype(pl.String())
    (Float32, Float64, None)
    """
    if dtype == pl.Float32:
        return pl.Float32
    if dtype.is_numeric():
        return pl.Float64
    return None


def is_wide_integer(dtype: pl.DataType) -> bool:
    """Whether ``dtype`` is an integer dtype, whose centering methods take ``x - min(x)`` in integers first.

    Int64, UInt64, Int128 and UInt128: past ``2**53`` casting to Float64 rounds
    (to a multiple of 1024 near ``2**62``). Narrower integers convert
    exactly, but their offsets from the minimum are small numbers whose mean
    carries less rounding than the mean of the values themselves: UInt32
    values near ``2**32`` with a spread of 1 had z-scores off by 2e-7.

    Parameters
    ----------
    dtype
        A column's dtype.

    Returns
    -------
    bool
        True for every signed and unsigned integer dtype.

    Examples
    --------
    >>> import polars as pl
    >>> is_wide_integer(pl.UInt32()), is_wide_integer(pl.Float64())
    (True, False)
    """
    return dtype.is_integer()


def unsigned_offsets(x: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """``x - min(x)`` of an integer column of ``dtype``, exact, as the unsigned dtype of the same width.

    The true difference lies in ``[0, max - min]``, which fits the unsigned
    dtype of the column's width, so the wrapping subtraction of a signed
    dtype, read back as unsigned (``reinterpret``), is exact: nothing
    overflows. Null stays null; the minimum is per group under ``.over(...)``.

    Parameters
    ----------
    x
        An integer column or expression.
    dtype
        Its dtype (``x`` is cast to it first: a literal's dynamic integer type
        cannot be reinterpreted).

    Returns
    -------
    pl.Expr
        The offsets, in the unsigned integer dtype of ``dtype``'s width.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"x": [-(2**63), 2**63 - 1, None]})
    >>> df.select(unsigned_offsets(pl.col("x"), pl.Int64)).to_series().to_list()
    [0, 18446744073709551615, None]
    """
    # the cast: a literal's dynamic integer type cannot be reinterpreted
    x = x.cast(dtype)
    offsets = x - x.min()
    return offsets.reinterpret(signed=False) if dtype.is_signed_integer() else offsets


def exact_offsets(x: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """``x - min(x)`` of an integer column, computed exactly and then rounded once to Float64.

    A method whose result does not change when a constant is added to the
    column (a centered and scaled value: z-score, min-max, robust) computed
    on these offsets is exact to rounding for integers anywhere in their
    dtype's range. A cast of the values themselves rounds each one to a
    multiple of 1024 near ``2**62`` before any centering.

    Parameters
    ----------
    x
        An integer column or expression.
    dtype
        Its dtype.

    Returns
    -------
    pl.Expr
        Float64 offsets from the minimum (per group under ``.over``); null stays null.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"x": [2**62 + 3, 2**62 + 1, None]})
    >>> df.select(exact_offsets(pl.col("x"), pl.Int64)).to_series().to_list()
    [2.0, 0.0, None]
    >>> df.select(pl.col("x").cast(pl.Float64) - pl.col("x").min()).to_series().to_list()
    [0.0, 0.0, None]
    """
    return unsigned_offsets(x, dtype).cast(pl.Float64)


def exact_range(x: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """``max(x) - min(x)`` of an integer column, exact, then rounded once to Float64 (null without data).

    Computed from the two integer aggregates: no pass over the rows is cast.

    Parameters
    ----------
    x
        An integer column or expression.
    dtype
        Its dtype.

    Returns
    -------
    pl.Expr
        A Float64 scalar (per group under ``.over``).

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"x": [-(2**63), 2**63 - 1]})
    >>> df.select(exact_range(pl.col("x"), pl.Int64)).item() == 2.0**64
    True
    """
    x = x.cast(dtype)
    spread = x.max() - x.min()
    return (spread.reinterpret(signed=False) if dtype.is_signed_integer() else spread).cast(pl.Float64)


def _column_label(expr: pl.Expr) -> str:
    name = expr.meta.output_name(raise_if_undetermined=False)
    return repr(name) if name is not None else f"<{expr}>"


def numeric_expr(
    expr: pl.Expr,
    method: str,
    build: Callable[[pl.Expr, type[pl.Float32] | type[pl.Float64]], pl.Expr],
    *,
    keep_dtype: bool = True,
    wide_integer_build: Callable[[pl.Expr, pl.DataType], pl.Expr] | None = None,
) -> pl.Expr:
    """Check the dtype of ``expr`` at plan time and build the method on it.

    ``build`` receives the input cast to Float64 (statistics always accumulate
    in Float64) and the output float dtype. Its result is cast back to that
    dtype when ``keep_dtype`` is true, and keeps the input column's name.

    ``wide_integer_build``, when given, is called instead of ``build`` for a
    wide integer column (:func:`is_wide_integer`: Int64, UInt64, Int128,
    UInt128), with the column as it is and its dtype, and returns the Float64
    result. A method that centers builds it on :func:`exact_offsets` and
    :func:`exact_range`: casting the values first would round them to
    multiples of 1024 near ``2**62`` before the centering.

    Parameters
    ----------
    expr
        The input column or expression.
    method
        The public method's name, for the error message.
    build
        ``build(x, out_dtype)``: the method on the Float64 input.
    keep_dtype
        Cast the result back to Float32 for Float32 input (transforms); False
        for results that keep their own dtype (counts).
    wide_integer_build
        ``wide_integer_build(x, dtype)``: the method on an integer column as it
        is, or None to cast integers to Float64 and use ``build``.

    Returns
    -------
    pl.Expr
        The method's expression, resolved against the input's dtype when the
        query is planned.

    Raises
    ------
    TypeError
        When the query is planned, if the column is not numeric. The message
        names the column, its dtype and ``method``.

    Examples
    --------
    >>> import polars as pl
    >>> double = numeric_expr(pl.col("x"), "double", lambda x, out: x * 2)
    >>> pl.DataFrame({"x": [1, 2]}).select(double).to_series().to_list()
    [2.0, 4.0]
    >>> pl.DataFrame({"x": ["a"]}).select(double)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: polars_norm.double: column 'x' has dtype String; expected a numeric column ...
    """

    def resolve(e: pl.Expr, dtype: pl.DataType) -> pl.Expr:
        out = float_dtype(dtype)
        if out is None:
            msg = (
                f"polars_norm.{method}: column {_column_label(e)} has dtype {dtype}; "
                "expected a numeric column (integer, unsigned, float or decimal)"
            )
            raise TypeError(msg)
        if wide_integer_build is not None and is_wide_integer(dtype):
            result = wide_integer_build(e, dtype)
        else:
            result = build(e if dtype == pl.Float64 else e.cast(pl.Float64), out)
        if keep_dtype and out == pl.Float32:
            result = result.cast(pl.Float32)
        name = e.meta.output_name(raise_if_undetermined=False)
        return result.alias(name) if name is not None else result

    return expr.pipe_with_dtype(resolve)


# --------------------------------------------------------------------------
# statistics views and scales
# --------------------------------------------------------------------------
def stat_view(x: pl.Expr, nan: NanPolicy) -> pl.Expr:
    """The values statistics are computed over: NaN becomes null unless propagating.

    Length-preserving (rows stay aligned), for rolling statistics; see
    :func:`valid_values` for whole-column aggregations.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"x": [1.0, float("nan")]})
    >>> df.select(stat_view(pl.col("x"), "ignore")).to_series().to_list()
    [1.0, None]
    >>> df.select(stat_view(pl.col("x"), "propagate")).to_series().to_list()
    [1.0, nan]
    """
    return x.fill_nan(None) if nan == "ignore" else x


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
    return (inverse_unit * pl.lit(2.0).pow(-k)).clip(upper_bound=1.0 / ZERO_SCALE_FLOOR)


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
    return pl.when(is_zero).then(pl.lit(1.0)).otherwise(scale.clip(lower_bound=ZERO_SCALE_FLOOR))


def safe_location(location: pl.Expr) -> pl.Expr:
    """A location statistic, NaN when undefined (no valid values).

    With no valid values every non-null input is NaN, so subtracting NaN keeps
    NaN rows NaN (and null rows null) instead of turning them null.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"x": [float("nan"), None]})
    >>> df.select(pl.col("x") - safe_location(pl.col("x").fill_nan(None).mean())).to_series().to_list()
    [nan, None]
    """
    return location.fill_null(float("nan"))


def valid_values(values: pl.Expr, nan: NanPolicy, *, like: pl.Expr | None = None) -> pl.Expr:
    """The values a whole-column statistic is computed over (not length-preserving).

    ``filter`` drops NaN before the aggregation (nulls are skipped by every
    Polars aggregation already). ``like`` is the input column whose NaN
    positions ``values`` shares (``values`` computed elementwise from it): the
    predicate is taken from it, so that an eager ``select``, which does not
    eliminate common subexpressions, does not compute ``values`` twice. Use
    :func:`stat_view` for rolling statistics, which need the rows aligned.

    Parameters
    ----------
    values
        The values (or an elementwise function of the input).
    nan
        ``"ignore"`` drops NaN; ``"propagate"`` returns ``values`` unchanged.
    like
        The input column whose NaN positions ``values`` shares, or None to
        test ``values`` itself.

    Returns
    -------
    pl.Expr
        The values to aggregate.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"x": [1.0, float("nan"), 3.0]})
    >>> df.select(valid_values(pl.col("x"), "ignore").mean()).item()
    2.0
    >>> df.select(valid_values(pl.col("x") ** 2, "ignore", like=pl.col("x")).sum()).item()
    10.0
    """
    if nan != "ignore":
        return values
    source = values if like is None else like
    return values.filter(source.is_not_nan())


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
    inverse = (1.0 / scale.replace(0.0, zero_to).clip(lower_bound=ZERO_SCALE_FLOOR)).fill_null(zero_inverse)
    if is_zero is not None:
        inverse = pl.when(is_zero).then(zero_inverse).otherwise(inverse)
    return inverse


def max_abs(x: pl.Expr, nan: NanPolicy) -> pl.Expr:
    """``max|x|`` from the column's max and min (no ``abs`` pass); null without data.

    With ``nan="ignore"``, Polars' max/min already skip NaN and are NaN only
    when every value is, which is no data: null (through ``replace``, not
    ``fill_nan``, which Polars expands into three references).

    Parameters
    ----------
    x
        A numeric column or expression.
    nan
        ``"ignore"`` or ``"propagate"`` (NaN-propagating max and min).

    Returns
    -------
    pl.Expr
        A scalar aggregation.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"x": [-5.0, 3.0, float("nan")]})
    >>> df.select(max_abs(pl.col("x"), "ignore")).item(), df.select(max_abs(pl.col("x"), "propagate")).item()
    (5.0, nan)
    """
    # ``a.clip(lower_bound=b)`` is ``max(a, b)`` and stays a scalar: Polars
    # treats ``max_horizontal`` of two scalars as a column, and broadcasting
    # that onto the rows costs several times a plain scalar product (the
    # maxabs and unit rows of docs/benchmarks.md).
    if nan == "ignore":
        return x.max().abs().clip(lower_bound=x.min().abs()).replace(float("nan"), None)
    return x.nan_max().abs().clip(lower_bound=x.nan_min().abs())


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


# --------------------------------------------------------------------------
# parameter checks (raised when the expression is built)
# --------------------------------------------------------------------------
def check_nan(nan: str, method: str) -> None:
    """Check a ``nan`` policy: ``"ignore"`` or ``"propagate"``.

    Parameters
    ----------
    nan
        The value passed.
    method
        The public method's name, for the message.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_nan("ignore", "zscore")
    >>> check_nan("skip", "zscore")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.zscore: nan='skip' is not one of 'ignore', 'propagate'
    """
    check_choice(nan, _NAN_POLICIES, "nan", method)


def check_choice(value: object, choices: tuple[str, ...], param: str, method: str) -> None:
    """Check that ``value`` is one of ``choices``.

    Parameters
    ----------
    value
        The value passed.
    choices
        The allowed values.
    param, method
        The parameter's and the public method's names, for the message.

    Raises
    ------
    ValueError
        Naming the method, the parameter, the value and the choices.

    Examples
    --------
    >>> check_choice("normal", ("uniform", "normal"), "output", "quantile")
    >>> check_choice("gauss", ("uniform", "normal"), "output", "quantile")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.quantile: output='gauss' is not one of 'uniform', 'normal'
    """
    if value not in choices:
        msg = f"polars_norm.{method}: {param}={value!r} is not one of {', '.join(map(repr, choices))}"
        raise ValueError(msg)


def _is_real(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_ddof(ddof: object, method: str) -> int:
    """Check a ``ddof``: an integer >= 0 (not a bool).

    Parameters
    ----------
    ddof
        The value passed.
    method
        The public method's name, for the message.

    Returns
    -------
    int
        ``ddof``.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_ddof(0, "zscore")
    0
    >>> check_ddof(-1, "zscore")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.zscore: ddof=-1 must be a non-negative integer
    """
    if not isinstance(ddof, int) or isinstance(ddof, bool) or ddof < 0:
        msg = f"polars_norm.{method}: ddof={ddof!r} must be a non-negative integer"
        raise ValueError(msg)
    return ddof


def check_p(p: object, method: str) -> float:
    """Check a norm's order ``p``: a real number in ``(0, inf]``.

    Parameters
    ----------
    p
        The value passed.
    method
        The public method's name, for the message.

    Returns
    -------
    float
        ``p`` as a float.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_p(2, "unit"), check_p(float("inf"), "unit")
    (2.0, inf)
    >>> check_p(0, "unit")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.unit: p=0 must be a number in (0, inf] (use float('inf') for the max norm)
    """
    if not _is_real(p) or math.isnan(float(p)) or float(p) <= 0:  # type: ignore[arg-type]
        msg = f"polars_norm.{method}: p={p!r} must be a number in (0, inf] (use float('inf') for the max norm)"
        raise ValueError(msg)
    return float(p)  # type: ignore[arg-type]


def check_positive(value: object, param: str, method: str) -> float:
    """Check a parameter that must be a finite real number > 0.

    Parameters
    ----------
    value
        The value passed.
    param, method
        The parameter's and the public method's names, for the message.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_positive(0.5, "temperature", "softmax")
    0.5
    >>> check_positive(float("inf"), "temperature", "softmax")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.softmax: temperature=inf must be a finite number > 0
    """
    if not _is_real(value) or not math.isfinite(float(value)) or float(value) <= 0:  # type: ignore[arg-type]
        msg = f"polars_norm.{method}: {param}={value!r} must be a finite number > 0"
        raise ValueError(msg)
    return float(value)  # type: ignore[arg-type]


def check_finite(value: object, param: str, method: str) -> float:
    """Check a parameter that must be a finite real number (not a bool).

    Parameters
    ----------
    value
        The value passed.
    param, method
        The parameter's and the public method's names, for the message.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_finite(-2, "lmbda", "box_cox")
    -2.0
    >>> check_finite(float("nan"), "lmbda", "box_cox")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.box_cox: lmbda=nan must be a finite number
    """
    if not _is_real(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]
        msg = f"polars_norm.{method}: {param}={value!r} must be a finite number"
        raise ValueError(msg)
    return float(value)  # type: ignore[arg-type]


def _real_pair(value: object) -> tuple[float, float] | None:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return None
    first, second = value
    if not (_is_real(first) and _is_real(second)):
        return None
    return float(first), float(second)


def check_feature_range(feature_range: object, method: str) -> tuple[float, float]:
    """Check a ``feature_range``: a pair ``(low, high)`` of finite numbers with ``low < high``.

    Parameters
    ----------
    feature_range
        The value passed (a tuple or list).
    method
        The public method's name, for the message.

    Returns
    -------
    tuple[float, float]
        The pair as floats.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_feature_range([-1, 1], "minmax")
    (-1.0, 1.0)
    >>> check_feature_range((1.0, 1.0), "minmax")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.minmax: feature_range=(1.0, 1.0) must be a pair (min, max) of finite numbers with min < max
    """
    pair = _real_pair(feature_range)
    if pair is None or not all(map(math.isfinite, pair)) or pair[0] >= pair[1]:
        msg = (
            f"polars_norm.{method}: feature_range={feature_range!r} must be a pair "
            "(min, max) of finite numbers with min < max"
        )
        raise ValueError(msg)
    return pair


def check_quantile_range(quantile_range: object, method: str) -> tuple[float, float]:
    """Check a ``quantile_range``: a pair ``(q_lo, q_hi)`` with ``0 <= q_lo < q_hi <= 1``.

    Parameters
    ----------
    quantile_range
        The value passed (a tuple or list).
    method
        The public method's name, for the message.

    Returns
    -------
    tuple[float, float]
        The pair as floats.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_quantile_range((0.1, 0.9), "robust")
    (0.1, 0.9)
    >>> check_quantile_range((25, 75), "robust")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.robust: quantile_range=(25, 75) must be a pair (q_lo, q_hi) with 0 <= q_lo < q_hi <= 1
    """
    pair = _real_pair(quantile_range)
    if pair is None or not (0.0 <= pair[0] < pair[1] <= 1.0):
        msg = (
            f"polars_norm.{method}: quantile_range={quantile_range!r} must be a pair "
            "(q_lo, q_hi) with 0 <= q_lo < q_hi <= 1"
        )
        raise ValueError(msg)
    return pair


def check_open_unit_interval(value: object, param: str, method: str, *, closed_low: bool = False) -> float:
    """Check a parameter that must lie in ``(0, 1)``, or ``[0, 1)`` with ``closed_low``.

    Parameters
    ----------
    value
        The value passed.
    param, method
        The parameter's and the public method's names, for the message.
    closed_low
        Accept 0.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    ValueError
        Naming the method, the parameter, the value and the interval.

    Examples
    --------
    >>> check_open_unit_interval(0, "offset", "quantile", closed_low=True)
    0.0
    >>> check_open_unit_interval(1, "offset", "quantile", closed_low=True)
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.quantile: offset=1 must be in [0, 1)
    """
    number = float(value) if _is_real(value) else math.nan  # type: ignore[arg-type]
    low_ok = number >= 0.0 if closed_low else number > 0.0
    if not (low_ok and number < 1.0):
        interval = "[0, 1)" if closed_low else "(0, 1)"
        msg = f"polars_norm.{method}: {param}={value!r} must be in {interval}"
        raise ValueError(msg)
    return number


def is_pandas_frame(obj: object) -> bool:
    """Whether ``obj`` is a pandas DataFrame (without importing pandas: none can exist unless it was imported).

    Examples
    --------
    >>> import polars as pl
    >>> is_pandas_frame(pl.DataFrame({"x": [1]}))
    False
    """
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(obj, pandas.DataFrame)
