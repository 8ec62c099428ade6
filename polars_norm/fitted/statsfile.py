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
Key dtypes are text and key values JSON values as described in
:mod:`polars_norm.fitted.key_codec` (``"Int64"``, ``"String"``, ``"Date"`` and the
other dtypes of format version 1 are written as before, so files with such
keys still read in earlier versions of polars-norm). Every fitted column
appears in every group: a column a group has no row for (after merging
accumulators fitted on different columns, or an ungrouped fit on no rows) is
written with zero counts and null statistics.
The checksum is the SHA-256 of the document without its ``checksum`` field,
serialized with sorted keys and no whitespace. Nothing is pickled, and
nothing depends on the Polars version.

This module reads and writes the files; the document is encoded by
:mod:`polars_norm.fitted.statsfile_codec`. :func:`load` checks the whole
document against the schema of :mod:`polars_norm.fitted.statsfile_schema` (the
type and range of every field, the keys against the key dtypes, each sketch
against its count, checked by :mod:`polars_norm.fitted.kll_format` before
DataSketches reads it) and raises one :class:`StatsFileError` naming the file
and the field for anything else, e.g.
``polars_norm.load: 'stats.json': groups[0].columns.x.mean: expected a number
or "nan", "inf", "-inf", got 'abc'``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from polars_norm.fitted import key_codec
from polars_norm.fitted.statsfile_codec import FORMAT, FORMAT_VERSION, Storable, checksum, state_frame, to_document
from polars_norm.fitted.statsfile_schema import SchemaError, check_document
from polars_norm.io.sinks import atomic_path

T = TypeVar("T")

__all__ = ["StatsFileError", "from_document", "load", "save"]


class StatsFileError(ValueError):
    """A statistics file is missing, truncated, modified, malformed, or of another format or version.

    A ``ValueError``; its message names the file and, for a malformed
    document, the field.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from polars_norm import Accumulator
    >>> from polars_norm.fitted.statsfile import StatsFileError
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = pathlib.Path(d) / "stats.json"
    ...     _ = path.write_text("{}")
    ...     try:
    ...         Accumulator.load(path)
    ...     except StatsFileError as exc:
    ...         print(str(exc).replace(str(path), "stats.json"))
    polars_norm.load: 'stats.json' is not a polars-norm statistics file (no "format": 'polars-norm-stats')
    """


def _fail(path: str | Path, problem: str) -> StatsFileError:
    return StatsFileError(f"polars_norm.load: {str(path)!r} {problem}")


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------
def save(acc: Storable, path: str | Path) -> None:
    """Write ``acc`` to ``path`` as JSON, atomically (a temporary file renamed into place).

    Parameters
    ----------
    acc
        The statistics to write.
    path
        The file; a reader never sees it half written.

    Raises
    ------
    TypeError
        A ``by`` key's dtype cannot be stored (lists, structs, ...: see
        :mod:`polars_norm.fitted.key_codec`).

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.fitted.statsfile import save
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = pathlib.Path(d) / "stats.json"
    ...     save(fit(pl.DataFrame({"x": [1.0, 2.0]}), quantiles=False), path)
    ...     doc = json.loads(path.read_text())
    >>> doc["format"], doc["settings"]["columns"], doc["groups"][0]["columns"]["x"]["count"]
    ('polars-norm-stats', ['x'], 2)
    """
    doc = to_document(acc)
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, allow_nan=False)
        fh.write("\n")


