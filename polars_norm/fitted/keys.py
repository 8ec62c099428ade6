"""Group keys: which dtypes may be ``by`` keys, and how keys of two dtypes are matched.

Keys are matched **by value**, never by position or by truncation. The rule,
the same when batches of one fit disagree, when accumulators are merged and
when fitted statistics are applied to a frame:

* The two dtypes must be of one kind: numbers (integers, unsigned integers,
  floats, decimals), text (``String``, ``Categorical``, ``Enum``),
  ``Boolean``, ``Date``, ``Datetime`` (with the same time zone),
  ``Duration`` or ``Time``. A ``Null`` column (all keys null) goes with any
  kind. Anything else raises a ``TypeError`` naming the key and both dtypes:
  ``True`` is not the group ``1``, nor ``"1"`` the group ``1``.
* Within a kind, values are compared in a dtype that holds both exactly:
  integers in Polars' integer supertype (``Int128`` for ``Int64`` with
  ``UInt64``), integers with decimals in Polars' decimal supertype, text as
  ``String``, ``Datetime`` and ``Duration`` in the finer time unit. Any
  float makes the comparison ``Float64`` (``Float32`` with ``Float32``), so
  the group ``1`` matches the key ``1.0`` and ``1.5`` matches nothing; an
  integer beyond ``2**53`` compared with a float key is compared as the
  nearest ``Float64``.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

__all__ = [
    "KEY_KINDS",
    "cast_keys",
    "check_key_dtype",
    "common_key_dtype",
    "common_key_schema",
    "comparable_key",
    "key_kind",
]

#: The kinds of key dtype (see the module notes), for messages.
KEY_KINDS = "numbers, text (String, Categorical, Enum), Boolean, Date, Datetime, Duration or Time"

_UNITS = ("ms", "us", "ns")  # coarse to fine


def key_kind(dtype: pl.DataType) -> str | None:
    """The kind of a key dtype (``"number"``, ``"text"``, ...), or ``None`` for dtypes that cannot be keys.

    Parameters
    ----------
    dtype
        A column's dtype.

    Returns
    -------
    str or None
        ``"null"``, ``"number"``, ``"text"``, ``"boolean"``, ``"date"``,
        ``"time"``, ``"duration"`` or ``"datetime[<time zone>]"``: keys of
        two dtypes can be matched only within one kind (a ``Null`` column goes
        with any).

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.keys import key_kind
    >>> key_kind(pl.Int32()), key_kind(pl.Enum(["a"])), key_kind(pl.Datetime("us", "UTC"))
    ('number', 'text', 'datetime[UTC]')
    >>> key_kind(pl.List(pl.Int64)) is None
    True
    """
    if dtype == pl.Null:
        return "null"
    if dtype.is_numeric():
        return "number"
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        return "text"
    for kind, base in (("boolean", pl.Boolean), ("date", pl.Date), ("time", pl.Time)):
        if dtype == base:
            return kind
    if isinstance(dtype, pl.Datetime):
        return f"datetime[{dtype.time_zone}]"
    if isinstance(dtype, pl.Duration):
        return "duration"
    return None


def check_key_dtype(name: str, dtype: pl.DataType, where: str) -> None:
    """Raise a ``TypeError`` naming ``name`` if ``dtype`` cannot be a group key.

    Parameters
    ----------
    name
        The key column, named in the message.
    dtype
        Its dtype.
    where
        The caller, named in the message.

    Raises
    ------
    TypeError
        ``dtype`` is of no key kind (see :func:`key_kind`).

    Examples
    --------
    >>> import polars as pl
    >>> check_key_dtype("g", pl.Int32(), "fit")
    >>> check_key_dtype("g", pl.List(pl.Int64), "fit")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: polars_norm.fit: by key 'g' has dtype List(Int64); group keys must be numbers, text (...
    """
    if key_kind(dtype) is None:
        msg = f"polars_norm.{where}: by key {name!r} has dtype {dtype}; group keys must be {KEY_KINDS}"
        raise TypeError(msg)


def _supertype(a: pl.DataType, b: pl.DataType) -> pl.DataType:
    """Polars' own supertype of two dtypes (through a relaxed concat of empty columns)."""
    frames = [pl.DataFrame({"k": pl.Series([], dtype=d)}) for d in (a, b)]
    return pl.concat(frames, how="vertical_relaxed").schema["k"]


def common_key_dtype(
    name: str,
    left: pl.DataType,
    right: pl.DataType,
    where: str,
    sides: tuple[str, str] = ("the fitted statistics", "the frame"),
) -> pl.DataType:
    """The dtype in which keys of dtypes ``left`` and ``right`` are compared by value (see the module notes).

    ``sides`` names where each dtype comes from, for the error message.

    Raises
    ------
    TypeError
        If the two dtypes are of different kinds, or either cannot be a key.

    Parameters
    ----------
    name
        The key column, named in the message.
    left, right
        The key's dtypes on the two sides.
    where
        The caller, named in the message.
    sides
        How the message names the two sides.

    Returns
    -------
    pl.DataType
        A dtype holding the values of both exactly (module notes); ``left``
        or ``right`` itself when one holds the other.

    Examples
    --------
    >>> import polars as pl
    >>> common_key_dtype("g", pl.Int64(), pl.UInt8(), "transform")
    Int64
    >>> common_key_dtype("g", pl.Int64(), pl.Float32(), "transform")
    Float64
    >>> common_key_dtype("g", pl.String(), pl.Enum(["b", "c"]), "transform")
    String
    >>> common_key_dtype("g", pl.Int64(), pl.Boolean(), "transform")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: polars_norm.transform: by key 'g' is Int64 in the fitted statistics but Boolean in the frame; ...
    """
    check_key_dtype(name, left, where)
    check_key_dtype(name, right, where)
    if left == right:
        return left
    kinds = key_kind(left), key_kind(right)
    if "null" in kinds:
        return right if kinds[0] == "null" else left
    if kinds[0] != kinds[1]:
        msg = (
            f"polars_norm.{where}: by key {name!r} is {left} in {sides[0]} but {right} in {sides[1]}; "
            "keys are matched by value and must both be numbers, both text, both Boolean, "
            "or of the same temporal dtype (time zone included)"
        )
        raise TypeError(msg)
    kind = kinds[0]
    if kind == "text":
        return pl.String()
    if kind == "number":
        if left.is_float() or right.is_float():
            return pl.Float32() if left == right == pl.Float32 else pl.Float64()
        return _supertype(left, right)
    # Datetime (same time zone) or Duration: the finer unit holds both exactly
    assert isinstance(left, (pl.Datetime, pl.Duration)) and isinstance(right, (pl.Datetime, pl.Duration))
    unit = max(left.time_unit or "us", right.time_unit or "us", key=_UNITS.index)
    if isinstance(left, pl.Datetime):
        return pl.Datetime(unit, left.time_zone)
    return pl.Duration(unit)


def common_key_schema(
    left: Mapping[str, pl.DataType], right: Mapping[str, pl.DataType], where: str, sides: tuple[str, str]
) -> dict[str, pl.DataType]:
    """:func:`common_key_dtype` of every key of ``left`` (which ``right`` must hold too).

    Parameters
    ----------
    left, right
        Key names and dtypes of the two sides.
    where
        The caller, named in error messages.
    sides
        How error messages name the two sides, e.g.
        ``("earlier batches", "this batch")``.

    Returns
    -------
    dict
        Each key's dtype in which both sides' values are compared.

    Raises
    ------
    TypeError
        The two dtypes of a key are of different kinds (module notes).

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.keys import common_key_schema
    >>> left = {"g": pl.Int64(), "h": pl.String()}
    >>> common_key_schema(left, {"g": pl.UInt64(), "h": pl.Categorical()}, "fit", ("one", "other"))
    {'g': Int128, 'h': String}
    >>> sides = ("earlier batches", "this batch")
    >>> common_key_schema({"g": pl.Int64()}, {"g": pl.String()}, "fit", sides)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    TypeError: polars_norm.fit: by key 'g' is Int64 in earlier batches but String in this batch; ...
    """
    return {name: common_key_dtype(name, dtype, right[name], where, sides) for name, dtype in left.items()}


def comparable_key(name: str, dtype: pl.DataType, common: pl.DataType) -> pl.Expr:
    """The key column ``name`` (of ``dtype``) as it is compared: cast to ``common``, every NaN the same NaN.

    A value that ``common`` cannot hold becomes null (it equals no key of the
    other side, whose values ``common`` holds): callers tell it from a null
    key with ``pl.col(name).is_not_null()``.

    Parameters
    ----------
    name
        The key column.
    dtype
        Its dtype in the frame.
    common
        The dtype keys are compared in (:func:`common_key_dtype`).

    Returns
    -------
    pl.Expr
        The key cast (not strictly) to ``common``.

    Notes
    -----
    Polars joins float keys by their bits, and NaN has many bit patterns (a
    NaN from arithmetic is not the NaN literal), so NaN keys are made one.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.keys import comparable_key
    >>> df = pl.DataFrame({"g": [1, 2**40]})
    >>> df.select(comparable_key("g", pl.Int64(), pl.Int32()).alias("as_int32"))
    shape: (2, 1)
    ┌──────────┐
    │ as_int32 │
    │ ---      │
    │ i32      │
    ╞══════════╡
    │ 1        │
    │ null     │
    └──────────┘
    """
    col = pl.col(name) if dtype == common else pl.col(name).cast(common, strict=False)
    if common.is_float():
        col = pl.when(col.is_nan()).then(pl.lit(float("nan"), common)).otherwise(col)
    return col


def cast_keys(frame: pl.DataFrame, key_schema: Mapping[str, pl.DataType], where: str) -> pl.DataFrame:
    """``frame`` with its key columns cast to ``key_schema``, where every key keeps its value and its group.

    For keys that are merged by value (batches of one fit, merged
    accumulators), after :func:`common_key_dtype` chose the dtype.

    Parameters
    ----------
    frame
        A frame holding the key columns.
    key_schema
        The dtype of each key column; other columns are left as they are.
    where
        The caller, named in error messages.

    Returns
    -------
    pl.DataFrame
        ``frame`` itself when no key changes dtype, else a cast copy.

    Raises
    ------
    TypeError
        Naming the key, if a key value does not fit the dtype (a ``Datetime``
        of year 9999 in nanoseconds, say), or if two different keys would
        become one (integers beyond ``2**53`` as ``Float64``).

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.keys import cast_keys
    >>> frame = pl.DataFrame({"g": [1, 2], "x": [1.0, 2.0]}, schema={"g": pl.Int32, "x": pl.Float64})
    >>> cast_keys(frame, {"g": pl.Int64()}, "fit").schema
    Schema([('g', Int64), ('x', Float64)])
    >>> cast_keys(pl.DataFrame({"g": [2**53, 2**53 + 1]}), {"g": pl.Float64()}, "fit")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    TypeError: polars_norm.fit: by key 'g': different keys become one value in Float64, ...
    """
    changed = {k: d for k, d in key_schema.items() if frame.schema[k] != d}
    if not changed:
        return frame
    try:
        out = frame.cast(pl.Schema(changed))
    except pl.exceptions.PolarsError as exc:
        first = str(exc).splitlines()[0]
        msg = (
            f"polars_norm.{where}: by key {', '.join(map(repr, changed))} cannot be held in "
            f"{', '.join(map(str, changed.values()))}, the dtype its keys are compared in ({first})"
        )
        raise TypeError(msg) from exc
    names = list(key_schema)
    if out.select(names).n_unique() < frame.select(names).n_unique():
        msg = (
            f"polars_norm.{where}: by key {', '.join(map(repr, changed))}: different keys become one value in "
            f"{', '.join(map(str, changed.values()))}, the dtype its keys are compared in; cast the key column "
            "to one dtype that holds every key exactly before fitting"
        )
        raise TypeError(msg)
    return out
