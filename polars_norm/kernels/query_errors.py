"""Errors raised from inside a running query, with the message the user should read.

Some conditions can only be checked on the data, when the query runs (a
``by`` column that must be sorted, say). Every such error in polars-norm goes
through :func:`raise_when`: the user sees ``InvalidOperationError`` (or the
class given) whose message *starts with* ``polars_norm.<method>: ...``, under
the eager, lazy and streaming engines alike.

Polars limitation
-----------------
Polars has no expression that raises an error of one's own: no
``pl.raise``/``Expr.assert``. Requests: pola-rs/polars#15184 (a lazily
evaluated error expression), #16120 (``Expr.assert_all_true``), the RFC
#23364 (lazy assertion expressions); the ``LazyFrame.assert_err`` pull request
#20100 was closed unmerged. The native tricks that do fail at run time (a
strict cast of the message to an integer, ``replace_strict``, a strict
``str.to_integer``) wrap the message in Polars' own text ("conversion from
`str` to `i64` failed in column 'literal' for 1 out of 1 values: [...]").

The workaround here is a Python function run through ``map_batches`` on the
condition, declared elementwise (each row's output, ``True``, depends on that
row only; the error is a side effect): one call per column, or per morsel
under the streaming engine, even under ``.over`` (a scalar condition there
would cost a Python call per group, slow with many groups), never a
Python loop over rows. A Python exception raised there reaches the caller
with its class and message intact. A per-row condition (``b < b.shift(1)``
rather than its ``.any()``) needs no aggregate, so the streaming engine
buffers nothing for the check.

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
        A Boolean expression, true where the error applies: per row (best:
        elementwise, no aggregate) or a scalar such as ``.any()``. Computed
        when the query runs; null counts as false.
    message
        The whole error message, naming the method, the parameter and what
        to do, e.g. ``"polars_norm.ewm_zscore_by: lag=True needs `by` ..."``.
    error
        The exception class raised (default Polars' ``InvalidOperationError``).

    Returns
    -------
    pl.Expr
        ``True`` (per row, or a scalar for a scalar condition) whenever the
        query goes on. Use it where the query must evaluate it, e.g. through
        :func:`unless_raised`.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.kernels.query_errors import unless_raised
    >>> df = pl.DataFrame({"t": [1, 3, 2]})
    >>> sorted_t = unless_raised(pl.col("t"), pl.col("t").diff() < 0, "t must be sorted")
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
        return pl.repeat(True, flag.len(), dtype=pl.Boolean, eager=True).alias(flag.name)

    return condition.map_batches(check, return_dtype=pl.Boolean, is_elementwise=True)


def unless_raised(expr: pl.Expr, condition: pl.Expr, message: str) -> pl.Expr:
    """``expr``, or ``InvalidOperationError(message)`` when the query runs and ``condition`` holds.

    The check sits on top of ``expr`` as a ``when/then``: elementwise for a
    per-row condition.

    Parameters
    ----------
    expr
        The result.
    condition
        A Boolean expression, true where the error applies, as in :func:`raise_when`.
    message
        The error message, as in :func:`raise_when`.

    Returns
    -------
    pl.Expr
        ``expr`` itself when the query goes on.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.kernels.query_errors import unless_raised
    >>> df = pl.DataFrame({"x": [1.0, 2.0]})
    >>> df.select(unless_raised(pl.col("x") * 2, pl.col("x").is_null().any(), "x has nulls"))["x"].to_list()
    [2.0, 4.0]
    """
    return pl.when(raise_when(condition, message)).then(expr)
