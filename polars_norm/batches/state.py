"""The state of a :class:`~polars_norm.WindowNormalizer` and its JSON document.

Layout (version 1)::

    {
      "format": "polars-norm-window-state",
      "version": 1,
      "created_by": "polars-norm 0.1.0",
      "method": "rolling_zscore",
      "columns": ["x"],
      "partition_by": ["sensor"],
      "options": {"window_size": 100, "lag": false, ...},
      "dtypes": {"x": "Float64", "sensor": "String"},
      "groups": [["a"], [null], ...],
      "state": {
        "rows": {"group": [0, 0, 1], "x": [1.5, "nan", 2.0]},
        "pilots": {"group": [0, 1, 0, 1], "x": [1.5, 2.0, 1.5, 2.0]},
        "moments": {"fields": ["count", ...], "x": {"count": [3.0, 1.0], ...}},
        "last_by": {"group": [0, 1], "ts": [...]}
      },
      "checksum": "sha256:<hex>"
    }

``groups`` lists the key of each group code (``partition_by`` order; ``[[]]``
without groups), written as :mod:`polars_norm.fitted.key_codec` writes
statistics-file keys; so are the carried values and ``by`` times (floats
bit for bit, ``"nan"``, ``"inf"``, ``"-inf"``; temporal values exactly as
their physical integers or ISO dates). ``dtypes`` are the first batch's
(null before any batch). Rolling methods carry ``rows`` (and ``pilots`` for
the z-scores), expanding and EWM methods ``moments`` (the kernel's fields,
one list of per-group values each), ``ewm_zscore_by`` also ``last_by``.
The checksum is :func:`polars_norm.fitted.statsfile_codec.checksum`'s:
SHA-256 of the document without it, sorted keys, no whitespace.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from polars_norm._version import __version__
from polars_norm.batches.carry import CarriedRows
from polars_norm.batches.groups import CODE
from polars_norm.batches.recursions import Moments
from polars_norm.fitted import key_codec
from polars_norm.fitted.statsfile_codec import checksum

__all__ = [
    "FORMAT",
    "VERSION",
    "NormalizerState",
    "WindowStateError",
    "check_compatible",
    "read_document",
    "state_from_document",
    "to_document",
]

FORMAT = "polars-norm-window-state"
VERSION = 1


class WindowStateError(ValueError):
    """A window state file is unreadable, modified, malformed, or for another normalizer or version.

    Examples
    --------
    >>> raise WindowStateError("polars_norm.WindowNormalizer: ...")
    Traceback (most recent call last):
    ...
    polars_norm.batches.state.WindowStateError: polars_norm.WindowNormalizer: ...
    """


@dataclass(frozen=True)
class NormalizerState:
    """Everything a normalizer carries between batches; replaced whole after each batch, never modified.

    Attributes
    ----------
    dtypes
        The first batch's dtypes of the columns read, or None before it.
    keys
        The key of each group code (``partition_by`` columns), None without groups.
    carried
        A rolling method's rows (None before the first batch or for other methods).
    moments
        An expanding or EWM method's moments (likewise).
    last_by
        ``ewm_zscore_by``: each group's last ``by`` value (``CODE``, ``by``).

    Examples
    --------
    >>> NormalizerState().dtypes is None
    True
    """

    dtypes: dict[str, pl.DataType] | None = None
    keys: pl.DataFrame | None = None
    carried: CarriedRows | None = None
    moments: Moments | None = None
    last_by: pl.DataFrame | None = None


def _number(value: float) -> Any:
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def _float(value: Any) -> float:
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    msg = f"expected a number or 'nan', 'inf', '-inf', got {value!r}"
    raise ValueError(msg)


def _frame_json(frame: pl.DataFrame) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {"group": frame[CODE].to_list()}
    for name in frame.columns:
        if name != CODE:
            out[name] = key_codec.keys_to_json(frame[name])
    return out


def _frame_from_json(doc: Any, names: Sequence[str], dtypes: Mapping[str, pl.DataType]) -> pl.DataFrame:
    if not isinstance(doc, dict) or set(doc) != {"group", *names}:
        msg = f"expected an object with the lists 'group', {', '.join(map(repr, names))}"
        raise ValueError(msg)
    series = [pl.Series(CODE, doc["group"], dtype=pl.Int64)]
    for name in names:
        values = [key_codec.key_from_json(v, dtypes[name]) for v in doc[name]]
        series.append(key_codec.keys_series(name, values, dtypes[name]))
    return pl.DataFrame(series)


def _check_codes(frame: pl.DataFrame, count: int, where: str) -> None:
    codes = frame[CODE]
    if codes.len() and ((codes < 0).any() or (codes >= count).any()):
        msg = f"{where}.group: expected group codes in [0, {count}) (the rows of groups)"
        raise ValueError(msg)


def to_document(config: Mapping[str, Any], state: NormalizerState) -> dict[str, Any]:
    """The JSON document of a normalizer's configuration and state, checksum included.

    Parameters
    ----------
    config
        ``method``, ``columns``, ``partition_by`` and canonical ``options``.
    state
        The state.

    Returns
    -------
    dict
        Ready for ``json.dump(..., allow_nan=False)``.

    Raises
    ------
    TypeError
        A ``partition_by`` or carried column of a dtype the file cannot hold.

    Examples
    --------
    >>> config = {"method": "rolling_maxabs", "columns": ["x"], "partition_by": [], "options": {"window_size": 2}}
    >>> doc = to_document(config, NormalizerState())
    >>> doc["format"], doc["version"], doc["groups"], doc["checksum"][:7]
    ('polars-norm-window-state', 1, [[]], 'sha256:')
    """
    dtypes = None
    if state.dtypes is not None:
        for name, dtype in state.dtypes.items():
            key_codec.check_storable(name, dtype, "WindowNormalizer.save")
        dtypes = {name: key_codec.dtype_to_text(dtype) for name, dtype in state.dtypes.items()}
    if state.keys is None:
        groups: list[list[Any]] = [[]]
    else:
        columns = [key_codec.keys_to_json(state.keys[name]) for name in state.keys.columns]
        groups = [list(row) for row in zip(*columns, strict=True)] if columns else []
    body: dict[str, Any] = {}
    if state.carried is not None:
        body["rows"] = _frame_json(state.carried.rows)
        body["pilots"] = None if state.carried.pilots is None else _frame_json(state.carried.pilots)
    if state.moments is not None:
        moments: dict[str, Any] = {"fields": list(state.moments.fields)}
        for column, array in state.moments.arrays.items():
            moments[column] = {f: [_number(float(v)) for v in array[:, i]] for i, f in enumerate(state.moments.fields)}
        body["moments"] = moments
    if state.last_by is not None:
        body["last_by"] = _frame_json(state.last_by)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "created_by": f"polars-norm {__version__}",
        "method": config["method"],
        "columns": list(config["columns"]),
        "partition_by": list(config["partition_by"]),
        "options": dict(config["options"]),
        "dtypes": dtypes,
        "groups": groups,
        "state": body,
    }
    doc["checksum"] = checksum(doc)
    return doc


def _reject_constant(name: str) -> Any:
    msg = f'the literal {name}, which JSON does not allow (state files write "nan", "inf", "-inf")'
    raise ValueError(msg)


def read_document(path: str | Path, where: str) -> dict[str, Any]:
    """Read a state file and check its format, version and checksum (not yet its content).

    Parameters
    ----------
    path
        The file.
    where
        The caller, for messages (``"WindowNormalizer.load"``).

    Returns
    -------
    dict
        The document.

    Raises
    ------
    FileNotFoundError
        No such file.
    WindowStateError
        Not UTF-8 JSON, not a window state file, another version, or a checksum mismatch.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = pathlib.Path(d) / "state.json"
    ...     _ = path.write_text('{"format": "polars-norm-stats"}')
    ...     try:
    ...         read_document(path, "WindowNormalizer.load")
    ...     except WindowStateError as exc:
    ...         print(str(exc).replace(str(path), "state.json"))
    polars_norm.WindowNormalizer.load: 'state.json' is not a window state file (no "format": 'polars-norm-window-state')
    """

    def fail(problem: str) -> WindowStateError:
        return WindowStateError(f"polars_norm.{where}: {str(path)!r} {problem}")

    raw = Path(path).read_bytes()
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        problem = f"is not a JSON file or is truncated ({type(exc).__name__}: {exc})"
        raise fail(problem) from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        problem = f'is not a window state file (no "format": {FORMAT!r})'
        raise fail(problem)
    if doc.get("version") != VERSION:
        problem = f"has format version {doc.get('version')!r}; this polars-norm reads version {VERSION}"
        raise fail(problem)
    try:
        expected = checksum(doc)
    except (TypeError, ValueError) as exc:
        problem = f"holds values JSON cannot encode ({exc})"
        raise fail(problem) from exc
    if doc.get("checksum") != expected:
        problem = "was modified or is damaged: its checksum does not match its content"
        raise fail(problem)
    return doc


def check_compatible(doc: Mapping[str, Any], config: Mapping[str, Any], path: str | Path) -> None:
    """Refuse a state document written by a normalizer of another configuration, naming what differs.

    Parameters
    ----------
    doc
        The document (:func:`read_document`).
    config
        This normalizer's ``method``, ``columns``, ``partition_by`` and canonical ``options``.
    path
        The file, for the message.

    Raises
    ------
    WindowStateError
        The method, columns, ``partition_by`` or an option differ.

    Examples
    --------
    >>> config = {"method": "ewm_zscore", "columns": ["x"], "partition_by": [], "options": {"alpha": 0.5}}
    >>> try:
    ...     check_compatible({**config, "options": {"alpha": 0.25}}, config, "s.json")
    ... except WindowStateError as exc:
    ...     print(str(exc).split(": ", 1)[1])
    's.json' is for another normalizer: option alpha is 0.25 in the file, 0.5 here
    """
    problems = []
    for name in ("method", "columns", "partition_by"):
        if doc.get(name) != config[name]:
            problems.append(f"{name} is {doc.get(name)!r} in the file, {config[name]!r} here")
    theirs, ours = doc.get("options"), config["options"]
    if not problems and isinstance(theirs, dict):
        for name in sorted(set(theirs) | set(ours)):
            if theirs.get(name, "<absent>") != ours.get(name, "<absent>"):
                problems.append(
                    f"option {name} is {theirs.get(name, '<absent>')!r} in the file, {ours.get(name)!r} here"
                )
    elif not isinstance(theirs, dict):
        problems.append("its options are not an object")
    if problems:
        msg = f"polars_norm.WindowNormalizer.restore: {str(path)!r} is for another normalizer: {'; '.join(problems)}"
        raise WindowStateError(msg)


def state_from_document(doc: Mapping[str, Any], *, piloted: bool, by: str | None) -> NormalizerState:
    """The state a document holds (configuration already checked).

    Parameters
    ----------
    doc
        The document.
    piloted
        Whether the method carries pilot rows.
    by
        The ``by`` column, if any.

    Returns
    -------
    NormalizerState

    Raises
    ------
    ValueError, KeyError, TypeError
        A malformed document (the caller names the file).

    Examples
    --------
    >>> config = {"method": "rolling_maxabs", "columns": ["x"], "partition_by": [], "options": {"window_size": 2}}
    >>> state_from_document(to_document(config, NormalizerState()), piloted=False, by=None).dtypes is None
    True
    """
    columns, partition_by = list(doc["columns"]), list(doc["partition_by"])
    if doc["dtypes"] is None:
        return NormalizerState()
    dtypes = {name: key_codec.dtype_from_text(text) for name, text in doc["dtypes"].items()}
    keys = None
    groups = doc["groups"]
    if not isinstance(groups, list) or not all(isinstance(g, list) and len(g) == len(partition_by) for g in groups):
        msg = (
            f"groups: expected a list of keys, each a list of {len(partition_by)} values (one per partition_by column)"
        )
        raise ValueError(msg)
    count = len(groups)
    if partition_by:
        values = [
            [key_codec.key_from_json(row[i], dtypes[name]) for row in groups] for i, name in enumerate(partition_by)
        ]
        keys = pl.DataFrame([key_codec.keys_series(n, v, dtypes[n]) for n, v in zip(partition_by, values, strict=True)])
    body = doc["state"]
    carried = moments = last_by = None
    if "rows" in body:
        rows = _frame_from_json(body["rows"], [*columns, *([by] if by else [])], dtypes)
        pilots = _frame_from_json(body["pilots"], columns, dtypes) if piloted else None
        carried = CarriedRows(rows, pilots)
        _check_codes(rows, count, "state.rows")
        if pilots is not None:
            _check_codes(pilots, count, "state.pilots")
    if "moments" in body:
        fields = tuple(body["moments"]["fields"])
        arrays = {}
        for c in columns:
            stats = body["moments"][c]
            arrays[c] = np.array([[_float(v) for v in stats[f]] for f in fields], dtype=np.float64).T.reshape(
                -1, len(fields)
            )
            if arrays[c].shape[0] != count:
                msg = f"state.moments.{c}: expected {count} values per field (one per group), got {arrays[c].shape[0]}"
                raise ValueError(msg)
        moments = Moments(fields, arrays)
    if "last_by" in body and by is not None:
        last_by = _frame_from_json(body["last_by"], [by], dtypes)
        _check_codes(last_by, count, "state.last_by")
    return NormalizerState(dtypes, keys, carried, moments, last_by)
