"""Batches of a :class:`~polars_norm.WindowNormalizer`: their checks and their rows' group codes.

Every group the normalizer has seen has a dense code, its row in the key
frame of the ``partition_by`` columns (in order of first appearance). A
batch's rows are mapped to codes by joining their keys to that frame (a hash
join, with null keys equal as in Polars' ``.over``): the data is never
sorted. Without ``partition_by`` every row is in group 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

__all__ = ["CODE", "check_batch", "check_by_order", "group_codes", "key_text", "show"]

#: The column of group codes in the frames a normalizer builds.
CODE = "__polars_norm_group__"


def check_batch(batch: pl.DataFrame, names: Sequence[str], schema: Mapping[str, pl.DataType] | None) -> None:
    """Check that ``batch`` has the columns ``names``, of the dtypes of ``schema`` (the first batch's).

    Parameters
    ----------
    batch
        A batch.
    names
        The columns the normalizer reads: its columns, ``partition_by``, ``by``.
    schema
        Their dtypes in the first batch, or None for the first batch.

    Raises
    ------
    TypeError
        A batch that is not a DataFrame.
    ValueError
        A missing column, a dtype other than the first batch's, or a column named like the group codes.

    Examples
    --------
    >>> check_batch(pl.DataFrame({"x": [1.0]}), ["x"], {"x": pl.Int64()})
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.WindowNormalizer: column 'x' has dtype Float64 in this batch, Int64 in the first batch
    """
    if not isinstance(batch, pl.DataFrame):
        msg = f"polars_norm.WindowNormalizer: a batch must be a polars DataFrame, got {type(batch).__name__}"
        raise TypeError(msg)
    for name in names:
        if name not in batch.columns:
            msg = f"polars_norm.WindowNormalizer: the batch has no column {name!r} (it has {batch.columns})"
            raise ValueError(msg)
        if schema is not None and batch.schema[name] != schema[name]:
            msg = (
                f"polars_norm.WindowNormalizer: column {name!r} has dtype {batch.schema[name]} in this batch, "
                f"{schema[name]} in the first batch"
            )
            raise ValueError(msg)
    if CODE in batch.columns:
        msg = f"polars_norm.WindowNormalizer: the batch has a column named {CODE!r}, a name reserved for group codes"
        raise ValueError(msg)


def group_codes(keys: pl.DataFrame | None, batch: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame | None]:
    """The group code of each row of ``batch``, and the key frame with the batch's new groups appended.

    Parameters
    ----------
    keys
        The key frame of the known groups (its ``partition_by`` columns),
        or None without ``partition_by``.
    batch
        The batch (with the ``partition_by`` columns).

    Returns
    -------
    tuple[pl.Series, pl.DataFrame | None]
        Int64 codes named :data:`CODE`, one per row in row order, and the
        new key frame (``keys`` itself if nothing is new); ``keys`` is not modified.

    Examples
    --------
    >>> keys = pl.DataFrame({"g": ["a"]})
    >>> codes, new = group_codes(keys, pl.DataFrame({"g": [None, "a", "b", None]}))
    >>> codes.to_list(), new["g"].to_list()
    ([1, 0, 2, 1], ['a', None, 'b'])
    """
    if keys is None:
        return pl.Series(CODE, [0] * batch.height, dtype=pl.Int64), None
    names = keys.columns
    rows = batch.select(names)
    known = keys.with_row_index(CODE).with_columns(pl.col(CODE).cast(pl.Int64))
    codes = rows.join(known, on=names, how="left", nulls_equal=True, maintain_order="left")[CODE]
    missing = codes.is_null()
    if not missing.any():
        return codes, keys
    fresh = rows.filter(missing).unique(maintain_order=True)
    keys = pl.concat([keys, fresh], how="vertical")
    known = keys.with_row_index(CODE).with_columns(pl.col(CODE).cast(pl.Int64))
    codes = rows.join(known, on=names, how="left", nulls_equal=True, maintain_order="left")[CODE]
    return codes, keys


def show(value: Any) -> str:
    """A value as a message shows it: strings quoted, ``null``, dates and numbers as printed.

    Examples
    --------
    >>> import datetime
    >>> show("a"), show(None), show(datetime.date(2024, 1, 2)), show(2.5)
    ("'a'", 'null', '2024-01-02', '2.5')
    """
    if value is None:
        return "null"
    return repr(value) if isinstance(value, str) else str(value)


def key_text(keys: pl.DataFrame | None, code: int) -> str:
    """The key of group ``code`` for a message: ``g='a'``, ``all rows`` without groups.

    Examples
    --------
    >>> key_text(pl.DataFrame({"g": ["a", None], "h": [1, 2]}), 1)
    'g=null, h=2'
    """
    if keys is None:
        return "all rows (no partition_by)"
    return ", ".join(f"{name}={show(keys[name][code])}" for name in keys.columns)


def check_by_order(
    by: str,
    values: pl.Series,
    codes: pl.Series,
    last: pl.DataFrame,
    keys: pl.DataFrame | None,
    *,
    sees_instant: bool = False,
) -> None:
    """Refuse ``by`` values that decrease within a group, across batches too, or are null.

    Parameters
    ----------
    by
        The name of the time column, for the message.
    values
        The batch's ``by`` values.
    codes
        The batch's group codes.
    last
        The last ``by`` value of each known group: columns :data:`CODE` and ``by``.
    keys
        The key frame naming the groups (None without ``partition_by``).
    sees_instant
        Whether a window holds every row at its own instant, later rows
        included (Polars' ``closed="right"`` or ``"both"`` without ``lag``):
        then a group's first row must come strictly after its previous
        batch's last one, whose rows were returned without it.

    Raises
    ------
    ValueError
        Naming the column, the group and the first offending value.

    Examples
    --------
    >>> last = pl.DataFrame({CODE: [0], "t": [5]})
    >>> check_by_order("t", pl.Series("t", [6, 4]), pl.Series(CODE, [0, 0]), last, None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.WindowNormalizer: `by` column 't' must be non-decreasing ... the value 4 at row 1 ...
    """
    frame = pl.DataFrame([codes.alias(CODE), values.alias(by)])
    frame = frame.with_row_index("__row").join(last.rename({by: "__last"}), on=CODE, how="left", maintain_order="left")
    frame = frame.with_columns(__first=pl.int_range(pl.len()).over(CODE) == 0)
    previous = pl.col(by).shift(1).over(CODE).fill_null(pl.col("__last"))
    tie = (pl.col("__first") & (pl.col(by) == pl.col("__last"))) if sees_instant else pl.lit(False)
    bad = frame.filter(pl.col(by).is_null() | (pl.col(by) < previous) | tie).head(1)
    if bad.height == 0:
        return
    row = bad.row(0, named=True)
    value, before = row[by], row["__last"] if row["__last"] is not None else None
    group = key_text(keys, row[CODE])
    if value is None:
        problem = f"a null value at row {row['__row']} of the batch"
    elif row["__first"] and value == before:
        msg = (
            f"polars_norm.WindowNormalizer: `by` column {by!r}, group {group}: the value {show(value)} at row "
            f"{row['__row']} of the batch equals the last one of the previous batch. A window that holds its own "
            "instant (closed='right' or 'both' without lag) holds every row at that instant, later ones too, so "
            "the rows of one instant must arrive in one batch. The batch was refused and the state is unchanged"
        )
        raise ValueError(msg)
    else:
        prior = frame.filter((pl.col(CODE) == row[CODE]) & (pl.col("__row") < row["__row"]))[by]
        before = prior[-1] if prior.len() else before
        problem = f"the value {show(value)} at row {row['__row']} of the batch comes after {show(before)}"
    msg = (
        f"polars_norm.WindowNormalizer: `by` column {by!r} must be non-decreasing within each group, "
        f"across batches too, and not null; group {group}: {problem}. The batch was refused and the state is unchanged"
    )
    raise ValueError(msg)
