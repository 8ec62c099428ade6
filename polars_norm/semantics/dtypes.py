"""The dtype rule: which columns are numeric, what float dtype they are computed in, wide integers exactly.

Integers, unsigned integers and Decimal are computed in Float64 (nothing
wraps); Float32 stays Float32 (statistics accumulate in Float64). Integers
wider than 53 bits are centered exactly in integer arithmetic before the cast
(:func:`exact_offsets`, :func:`exact_range`). Any other dtype raises a
``TypeError`` naming the column, its dtype and the method, when the query is
planned (:func:`numeric_expr`, through which every method builds its
expression). :func:`is_pandas_frame` tells a pandas input frame apart without
importing pandas.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import polars as pl

__all__ = [
    "exact_offsets",
    "exact_range",
    "float_dtype",
    "is_pandas_frame",
    "is_wide_integer",
    "numeric_expr",
    "unsigned_offsets",
]


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
