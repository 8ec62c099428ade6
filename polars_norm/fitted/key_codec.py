"""Group keys in statistics files: key dtypes as text, key values as JSON.

A statistics file (:mod:`polars_norm.fitted.statsfile`) records the dtype of each
``by`` key as text (``settings.key_dtypes``) and each group's key values as
JSON values. The text of a dtype is a small Python-like expression, the same
as Polars' own ``str(dtype)`` for most dtypes, e.g. ``"Int64"``,
``"Decimal(precision=10, scale=2)"``, ``"Enum(categories=['lo', 'hi'])"``,
``"Datetime(time_unit='ns', time_zone='Europe/Paris')"``. It is parsed with
:mod:`ast` (never evaluated) against a fixed list of dtypes.

Key values are written so that they read back exactly:

==================================  ===============================================
dtype                               JSON value
==================================  ===============================================
Int8 ... Int128, UInt8 ... UInt128  a JSON integer (any size)
Float16, Float32, Float64           a number (``repr``, so bit for bit, ``-0.0``
                                    kept) or ``"nan"``, ``"inf"``, ``"-inf"``
Decimal(precision, scale)           a string, ``"-12.50"``
String, Categorical, Enum           a string (an Enum's must be a category)
Boolean                             ``true`` or ``false``
Date                                ``"YYYY-MM-DD"`` (an integer, days since
                                    1970-01-01, outside years 1-9999)
Datetime(time_unit, time_zone)      an integer: ``time_unit`` s since 1970-01-01
                                    UTC (the physical value)
Duration(time_unit)                 an integer: ``time_unit`` s
Time                                an integer: nanoseconds since midnight
Null                                ``null``
==================================  ===============================================

A null key is ``null`` for every dtype. Lists, arrays, structs, binary and
objects cannot be stored (:func:`check_storable`).

Each key value has three forms: the Polars value, the *storage* value of
:func:`storage_values` (what :func:`key_to_json` reads and
:func:`key_from_json` returns: an ``int`` for temporal dtypes, a
``decimal.Decimal`` for decimals, otherwise the Python value), and the JSON
value.

The per-family tables, dtype parsers and value checks are in
:mod:`polars_norm.fitted.key_families`; this module dispatches to them.
"""

from __future__ import annotations

import ast
import datetime as dt
import decimal
import math
from collections.abc import Sequence
from typing import Any

import polars as pl

from polars_norm.fitted.key_families import (
    DECIMAL_CONTEXT,
    EPOCH,
    FLOATS,
    I64,
    INTEGERS,
    NS_PER_DAY,
    SIMPLE,
    bad,
    date_value,
    decimal_value,
    describe_value,
    dtype_from_call,
    float_value,
    integer_value,
)

__all__ = [
    "STORABLE",
    "check_storable",
    "describe_value",
    "dtype_from_text",
    "dtype_to_text",
    "is_storable",
    "key_from_json",
    "key_to_json",
    "keys_series",
    "keys_to_json",
    "storage_values",
]

#: What statistics files can hold as group keys (for error messages).
STORABLE = (
    "Int8-Int128, UInt8-UInt128, Float16/32/64, Decimal, String, Categorical, Enum, "
    "Boolean, Date, Datetime, Duration, Time or Null"
)

_MAX_TEXT = 1_000_000


# ---------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------
def is_storable(dtype: pl.DataType) -> bool:
    """Whether a statistics file can hold group keys of ``dtype``.

    Parameters
    ----------
    dtype
        A key dtype.

    Returns
    -------
    bool
        Whether :func:`dtype_to_text` can write it (numbers, text, Boolean,
        temporal dtypes and ``Null``).

    Examples
    --------
    >>> import polars as pl
    >>> is_storable(pl.Datetime("ns", "UTC")), is_storable(pl.List(pl.Int64))
    (True, False)
    """
    if isinstance(dtype, type):  # a class such as pl.Int64: only the parameterless ones are complete
        try:
            dtype = dtype()
        except TypeError:
            return False
    return isinstance(dtype, (pl.Decimal, pl.Enum, pl.Datetime, pl.Duration, pl.Categorical)) or any(
        dtype == d and type(dtype) is type(d) for d in SIMPLE.values()
    )


def check_storable(name: str, dtype: pl.DataType, where: str) -> None:
    """Raise a ``TypeError`` if a statistics file cannot hold group key ``name`` of ``dtype``.

    ``where`` names the caller in the message (``polars_norm.<where>: ...``),
    as elsewhere in polars-norm.

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
        :func:`is_storable` is false for ``dtype``.

    Examples
    --------
    >>> import polars as pl
    >>> check_storable("g", pl.Enum(["a", "b"]), "fit")
    >>> check_storable("g", pl.List(pl.Int64), "fit")
    Traceback (most recent call last):
    ...
    TypeError: polars_norm.fit: by key 'g' has dtype List(Int64), which statistics files cannot hold \
(they hold group keys of dtype Int8-Int128, UInt8-UInt128, Float16/32/64, Decimal, String, Categorical, Enum, \
Boolean, Date, Datetime, Duration, Time or Null)
    """
    if not is_storable(dtype):
        msg = (
            f"polars_norm.{where}: by key {name!r} has dtype {dtype}, which statistics files cannot hold "
            f"(they hold group keys of dtype {STORABLE})"
        )
        raise TypeError(msg)


