"""Statistics files: a versioned, checksummed, human-readable JSON document.

Layout (format version 1)::

    {
      "format": "polars-norm-stats",
      "format_version": 1,
      "created_by": "polars-norm 0.1.0",
      "settings": {"by": [...], "columns": [...], "quantiles": true, "sketch_k": 800,
                   "norm_orders": [1.0, 2.0], "key_dtypes": {"g": "String"}},
      "fields": ["count", "null_count", ..., "powsum_2"],
      "groups": [
        {"key": {"g": "a"},
         "columns": {"x": {"count": 3, "mean": 2.0, ..., "sketch": "<base64 KLL bytes>"}}}
      ],
      "checksum": "sha256:<hex>"
    }

Statistics are JSON numbers (floats written with ``repr``, so they read back
bit for bit); non-finite values are the strings ``"inf"``, ``"-inf"`` and
``"nan"``. Sketches are Apache DataSketches' portable serialization in base64.
The checksum is the SHA-256 of the document without its ``checksum`` field,
serialized with sorted keys and no whitespace. Nothing is pickled, and
nothing depends on the Polars version.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from polars_norm import moments

if TYPE_CHECKING:
    from polars_norm.accumulator import Accumulator

__all__ = ["FORMAT", "FORMAT_VERSION", "StatsFileError", "load", "save"]

FORMAT = "polars-norm-stats"
FORMAT_VERSION = 1

_KEY_DTYPES: dict[str, pl.DataType] = {
    "Int8": pl.Int8(), "Int16": pl.Int16(), "Int32": pl.Int32(), "Int64": pl.Int64(),
    "UInt8": pl.UInt8(), "UInt16": pl.UInt16(), "UInt32": pl.UInt32(), "UInt64": pl.UInt64(),
    "Float32": pl.Float32(), "Float64": pl.Float64(), "String": pl.String(), "Boolean": pl.Boolean(),
    "Date": pl.Date(), "Null": pl.Null(),
}  # fmt: skip


class StatsFileError(ValueError):
    """A statistics file is missing, truncated, modified, or of another format or version."""


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _from_number(value: Any) -> Any:
    return float(value) if value in ("nan", "inf", "-inf") else value


def _key_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return _number(value)


def _checksum(doc: dict[str, Any]) -> str:
    body = {k: v for k, v in doc.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def to_document(acc: Accumulator) -> dict[str, Any]:
    """The JSON document of ``acc`` (a dict ready for ``json.dump``)."""
    from polars_norm import __version__

    meta = acc._metadata()
    for name, dtype in meta["key_dtypes"].items():
        if dtype not in _KEY_DTYPES:
            msg = f"polars_norm.save: by key {name!r} has dtype {dtype}, which statistics files cannot hold"
            raise TypeError(msg)
    state = acc._state_with_sketches()
    by = list(acc.by)
    fields = [c for c in state.columns if c not in (*by, moments.COLUMN, "sketch")]
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in state.iter_rows(named=True):
        key = tuple(row[b] for b in by)
        group = groups.setdefault(key, {"key": {b: _key_value(row[b]) for b in by}, "columns": {}})
        stats = {f: _number(row[f]) for f in fields}
        if row["sketch"] is not None:
            stats["sketch"] = base64.b64encode(row["sketch"]).decode("ascii")
        group["columns"][row[moments.COLUMN]] = stats
    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_by": f"polars-norm {__version__}",
        "settings": meta,
        "fields": fields,
        "groups": list(groups.values()),
    }
    doc["checksum"] = _checksum(doc)
    return doc


def save(acc: Accumulator, path: str | Path) -> None:
    """Write ``acc`` to ``path`` as JSON, atomically (a temporary file renamed into place)."""
    doc = to_document(acc)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1, allow_nan=False)
            fh.write("\n")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def _fail(path: str | Path, problem: str) -> StatsFileError:
    return StatsFileError(f"polars_norm.load: {str(path)!r} {problem}")


def from_document(doc: Any, path: str | Path = "<document>") -> Accumulator:
    """Rebuild an accumulator from a parsed statistics document, checking format, version and checksum."""
    from polars_norm.accumulator import Accumulator

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _fail(path, f'is not a polars-norm statistics file (no "format": {FORMAT!r})')
    version = doc.get("format_version")
    if version != FORMAT_VERSION:
        raise _fail(path, f"has format version {version!r}; this polars-norm reads version {FORMAT_VERSION}")
    if doc.get("checksum") != _checksum(doc):
        raise _fail(path, "was modified or corrupted (checksum mismatch)")
    try:
        meta = doc["settings"]
        by = list(meta["by"])
        key_schema = {n: _KEY_DTYPES[meta["key_dtypes"].get(n, "Null")] for n in by}
        schema = moments.state_schema(key_schema, meta["norm_orders"])
        records: dict[str, list[Any]] = {name: [] for name in [*schema.names(), "sketch"]}
        for group in doc["groups"]:
            for column, stats in group["columns"].items():
                for b in by:
                    records[b].append(group["key"][b])
                records[moments.COLUMN].append(column)
                for f in doc["fields"]:
                    records[f].append(_from_number(stats[f]))
                blob = stats.get("sketch")
                records["sketch"].append(base64.b64decode(blob, validate=True) if blob is not None else None)
        columns = []
        for name, values in records.items():
            dtype = pl.Binary() if name == "sketch" else schema[name]
            if dtype == pl.Date:
                values = [dt.date.fromisoformat(v) if v is not None else None for v in values]
            columns.append(pl.Series(name, values, dtype=dtype, strict=False))
        state = pl.DataFrame(columns)
        return Accumulator._from_parts(meta, state)
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail(path, f"is malformed ({type(exc).__name__}: {exc})") from exc


def load(path: str | Path) -> Accumulator:
    """Read statistics written by :func:`save`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    StatsFileError
        (a ``ValueError``) if the file is truncated or not JSON, is not a
        polars-norm statistics file, has another format version, or was
        modified (checksum mismatch).
    """
    text = Path(path).read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(path, f"is truncated or not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    return from_document(doc, path)
