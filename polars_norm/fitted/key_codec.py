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
"""

from __future__ import annotations

import ast
import datetime as dt
import decimal
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

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

_INTEGERS: dict[str, tuple[pl.DataType, int, int]] = {
    name: (dtype, lo, hi)
    for name, dtype, lo, hi in [
        *((f"Int{b}", getattr(pl, f"Int{b}")(), -(2 ** (b - 1)), 2 ** (b - 1) - 1) for b in (8, 16, 32, 64, 128)),
        *((f"UInt{b}", getattr(pl, f"UInt{b}")(), 0, 2**b - 1) for b in (8, 16, 32, 64, 128)),
    ]
}
_FLOATS: dict[str, tuple[pl.DataType, Any]] = {
    "Float16": (pl.Float16(), np.float16),
    "Float32": (pl.Float32(), np.float32),
    "Float64": (pl.Float64(), np.float64),
}
_SIMPLE: dict[str, pl.DataType] = {
    **{name: dtype for name, (dtype, _, _) in _INTEGERS.items()},
    **{name: dtype for name, (dtype, _) in _FLOATS.items()},
    "String": pl.String(),
    "Boolean": pl.Boolean(),
    "Date": pl.Date(),
    "Time": pl.Time(),
    "Null": pl.Null(),
    "Categorical": pl.Categorical(),
}
_TIME_UNITS = ("ns", "us", "ms")
_PHYSICAL = {"UInt8": pl.UInt8(), "UInt16": pl.UInt16(), "UInt32": pl.UInt32()}
_I64 = (-(2**63), 2**63 - 1)
_I32 = (-(2**31), 2**31 - 1)
_NS_PER_DAY = 86_400 * 10**9
_EPOCH = dt.date(1970, 1, 1)
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECIMAL_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_MAX_TEXT = 1_000_000
_DECIMAL_CONTEXT = decimal.Context(prec=100)


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
        dtype == d and type(dtype) is type(d) for d in _SIMPLE.values()
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
    return next(name for name, d in _SIMPLE.items() if dtype == d and type(dtype) is type(d))


def _literal(node: ast.expr, what: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
        msg = f"{what} must be a literal"
        raise ValueError(msg) from exc


def _kwargs(call: ast.Call, name: str, allowed: Sequence[str]) -> dict[str, ast.expr]:
    out: dict[str, ast.expr] = {}
    if call.args or any(k.arg is None for k in call.keywords):
        msg = f"{name}(...) takes keyword arguments only ({', '.join(allowed)})"
        raise ValueError(msg)
    for k in call.keywords:
        assert k.arg is not None
        if k.arg not in allowed or k.arg in out:
            msg = f"{name}(...) has an unknown or repeated argument {k.arg!r} (expected {', '.join(allowed)})"
            raise ValueError(msg)
        out[k.arg] = k.value
    missing = [a for a in allowed if a not in out]
    if missing:
        msg = f"{name}(...) lacks argument {missing[0]!r}"
        raise ValueError(msg)
    return out


def _time_unit(node: ast.expr, name: str) -> Any:
    unit = _literal(node, f"{name}'s time_unit")
    if unit not in _TIME_UNITS:
        msg = f"{name}'s time_unit must be one of {list(_TIME_UNITS)}, got {unit!r}"
        raise ValueError(msg)
    return unit


def _strict_int(value: Any, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def _datetime(args: dict[str, ast.expr]) -> pl.DataType:
    unit = _time_unit(args["time_unit"], "Datetime")
    tz = _literal(args["time_zone"], "Datetime's time_zone")
    if tz is not None and (not isinstance(tz, str) or not tz):
        msg = f"Datetime's time_zone must be a time zone name or None, got {tz!r}"
        raise ValueError(msg)
    dtype = pl.Datetime(unit, tz)
    if tz is not None:
        try:
            pl.Series([0], dtype=pl.Int64).cast(dtype)
        except pl.exceptions.PolarsError as exc:
            msg = f"Datetime's time_zone {tz!r} is not a known time zone"
            raise ValueError(msg) from exc
    return dtype


def _decimal(args: dict[str, ast.expr]) -> pl.DataType:
    precision = _literal(args["precision"], "Decimal's precision")
    scale = _literal(args["scale"], "Decimal's scale")
    if not _strict_int(precision, 1, 38) or not _strict_int(scale, 0, precision):
        msg = f"Decimal needs 1 <= precision <= 38 and 0 <= scale <= precision, got {precision!r}, {scale!r}"
        raise ValueError(msg)
    return pl.Decimal(precision, scale)


def _enum(args: dict[str, ast.expr]) -> pl.DataType:
    cats = _literal(args["categories"], "Enum's categories")
    if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats) or len(set(cats)) != len(cats):
        msg = "Enum's categories must be a list of distinct strings"
        raise ValueError(msg)
    return pl.Enum(cats)


def _categorical(args: dict[str, ast.expr]) -> pl.DataType:
    node = args["categories"]
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Categories"):
        msg = "Categorical's categories must be Categories(name=..., namespace=..., physical=...)"
        raise ValueError(msg)
    inner = _kwargs(node, "Categories", ("name", "namespace", "physical"))
    name = _literal(inner["name"], "Categories' name")
    namespace = _literal(inner["namespace"], "Categories' namespace")
    physical = inner["physical"]
    if not isinstance(name, str) or not isinstance(namespace, str):
        msg = "Categories' name and namespace must be strings"
        raise ValueError(msg)
    if not (isinstance(physical, ast.Name) and physical.id in _PHYSICAL):
        msg = f"Categories' physical must be one of {list(_PHYSICAL)}"
        raise ValueError(msg)
    return pl.Categorical(pl.Categories(name, namespace, _PHYSICAL[physical.id]))


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
    if isinstance(node, ast.Name) and node.id in _SIMPLE:
        return _SIMPLE[node.id]
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise ValueError(unknown)
    name = node.func.id
    try:
        if name == "Datetime":
            return _datetime(_kwargs(node, name, ("time_unit", "time_zone")))
        if name == "Duration":
            return pl.Duration(_time_unit(_kwargs(node, name, ("time_unit",))["time_unit"], name))
        if name == "Decimal":
            return _decimal(_kwargs(node, name, ("precision", "scale")))
        if name == "Enum":
            return _enum(_kwargs(node, name, ("categories",)))
        if name == "Categorical":
            return _categorical(_kwargs(node, name, ("categories",)))
    except ValueError as exc:
        msg = f"{shown}: {exc}"
        raise ValueError(msg) from exc
    raise ValueError(unknown)


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


def describe_value(value: Any) -> str:
    """A JSON value as an error message shows it: ``'abc'``, ``2.5``, ``true``, ``null``, ``a list``.

    Parameters
    ----------
    value
        A parsed JSON value.

    Returns
    -------
    str
        A short description, at most 60 characters.

    Examples
    --------
    >>> [describe_value(v) for v in ("abc", 2.5, True, None, [1], {})]
    ["'abc'", '2.5', 'true', 'null', 'a list', 'an object']
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _bad(value: Any, expected: str) -> ValueError:
    return ValueError(f"expected {expected}, got {describe_value(value)}")


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
    if kind in _FLOATS:
        value = float(value)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if kind == "decimal":
        step = decimal.Decimal(1).scaleb(-dtype.scale)  # type: ignore[attr-defined]
        return format(decimal.Decimal(value).quantize(step, context=_DECIMAL_CONTEXT), "f")
    if kind == "Date":
        days = int(value)
        if -719_162 <= days <= 2_932_896:  # years 1 to 9999
            return (_EPOCH + dt.timedelta(days=days)).isoformat()
        return days
    return value