def dtype_to_text(dtype: pl.DataType) -> str:
    """The text of a storable key dtype, read back by :func:`dtype_from_text`.

    Parameters
    ----------
    dtype
        A storable key dtype (:func:`is_storable`).

    Returns
    -------
    str
        Its text: the dtype's ``repr``-like form, parameters included.

    Examples
    --------
    >>> import polars as pl
    >>> dtype_to_text(pl.Int64())
    'Int64'
    >>> dtype_to_text(pl.Datetime("ns", "Europe/Paris"))
    "Datetime(time_unit='ns', time_zone='Europe/Paris')"
    >>> dtype_to_text(pl.Enum(["lo", "hi"]))
    "Enum(categories=['lo', 'hi'])"
    """
    check_storable("<key>", dtype, "key_codec.dtype_to_text")
    if isinstance(dtype, type):
        dtype = dtype()
    if isinstance(dtype, pl.Decimal):
        return f"Decimal(precision={dtype.precision}, scale={dtype.scale})"
    if isinstance(dtype, pl.Enum):
        return f"Enum(categories={dtype.categories.to_list()!r})"
    if isinstance(dtype, pl.Datetime):
        return f"Datetime(time_unit={dtype.time_unit!r}, time_zone={dtype.time_zone!r})"
    if isinstance(dtype, pl.Duration):
        return f"Duration(time_unit={dtype.time_unit!r})"
    if isinstance(dtype, pl.Categorical):
        cats = dtype.categories
        if cats is None or cats.is_global():
            return "Categorical"
        return (
            f"Categorical(categories=Categories(name={cats.name()!r}, namespace={cats.namespace()!r}, "
            f"physical={cats.physical()}))"
        )
    return next(name for name, d in SIMPLE.items() if dtype == d and type(dtype) is type(d))


def dtype_from_text(text: str) -> pl.DataType:
    """The key dtype written as ``text`` by :func:`dtype_to_text`.

    Parameters
    ----------
    text
        A dtype's text, from a statistics file.

    Returns
    -------
    pl.DataType
        The dtype.

    Raises
    ------
    ValueError
        ``text`` is not a storable dtype.

    Examples
    --------
    >>> dtype_from_text("Decimal(precision=10, scale=2)")
    Decimal(precision=10, scale=2)
    >>> dtype_from_text("Datetime(time_unit='us', time_zone=None)")
    Datetime(time_unit='us', time_zone=None)
    >>> dtype_from_text("List(Int64)")
    Traceback (most recent call last):
    ...
    ValueError: 'List(Int64)' is not a key dtype that statistics files hold (they hold group keys of dtype \
Int8-Int128, UInt8-UInt128, Float16/32/64, Decimal, String, Categorical, Enum, Boolean, Date, Datetime, Duration, \
Time or Null)
    """
    shown = repr(text) if len(text) <= 80 else repr(text[:77]) + "..."
    unknown = f"{shown} is not a key dtype that statistics files hold (they hold group keys of dtype {STORABLE})"
    if len(text) > _MAX_TEXT:
        raise ValueError(unknown)
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise ValueError(unknown) from exc
    if isinstance(node, ast.Name) and node.id in SIMPLE:
        return SIMPLE[node.id]
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise ValueError(unknown)
    try:
        dtype = dtype_from_call(node, node.func.id)
    except ValueError as exc:
        msg = f"{shown}: {exc}"
        raise ValueError(msg) from exc
    if dtype is None:
        raise ValueError(unknown)
    return dtype


# ---------------------------------------------------------------------------
# key values
# ---------------------------------------------------------------------------
def _kind(dtype: pl.DataType) -> str:
    for kind, cls in (
        ("decimal", pl.Decimal),
        ("enum", pl.Enum),
        ("categorical", pl.Categorical),
        ("datetime", pl.Datetime),
        ("duration", pl.Duration),
    ):
        if isinstance(dtype, cls):
            return kind
    return dtype_to_text(dtype)


def storage_values(series: pl.Series) -> list[Any]:
    """The storage form of each value of a key column (see the module's notes).

    Parameters
    ----------
    series
        A key column of a storable dtype.

    Returns
    -------
    list
        One storage value per row (``None`` for null).

    Examples
    --------
    >>> import polars as pl
    >>> storage_values(pl.Series([1, None]).cast(pl.Datetime("ns", "UTC")))
    [1, None]
    """
    kind = _kind(series.dtype)
    if kind in ("datetime", "duration", "Time", "Date"):
        return series.to_physical().to_list()
    return series.to_list()


