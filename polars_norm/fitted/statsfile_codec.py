"""The statistics document: statistics encoded as JSON values, and the checked values decoded into a state.

:func:`to_document` encodes an accumulator's settings and state as the
document :mod:`polars_norm.fitted.statsfile` writes (its notes give the
layout); :func:`state_frame` turns the columns of values that
:mod:`polars_norm.fitted.statsfile_schema` checked and decoded back into the
state frame an accumulator is built from. Neither reads nor writes a file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import polars as pl

from polars_norm._version import __version__
from polars_norm.fitted import key_codec, moments

__all__ = [
    "COUNTS",
    "FORMAT",
    "FORMAT_VERSION",
    "Storable",
    "checksum",
    "state_frame",
    "to_document",
]

FORMAT = "polars-norm-stats"
FORMAT_VERSION = 1
#: The integer statistics (``count``, ``null_count``, ``nan_count``); the others are floats.
COUNTS = moments.STATE_FIELDS[:3]


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def checksum(doc: Mapping[str, Any]) -> str:
    """The checksum of a statistics document: SHA-256 of its canonical JSON without the ``checksum`` field.

    Parameters
    ----------
    doc
        A statistics document (with or without its ``checksum``).

    Returns
    -------
    str
        ``"sha256:"`` and the hex digest of the document serialized with
        sorted keys and no whitespace.

    Raises
    ------
    TypeError, ValueError
        The document holds values JSON cannot encode (NaN included).

    Examples
    --------
    >>> doc = {"format": "polars-norm-stats", "format_version": 1}
    >>> checksum(doc) == checksum({**doc, "checksum": "sha256:..."}), checksum(doc)[:7]
    (True, 'sha256:')
    """
    body = {k: v for k, v in doc.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _empty_stats(fields: Sequence[str]) -> dict[str, Any]:
    """The statistics of a column without rows: zero counts and sums, null statistics (as a fit writes them)."""
    out: dict[str, Any] = dict.fromkeys(fields)
    for f in fields:
        if f in COUNTS:
            out[f] = 0
        elif f == "m2_scaled" or f.startswith("powsum_"):
            out[f] = 0.0
    return out


class Storable(Protocol):
    """What the statistics file reads of the statistics it writes (:class:`polars_norm.Accumulator` provides it).

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.fitted.statsfile_codec import Storable, to_document
    >>> acc: Storable = fit(pl.DataFrame({"x": [1.0]}), quantiles=False)
    >>> to_document(acc)["settings"]["columns"]
    ['x']
    """

    @property
    def by(self) -> tuple[str, ...]:
        """The group key columns; see :attr:`polars_norm.Accumulator.by`.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> fit(pl.DataFrame({"g": ["a"], "x": [1.0]}), by="g").by
        ('g',)
        """

    @property
    def columns(self) -> tuple[str, ...]:
        """The fitted columns; every group of the file lists each of them.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> fit(pl.DataFrame({"g": ["a"], "x": [1.0]}), by="g").columns
        ('x',)
        """

    def settings(self) -> dict[str, Any]:
        """The settings written to the file; see :meth:`polars_norm.Accumulator.settings`.

        Returns
        -------
        dict
            ``by``, ``columns``, ``quantiles``, ``sketch_k``, ``norm_orders``,
            ``key_dtypes``.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> sorted(fit(pl.DataFrame({"x": [1.0]})).settings())
        ['by', 'columns', 'key_dtypes', 'norm_orders', 'quantiles', 'sketch_k']
        """

    def state_with_sketches(self) -> pl.DataFrame:
        """The state written to the file; see :meth:`polars_norm.Accumulator.state_with_sketches`.

        Returns
        -------
        pl.DataFrame
            The moment state and a Binary ``sketch`` column.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> fit(pl.DataFrame({"x": [1.0]})).state_with_sketches().columns[-1]
        'sketch'
        """


def to_document(acc: Storable) -> dict[str, Any]:
    """The JSON document of ``acc`` (a dict ready for ``json.dump``).

    Parameters
    ----------
    acc
        The statistics to write.

    Returns
    -------
    dict
        The document of the module's notes, its checksum included. Non-finite
        statistics are the strings ``"nan"``, ``"inf"``, ``"-inf"``; sketches
        base64 text; every fitted column appears in every group (zero counts
        and null statistics where a group has no row for it).

    Raises
    ------
    TypeError
        A ``by`` key's dtype cannot be stored
        (:func:`polars_norm.fitted.key_codec.check_storable`).

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.fitted.statsfile_codec import to_document
    >>> acc = fit(pl.DataFrame({"g": ["a"], "x": [2.0]}), by="g", quantiles=False, norm_orders=[2.0])
    >>> doc = to_document(acc)
    >>> doc["format"], doc["format_version"], doc["settings"]["key_dtypes"]
    ('polars-norm-stats', 1, {'g': 'String'})
    >>> doc["groups"][0]["key"], doc["groups"][0]["columns"]["x"]["mean"]
    ({'g': 'a'}, 2.0)
    >>> doc["checksum"][:7]
    'sha256:'
    """
    meta = acc.settings()
    state = acc.state_with_sketches()
    by = list(acc.by)
    for name in meta["key_dtypes"]:
        key_codec.check_storable(name, state.schema[name], "save")
    meta["key_dtypes"] = {name: key_codec.dtype_to_text(state.schema[name]) for name in meta["key_dtypes"]}
    fields = [c for c in state.columns if c not in (*by, moments.COLUMN, "sketch")]
    key_json = [key_codec.keys_to_json(state[b]) for b in by]
    groups: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(state.drop(by).iter_rows(named=True)):  # keys as JSON above: not all are Python values
        key = {b: values[i] for b, values in zip(by, key_json, strict=True)}
        group = groups.setdefault(json.dumps(list(key.values())), {"key": key, "columns": {}})
        stats = {f: _number(row[f]) for f in fields}
        if row["sketch"] is not None:
            stats["sketch"] = base64.b64encode(row["sketch"]).decode("ascii")
        group["columns"][row[moments.COLUMN]] = stats
    if not by and acc.columns and not groups:  # an ungrouped fit on no rows
        groups["[]"] = {"key": {}, "columns": {}}
    for group in groups.values():
        for column in acc.columns:
            group["columns"].setdefault(column, _empty_stats(fields))
    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_by": f"polars-norm {__version__}",
        "settings": meta,
        "fields": fields,
        "groups": list(groups.values()),
    }
    doc["checksum"] = checksum(doc)
    return doc


def state_frame(records: Mapping[str, list[Any]], key_dtypes: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """The state frame of checked, decoded values: one list per column, keys of their ``key_dtypes``.

    Parameters
    ----------
    records
        The columns of the state, in order: the ``by`` keys, ``column``, the
        statistics fields, ``sketch`` (bytes or None).
    key_dtypes
        The dtype of each ``by`` key.

    Returns
    -------
    pl.DataFrame
        Keys of their dtypes, ``column`` String, the counts Int64, the other
        statistics Float64, ``sketch`` Binary.

    Examples
    --------
    >>> import polars as pl
    >>> records = {"g": ["a"], "column": ["x"], "count": [2], "mean": [1.5], "sketch": [None]}
    >>> state_frame(records, {"g": pl.String()}).schema
    Schema([('g', String), ('column', String), ('count', Int64), ('mean', Float64), ('sketch', Binary)])
    """
    columns = []
    for name, values in records.items():
        if name in key_dtypes:
            columns.append(key_codec.keys_series(name, values, key_dtypes[name]))
        elif name == "sketch":
            columns.append(pl.Series(name, values, dtype=pl.Binary))
        elif name == moments.COLUMN:
            columns.append(pl.Series(name, values, dtype=pl.String))
        elif name in COUNTS:
            columns.append(pl.Series(name, values, dtype=pl.Int64))
        else:
            columns.append(pl.Series(name, values, dtype=pl.Float64))
    return pl.DataFrame(columns)
