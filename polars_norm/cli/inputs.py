"""Reading the inputs: the files, the read options of CSV/TSV and NDJSON, the columns to process.

Both passes read with the same options (:func:`read_options`); the columns to
fit or transform are checked against the inputs' dtypes before any row is
read (:func:`source`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from polars_norm.cli.arguments import UsageError, once, say, split_names
from polars_norm.fitted.fit import FORMATS, INFER_SCHEMA_LENGTH, NULL_VALUES, input_files, scan
from polars_norm.semantics import float_dtype

__all__ = ["input_paths", "read_options", "source"]

_TEXT_FORMATS = {"csv", "ndjson"}


def read_options(args: argparse.Namespace, files: Sequence[Path]) -> dict[str, Any]:
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
    once([c for c, _ in overrides], "--schema-override")
    rows = args.infer_schema_length or str(INFER_SCHEMA_LENGTH)
    return {
        "null_values": NULL_VALUES if args.null_value is None else tuple(args.null_value),
        "infer_schema_length": None if rows == "all" else int(rows),
        "schema_overrides": dict(overrides),
    }


def input_paths(args: argparse.Namespace) -> tuple[list[Path], int]:
    """The input files of ``args.inputs`` (globs and directories expanded) and their total size in bytes."""
    files = input_files(args.inputs)
    return files, sum(f.stat().st_size for f in files)


def source(
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
        by = set(split_names(getattr(args, "by", None)) or ())
        candidates = [(n, d) for n, d in schema.items() if n not in by]
        chosen = [n for n, d in candidates if float_dtype(d) is not None]
        skipped = [f"{n} ({d})" for n, d in candidates if float_dtype(d) is None]
        if skipped:
            say(args, f"polars-norm {args.command}: note: non-numeric column(s) {left}: {', '.join(skipped)}")
    chosen += [n for n in named if n not in chosen]
    overrides = read["schema_overrides"]
    widen = {c: pl.Float64() for c in chosen if text and schema[c].is_integer() and c not in overrides}
    if widen:
        lf = scan(files, **{**read, "schema_overrides": {**overrides, **widen}})
    return lf, chosen
