"""The dtype families of group keys, for :mod:`polars_norm.fitted.key_codec`.

The codec's building blocks, one per family of key dtype: the tables of the
parameterless dtypes (integers with their ranges, floats with their numpy
types, text, Boolean, temporal, ``Null``), the parsers of the parameterised
dtypes' text (``Datetime``, ``Duration``, ``Decimal``, ``Enum``,
``Categorical``; :mod:`ast` nodes checked argument by argument, never
evaluated), and the readers that check a key's JSON value against its family
(integers, floats, decimals, dates). :mod:`polars_norm.fitted.key_codec`
dispatches to them; this module imports nothing of it.
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
    "DECIMAL_CONTEXT",
    "EPOCH",
    "FLOATS",
    "I64",
    "INTEGERS",
    "NS_PER_DAY",
    "SIMPLE",
    "bad",
    "date_value",
    "decimal_value",
    "describe_value",
    "dtype_from_call",
    "float_value",
    "integer_value",
    "strict_int",
]

#: The integer dtypes by name, with their ranges.
INTEGERS: dict[str, tuple[pl.DataType, int, int]] = {
    name: (dtype, lo, hi)
    for name, dtype, lo, hi in [
        *((f"Int{b}", getattr(pl, f"Int{b}")(), -(2 ** (b - 1)), 2 ** (b - 1) - 1) for b in (8, 16, 32, 64, 128)),
        *((f"UInt{b}", getattr(pl, f"UInt{b}")(), 0, 2**b - 1) for b in (8, 16, 32, 64, 128)),
    ]
}
#: The float dtypes by name, with their numpy types.
FLOATS: dict[str, tuple[pl.DataType, Any]] = {
    "Float16": (pl.Float16(), np.float16),
    "Float32": (pl.Float32(), np.float32),
    "Float64": (pl.Float64(), np.float64),
}
#: The parameterless storable dtypes by name (their text).
SIMPLE: dict[str, pl.DataType] = {
    **{name: dtype for name, (dtype, _, _) in INTEGERS.items()},
    **{name: dtype for name, (dtype, _) in FLOATS.items()},
    "String": pl.String(),
    "Boolean": pl.Boolean(),
    "Date": pl.Date(),
    "Time": pl.Time(),
    "Null": pl.Null(),
    "Categorical": pl.Categorical(),
}
_TIME_UNITS = ("ns", "us", "ms")
_PHYSICAL = {"UInt8": pl.UInt8(), "UInt16": pl.UInt16(), "UInt32": pl.UInt32()}
#: The range of Int64, the physical type of Datetime and Duration.
I64 = (-(2**63), 2**63 - 1)
_I32 = (-(2**31), 2**31 - 1)
#: Nanoseconds in a day (Time's range).
NS_PER_DAY = 86_400 * 10**9
#: Day 0 of Date.
EPOCH = dt.date(1970, 1, 1)
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECIMAL_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")
#: Enough digits for any Decimal(38, s) key.
DECIMAL_CONTEXT = decimal.Context(prec=100)


# ---------------------------------------------------------------------------
# dtype text
# ---------------------------------------------------------------------------
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


def strict_int(value: Any, lo: int, hi: int) -> bool:
    """Whether ``value`` is an ``int`` (not a ``bool``) in ``[lo, hi]``.

    Examples
    --------
    >>> strict_int(3, 0, 255), strict_int(True, 0, 255), strict_int(3.0, 0, 255)
    (True, False, False)
    """
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
    if not strict_int(precision, 1, 38) or not strict_int(scale, 0, precision):
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


def dtype_from_call(call: ast.Call, name: str) -> pl.DataType | None:
    """The parameterised dtype written as the call ``name(...)``, or ``None`` if ``name`` is not one.

    Parameters
    ----------
    call
        A parsed dtype text such as ``Decimal(precision=10, scale=2)``.
    name
        The called name (``call.func``'s).

    Returns
    -------
    pl.DataType or None
        The dtype; ``None`` for a name other than ``Datetime``, ``Duration``,
        ``Decimal``, ``Enum`` and ``Categorical``.

    Raises
    ------
    ValueError
        The arguments are not those of ``name``, or not valid.

    Examples
    --------
    >>> import ast
    >>> dtype_from_call(ast.parse("Duration(time_unit='ms')", mode="eval").body, "Duration")
    Duration(time_unit='ms')
    >>> dtype_from_call(ast.parse("Decimal(precision=50, scale=2)", mode="eval").body, "Decimal")
    Traceback (most recent call last):
    ...
    ValueError: Decimal needs 1 <= precision <= 38 and 0 <= scale <= precision, got 50, 2
    """
    if name == "Datetime":
        return _datetime(_kwargs(call, name, ("time_unit", "time_zone")))
    if name == "Duration":
        return pl.Duration(_time_unit(_kwargs(call, name, ("time_unit",))["time_unit"], name))
    if name == "Decimal":
        return _decimal(_kwargs(call, name, ("precision", "scale")))
    if name == "Enum":
        return _enum(_kwargs(call, name, ("categories",)))
    if name == "Categorical":
        return _categorical(_kwargs(call, name, ("categories",)))
    return None


# ---------------------------------------------------------------------------
# key values
# ---------------------------------------------------------------------------
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


def bad(value: Any, expected: str) -> ValueError:
    """The error for a JSON key value that is not what its dtype holds: ``expected ..., got ...``.

    Examples
    --------
    >>> bad([1], "a string")
    ValueError('expected a string, got a list')
    """
    return ValueError(f"expected {expected}, got {describe_value(value)}")


def integer_value(value: Any, lo: int, hi: int, what: str) -> int:
    """An integer key's JSON value, checked to be an integer in ``[lo, hi]`` (``what`` names it in the error).

    Examples
    --------
    >>> integer_value(7, 0, 255, "a UInt8 key")
    7
    >>> integer_value(7.0, 0, 255, "a UInt8 key")
    Traceback (most recent call last):
    ...
    ValueError: expected a UInt8 key (an integer in [0, 255]), got 7.0
    """
    if not strict_int(value, lo, hi):
        raise bad(value, f"{what} (an integer in [{lo}, {hi}])")
    return int(value)


def float_value(value: Any, kind: str) -> float:
    """A float key's JSON value: a number that float dtype ``kind`` holds exactly, or ``"nan"``, ``"inf"``, ``"-inf"``.

    Examples
    --------
    >>> float_value("-inf", "Float64"), float_value(0.5, "Float16")
    (-inf, 0.5)
    >>> float_value(0.1, "Float32")
    Traceback (most recent call last):
    ...
    ValueError: expected a value that Float32 holds exactly, got 0.1
    """
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad(value, 'a number or "nan", "inf", "-inf"')
    try:
        out = float(value)
    except OverflowError as exc:
        raise bad(value, "a number in the float range") from exc
    if not math.isfinite(out) or out != value:
        raise bad(value, "a number in the float range")
    np_type = FLOATS[kind][1]
    with np.errstate(over="ignore"):
        narrow = float(np_type(out))
    if narrow != out:
        raise bad(value, f"a value that {kind} holds exactly")
    return out


def decimal_value(value: Any, dtype: pl.Decimal) -> decimal.Decimal:
    """A decimal key's JSON value: a decimal string that fits ``dtype`` exactly, quantized to its scale.

    Examples
    --------
    >>> import polars as pl
    >>> decimal_value("-12.5", pl.Decimal(10, 2))
    Decimal('-12.50')
    """
    precision, scale = dtype.precision, dtype.scale
    expected = f'a decimal string fitting Decimal({precision}, {scale}), such as "-12.5"'
    if not isinstance(value, str) or len(value) > 80 or not _DECIMAL_RE.fullmatch(value):
        raise bad(value, expected)
    number = decimal.Decimal(value)
    quantized = number.quantize(decimal.Decimal(1).scaleb(-scale), context=DECIMAL_CONTEXT)
    if quantized != number or quantized.copy_abs() >= decimal.Decimal(10) ** (precision - scale):  # exact, unlike abs()
        raise bad(value, expected)
    return quantized


def date_value(value: Any) -> int:
    """A Date key's JSON value (``"YYYY-MM-DD"`` or an integer) as days since 1970-01-01.

    Examples
    --------
    >>> date_value("2022-01-08"), date_value(-800_000)
    (19000, -800000)
    """
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return (dt.date.fromisoformat(value) - EPOCH).days
        except ValueError:
            pass
    if strict_int(value, *_I32):
        return int(value)
    raise bad(value, 'a date "YYYY-MM-DD" (or an integer number of days since 1970-01-01)')