def key_to_json(value: Any, dtype: pl.DataType) -> Any:
    """The JSON value of a key's storage value ``value`` (see :func:`storage_values`).

    Parameters
    ----------
    value
        A storage value (``None`` for a null key).
    dtype
        The key's dtype.

    Returns
    -------
    object
        A JSON value: a number, a string (``"nan"``, ``"inf"``, ``"-inf"``,
        a decimal's digits, a date in ISO form where it has one), a boolean
        or ``None``.

    Examples
    --------
    >>> import decimal
    >>> import polars as pl
    >>> key_to_json(float("-inf"), pl.Float64()), key_to_json(-0.0, pl.Float32())
    ('-inf', -0.0)
    >>> key_to_json(decimal.Decimal("1E-8"), pl.Decimal(20, 10))
    '0.0000000100'
    >>> key_to_json(19000, pl.Date()), key_to_json(10**7, pl.Date())
    ('2022-01-08', 10000000)
    """
    if value is None:
        return None
    kind = _kind(dtype)
    if kind in FLOATS:
        value = float(value)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if kind == "decimal":
        step = decimal.Decimal(1).scaleb(-dtype.scale)  # type: ignore[attr-defined]
        return format(decimal.Decimal(value).quantize(step, context=DECIMAL_CONTEXT), "f")
    if kind == "Date":
        days = int(value)
        if -719_162 <= days <= 2_932_896:  # years 1 to 9999
            return (EPOCH + dt.timedelta(days=days)).isoformat()
        return days
    return value


def key_from_json(value: Any, dtype: pl.DataType) -> Any:
    """The storage value of a key's JSON value, checked against ``dtype``.

    Parameters
    ----------
    value
        A key's JSON value, from a statistics file.
    dtype
        The key's dtype, from the file's settings.

    Returns
    -------
    object
        The storage value (see :func:`storage_values`).

    Raises
    ------
    ValueError
        ``"expected ..., got ..."``: ``dtype`` cannot hold ``value`` exactly.

    Examples
    --------
    >>> import polars as pl
    >>> key_from_json("2022-01-08", pl.Date())
    19000
    >>> key_from_json("-inf", pl.Float64())
    -inf
    >>> key_from_json(300, pl.UInt8())
    Traceback (most recent call last):
    ...
    ValueError: expected a UInt8 key (an integer in [0, 255]), got 300
    """
    if value is None:
        return None
    kind = _kind(dtype)
    if kind in INTEGERS:
        _, lo, hi = INTEGERS[kind]
        return integer_value(value, lo, hi, f"a {kind} key")
    if kind in FLOATS:
        return float_value(value, kind)
    if kind == "decimal":
        assert isinstance(dtype, pl.Decimal)
        return decimal_value(value, dtype)
    if kind in ("String", "categorical"):
        if not isinstance(value, str):
            raise bad(value, "a string")
        return value
    if kind == "enum":
        assert isinstance(dtype, pl.Enum)
        if not isinstance(value, str) or value not in dtype.categories.to_list():
            raise bad(value, "one of the Enum's categories")
        return value
    if kind == "Boolean":
        if not isinstance(value, bool):
            raise bad(value, "true or false")
        return value
    if kind == "Date":
        return date_value(value)
    if kind in ("datetime", "duration"):
        unit = dtype.time_unit  # type: ignore[attr-defined]
        return integer_value(value, *I64, f"a {kind} key in {unit} (an integer)")
    if kind == "Time":
        return integer_value(value, 0, NS_PER_DAY - 1, "a Time key in nanoseconds since midnight")
    # Null
    raise bad(value, "null (the key's dtype is Null)")


def keys_to_json(series: pl.Series) -> list[Any]:
    """The JSON values of a key column.

    Parameters
    ----------
    series
        A key column of a storable dtype.

    Returns
    -------
    list
        :func:`key_to_json` of each value.

    Examples
    --------
    >>> import polars as pl
    >>> keys_to_json(pl.Series([2**64 - 1, None], dtype=pl.UInt64))
    [18446744073709551615, None]
    """
    return [key_to_json(v, series.dtype) for v in storage_values(series)]


def keys_series(name: str, values: Sequence[Any], dtype: pl.DataType) -> pl.Series:
    """The key column ``name`` of ``dtype`` from storage values (:func:`key_from_json`'s results).

    Parameters
    ----------
    name
        The column's name.
    values
        Storage values, ``None`` for null.
    dtype
        The key dtype.

    Returns
    -------
    pl.Series
        The key column.

    Examples
    --------
    >>> import polars as pl
    >>> keys_series("t", [86_399_999_999_999, None], pl.Time()).to_list()
    [datetime.time(23, 59, 59, 999999), None]
    """
    kind = _kind(dtype)
    if kind == "Null":
        return pl.Series(name, [None] * len(values), dtype=pl.Null)
    if kind == "Date":
        source = pl.Series(name, values, dtype=pl.Int32)
    elif kind in ("datetime", "duration", "Time"):
        source = pl.Series(name, values, dtype=pl.Int64)
    elif kind in ("enum", "categorical"):
        source = pl.Series(name, values, dtype=pl.String)
    elif kind in FLOATS:
        source = pl.Series(name, values, dtype=pl.Float64)
    else:
        return pl.Series(name, values, dtype=dtype)
    out: pl.Series = source.cast(dtype)
    return out