def _integer(value: Any, lo: int, hi: int, what: str) -> int:
    if not _strict_int(value, lo, hi):
        raise _bad(value, f"{what} (an integer in [{lo}, {hi}])")
    return int(value)


def _float(value: Any, kind: str) -> float:
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(value, 'a number or "nan", "inf", "-inf"')
    try:
        out = float(value)
    except OverflowError as exc:
        raise _bad(value, "a number in the float range") from exc
    if not math.isfinite(out) or out != value:
        raise _bad(value, "a number in the float range")
    np_type = _FLOATS[kind][1]
    with np.errstate(over="ignore"):
        narrow = float(np_type(out))
    if narrow != out:
        raise _bad(value, f"a value that {kind} holds exactly")
    return out


def _decimal_value(value: Any, dtype: pl.Decimal) -> decimal.Decimal:
    precision, scale = dtype.precision, dtype.scale
    expected = f'a decimal string fitting Decimal({precision}, {scale}), such as "-12.5"'
    if not isinstance(value, str) or len(value) > 80 or not _DECIMAL_RE.fullmatch(value):
        raise _bad(value, expected)
    number = decimal.Decimal(value)
    quantized = number.quantize(decimal.Decimal(1).scaleb(-scale), context=_DECIMAL_CONTEXT)
    if quantized != number or quantized.copy_abs() >= decimal.Decimal(10) ** (precision - scale):  # exact, unlike abs()
        raise _bad(value, expected)
    return quantized


def _date(value: Any) -> int:
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return (dt.date.fromisoformat(value) - _EPOCH).days
        except ValueError:
            pass
    if _strict_int(value, *_I32):
        return int(value)
    raise _bad(value, 'a date "YYYY-MM-DD" (or an integer number of days since 1970-01-01)')


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
    if kind in _INTEGERS:
        _, lo, hi = _INTEGERS[kind]
        return _integer(value, lo, hi, f"a {kind} key")
    if kind in _FLOATS:
        return _float(value, kind)
    if kind == "decimal":
        assert isinstance(dtype, pl.Decimal)
        return _decimal_value(value, dtype)
    if kind in ("String", "categorical"):
        if not isinstance(value, str):
            raise _bad(value, "a string")
        return value
    if kind == "enum":
        assert isinstance(dtype, pl.Enum)
        if not isinstance(value, str) or value not in dtype.categories.to_list():
            raise _bad(value, "one of the Enum's categories")
        return value
    if kind == "Boolean":
        if not isinstance(value, bool):
            raise _bad(value, "true or false")
        return value
    if kind == "Date":
        return _date(value)
    if kind in ("datetime", "duration"):
        unit = dtype.time_unit  # type: ignore[attr-defined]
        return _integer(value, *_I64, f"a {kind} key in {unit} (an integer)")
    if kind == "Time":
        return _integer(value, 0, _NS_PER_DAY - 1, "a Time key in nanoseconds since midnight")
    # Null
    raise _bad(value, "null (the key's dtype is Null)")


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
    elif kind in _FLOATS:
        source = pl.Series(name, values, dtype=pl.Float64)
    else:
        return pl.Series(name, values, dtype=dtype)
    out: pl.Series = source.cast(dtype)
    return out
