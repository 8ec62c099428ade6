"""Errors raised from inside a running query, with the message the user should read.

Some conditions can only be checked on the data, when the query runs (a
``by`` column that must be sorted, say). Every such error in polars-norm goes
through :func:`raise_when`: the user sees ``InvalidOperationError`` (or the
class given) whose message *starts with* ``polars_norm.<method>: ...``, under
the eager, lazy and streaming engines alike.

Polars limitation
-----------------
Polars 2.1 has no expression that raises an error of one's own: no
``pl.raise``/``Expr.assert``. Requests: pola-rs/polars#15184 (a lazily
evaluated error expression), #16120 (``Expr.assert_all_true``), the RFC
#23364 (lazy assertion expressions); the ``LazyFrame.assert_err`` pull request
#20100 was closed unmerged. The native tricks that do fail at run time (a
strict cast of the message to an integer, ``replace_strict``, a strict
``str.to_integer``) wrap the message in Polars' own text ("conversion from
`str` to `i64` failed in column 'literal' for 1 out of 1 values: [...]").

The workaround here is a Python function run through ``map_batches`` on the
*scalar* condition: one call per query (per group under ``.over``), never per
row. A Python exception raised there reaches the caller with its class and
message intact. It reads a scalar the query computes anyway, so the
streaming engine buffers no more than the condition itself needs.

The workaround can go when Polars ships a native raising expression: when
``hasattr(pl.Expr, "assert_all_true")`` or ``hasattr(pl, "raise_error")``
(whatever name lands) is true in the pinned Polars version, rewrite
:func:`raise_when` on it and keep its tests (tests/test_query_errors.py),
which check the class and the first line of the message.
"""

from __future__ import annotations

import polars as pl
from polars.exceptions import InvalidOperationError

__all__ = ["raise_when", "unless_raised"]


def raise_when(condition: pl.Expr, message: str, *, error: type[Exception] = InvalidOperationError) -> pl.Expr:
    """A scalar ``True`` that raises ``error(message)`` instead when ``condition`` holds.

    Parameters
    ----------
    condition
        A scalar Boolean expression (an aggregation such as ``.any()``),
        computed when the query runs; per group under ``.over``. Null counts
        as false.
    message
        The whole error message, naming the method, the parameter and what
        to do, e.g. ``"polars_norm.ewm_zscore_by: lag=True needs `by` ..."``.
    error
        The exception class raised (default Polars' ``InvalidOperationError``).

    Returns
    -------
    pl.Expr
        A Boolean scalar, ``True`` whenever the query goes on. Use it where the
        query must evaluate it, e.g. through :func:`unless_raised`.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.query_errors import unless_raised
    >>> df = pl.DataFrame({"t": [1, 3, 2]})
    >>> sorted_t = unless_raised(pl.col("t"), pl.col("t").diff().lt(0).any(), "t must be sorted")
    >>> df.sort("t").select(sorted_t)["t"].to_list()
    [1, 2, 3]
    >>> df.select(sorted_t)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    polars.exceptions.InvalidOperationError: t must be sorted...
    """

    def check(flag: pl.Series) -> pl.Series:
        if flag.any():  # null is not true
            raise error(message)
        return pl.Series(flag.name, [True], dtype=pl.Boolean)

    return condition.map_batches(check, return_dtype=pl.Boolean, returns_scalar=True)


def unless_raised(expr: pl.Expr, condition: pl.Expr, message: str) -> pl.Expr:
    """``expr``, or ``InvalidOperationError(message)`` when the query runs and ``condition`` holds.

    The check sits on top of ``expr`` as a ``when/then`` on a scalar: Polars
    evaluates that scalar first, so it raises before ``expr`` is computed.

    Parameters
    ----------
    expr
        The result.
    condition
        A scalar Boolean expression, as in :func:`raise_when`.
    message
        The error message, as in :func:`raise_when`.

    Returns
    -------
    pl.Expr
        ``expr`` itself when the query goes on.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.query_errors import unless_raised
    >>> df = pl.DataFrame({"x": [1.0, 2.0]})
    >>> df.select(unless_raised(pl.col("x") * 2, pl.col("x").is_null().any(), "x has nulls"))["x"].to_list()
    [2.0, 4.0]
    """
    return pl.when(raise_when(condition, message)).then(expr)
