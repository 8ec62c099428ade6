"""The ``polars-norm`` command line: fit, transform, normalize, describe, demo.

::

    polars-norm fit INPUT... -o stats.json [--columns C...] [--by K...] [--no-quantiles] [--norm-orders P...]
    polars-norm transform INPUT... --stats stats.json -o OUTPUT [--method M | --method COL=M ...] [-O KEY=VALUE]
    polars-norm normalize INPUT... -o OUTPUT [--method zscore] [--by K...] [--save-stats stats.json]
    polars-norm describe stats.json [--ddof N]
    polars-norm demo

Inputs are Parquet, IPC, CSV/TSV or NDJSON files, globs or directories (see
:func:`polars_norm.fitted.fit.scan`); the output format comes from its suffix.
Both passes stream in bounded memory: the fit is one pass of flat
reductions, the transform applies the fitted statistics as literals (or a
lookup in the small per-group statistics frame) and sinks the result into a
temporary file that is renamed onto the output only when complete.
``normalize --save-stats`` renames the statistics into place only after the
output, so a failed run leaves neither.

CSV and NDJSON dtypes are inferred from the first ``--infer-schema-length``
rows (default 100,000; ``all`` reads the whole file first), CSV with the
null spellings of :data:`polars_norm.fitted.fit.NULL_VALUES` (``NA``, ``N/A``,
``NULL``, ``None``...; ``--null-value`` replaces them) read as null in
numeric columns; ``--schema-override COL=DTYPE`` sets a column's dtype. The
columns to normalize that are inferred as integers are read as Float64 (what
they become anyway), so a fraction past the inferred rows does not fail.
Both passes read with the same options. A column named by ``--columns`` or
``--method COL=M`` must be numeric; without ``--columns`` every numeric
column is taken and the others are named on stderr (``note: ...``).

Every argument is checked before the data is read: the ranges of
``--sketch-k`` (8 to 65535), ``--ddof`` (>= 0) and ``--norm-orders`` (> 0),
``-O`` values (``inf``, ``Infinity``, ``-inf`` are numbers), names given
twice or both as a column and a ``--by`` key, and, right after loading the
statistics file, methods it cannot serve (``unit`` with an order ``p`` it
lacks, ``robust``/``quantile`` without sketches). ``normalize`` fits the
norm orders its ``unit`` methods need; ``fit --norm-orders`` keeps others.

Exit status: 0 on success, 1 for a data error (missing or corrupt file,
unknown or non-numeric column, a value that does not parse as its column's
dtype, empty input, unreadable statistics file), 2 for a usage error (bad
arguments, unknown method or option, an option the input format or the
statistics file cannot serve, an output that exists or is an input),
130/143 when interrupted by ``SIGINT``/``SIGTERM``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import polars as pl

from polars_norm import __version__
from polars_norm.fitted.accumulator import Accumulator
from polars_norm.fitted.fit import FORMATS, INFER_SCHEMA_LENGTH, NULL_VALUES, fit, input_files, scan
from polars_norm.fitted.keys import common_key_dtype
from polars_norm.fitted.statsfile import StatsFileError
from polars_norm.fitted.transform import METHODS, resolve_method
from polars_norm.io import progress
from polars_norm.io.sinks import OUTPUT_FORMATS, OutputError, atomic_path, check_output
from polars_norm.semantics import float_dtype

__all__ = ["main"]

EXIT_DATA = 1
EXIT_USAGE = 2
_SKETCH_METHODS = {"robust", "quantile"}
_TEXT_FORMATS = {"csv", "ndjson"}
_DEFAULT_ORDERS = (1.0, 2.0)
_DATA_ERRORS = (OSError, pl.exceptions.PolarsError, StatsFileError, TypeError, ValueError, NotImplementedError)
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

    :func:`main` reports its message on stderr as ``polars-norm COMMAND: error: ...``
    and returns 2.

    Examples
    --------
    >>> main(["normalize", "in.parquet", "-o", "out.parquet", "--save-stats", "out.parquet"])
    2
    """


# --------------------------------------------------------------------------
# argument helpers
# --------------------------------------------------------------------------
def _names(values: Sequence[str] | None) -> list[str] | None:
    """``--columns a b`` and ``--columns a,b`` alike; ``None`` when not given."""
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


