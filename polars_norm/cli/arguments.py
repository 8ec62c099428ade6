"""The command line's arguments: their values parsed and checked before any data is read.

The ``type`` functions of the options whose values have a range or a syntax
(``--sketch-k``, ``--ddof``, ``--norm-orders``, ``--infer-schema-length``,
``--schema-override``), the parsing of ``-O KEY=VALUE`` (``inf``,
``Infinity``, ``-inf`` are numbers), checks of names given twice, the
arguments shared by subcommands, and what ``--quiet`` silences. A bad value
is a :class:`UsageError` (exit status 2).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Sequence
from typing import Any

import polars as pl

from polars_norm.fitted.fit import INFER_SCHEMA_LENGTH, NULL_VALUES
from polars_norm.fitted.transform import METHODS

__all__ = [
    "UsageError",
    "add_input_arguments",
    "add_method_arguments",
    "ddof",
    "norm_order",
    "once",
    "parse_option",
    "say",
    "show",
    "sketch_k",
    "split_names",
]

#: ``--schema-override`` dtype names (case-insensitive).
_DTYPES: dict[str, pl.DataType] = {
    **{str(d).lower(): d for d in (pl.Int8(), pl.Int16(), pl.Int32(), pl.Int64())},
    **{str(d).lower(): d for d in (pl.UInt8(), pl.UInt16(), pl.UInt32(), pl.UInt64())},
    **{str(d).lower(): d for d in (pl.Float32(), pl.Float64(), pl.String(), pl.Boolean())},
    "i64": pl.Int64(),
    "i32": pl.Int32(),
    "f64": pl.Float64(),
    "f32": pl.Float32(),
    "str": pl.String(),
    "utf8": pl.String(),
    "bool": pl.Boolean(),
}
#: ``inf``, ``+Infinity``, ``-inf``... as whole words, for JSON's ``Infinity``.
_INF = re.compile(r"(?<![\w.])([+-]?)inf(?:inity)?(?![\w.])", re.IGNORECASE)


class UsageError(Exception):
    """Arguments that cannot work together (exit status 2).

    :func:`polars_norm.cli.main` reports its message on stderr as ``polars-norm COMMAND: error: ...``
    and returns 2.

    Examples
    --------
    >>> from polars_norm.cli import main
    >>> main(["normalize", "in.parquet", "-o", "out.parquet", "--save-stats", "out.parquet"])
    2
    """


def split_names(values: Sequence[str] | None) -> list[str] | None:
    """``--columns a b`` and ``--columns a,b`` alike; ``None`` when not given.

    Examples
    --------
    >>> split_names(["a,b", " c "]), split_names(None)
    (['a', 'b', 'c'], None)
    """
    if not values:
        return None
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def _number(text: str) -> Any:
    """A JSON value, with ``inf``/``Infinity``/``-inf`` (any case, also inside lists) for infinities.

    Text that is not JSON stays a string.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    spelled = _INF.sub(lambda m: ("-" if m.group(1) == "-" else "") + "Infinity", text)
    try:
        return json.loads(spelled)
    except json.JSONDecodeError:
        return text


def parse_option(text: str) -> tuple[str, Any]:
    """``-O KEY=VALUE``: the key and the value as JSON (``inf`` a number, a list a tuple, other text a string).

    Examples
    --------
    >>> parse_option("feature_range=[-1, inf]"), parse_option("unseen=global")
    (('feature_range', (-1, inf)), ('unseen', 'global'))
    """
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        msg = f"--option {text!r}: expected KEY=VALUE, e.g. ddof=0 or feature_range=[-1,1]"
        raise UsageError(msg)
    value = _number(raw)
    return key.strip(), tuple(value) if isinstance(value, list) else value


