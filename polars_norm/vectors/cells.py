"""The plumbing shared by every vector-cell function: the cell's dtype facts and the plan-time check.

:class:`Vec` holds whether a column is an ``Array`` or a ``List``, its element
float dtype and width, and routes each operation to ``arr.*`` or ``list.*``;
:func:`vector_expr` checks the dtype when the query is planned and builds on
the checked column. The rules these functions follow are in
:mod:`polars_norm.vectors.norms`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from polars_norm.semantics import NanPolicy, _column_label, float_dtype

__all__ = ["Vec", "cell_maxabs", "even", "pow2", "valid_view", "vector_expr"]


@dataclass(frozen=True)
class Vec:
    """The dtype facts of a vector column and the matching namespace calls.

    Each method routes to ``arr.*`` for an ``Array`` column and ``list.*`` for
    a ``List`` one, so the vector functions are written once.

    Attributes
    ----------
    is_array
        Whether the column is an ``Array`` (else a ``List``).
    inner
        The element float dtype the vectors are computed in.
    width
        The ``Array`` width (0 for ``List``).

    Examples
    --------
    >>> df = pl.DataFrame({"v": [[3.0, -4.0], [1.0, None]]})
    >>> vec = Vec(is_array=False, inner=pl.Float64)
    >>> df.select(vec.maxabs(pl.col("v"))).to_series().to_list()
    [4.0, 1.0]
    """

    is_array: bool
    inner: type[pl.Float32] | type[pl.Float64]
    width: int = 0  # the Array width (0 for List)

    def max(self, x: pl.Expr) -> pl.Expr:
        """The largest element of each vector (nulls and NaN skipped unless all NaN).

        Examples
        --------
        >>> df = pl.DataFrame({"v": [[3.0, -4.0], [1.0, None]]})
        >>> df.select(Vec(False, pl.Float64).max(pl.col("v"))).to_series().to_list()
        [3.0, 1.0]
        """
        return x.arr.max() if self.is_array else x.list.max()

    def min(self, x: pl.Expr) -> pl.Expr:
        """The smallest element of each vector (nulls and NaN skipped unless all NaN).

        Examples
        --------
        >>> df = pl.DataFrame({"v": [[3.0, -4.0], [1.0, None]]})
        >>> df.select(Vec(False, pl.Float64).min(pl.col("v"))).to_series().to_list()
        [-4.0, 1.0]
        """
        return x.arr.min() if self.is_array else x.list.min()

    def sum(self, x: pl.Expr) -> pl.Expr:
        """The sum of each vector's elements (nulls skipped).

        Examples
        --------
        >>> df = pl.DataFrame({"v": [[3.0, -4.0], [1.0, None]]})
        >>> df.select(Vec(False, pl.Float64).sum(pl.col("v"))).to_series().to_list()
        [-1.0, 1.0]
        """
        return x.arr.sum() if self.is_array else x.list.sum()

    def mean(self, x: pl.Expr) -> pl.Expr:
        """The mean of each vector's elements (nulls skipped).

        Examples
        --------
        >>> df = pl.DataFrame({"v": [[3.0, -4.0], [1.0, None]]})
        >>> df.select(Vec(False, pl.Float64).mean(pl.col("v"))).to_series().to_list()
        [-0.5, 1.0]
        """
        return x.arr.mean() if self.is_array else x.list.mean()

    def dot(self, a: pl.Expr, b: pl.Expr) -> pl.Expr:
        """The dot product of two vector columns, row by row; pairs with a null on either side are left out.

        Examples
        --------
        >>> df = pl.DataFrame({"v": [[3.0, -4.0], [1.0, None]]}, schema={"v": pl.Array(pl.Float64, 2)})
        >>> df.select(Vec(True, pl.Float64, 2).dot(pl.col("v"), pl.col("v"))).to_series().to_list()
        [25.0, 1.0]
        """
        return a.arr.dot(b) if self.is_array else (a * b).list.sum()

    def each(self, x: pl.Expr, element_expr: pl.Expr) -> pl.Expr:
        """Apply an element-wise expression to every element (fast, flat path).

        Examples
        --------
        >>> df = pl.DataFrame({"v": [[3.0, -4.0]]})
        >>> df.select(Vec(False, pl.Float64).each(pl.col("v"), pl.element().abs())).to_series().to_list()
        [[3.0, 4.0]]
        """
        return x.arr.eval(element_expr) if self.is_array else x.list.eval(element_expr)

    def scalar(self, value: pl.Expr) -> pl.Expr:
        """A per-row Float64 scalar in the element dtype, so broadcasting does not upcast.

        Examples
        --------
        >>> df = pl.DataFrame({"v": [[3.0, -4.0]]}, schema={"v": pl.List(pl.Float32)})
        >>> df.select(pl.col("v") * Vec(False, pl.Float32).scalar(pl.lit(0.5))).schema["v"]
        List(Float32)
        """
        return value if self.inner == pl.Float64 else value.cast(self.inner)

    def maxabs(self, x: pl.Expr) -> pl.Expr:
        """The largest ``|element|`` (nulls and NaN skipped), Float64.

        Examples
        --------
        >>> df = pl.DataFrame({"v": [[3.0, -4.0], [None, None]]})
        >>> df.select(Vec(False, pl.Float64).maxabs(pl.col("v"))).to_series().to_list()
        [4.0, None]
        """
        return pl.max_horizontal(self.max(x), -self.min(x)).cast(pl.Float64).abs()


def vector_expr(expr: pl.Expr, method: str, build: Callable[[pl.Expr, Vec], pl.Expr]) -> pl.Expr:
    """Check at plan time that ``expr`` is a numeric Array/List and build on it.

    ``build`` receives the vector with Float32 or Float64 elements (other numeric
    elements are cast to Float64 first) and its :class:`Vec` facts. The result
    keeps the input column's name.

    Parameters
    ----------
    expr
        The input column or expression.
    method
        The public method's name, for the error message.
    build
        ``build(x, vec)``: the function on the checked vector column.

    Returns
    -------
    pl.Expr
        The function's expression, resolved when the query is planned.

    Raises
    ------
    TypeError
        When the query is planned, if the column is not an ``Array`` or
        ``List`` of numbers; the message names the column, its dtype and
        ``method``.

    Examples
    --------
    >>> total = vector_expr(pl.col("v"), "total", lambda x, vec: vec.sum(x))
    >>> pl.DataFrame({"v": [[1, 2], [3, 4]]}).select(total).to_series().to_list()
    [3.0, 7.0]
    >>> pl.DataFrame({"v": [1, 2]}).select(total)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: polars_norm.total: column 'v' has dtype Int64; expected an Array or List column of numbers ...
    """

    def resolve(e: pl.Expr, dtype: pl.DataType) -> pl.Expr:
        is_array = isinstance(dtype, pl.Array)
        inner = dtype.inner if isinstance(dtype, (pl.Array, pl.List)) else None
        if isinstance(inner, type):
            inner = inner()
        out = float_dtype(inner) if inner is not None else None
        if out is None or inner is None:
            msg = (
                f"polars_norm.{method}: column {_column_label(e)} has dtype {dtype}; "
                "expected an Array or List column of numbers (integer, unsigned, float or decimal elements)"
            )
            raise TypeError(msg)
        x = e
        if inner != out:
            target = pl.Array(pl.Float64, dtype.size) if isinstance(dtype, pl.Array) else pl.List(pl.Float64)
            x = e.cast(target)
        width = dtype.size if isinstance(dtype, pl.Array) else 0
        if is_array and width == 0:
            # Polars' arr.max panics on zero-width arrays: take the List route
            # (every vector is empty: null norms, empty outputs) and come back.
            def back(r: pl.Expr, rtype: pl.DataType) -> pl.Expr:
                return r.cast(pl.Array(out, 0)) if isinstance(rtype, pl.List) else r

            result = build(e.cast(pl.List(out)), Vec(is_array=False, inner=out)).pipe_with_dtype(back)
        else:
            result = build(x, Vec(is_array=is_array, inner=out, width=width))
        name = e.meta.output_name(raise_if_undetermined=False)
        return result.alias(name) if name is not None else result

    return expr.pipe_with_dtype(resolve)


def valid_view(x: pl.Expr, vec: Vec, nan: NanPolicy) -> pl.Expr:
    """The elements statistics see: NaN becomes null unless propagating.

    Examples
    --------
    >>> df = pl.DataFrame({"v": [[1.0, float("nan")]]})
    >>> df.select(valid_view(pl.col("v"), Vec(False, pl.Float64), "ignore")).to_series().to_list()
    [[1.0, None]]
    """
    return vec.each(x, pl.element().fill_nan(None)) if nan == "ignore" else x


def cell_maxabs(x: pl.Expr, vec: Vec, nan: NanPolicy) -> pl.Expr:
    """The largest ``|element|`` of each vector, Float64; null for a vector without a valid element.

    ``arr.max``/``arr.min`` skip NaN unless every element is NaN; such a
    vector has no valid element under ``nan="ignore"``, so its scale is null.

    Examples
    --------
    >>> df = pl.DataFrame({"v": [[3.0, -4.0], [float("nan"), float("nan")]]})
    >>> df.select(cell_maxabs(pl.col("v"), Vec(False, pl.Float64), "ignore")).to_series().to_list()
    [4.0, None]
    """
    m = vec.maxabs(x)
    return m.fill_nan(None) if nan == "ignore" else m


def pow2(exponent: pl.Expr | float) -> pl.Expr:
    """``2**exponent`` as an expression (an exact power of two for an integral exponent).

    Examples
    --------
    >>> pl.select(pow2(-3.0)).item(), pl.select(pow2(pl.lit(10.0))).item()
    (0.125, 1024.0)
    """
    e = exponent if isinstance(exponent, pl.Expr) else pl.lit(exponent)
    return pl.lit(2.0).pow(e)


def even(exponent: pl.Expr) -> pl.Expr:
    """Round an exponent down to even, so that ``2**(h / 2)`` (the square root's scale) is exact.

    Examples
    --------
    >>> pl.DataFrame({"k": [3.0, -3.0, 4.0]}).select(even(pl.col("k"))).to_series().to_list()
    [2.0, -4.0, 4.0]
    """
    return (exponent / 2.0).floor() * 2.0
