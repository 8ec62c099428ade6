"""A null that Polars' common-subexpression elimination accepts (a workaround).

Polars computes a subexpression repeated across the outputs of one query once
(common-subexpression elimination, CSE), except one that holds a null literal
(``pl.lit(None)``, ``fill_nan(None)``, ``when(...).then(None)``): such an
expression is computed again for every output. Row-wise methods give one
output per column, each holding the row's statistics, so with a null literal
the work grows with the square of the number of columns. A one-element Series
literal's ``first()`` is the same null to every computation, and CSE shares
it.

How to tell when this can go: in
``pl.LazyFrame({"x": [1.0]}).select(e.alias("a"), (e + 1).alias("b")).explain()``
with ``e = pl.col("x").fill_nan(None).sum()``, ``__POLARS_CSER`` names the
sum (today only the ``is_not_nan`` predicate is shared). Then :func:`null` can
return ``pl.lit(None, dtype=dtype)`` and be inlined; ``tests/kernels/test_shared_nulls.py``
says which.
"""

from __future__ import annotations

import polars as pl

__all__ = ["null"]


def null(dtype: pl.DataType | type[pl.DataType] = pl.Float64) -> pl.Expr:
    """A scalar null of ``dtype`` that common-subexpression elimination can share.

    Use it wherever a null literal would sit in an expression that several
    outputs of one query repeat (see the module notes).

    Parameters
    ----------
    dtype
        The null's dtype.

    Returns
    -------
    pl.Expr
        A scalar null.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"x": [1.0, float("nan")]})
    >>> df.select(pl.col("x").fill_nan(null())).to_series().to_list()
    [1.0, None]
    """
    return pl.lit(pl.Series("null", [None], dtype=dtype)).first()