def sketch_k(text: str) -> int:
    """``--sketch-k``: an integer in [8, 65535] (the range of DataSketches' KLL ``k``).

    Examples
    --------
    >>> sketch_k("200")
    200
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 8 <= value <= 65535:
        msg = f"must be an integer in [8, 65535], got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def ddof(text: str) -> int:
    """``--ddof``: a non-negative integer.

    Examples
    --------
    >>> ddof("0")
    0
    """
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        msg = f"must be a non-negative integer, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _rows(text: str) -> str:
    """``--infer-schema-length``: a positive number of rows or ``all``; kept as text."""
    if text.strip().lower() == "all":
        return "all"
    try:
        ok = int(text) >= 1
    except ValueError:
        ok = False
    if not ok:
        msg = f"must be a number of rows >= 1 or 'all' (the whole file), got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return text.strip()


def norm_order(text: str) -> float:
    """``--norm-orders``: a number > 0 (``inf`` accepted: the max norm, always available).

    Examples
    --------
    >>> norm_order("3"), norm_order("Infinity")
    (3.0, inf)
    """
    value = _number(text)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value <= 0:
        msg = f"must be a number > 0 (or inf), got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return float(value)


def _override(text: str) -> tuple[str, pl.DataType]:
    column, sep, name = text.rpartition("=")
    dtype = _DTYPES.get(name.strip().lower())
    if not sep or not column or dtype is None:
        known = ", ".join(str(d) for d in dict.fromkeys(_DTYPES.values()))
        msg = f"expected COLUMN=DTYPE with DTYPE one of {known}, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return column, dtype


def once(names: Sequence[str], flag: str) -> None:
    """A :class:`UsageError` if ``flag`` names a name twice.

    Examples
    --------
    >>> once(["a", "b", "a"], "--columns")
    Traceback (most recent call last):
        ...
    polars_norm.cli.arguments.UsageError: --columns names 'a' twice
    """
    seen: set[str] = set()
    for name in names:
        if name in seen:
            msg = f"{flag} names {name!r} twice"
            raise UsageError(msg)
        seen.add(name)


def add_input_arguments(p: argparse.ArgumentParser, *, output: bool = True) -> None:
    """Add the arguments of a subcommand that reads inputs: files, output, columns, ``--quiet``, read options.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_input_arguments(p)
    >>> p.parse_args(["in.csv", "-o", "out.parquet", "--infer-schema-length", "all"]).infer_schema_length
    'all'
    """
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, globs or directories")
    if output:
        p.add_argument("-o", "--output", required=True, help="output file (format from its suffix)")
        p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.add_argument("--columns", nargs="+", metavar="C", help="columns (default: every numeric column)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or messages")
    spellings = " ".join(v or repr(v) for v in NULL_VALUES)
    p.add_argument(
        "--null-value",
        action="append",
        metavar="TEXT",
        help=f"CSV: a spelling read as null in numeric columns; repeat for more; replaces the default {spellings}",
    )
    p.add_argument(
        "--infer-schema-length",
        type=_rows,
        metavar="N",
        help=f"CSV/NDJSON: rows to infer the dtypes from, or 'all' (slow) (default {INFER_SCHEMA_LENGTH})",
    )
    p.add_argument(
        "--schema-override",
        type=_override,
        action="append",
        metavar="COL=DTYPE",
        help="CSV/NDJSON: read COL as DTYPE (e.g. price=Float64, zip=String); repeatable",
    )


def add_method_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of a subcommand that transforms: ``--method``, ``-O/--option``, ``--unseen``.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_method_arguments(p)
    >>> p.parse_args(["--method", "x=minmax", "-O", "clip=true"]).option
    ['clip=true']
    """
    methods = ", ".join(METHODS)
    p.add_argument("--method", action="append", metavar="M", help=f"{methods}; or COL=M per column (default zscore)")
    p.add_argument("-O", "--option", action="append", metavar="KEY=VALUE", help="method option, e.g. ddof=0")
    p.add_argument("--unseen", choices=["null", "global", "raise"], default="null", help="groups not seen in fit")


def show(args: argparse.Namespace) -> bool:
    """Whether to show a progress bar: not ``--quiet``, and stderr is a terminal."""
    return not args.quiet and sys.stderr.isatty()


def say(args: argparse.Namespace, text: str) -> None:
    """Print ``text`` on stderr unless ``--quiet``."""
    if not args.quiet:
        print(text, file=sys.stderr)
