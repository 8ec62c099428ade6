"""Map keys of groups: a group's ``by`` values as a hashable tuple that compares as the group-key rule does.

The quantile sketches (:mod:`polars_norm.fitted.sketch`) are kept in maps
keyed by ``(group key, column)``; :func:`group_key_rows` gives each row's
group key, :func:`sketch_key` normalizes a key a user passes, and
:func:`keyed_rows` reads the ``(group key, column)`` map keys of a state's
rows.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import polars as pl

__all__ = ["NAN_KEY", "GroupKey", "group_key_rows", "keyed_rows", "sketch_key"]

GroupKey = tuple[Any, ...]


def sketch_key(key: Hashable) -> GroupKey:
    """Normalize a group key (a scalar or a tuple) into the tuple form the maps use."""
    return key if isinstance(key, tuple) else (key,)


_NS_PER_UNIT = {"ns": 1, "us": 1_000, "ms": 1_000_000}
#: The map key of a NaN group key (NaN equals nothing in Python, so it could never be looked up).
NAN_KEY = "NaN"


def group_key_rows(keys: pl.DataFrame, by: Sequence[str]) -> list[GroupKey]:
    """The map key of each row's group: the values of its ``by`` columns as a tuple, made comparable.

    Two keys that the group-key rule (:mod:`polars_norm.fitted.keys`) calls equal
    give equal tuples, whatever their dtypes: integers, floats and decimals
    as Python numbers; text (``String``, ``Categorical``, ``Enum``) as
    ``str``; ``Datetime`` and ``Duration`` as integer nanoseconds whatever
    their unit (Python's ``datetime`` would drop nanoseconds and stop at year
    9999), ``Date`` as its day number, ``Time`` as nanoseconds; NaN as
    :data:`NAN_KEY`. Without ``by`` every row's key is ``()``.

    Parameters
    ----------
    keys
        A frame holding the ``by`` columns.
    by
        The key columns, in order.

    Returns
    -------
    list of tuple
        One tuple per row of ``keys``; a null key stays ``None``.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> from polars_norm.fitted.sketch_keys import group_key_rows
    >>> keys = pl.DataFrame({"g": [1.0, float("nan")], "d": [dt.date(1970, 1, 2), None]})
    >>> group_key_rows(keys, ["g", "d"])
    [(1.0, 1), ('NaN', None)]
    >>> group_key_rows(keys, [])
    [(), ()]
    """
    if not by:
        return [()] * keys.height
    exprs: list[pl.Expr] = []
    floats = False
    for name in by:
        dtype, col = keys.schema[name], pl.col(name)
        if isinstance(dtype, (pl.Datetime, pl.Duration)):
            col = col.to_physical().cast(pl.Int128) * _NS_PER_UNIT[dtype.time_unit or "us"]
        elif dtype in (pl.Date, pl.Time):
            col = col.to_physical()
        elif dtype == pl.Categorical or isinstance(dtype, pl.Enum):
            col = col.cast(pl.String)
        floats = floats or dtype.is_float()
        exprs.append(col.alias(name))
    rows = keys.select(exprs).iter_rows()
    if not floats:
        return list(rows)
    return [tuple(NAN_KEY if isinstance(v, float) and v != v else v for v in row) for row in rows]


def keyed_rows(keys: pl.DataFrame) -> list[tuple[GroupKey, str]]:
    """The (group key, column) map keys of rows holding the ``by`` keys, then the column name.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.sketch_keys import keyed_rows
    >>> keyed_rows(pl.DataFrame({"g": ["a", "b"], "column": ["x", "y"]}))
    [(('a',), 'x'), (('b',), 'y')]
    """
    *by, column = keys.columns
    return list(zip(group_key_rows(keys, by), keys.get_column(column).to_list(), strict=True))
