"""The schema of a statistics document, checked field by field as it is decoded.

:func:`check_document` checks a parsed document (the layout in
:mod:`polars_norm.fitted.statsfile`) against the schema: the type and range
of every field, the keys against the key dtypes, the statistics against each
other, each sketch's bytes and count. It returns the decoded values, or
raises one :class:`SchemaError` naming the field. It knows nothing of files:
:func:`polars_norm.fitted.statsfile.load` adds the file's name and raises
:class:`polars_norm.fitted.statsfile.StatsFileError`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import polars as pl
from datasketches import kll_doubles_sketch

from polars_norm.fitted import key_codec, moments
from polars_norm.fitted.kll_format import kll_problem
from polars_norm.fitted.statsfile_codec import COUNTS

__all__ = ["SchemaError", "check_document"]

_TOP = ("format", "format_version", "created_by", "settings", "fields", "groups", "checksum")
_SETTINGS = ("by", "columns", "quantiles", "sketch_k", "norm_orders", "key_dtypes")
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


class SchemaError(ValueError):
    """A field of a statistics document that does not fit the schema; the message is ``FIELD: PROBLEM``.

    Its ``__cause__`` is the error that revealed the problem, if any.

    Examples
    --------
    >>> try:
    ...     check_document({"format": "polars-norm-stats"})
    ... except SchemaError as exc:
    ...     print(exc)
    document: missing field 'format_version'
    """


def check_document(doc: Any) -> tuple[dict[str, Any], dict[str, pl.DataType], dict[str, list[Any]]]:
    """Check a parsed statistics document against the schema and decode its values.

    The format, format version and checksum are the caller's to check first
    (:func:`polars_norm.fitted.statsfile.from_document`).

    Parameters
    ----------
    doc
        The parsed JSON document.

    Returns
    -------
    tuple
        The settings (as written), the dtype of each ``by`` key, and the
        state's columns of decoded values (the ``by`` keys, ``column``, the
        statistics fields, ``sketch``) for
        :func:`polars_norm.fitted.statsfile_codec.state_frame`.

    Raises
    ------
    SchemaError
        Naming the first field of the wrong type, out of range, or
        inconsistent with the others.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.fitted.statsfile_codec import to_document
    >>> doc = to_document(fit(pl.DataFrame({"x": [1.0, 2.0]}), quantiles=False, norm_orders=[2.0]))
    >>> settings, key_dtypes, records = check_document(doc)
    >>> settings["columns"], key_dtypes, records["count"], records["mean"]
    (['x'], {}, [2], [1.5])
    >>> doc["groups"][0]["columns"]["x"]["count"] = -1
    >>> check_document(doc)
    Traceback (most recent call last):
        ...
    polars_norm.fitted.statsfile_schema.SchemaError: groups[0].columns.x.count: expected a non-negative integer, got -1
    """
    check = _Checker()
    check.obj(doc, "document", _TOP)
    if not isinstance(doc["created_by"], str):
        check.bad("created_by", doc["created_by"], "a string")
    meta = check.settings(doc["settings"])
    fields = check.fields(doc["fields"], meta["norm_orders"])
    records = check.groups(doc["groups"], meta, fields)
    settings = {k: v for k, v in meta.items() if k != "key_dtypes_parsed"}
    return settings, meta["key_dtypes_parsed"], records


class _Checker:
    """Checks a parsed document field by field; each failure names the field."""

    def fail(self, field: str, problem: str, cause: BaseException | None = None) -> NoReturn:
        msg = f"{field}: {problem}"
        raise SchemaError(msg) from cause

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
            if f in COUNTS:
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
        floats = [f for f in fields if f not in COUNTS]
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
