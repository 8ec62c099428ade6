"""Each row's group: the position of its ``by`` key among the fitted groups.

Elementwise, so it streams: a dense table for integer, boolean and date keys,
an ``Enum`` cast for strings and categoricals (``replace_strict`` buffered the
whole input). Used by :mod:`polars_norm.fitted.transform` for grouped statistics.
"""

from __future__ import annotations

import polars as pl

__all__ = ["DENSE_SPAN", "group_index", "raise_unseen"]

DENSE_SPAN = 1 << 20


def group_index(keys: pl.DataFrame, col: pl.Expr) -> pl.Expr | None:
    """An elementwise expression for each row's position in ``keys`` (null if absent), or ``None``.

    ``keys`` holds the distinct group keys (one row each, possibly a null
    key); ``col`` is the frame's key column, cast to the dtype of ``keys``
    (see :mod:`polars_norm.fitted.keys`). For one integer, boolean or temporal key spanning few values, the
    position is read from a dense table indexed by ``key - min``; for one
    string or categorical key (or integers spanning many values), it is the
    physical code of a cast to an ``Enum`` of the keys. Both are elementwise,
    so under the streaming engine they stay out of core, unlike
    ``replace_strict``, whose literal mapping makes Polars buffer the whole
    input. Other keys (several columns, floats) return ``None``: use a join.

    Parameters
    ----------
    keys
        The distinct fitted keys, one column per ``by`` key.
    col
        The frame's key column.

    Returns
    -------
    pl.Expr or None
        An unsigned integer position into ``keys``: null for a key not among
        them; a null key finds the null row of ``keys``, if any.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.lookup import group_index
    >>> keys = pl.DataFrame({"g": [10, 30, None]})
    >>> frame = pl.DataFrame({"g": [30, 20, None, 10]})
    >>> frame.select(group_index(keys, pl.col("g")).alias("position"))
    shape: (4, 1)
    ┌──────────┐
    │ position │
    │ ---      │
    │ u32      │
    ╞══════════╡
    │ 1        │
    │ null     │
    │ 2        │
    │ 0        │
    └──────────┘
    >>> group_index(pl.DataFrame({"g": [1.5]}), pl.col("g")) is None
    True
    """
    if keys.width != 1:
        return None
    series = keys.to_series()
    dtype = series.dtype
    position = pl.Series(range(len(series)), dtype=pl.UInt32)
    valid = series.is_not_null()
    index: pl.Expr
    if dtype.is_integer() or dtype == pl.Boolean or dtype.is_temporal():
        # keys beyond Int64 (UInt64, Int128) become null here, and take the Enum route below
        codes = series.to_physical().cast(pl.Int64, strict=False)
        lo, hi = codes.min(), codes.max()
        if codes.null_count() > series.null_count():
            index = _enum_index(col, series.filter(valid), position.filter(valid))
        elif lo is None or hi is None:
            index = pl.lit(None, pl.UInt32)
        elif int(hi) - int(lo) < max(DENSE_SPAN, 8 * len(series)):
            span = int(hi) - int(lo) + 1
            table = pl.Series([None] * span, dtype=pl.UInt32).scatter(
                (codes.filter(valid) - lo).to_list(), position.filter(valid)
            )
            # a frame key beyond Int64 is no fitted key: null offset, null index
            offset = col.to_physical().cast(pl.Int64, strict=False) - lo
            index = pl.lit(table).gather(pl.when((offset >= 0) & (offset < span)).then(offset))
        elif dtype.is_integer():
            index = _enum_index(col, series.filter(valid), position.filter(valid))
        else:
            return None
    elif dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        index = _enum_index(col, series.filter(valid), position.filter(valid))
    else:
        return None
    null_at = position.filter(~valid)
    if null_at.len():
        index = pl.when(col.is_null()).then(pl.lit(null_at[0], pl.UInt32)).otherwise(index)
    return index


def _enum_index(col: pl.Expr, keys: pl.Series, position: pl.Series) -> pl.Expr:
    """Position through the physical code of a cast to ``Enum(keys)`` (unknown values become null)."""
    text = keys.cast(pl.String)
    code = col.cast(pl.String).cast(pl.Enum(text), strict=False).to_physical()
    if position.equals(pl.Series(range(len(keys)), dtype=pl.UInt32)):
        return code
    return pl.lit(position).gather(code)


def raise_unseen(lazy: pl.LazyFrame, stats: pl.DataFrame, by: list[str], where: str) -> None:
    """Raise a ``ValueError`` naming up to five keys of ``lazy`` absent from ``stats``.

    Parameters
    ----------
    lazy
        The frame being transformed (only its key columns are read, once,
        under the streaming engine).
    stats
        The fitted groups: a frame holding the ``by`` columns.
    by
        The key columns.
    where
        The caller, named in the error message.

    Raises
    ------
    ValueError
        Some key of ``lazy`` is not in ``stats`` (a null key matches a null
        key).

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.lookup import raise_unseen
    >>> stats = pl.DataFrame({"g": ["a", "b"]})
    >>> raise_unseen(pl.LazyFrame({"g": ["a", "b", "a"]}), stats, ["g"], "transform")
    >>> raise_unseen(pl.LazyFrame({"g": ["a", "c"]}), stats, ["g"], "transform")
    Traceback (most recent call last):
        ...
    ValueError: polars_norm.transform: groups not seen in fitting (unseen='raise'): {'g': 'c'}
    """
    keys = lazy.select(by).unique().join(stats.lazy().select(by), on=by, how="anti", nulls_equal=True)
    missing = keys.head(5).collect(engine="streaming")
    if missing.height:
        groups = ", ".join(str(dict(zip(by, r, strict=True))) for r in missing.iter_rows())
        msg = f"polars_norm.{where}: groups not seen in fitting (unseen='raise'): {groups}"
        raise ValueError(msg)
