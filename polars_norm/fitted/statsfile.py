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

:func:`load` checks the whole document against the schema in this module (the
type and range of every field, the keys against the key dtypes, each sketch
against its count) and raises one :class:`StatsFileError` naming the file and
the field for anything else, e.g.
``polars_norm.load: 'stats.json': groups[0].columns.x.mean: expected a number
or "nan", "inf", "-inf", got 'abc'``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import math
import struct
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, Protocol, TypeVar

import numpy as np
import polars as pl
from datasketches import kll_doubles_sketch

from polars_norm._version import __version__
from polars_norm.fitted import key_codec, moments, sketch
from polars_norm.io.sinks import atomic_path

T = TypeVar("T")

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "StatsFileError",
    "Storable",
    "checksum",
    "from_document",
    "kll_problem",
    "load",
    "save",
    "to_document",
]

FORMAT = "polars-norm-stats"
FORMAT_VERSION = 1

_TOP = ("format", "format_version", "created_by", "settings", "fields", "groups", "checksum")
_SETTINGS = ("by", "columns", "quantiles", "sketch_k", "norm_orders", "key_dtypes")
_COUNTS = moments.STATE_FIELDS[:3]
_RESERVED = frozenset({moments.COLUMN, *moments.STATE_FIELDS, "sketch"})
_NON_FINITE = ("nan", "inf", "-inf")
_INT64_MAX = 2**63 - 1
#: How far (relative to the extremes) a fitted mean may lie outside [min, max] by rounding.
_MEAN_SLACK = 1e-6
#: ``|mean_lo|`` is at most half an ulp of ``mean``; allowed: this many times ``max(|mean|, smallest normal)``.
_MEAN_LO_ULPS = 2.0**-50
#: Relative rounding allowed in the bounds of ``m2_scaled`` and ``powsum_<p>``.
_SUM_RTOL = 1e-9
#: Absolute rounding allowed in ``m2_scaled``, per value, in units of ``max|x| / scale``: ``count * (_M2_ABS * a)**2``
#: (a pilot mean off by a few ulps leaves that much on a constant or nearly constant column).
_M2_ABS = 2.0**-45
#: Absolute rounding allowed per value in ``powsum_<p>`` (terms that underflow).
_TINY = sys.float_info.min


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


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------
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
        if f in _COUNTS:
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
    >>> from polars_norm.fitted.statsfile import Storable, to_document
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
    >>> from polars_norm.fitted.statsfile import to_document
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
# reading: the schema
# ---------------------------------------------------------------------------
def _fail(path: str | Path, problem: str) -> StatsFileError:
    return StatsFileError(f"polars_norm.load: {str(path)!r} {problem}")