# ---------------------------------------------------------------------------
# reading: the document
# ---------------------------------------------------------------------------
def from_document(doc: Any, build: Callable[[dict[str, Any], pl.DataFrame], T], path: str | Path = "<document>") -> T:
    """Rebuild statistics from a parsed statistics document: ``build(settings, state)``.

    Checks the format, version, checksum and then every field (see the
    module's notes).

    Parameters
    ----------
    doc
        The parsed JSON document.
    build
        Builds the statistics from the settings and the state
        (``Accumulator.from_state``).
    path
        The file's name, for error messages.

    Returns
    -------
    object
        What ``build`` returns.

    Raises
    ------
    StatsFileError
        Naming ``path`` and the field: another format or version, a checksum
        mismatch, a field of the wrong type or out of range, or an error of
        ``build``.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import Accumulator, fit
    >>> from polars_norm.fitted.statsfile import from_document
    >>> from polars_norm.fitted.statsfile_codec import to_document
    >>> doc = to_document(fit(pl.DataFrame({"x": [1.0, 2.0]}), quantiles=False))
    >>> from_document(doc, Accumulator.from_state).to_frame().select("count", "mean")
    shape: (1, 2)
    ┌───────┬──────┐
    │ count ┆ mean │
    │ ---   ┆ ---  │
    │ i64   ┆ f64  │
    ╞═══════╪══════╡
    │ 2     ┆ 1.5  │
    └───────┴──────┘
    >>> doc["groups"][0]["columns"]["x"]["mean"] = 7.0
    >>> from_document(doc, Accumulator.from_state)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    polars_norm.fitted.statsfile.StatsFileError: polars_norm.load: '<document>' was modified or ...
    """
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _fail(path, f'is not a polars-norm statistics file (no "format": {FORMAT!r})')
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version != FORMAT_VERSION:
        raise _fail(
            path,
            f"has format version {key_codec.describe_value(version)}; this polars-norm reads version {FORMAT_VERSION}",
        )
    try:
        expected = checksum(doc)
    except (TypeError, ValueError, RecursionError) as exc:
        raise _fail(path, f"is not a JSON document ({type(exc).__name__}: {exc})") from exc
    if doc.get("checksum") != expected:
        raise _fail(path, "was modified or corrupted (checksum mismatch)")
    try:
        settings, key_dtypes, records = check_document(doc)
    except SchemaError as exc:
        msg = f"polars_norm.load: {str(path)!r}: {exc}"
        raise StatsFileError(msg) from exc.__cause__
    try:
        return build(settings, state_frame(records, key_dtypes))
    except (KeyError, TypeError, ValueError, RuntimeError, ArithmeticError, pl.exceptions.PolarsError) as exc:
        raise _fail(path, f"is malformed ({type(exc).__name__}: {exc})") from exc


# ---------------------------------------------------------------------------
# reading: the file
# ---------------------------------------------------------------------------
class _NotJSON(ValueError):
    """Raised while parsing for what Python's ``json`` accepts but JSON does not."""


def _reject_constant(name: str) -> Any:
    msg = f'the literal {name}, which JSON does not allow (statistics files write "nan", "inf", "-inf")'
    raise _NotJSON(msg)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        msg = f"the number {text[:40]}, beyond the float range"
        raise _NotJSON(msg)
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        name = next(k for i, (k, _) in enumerate(pairs) if k in dict(pairs[:i]))
        msg = f"the field {name!r} twice in one object"
        raise _NotJSON(msg)
    return out


_MAGIC = {b"PAR1": "a Parquet file", b"ARROW1": "an Arrow IPC file", b"\x1f\x8b": "a gzip file", b"PK": "a zip file"}


def load(path: str | Path, build: Callable[[dict[str, Any], pl.DataFrame], T]) -> T:
    """Read statistics written by :func:`save`, rebuilt by ``build(settings, state)`` (``Accumulator.from_state``).

    Parameters
    ----------
    path
        The statistics file.
    build
        Builds the statistics from the settings and the state.

    Returns
    -------
    object
        What ``build`` returns.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (other ``OSError`` if it cannot be read).
    StatsFileError
        (a ``ValueError``) if the file is not UTF-8 JSON or is truncated, is
        not a polars-norm statistics file, has another format version, was
        modified (checksum mismatch), or has a field of the wrong type or out
        of range; the message names the file and the field.

    Examples
    --------
    >>> import tempfile, polars as pl, polars_norm as pn
    >>> with tempfile.TemporaryDirectory() as d:
    ...     pn.fit(pl.DataFrame({"g": ["a", "b"], "x": [1.0, 2.0]}), by="g").save(f"{d}/s.json")
    ...     pn.Accumulator.load(f"{d}/s.json").to_frame().select("g", "mean").rows()
    [('a', 1.0), ('b', 2.0)]
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        kind = next((f"; it looks like {what}" for magic, what in _MAGIC.items() if raw.startswith(magic)), "")
        problem = f"is not a statistics file: not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start}{kind})"
        raise _fail(path, problem) from exc
    try:
        doc = json.loads(
            text, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_no_duplicates
        )
    except json.JSONDecodeError as exc:
        raise _fail(path, f"is truncated or not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    except _NotJSON as exc:
        raise _fail(path, f"is not valid JSON: it holds {exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise _fail(path, f"is not valid JSON ({type(exc).__name__}: {exc})") from exc
    return from_document(doc, build, path)