def _option(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        msg = f"--option {text!r}: expected KEY=VALUE, e.g. ddof=0 or feature_range=[-1,1]"
        raise UsageError(msg)
    value = _number(raw)
    return key.strip(), tuple(value) if isinstance(value, list) else value


def _sketch_k(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 8 <= value <= 65535:
        msg = f"must be an integer in [8, 65535], got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _ddof(text: str) -> int:
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


def _order(text: str) -> float:
    """``--norm-orders``: a number > 0 (``inf`` accepted: the max norm, always available)."""
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


def _once(names: Sequence[str], flag: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            msg = f"{flag} names {name!r} twice"
            raise UsageError(msg)
        seen.add(name)


Spec = tuple[str, dict[str, Any]]


def _plan(args: argparse.Namespace) -> tuple[Spec | None, dict[str, Spec]]:
    """The default method and the per-column methods, each with its full, validated option set.

    ``--option`` values go to every chosen method that has that option; an
    option no chosen method has, an option given twice, an unknown method, a
    bad value, a column given two methods or two methods for every column is
    a ``UsageError``. Columns named by ``--columns`` without a per-column
    method get the default method, ``zscore`` unless ``--method M`` says.
    """
    default: str | None = None
    per_column: dict[str, str] = {}
    for item in (m.strip() for v in args.method or ["zscore"] for m in v.split(",")):
        column, sep, name = item.rpartition("=")
        if sep and column in per_column:
            msg = f"--method {item}: column {column!r} already has method {per_column[column]!r}"
            raise UsageError(msg)
        if not sep and default is not None and name != default:
            msg = f"--method {name}: the method for every column is already {default!r} (use --method COL=M)"
            raise UsageError(msg)
        if sep:
            per_column[column] = name
        else:
            default = name
    if default is None and set(_names(args.columns) or ()) - set(per_column):
        default = "zscore"
    pairs = [_option(o) for o in args.option or []]
    _once([k for k, _ in pairs], "--option")
    options = dict(pairs)
    specs: dict[str, Spec] = {}
    try:
        for name in sorted({*per_column.values(), *([default] if default else [])}):
            own = {k: v for k, v in options.items() if k in METHODS.get(name, {})}
            specs[name] = resolve_method(name, own, "cli")
    except ValueError as exc:
        raise UsageError(str(exc).removeprefix("polars_norm.cli: ").replace("float('inf')", "inf")) from exc
    unused = set(options).difference(*(METHODS[name] for name in specs))
    if unused:
        msg = f"--option {sorted(unused)[0]} applies to none of the methods {sorted(specs)}"
        raise UsageError(msg)
    return (specs[default] if default else None), {c: specs[n] for c, n in per_column.items()}


def _specs(default: Spec | None, per_column: dict[str, Spec]) -> list[Spec]:
    return [s for s in (default, *per_column.values()) if s is not None]


def _orders(specs: Sequence[Spec]) -> tuple[float, ...]:
    """The finite norm orders ``p`` the ``unit`` specs need (L-inf is always fitted)."""
    return tuple(dict.fromkeys(o["p"] for n, o in specs if n == "unit" and math.isfinite(o["p"])))


def _check_names(args: argparse.Namespace, per_column: dict[str, Spec]) -> None:
    """Duplicate names and a column that is also a group key, before anything is read."""
    columns, by = _names(args.columns) or [], _names(getattr(args, "by", None)) or []
    _once(columns, "--columns")
    _once(by, "--by")
    for name in by:
        if name in columns:
            msg = f"--by {name} is also named by --columns: a group key is not normalized"
            raise UsageError(msg)
        if name in per_column:
            msg = f"--by {name} is also given a method (--method {name}=...): a group key is not normalized"
            raise UsageError(msg)


def _check_fitted(acc: Accumulator, specs: Sequence[Spec], stats: Path) -> None:
    """Methods the statistics file cannot serve: a usage error before any data is read."""
    for name, opts in specs:
        if name in _SKETCH_METHODS and not acc.quantiles:
            msg = f"--method {name} needs quantile sketches; {str(stats)!r} was fitted with --no-quantiles"
            raise UsageError(msg)
        p = opts.get("p") if name == "unit" else None
        if p is not None and math.isfinite(p) and p not in acc.norm_orders:
            fitted = ", ".join(f"{q:g}" for q in acc.norm_orders) or "none"
            msg = (
                f"-O p={p:g}: {str(stats)!r} holds the norms of orders {fitted} (and inf); "
                f"fit again with --norm-orders {p:g}"
            )
            raise UsageError(msg)


def _read_options(args: argparse.Namespace, files: Sequence[Path]) -> dict[str, Any]:
    """The keyword arguments of :func:`scan`, the same in both passes; options the format lacks are usage errors."""
    kinds = {FORMATS.get(f.suffix.lower()) for f in files}
    if args.null_value is not None and kinds != {"csv"}:
        msg = "--null-value applies to CSV/TSV input only"
        raise UsageError(msg)
    text = kinds <= _TEXT_FORMATS
    for flag, given in (
        ("--infer-schema-length", args.infer_schema_length),
        ("--schema-override", args.schema_override),
    ):
        if given is not None and not text:
            msg = f"{flag} applies to CSV/TSV and NDJSON input only (Parquet and IPC files carry their schema)"
            raise UsageError(msg)
    overrides = args.schema_override or []
    _once([c for c, _ in overrides], "--schema-override")
    rows = args.infer_schema_length or str(INFER_SCHEMA_LENGTH)
    return {
        "null_values": NULL_VALUES if args.null_value is None else tuple(args.null_value),
        "infer_schema_length": None if rows == "all" else int(rows),
        "schema_overrides": dict(overrides),
    }


# --------------------------------------------------------------------------
# the passes
# --------------------------------------------------------------------------
def _show(args: argparse.Namespace) -> bool:
    return not args.quiet and sys.stderr.isatty()


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text, file=sys.stderr)


def _inputs(args: argparse.Namespace) -> tuple[list[Path], int]:
    files = input_files(args.inputs)
    return files, sum(f.stat().st_size for f in files)


def _source(
    args: argparse.Namespace,
    files: list[Path],
    read: dict[str, Any],
    columns: Sequence[str] | None,
    named: Sequence[str],
    left: str,
) -> tuple[pl.LazyFrame, list[str]]:
    """The scanned inputs and the columns to fit or transform, checked against the inputs' dtypes.

    Every column the user named (``columns``, and ``named``: the per-column
    methods) must exist and be numeric: a data error naming it otherwise.
    ``columns=None`` takes every numeric column but the group keys, and says
    on stderr which are ``left`` out. In CSV and NDJSON input the chosen
    columns inferred as integers are read as Float64 (what they become
    anyway), so a fraction past the inferred rows cannot fail the pass.
    """
    lf = scan(files, **read)
    schema = lf.collect_schema()
    text = {FORMATS.get(f.suffix.lower()) for f in files} <= _TEXT_FORMATS
    for name in read["schema_overrides"]:
        if name not in schema:
            msg = f"--schema-override {name}: no such column; available columns: {schema.names()}"
            raise pl.exceptions.ColumnNotFoundError(msg)
    for name in dict.fromkeys([*(columns or []), *named]):
        if name not in schema:
            msg = f"column {name!r} not found; available columns: {schema.names()}"
            raise pl.exceptions.ColumnNotFoundError(msg)
        if float_dtype(schema[name]) is None:
            rows = read["infer_schema_length"]
            hint = (
                f" (dtypes inferred from {'all' if rows is None else f'the first {rows}'} rows; "
                "see --null-value, --infer-schema-length, --schema-override)"
                if text
                else ""
            )
            msg = f"column {name!r} has dtype {schema[name]}; expected a numeric column{hint}"
            raise TypeError(msg)
    chosen = list(columns) if columns is not None else []
    if columns is None:
        by = set(_names(getattr(args, "by", None)) or ())
        candidates = [(n, d) for n, d in schema.items() if n not in by]
        chosen = [n for n, d in candidates if float_dtype(d) is not None]
        skipped = [f"{n} ({d})" for n, d in candidates if float_dtype(d) is None]
        if skipped:
            _say(args, f"polars-norm {args.command}: note: non-numeric column(s) {left}: {', '.join(skipped)}")
    chosen += [n for n in named if n not in chosen]
    overrides = read["schema_overrides"]
    widen = {c: pl.Float64() for c in chosen if text and schema[c].is_integer() and c not in overrides}
    if widen:
        lf = scan(files, **{**read, "schema_overrides": {**overrides, **widen}})
    return lf, chosen


def _fit_pass(
    args: argparse.Namespace,
    lf: pl.LazyFrame,
    columns: list[str],
    total: int,
    quantiles: bool,
    orders: Sequence[float],
    label: str,
) -> Accumulator:
    if not columns:
        msg = "no numeric columns to fit in the input"
        raise ValueError(msg)
    by = _names(args.by)

    def job() -> Accumulator:
        return fit(lf, columns, by=by, quantiles=quantiles, sketch_k=args.sketch_k, norm_orders=orders)

    acc = progress.run(job, label=label, total_bytes=total, show=_show(args))
    state = acc.state.filter(pl.col("column") == acc.columns[0])
    if state.select(pl.sum_horizontal("count", "null_count", "nan_count").sum()).item() == 0:
        msg = f"empty input: no rows in {', '.join(map(str, args.inputs))}"
        raise ValueError(msg)
    return acc


def _transform_pass(
    args: argparse.Namespace, acc: Accumulator, lf: pl.LazyFrame, plan: dict[str, Spec], total: int, label: str
) -> None:
    schema = lf.collect_schema()
    for key in acc.by:
        if key in schema:
            try:
                common_key_dtype(key, acc.state.schema[key], schema[key], "transform")
            except TypeError as exc:
                msg = f"{exc}; read the input with --schema-override {key}={acc.state.schema[key]} to match"
                raise TypeError(msg) from exc
    lazy = acc.transform(lf, plan, unseen=args.unseen)
    assert isinstance(lazy, pl.LazyFrame)
    output = Path(args.output)
    writer = OUTPUT_FORMATS[output.suffix.lower()]
    with atomic_path(output) as tmp:
        progress.run(lambda: writer(lazy, tmp), label=label, total_bytes=total, show=_show(args))
    _say(args, f"wrote {output}")


def _methods(default: Spec | None, per_column: dict[str, Spec], columns: Sequence[str]) -> dict[str, Spec]:
    plan: dict[str, Spec] = dict.fromkeys(columns, default) if default is not None else {}
    plan.update(per_column)
    return plan


# --------------------------------------------------------------------------
# subcommands
# --------------------------------------------------------------------------
def cmd_fit(args: argparse.Namespace) -> int:
    """``polars-norm fit``: fit statistics of the inputs into a JSON statistics file.

    One streaming pass of flat reductions (per group with ``--by``), with
    quantile sketches unless ``--no-quantiles``; the file is written
    atomically.

    Parameters
    ----------
    args
        The parsed arguments (:func:`build_parser`).

    Returns
    -------
    int
        The exit status, 0 (errors are raised, and :func:`main` maps them to 1
        or 2).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, 5.0]}).write_parquet(d / "in.parquet")
    >>> args = build_parser().parse_args(["fit", str(d / "in.parquet"), "--by", "g", "-o", str(d / "s.json"), "-q"])
    >>> cmd_fit(args), (d / "s.json").exists()
    (0, True)
    """
    _check_names(args, {})
    orders = tuple(dict.fromkeys(p for p in args.norm_orders or _DEFAULT_ORDERS if math.isfinite(p)))
    files, total = _inputs(args)
    check_output(args.output, files, overwrite=args.overwrite, formats=[".json"])
    read = _read_options(args, files)
    lf, columns = _source(args, files, read, _names(args.columns), (), "not fitted")
    acc = _fit_pass(args, lf, columns, total, not args.no_quantiles, orders, "fit")
    acc.save(args.output)  # atomic: a temporary file renamed into place
    _say(args, f"fitted {len(acc.columns)} column(s) of {len(files)} file(s); wrote {args.output}")
    return 0


def cmd_transform(args: argparse.Namespace) -> int:
    """``polars-norm transform``: apply a statistics file to the inputs and write the output.

    The fitted statistics enter the query as literals (or a lookup in the
    per-group statistics), so the transform streams in bounded memory; the
    output is renamed into place only when complete.

    Parameters
    ----------
    args
        The parsed arguments (:func:`build_parser`).

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    ValueError
        If a column to transform was not fitted (exit status 1 from :func:`main`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"x": [1.0, 2.0, 3.0]}).write_parquet(d / "in.parquet")
    >>> main(["fit", str(d / "in.parquet"), "-o", str(d / "s.json"), "-q"])
    0
    >>> args = build_parser().parse_args(
    ...     ["transform", str(d / "in.parquet"), "--stats", str(d / "s.json"), "-o", str(d / "out.parquet"), "-q"]
    ... )
    >>> cmd_transform(args), pl.read_parquet(d / "out.parquet")["x"].to_list()
    (0, [-1.0, 0.0, 1.0])
    """
    default, per_column = _plan(args)
    _check_names(args, per_column)
    files, total = _inputs(args)
    stats = Path(args.stats)
    check_output(args.output, [*files, stats], overwrite=args.overwrite)
    read = _read_options(args, files)
    acc = Accumulator.load(stats)
    _check_fitted(acc, _specs(default, per_column), stats)
    plan = _methods(default, per_column, _names(args.columns) or list(acc.columns))
    for column in plan:
        if column not in acc.columns:
            msg = f"column {column!r} was not fitted; fitted columns: {list(acc.columns)}"
            raise ValueError(msg)
    lf, _ = _source(args, files, read, list(plan), (), "")
    _transform_pass(args, acc, lf, plan, total, "transform")
    return 0


def cmd_normalize(args: argparse.Namespace) -> int:
    """``polars-norm normalize``: fit, then transform, in two streaming passes.

    With ``--save-stats`` the fitted statistics are also written, renamed
    into place only after the output, so a failed run leaves neither.

    Parameters
    ----------
    args
        The parsed arguments (:func:`build_parser`).

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    UsageError
        If ``--save-stats`` names the output.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"x": [2.0, 4.0, 6.0]}).write_parquet(d / "in.parquet")
    >>> args = build_parser().parse_args(
    ...     ["normalize", str(d / "in.parquet"), "--method", "minmax", "-o", str(d / "out.csv"), "-q"]
    ... )
    >>> cmd_normalize(args), pl.read_csv(d / "out.csv")["x"].to_list()
    (0, [0.0, 0.5, 1.0])
    """
    default, per_column = _plan(args)
    _check_names(args, per_column)
    if args.save_stats and Path(args.save_stats).resolve() == Path(args.output).resolve():
        msg = f"--save-stats {args.save_stats} is also the output"
        raise UsageError(msg)
    files, total = _inputs(args)
    check_output(args.output, files, overwrite=args.overwrite)
    if args.save_stats:
        check_output(args.save_stats, files, overwrite=args.overwrite, formats=[".json"])
    read = _read_options(args, files)
    specs = _specs(default, per_column)
    quantiles = any(name in _SKETCH_METHODS for name, _ in specs)
    orders = tuple(dict.fromkeys([*_DEFAULT_ORDERS, *_orders(specs)]))
    columns = _names(args.columns)
    if columns is None and default is None:
        columns = list(per_column)
    lf, chosen = _source(args, files, read, columns, list(per_column), "left unnormalized")
    acc = _fit_pass(args, lf, chosen, total, quantiles, orders, "pass 1/2: fit")
    with ExitStack() as stack:  # the statistics are renamed into place only after the output
        if args.save_stats:
            acc.save(stack.enter_context(atomic_path(args.save_stats)))
        _transform_pass(args, acc, lf, _methods(default, per_column, chosen), total, "pass 2/2: transform")
    if args.save_stats:
        _say(args, f"wrote {args.save_stats}")
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    """``polars-norm describe``: print the statistics of a statistics file.

    Prints a header line (columns, group keys, whether quantile sketches are
    stored) and :meth:`polars_norm.Accumulator.to_frame` as a table.

    Parameters
    ----------
    args
        The parsed arguments (:func:`build_parser`).

    Returns
    -------
    int
        The exit status, 0.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"x": [1.0, 2.0, 3.0]}).write_parquet(d / "in.parquet")
    >>> main(["fit", str(d / "in.parquet"), "-o", str(d / "s.json"), "-q", "--no-quantiles"])
    0
    >>> cmd_describe(build_parser().parse_args(["describe", str(d / "s.json")]))  # doctest: +ELLIPSIS
    /...s.json: 1 column(s), quantile sketches: no
    ...
    """
    acc = Accumulator.load(args.stats)
    frame = acc.to_frame(ddof=args.ddof)
    by = f", by {list(acc.by)}" if acc.by else ""
    print(f"{args.stats}: {len(acc.columns)} column(s){by}, quantile sketches: {'yes' if acc.quantiles else 'no'}")
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=250, tbl_hide_dataframe_shape=True):
        print(frame)
    return 0


def demo_data(rows: int = 600) -> pl.DataFrame:
    """The demo's dataset: readings of three sensors with their own offsets and scales, a few nulls.

    Deterministic (no random numbers), so the demo prints the same every time.

    Parameters
    ----------
    rows
        The number of readings.

    Returns
    -------
    pl.DataFrame
        Columns ``sensor`` (String), ``temperature`` and ``humidity`` (Float64).

    Examples
    --------
    >>> demo_data(6)
    shape: (6, 3)
    ┌────────┬─────────────┬──────────┐
    │ sensor ┆ temperature ┆ humidity │
    │ ---    ┆ ---         ┆ ---      │
    │ str    ┆ f64         ┆ f64      │
    ╞════════╪═════════════╪══════════╡
    │ north  ┆ 15.0        ┆ 25.0     │
    │ south  ┆ 51.76       ┆ 52.57    │
    │ east   ┆ -3.31       ┆ 50.14    │
    │ north  ┆ 22.57       ┆ 47.71    │
    │ south  ┆ 42.04       ┆ 45.28    │
    │ east   ┆ -4.525      ┆ 42.85    │
    └────────┴─────────────┴──────────┘
    """
    i = pl.int_range(rows)
    wave = ((i * 7919) % 1000).cast(pl.Float64) / 1000.0 - 0.5  # deterministic, no RNG
    k = (i % 3).cast(pl.UInt32)
    return pl.select(
        sensor=pl.lit(pl.Series(["north", "south", "east"])).gather(k),
        temperature=pl.lit(pl.Series([20.0, 35.0, -5.0])).gather(k)
        + pl.lit(pl.Series([1.0, 4.0, 0.5])).gather(k) * wave * 10.0,
        humidity=pl.when(i % 50 == 7).then(None).otherwise(40.0 + 30.0 * wave),
    )


def cmd_demo(args: argparse.Namespace) -> int:
    """``polars-norm demo``: run fit, describe and transform on a small generated dataset.

    The files live in a temporary directory removed at the end; the output
    shows each command and ends with a check that the per-sensor z-scores
    have mean 0 and standard deviation 1.

    Parameters
    ----------
    args
        The parsed arguments (none are used).

    Returns
    -------
    int
        The exit status, 0.

    Examples
    --------
    >>> cmd_demo(build_parser().parse_args(["demo"]))  # doctest: +ELLIPSIS
    demo: readings.parquet, 600 readings of 3 sensors (generated)
    ...
    """
    with tempfile.TemporaryDirectory(prefix="polars-norm-demo-") as tmp:
        data, stats, out = Path(tmp, "readings.parquet"), Path(tmp, "stats.json"), Path(tmp, "normalized.parquet")
        demo_data().write_parquet(data)
        print(f"demo: {data.name}, 600 readings of 3 sensors (generated)\n")
        print(f"$ polars-norm fit {data.name} --by sensor -o {stats.name}")
        main(["fit", str(data), "--by", "sensor", "-o", str(stats), "--quiet"])
        print(f"$ polars-norm describe {stats.name}")
        main(["describe", str(stats)])
        print(f"\n$ polars-norm transform {data.name} --stats {stats.name} --method zscore -o {out.name}")
        main(["transform", str(data), "--stats", str(stats), "--method", "zscore", "-o", str(out), "--quiet"])
        result = pl.read_parquet(out)
        print(result.head(6))
        check = result.group_by("sensor", maintain_order=True).agg(
            pl.col("temperature").mean().round(12).alias("mean_z"), pl.col("temperature").std().alias("std_z")
        )
        print("\nper-sensor z-scores have mean 0 and standard deviation 1:")
        print(check)
    return 0


# --------------------------------------------------------------------------
# the parser
# --------------------------------------------------------------------------
def _common(p: argparse.ArgumentParser, *, output: bool = True) -> None:
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


def _method_args(p: argparse.ArgumentParser) -> None:
    names = ", ".join(METHODS)
    p.add_argument("--method", action="append", metavar="M", help=f"{names}; or COL=M per column (default zscore)")
    p.add_argument("-O", "--option", action="append", metavar="KEY=VALUE", help="method option, e.g. ddof=0")
    p.add_argument("--unseen", choices=["null", "global", "raise"], default="null", help="groups not seen in fit")


def build_parser() -> argparse.ArgumentParser:
    """The ``argparse`` parser of the command line, one subcommand per ``cmd_*`` function.

    Each subparser sets ``func`` to its ``cmd_*`` function, which :func:`main`
    calls. Argument values are checked by their ``type`` functions, so a bad
    value exits with status 2 before any data is read.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> args = build_parser().parse_args(["describe", "stats.json", "--ddof", "0"])
    >>> args.command, args.stats, args.ddof, args.func is cmd_describe
    ('describe', 'stats.json', 0, True)
    """
    parser = argparse.ArgumentParser(
        prog="polars-norm", description="Fit normalization statistics out of core and apply them."
    )
    parser.add_argument("--version", action="version", version=f"polars-norm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("fit", help="fit statistics into a JSON stats file")
    _common(p)
    p.add_argument("--by", nargs="+", metavar="K", help="group key column(s)")
    p.add_argument("--no-quantiles", action="store_true", help="skip the quantile sketches (faster)")
    p.add_argument("--sketch-k", type=_sketch_k, default=800, help="KLL sketch accuracy parameter, 8 to 65535")
    p.add_argument(
        "--norm-orders",
        type=_order,
        nargs="+",
        metavar="P",
        help="Lp norm orders to fit for the unit method (default 1 2; the max norm is always fitted)",
    )
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("transform", help="apply a stats file to inputs")
    _common(p)
    p.add_argument("--stats", required=True, help="stats file written by `fit`")
    _method_args(p)
    p.set_defaults(func=cmd_transform)

    p = sub.add_parser("normalize", help="fit, then transform, in two streaming passes")
    _common(p)
    p.add_argument("--by", nargs="+", metavar="K", help="group key column(s)")
    p.add_argument("--save-stats", metavar="PATH", help="also write the fitted statistics")
    p.add_argument("--sketch-k", type=_sketch_k, default=800, help="KLL sketch accuracy parameter, 8 to 65535")
    _method_args(p)
    p.set_defaults(func=cmd_normalize)

    p = sub.add_parser("describe", help="print the statistics of a stats file")
    p.add_argument("stats", help="stats file written by `fit`")
    p.add_argument("--ddof", type=_ddof, default=1, help="delta degrees of freedom of std and var (>= 0)")
    p.set_defaults(func=cmd_describe)

    p = sub.add_parser("demo", help="run fit, describe and transform on a small generated dataset")
    p.set_defaults(func=cmd_demo)
    return parser


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    if isinstance(exc, FileNotFoundError) and exc.filename:
        text = f"no such file: {exc.filename}"
    if isinstance(exc, pl.exceptions.PolarsError) and ("conversion from `str`" in text or "cannot parse" in text):
        text += " (CSV/NDJSON dtypes are inferred from the first rows: see --infer-schema-length, --schema-override)"
    return text.removeprefix("polars_norm.")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv
        The arguments, without the program name; None reads ``sys.argv``.

    Returns
    -------
    int
        0 on success, 1 for a data error, 2 for a usage error (the message is
        printed on stderr). An interrupt ends the process at once with status
        130 (``SIGINT``) or 143 (``SIGTERM``); argparse's own errors raise
        ``SystemExit(2)``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"x": [1.0, 2.0, 3.0]}).write_parquet(d / "in.parquet")
    >>> main(["normalize", str(d / "in.parquet"), "-o", str(d / "out.parquet"), "-q"])
    0
    >>> main(["normalize", str(d / "in.parquet"), "-o", str(d / "out.parquet"), "-q"])
    2
    >>> main(["describe", str(d / "missing.json")])
    1
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    if threading.current_thread() is threading.main_thread():
        progress.handle_sigterm()
    try:
        return func(args)
    except KeyboardInterrupt as exc:  # the temporary output is already removed
        print("polars-norm: interrupted", file=sys.stderr)
        sys.stderr.flush()
        os._exit(143 if isinstance(exc, progress.Interrupted) else 130)  # abandon the Polars worker thread
    except (UsageError, OutputError) as exc:
        print(f"polars-norm {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except _DATA_ERRORS as exc:
        print(f"polars-norm {args.command}: error: {_first_line(exc)}", file=sys.stderr)
        return EXIT_DATA


def run() -> None:
    """Console-script entry point: :func:`main` on ``sys.argv``, its status passed to ``sys.exit``.

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch("sys.argv", ["polars-norm", "--version"]):
    ...     run()
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    sys.exit(main())