class _Checker:
    """Checks a parsed document field by field; each failure names the file and the field."""

    def __init__(self, path: str | Path) -> None:
        self.path = path

    def fail(self, field: str, problem: str, cause: BaseException | None = None) -> NoReturn:
        msg = f"polars_norm.load: {str(self.path)!r}: {field}: {problem}"
        raise StatsFileError(msg) from cause

    def bad(self, field: str, value: Any, expected: str) -> NoReturn:
        self.fail(field, f"expected {expected}, got {key_codec.describe_value(value)}")

    @staticmethod
    def sub(field: str, name: str) -> str:
        return f"{field}.{name}" if name.isidentifier() else f"{field}[{name!r}]"

    def obj(self, value: Any, field: str, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.bad(field, value, "an object")
        for name in required:
            if name not in value:
                self.fail(field, f"missing field {name!r}")
        for name in value:
            if name not in required and name not in optional:
                self.fail(field, f"unknown field {name!r}")
        return value

    def names(self, value: Any, field: str) -> list[str]:
        if not isinstance(value, list):
            self.bad(field, value, "a list of names")
        for i, name in enumerate(value):
            if not isinstance(name, str):
                self.bad(f"{field}[{i}]", name, "a name (a string)")
            if name in value[:i]:
                self.fail(f"{field}[{i}]", f"{name!r} appears twice")
        return value

    def integer(self, value: Any, field: str, lo: int, hi: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            what = "a non-negative integer" if (lo, hi) == (0, _INT64_MAX) else f"an integer in [{lo}, {hi}]"
            self.bad(field, value, what)
        return value

    def number(self, value: Any, field: str) -> float | None:
        """A statistic: a number, ``"nan"``, ``"inf"``, ``"-inf"`` or null."""
        if value is None:
            return None
        if isinstance(value, str) and value in _NON_FINITE:
            return float(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                out = float(value)
            except OverflowError:
                out = math.inf
            if math.isfinite(out):
                return out
        self.bad(field, value, 'a number or "nan", "inf", "-inf"')

    # -- the document ---------------------------------------------------------------------------
    def settings(self, value: Any) -> dict[str, Any]:
        meta = self.obj(value, "settings", _SETTINGS)
        by = self.names(meta["by"], "settings.by")
        for i, name in enumerate(by):
            if name in _RESERVED:
                self.fail(f"settings.by[{i}]", f"{name!r} clashes with a statistics field name")
        columns = self.names(meta["columns"], "settings.columns")
        for i, name in enumerate(columns):
            if name in by:
                self.fail(f"settings.columns[{i}]", f"{name!r} is also a by key")
        if not isinstance(meta["quantiles"], bool):
            self.bad("settings.quantiles", meta["quantiles"], "true or false")
        self.integer(meta["sketch_k"], "settings.sketch_k", 8, 65535)
        orders = meta["norm_orders"]
        if not isinstance(orders, list):
            self.bad("settings.norm_orders", orders, "a list of finite numbers > 0")
        seen: list[str] = []
        for i, p in enumerate(orders):
            ok = isinstance(p, (int, float)) and not isinstance(p, bool) and math.isfinite(p) and p > 0
            if not ok:
                self.bad(f"settings.norm_orders[{i}]", p, "a finite number > 0")
            if moments.powsum_name(p) in seen:
                self.fail(f"settings.norm_orders[{i}]", f"{p!r} repeats an earlier order")
            seen.append(moments.powsum_name(p))
        key_dtypes = self.obj(meta["key_dtypes"], "settings.key_dtypes", (), by)
        parsed: dict[str, pl.DataType] = {}
        for name in by:  # a key without a dtype is of dtype Null (a grouped accumulator never updated)
            text = key_dtypes.get(name, "Null")
            field = self.sub("settings.key_dtypes", name)
            if not isinstance(text, str):
                self.bad(field, text, 'a dtype\'s text, such as "Int64"')
            try:
                parsed[name] = key_codec.dtype_from_text(text)
            except ValueError as exc:
                self.fail(field, str(exc), cause=exc)
        return {**meta, "key_dtypes_parsed": parsed}

    def fields(self, value: Any, norm_orders: Sequence[float]) -> list[str]:
        fields = self.names(value, "fields")
        expected = [*moments.STATE_FIELDS, *(moments.powsum_name(p) for p in norm_orders)]
        if sorted(fields) != sorted(expected):
            self.fail("fields", f"expected the fields {expected} (with settings.norm_orders), got {fields}")
        return fields

    def stats(
        self, value: Any, field: str, fields: Sequence[str], quantiles: bool, need_sketch: bool
    ) -> tuple[dict[str, Any], bytes | None]:
        raw = self.obj(value, field, fields, ("sketch",))
        row: dict[str, Any] = {}
        for f in fields:
            if f in _COUNTS:
                row[f] = self.integer(raw[f], self.sub(field, f), 0, _INT64_MAX)
            else:
                row[f] = self.number(raw[f], self.sub(field, f))
        self.consistent(row, raw, field, fields)
        count = row["count"]
        if "sketch" not in raw:
            if need_sketch and count > 0:
                self.fail(field, f"missing field 'sketch' (settings.quantiles is true and count is {count})")
            return row, None
        sub = self.sub(field, "sketch")
        text = raw["sketch"]
        if not quantiles:
            self.fail(sub, "a sketch, but settings.quantiles is false")
        if not isinstance(text, str):
            self.bad(sub, text, "a sketch in base64 (a string)")
        try:
            blob = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            self.fail(sub, f"is not valid base64 ({exc})", cause=exc)
        problem = kll_problem(blob)
        if problem is not None:
            self.fail(sub, f"is not a DataSketches KLL sketch of doubles ({problem})")
        try:
            n = kll_doubles_sketch.deserialize(blob).n
        except Exception as exc:  # the C++ binding raises RuntimeError, ValueError, ... on bad bytes
            self.fail(sub, f"is not a DataSketches KLL sketch ({type(exc).__name__}: {exc})", cause=exc)
        if n != count:
            self.fail(sub, f"the sketch holds {n} values but count is {count}")
        return row, blob

    def consistent(self, row: Mapping[str, Any], raw: Mapping[str, Any], field: str, fields: Sequence[str]) -> None:
        """The statistics against each other, as a fit or merge writes them (:mod:`polars_norm.fitted.moments`).

        With ``a = max(|min|, |max|) / scale`` and ``r = max / scale - min / scale`` (in units of ``scale``),
        a column with ``count > 0`` has a ``scale`` that is a power of two (with ``1/2 <= a < 4`` for finite
        data not all zero, or ``a < 1`` at the smallest scale, ``2**-1022``), ``mean == min`` and ``mean_lo == 0``
        if ``min == max``, else a ``mean`` within [min, max] and a ``mean_lo`` of at most about an ulp of it,
        ``0 <= m2_scaled <= count * r**2`` and ``a**p <= powsum_p <= count * a**p``, each up to rounding.
        Data holding +-inf, or spanning more than the float range, give what a fit writes for them: a mean of
        inf or NaN with a NaN ``mean_lo`` (a merge overflows), a ``powsum_p`` of inf (or NaN: ``inf * 0`` when a
        merge rescales it). A column without data has null ``mean``, ``mean_lo`` (or 0), ``scale``, ``min`` and
        ``max``, and zero sums.
        """
        count = row["count"]
        floats = [f for f in fields if f not in _COUNTS]
        sums = [f for f in floats if f == "m2_scaled" or f.startswith("powsum_")]
        for f in floats:
            v = row[f]
            if count == 0 and f in ("mean", "scale", "min", "max") and v is not None:
                self.bad(self.sub(field, f), raw[f], "null (count is 0)")
            if count == 0 and f == "mean_lo" and v not in (None, 0.0):
                self.bad(self.sub(field, f), raw[f], "null or 0 (count is 0)")
            if count > 0 and v is None:
                self.bad(self.sub(field, f), v, f"a number (count is {count})")
            if v is None:
                continue
            if f == "scale" and not v > 0:
                self.bad(self.sub(field, f), raw[f], "a number > 0")
            if f in sums and v < 0:
                self.bad(self.sub(field, f), raw[f], "a number >= 0")
            if count == 0 and f in sums and v != 0:
                self.bad(self.sub(field, f), raw[f], "0 (count is 0)")
            if f in ("min", "max") and math.isnan(v):
                self.bad(self.sub(field, f), raw[f], "a number (NaN is never a valid value)")
        if count > 0:
            self.consistent_data(row, raw, field, sums)

    def consistent_data(self, row: Mapping[str, Any], raw: Mapping[str, Any], field: str, sums: Sequence[str]) -> None:
        count, lo, hi, mean, scale = row["count"], row["min"], row["max"], row["mean"], row["scale"]
        if lo > hi:
            self.fail(self.sub(field, "min"), f"min {lo!r} is greater than max {hi!r}")
        if not math.isfinite(scale) or math.frexp(scale)[0] != 0.5:
            self.bad(self.sub(field, "scale"), raw["scale"], f"a power of two (count is {count})")
        finite = math.isfinite(lo) and math.isfinite(hi)
        a = max(abs(lo), abs(hi)) / scale
        # pow2_scale: 2**floor(log2 max|x|), its exponent clipped to [-1022, 1022]; the largest of those in a merge
        if finite and a > 0 and not (0.5 <= a < 4 or (scale == sys.float_info.min and a < 1)):
            maxabs = max(abs(lo), abs(hi))
            self.bad(self.sub(field, "scale"), raw["scale"], f"a power of two near max(|min|, |max|) = {maxabs!r}")
        overflows = math.isinf(hi - lo)  # +-inf in the data, or a span beyond the float range
        if lo == hi:
            if mean != lo:
                self.fail(self.sub(field, "mean"), f"mean {mean!r} is not the value {lo!r} of a constant column")
        elif not overflows:
            slack = _MEAN_SLACK * max(abs(lo), abs(hi))
            if not lo - slack <= mean <= hi + slack:
                self.fail(self.sub(field, "mean"), f"mean {mean!r} is outside [min, max] = [{lo!r}, {hi!r}]")
        mean_lo = row["mean_lo"]
        if lo == hi:
            if mean_lo != 0:
                self.bad(self.sub(field, "mean_lo"), raw["mean_lo"], f"0 (min == max == {lo!r})")
        elif math.isfinite(mean):
            bound = _MEAN_LO_ULPS * max(abs(mean), sys.float_info.min)
            if not abs(mean_lo) <= bound:
                what = f"a number with |mean_lo| <= {bound!r} (the rounding error of mean {mean!r})"
                self.bad(self.sub(field, "mean_lo"), raw["mean_lo"], what)
        elif not math.isnan(mean_lo):
            self.bad(self.sub(field, "mean_lo"), raw["mean_lo"], f'"nan" (the rounding error of mean {mean!r})')
        n = float(count)
        for f in sums:
            v, sub = row[f], self.sub(field, f)
            if f == "m2_scaled":
                if not math.isfinite(v):
                    self.bad(sub, raw[f], "a finite number")
                spread, noise = hi / scale - lo / scale, _M2_ABS * a
                top = n * spread * spread * (1 + _SUM_RTOL) + n * noise * noise
                if finite and not v <= top:
                    self.bad(sub, raw[f], f"a number in [0, {top!r}] (count * ((max - min) / scale)**2)")
                continue
            p = float(f.removeprefix("powsum_"))
            least, most = _power(a, p), n * _power(a, p)
            low, high = least * (1 - _SUM_RTOL) - n * _TINY, most * (1 + _SUM_RTOL) + n * _TINY
            if math.isinf(most):  # the sum may overflow, and a merge's rescaling of inf gives NaN
                ok = math.isnan(v) or v >= low
            else:
                ok = low <= v <= high
            if not ok:
                span = f"[{max(low, 0.0)!r}, {high!r}]"
                self.bad(sub, raw[f], f"a number in {span} (a**p to count * a**p for a = max(|min|, |max|) / scale)")

    def groups(self, value: Any, meta: Mapping[str, Any], fields: Sequence[str]) -> dict[str, list[Any]]:
        by: list[str] = meta["by"]
        columns: list[str] = meta["columns"]
        dtypes: dict[str, pl.DataType] = meta["key_dtypes_parsed"]
        if not isinstance(value, list):
            self.bad("groups", value, "a list of groups")
        if not columns and value:
            self.fail("groups", f"expected no groups (settings.columns is empty), got {len(value)}")
        if not by and columns and len(value) != 1:
            self.fail("groups", f"expected exactly one group (the statistics are not grouped), got {len(value)}")
        records: dict[str, list[Any]] = {n: [] for n in [*by, moments.COLUMN, *fields, "sketch"]}
        seen: dict[str, int] = {}
        for i, raw in enumerate(value):
            gfield = f"groups[{i}]"
            group = self.obj(raw, gfield, ("key", "columns"))
            key = self.obj(group["key"], f"{gfield}.key", by)
            storage: list[Any] = []
            for b in by:
                try:
                    storage.append(key_codec.key_from_json(key[b], dtypes[b]))
                except ValueError as exc:
                    self.fail(self.sub(f"{gfield}.key", b), str(exc), cause=exc)
            canon = json.dumps([_canonical(v, dtypes[b]) for v, b in zip(storage, by, strict=True)])
            if canon in seen:
                self.fail(f"{gfield}.key", f"repeats the key of groups[{seen[canon]}]")
            seen[canon] = i
            stats_of = self.obj(group["columns"], f"{gfield}.columns", columns)
            # A NaN key's sketch is not found by its key (the sketches are keyed by Python floats, and no NaN
            # equals another), so such a group is written without one.
            need_sketch = meta["quantiles"] and not any(isinstance(v, float) and math.isnan(v) for v in storage)
            for column in columns:
                sub = self.sub(f"{gfield}.columns", column)
                row, blob = self.stats(stats_of[column], sub, fields, meta["quantiles"], need_sketch)
                for b, v in zip(by, storage, strict=True):
                    records[b].append(v)
                records[moments.COLUMN].append(column)
                for f in fields:
                    records[f].append(row[f])
                records["sketch"].append(blob)
        return records


#: DataSketches' KLL serialization (``kll_sketch.hpp``): the family, ``m``, the flags, the header layouts.
_KLL_FAMILY = 15
_KLL_M = 8
_KLL_EMPTY, _KLL_SORTED, _KLL_SINGLE = 1, 2, 4
_KLL_SHORT = struct.Struct("<BBBBHBB")  # preamble ints, serial version, family, flags, k, m, unused
_KLL_FULL = struct.Struct("<QHBB")  # then n, min_k, number of levels, unused
_KLL_MAX_LEVELS = 61


def kll_problem(blob: bytes) -> str | None:
    """What makes ``blob`` other than a KLL sketch of doubles as DataSketches serializes one, or ``None``.

    DataSketches' own ``deserialize`` trusts the header of the bytes it is
    given (some corrupt images crash the process), so statistics files check
    the whole image first: the header, the level offsets against the
    capacity that ``k`` and the number of levels give, the exact size, the
    weights of the levels against ``n``, and that no item is NaN or outside
    the sketch's [min, max].

    Parameters
    ----------
    blob
        The bytes of a serialized sketch.

    Returns
    -------
    str or None
        The first problem found, in words; ``None`` for a sound image.

    Examples
    --------
    >>> from datasketches import kll_doubles_sketch
    >>> sk = kll_doubles_sketch(200)
    >>> for v in range(1000):
    ...     sk.update(float(v))
    >>> kll_problem(sk.serialize()) is None, kll_problem(sk.serialize()[:-8])
    (True, 'its size is 2632 bytes; 1000 values in 3 levels need 2640')
    """
    if len(blob) < _KLL_SHORT.size:
        return f"its size is {len(blob)} bytes, less than a header"
    preamble, version, family, flags, k, m, _ = _KLL_SHORT.unpack_from(blob)
    if family != _KLL_FAMILY or m != _KLL_M or k < _KLL_M or flags & ~(_KLL_EMPTY | _KLL_SORTED | _KLL_SINGLE):
        return f"a header of family {family}, m={m}, k={k}, flags {flags:#04x}"
    if flags & _KLL_EMPTY:
        ok = (preamble, version, len(blob), flags & _KLL_SINGLE) == (2, 1, _KLL_SHORT.size, 0)
        return None if ok else "a bad header or size for an empty sketch"
    if flags & _KLL_SINGLE:
        if (preamble, version, len(blob)) != (2, 2, _KLL_SHORT.size + 8):
            return "a bad header or size for a sketch of one value"
        return "its value is NaN" if math.isnan(struct.unpack_from("<d", blob, _KLL_SHORT.size)[0]) else None
    head = _KLL_SHORT.size + _KLL_FULL.size
    if (preamble, version) != (5, 1) or len(blob) < head:
        return "a bad header for a sketch of several values"
    n, min_k, num_levels, _ = _KLL_FULL.unpack_from(blob, _KLL_SHORT.size)
    if not _KLL_M <= min_k <= k or not 1 <= num_levels <= _KLL_MAX_LEVELS:
        return f"a header with k={k}, min_k={min_k} and {num_levels} levels"
    capacity = sketch.total_capacity(k, num_levels)
    if len(blob) < head + 4 * num_levels + 16:
        return f"its size is {len(blob)} bytes, too short for the header of {num_levels} levels"
    starts = struct.unpack_from(f"<{num_levels}I", blob, head)
    bounds = [*starts, capacity]
    if any(a > b for a, b in itertools.pairwise(bounds)):
        return f"level offsets {list(starts)} that do not fit its capacity of {capacity} values"
    items_at = head + 4 * num_levels + 16
    size = items_at + 8 * (capacity - starts[0])
    if len(blob) != size:
        return f"its size is {len(blob)} bytes; {n} values in {num_levels} levels need {size}"
    weight = sum((bounds[i + 1] - bounds[i]) << i for i in range(num_levels))
    if weight != n:
        return f"its levels hold a weight of {weight} values, not n={n}"
    lo, hi = struct.unpack_from("<dd", blob, items_at - 16)
    items = np.frombuffer(blob, dtype="<f8", offset=items_at)
    if not lo <= hi or np.isnan(items).any() or (items.size and (items.min() < lo or items.max() > hi)):
        return "NaN values, or values outside its [min, max]"
    return None


def _power(a: float, p: float) -> float:
    """``a ** p``, inf when it overflows (Python raises)."""
    try:
        return float(a**p)
    except OverflowError:
        return math.inf


def _canonical(value: Any, dtype: pl.DataType) -> Any:
    """A key's JSON value under which keys Polars groups together are equal (-0.0 and 0.0, every NaN)."""
    out = key_codec.key_to_json(value, dtype)
    return out + 0.0 if isinstance(out, float) else out


def _state(records: Mapping[str, list[Any]], meta: Mapping[str, Any]) -> pl.DataFrame:
    dtypes: dict[str, pl.DataType] = meta["key_dtypes_parsed"]
    columns = []
    for name, values in records.items():
        if name in dtypes:
            columns.append(key_codec.keys_series(name, values, dtypes[name]))
        elif name == "sketch":
            columns.append(pl.Series(name, values, dtype=pl.Binary))
        elif name == moments.COLUMN:
            columns.append(pl.Series(name, values, dtype=pl.String))
        elif name in _COUNTS:
            columns.append(pl.Series(name, values, dtype=pl.Int64))
        else:
            columns.append(pl.Series(name, values, dtype=pl.Float64))
    return pl.DataFrame(columns)


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
    >>> from polars_norm.fitted.statsfile import from_document, to_document
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
    check = _Checker(path)
    check.obj(doc, "document", _TOP)
    if not isinstance(doc["created_by"], str):
        check.bad("created_by", doc["created_by"], "a string")
    meta = check.settings(doc["settings"])
    fields = check.fields(doc["fields"], meta["norm_orders"])
    records = check.groups(doc["groups"], meta, fields)
    settings = {k: v for k, v in meta.items() if k != "key_dtypes_parsed"}
    try:
        return build(settings, _state(records, meta))
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
