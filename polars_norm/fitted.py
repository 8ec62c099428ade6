"""Applying fitted statistics: ``Accumulator.transform``, ``inverse_transform`` and ``expr``.

Ungrouped statistics become literals in native expressions; grouped
statistics are a small frame, looked up row by row through the ``by`` keys
(each row's group index, then ``gather``; see :func:`group_index`). Either
way the result is a lazy query that streams (no aggregate is broadcast back
onto the rows), so ``scan_parquet(...)`` -> ``transform`` ->
``sink_parquet(...)`` runs in bounded memory.

=============  ======================================  ===================
method         forward                                 statistics
=============  ======================================  ===================
``zscore``     ``(x - mean) / std``                    moments
``minmax``     ``[min, max]`` onto ``feature_range``   extremes
``maxabs``     ``x / max|x|``                          extremes
``robust``     ``(x - median) / (q_hi - q_lo)``        sketch
``mean_range`` ``(x - mean) / (max - min)``            moments, extremes
``unit``       ``x / ||x||_p``                         norm sums
``quantile``   ``F(x)`` (uniform) or ``Phi^-1(F(x))``  sketch
=============  ======================================  ===================

The semantics are those of the in-query expressions
(:mod:`polars_norm.semantics`): a zero scale is taken as 1, nulls stay null,
NaN stays NaN, Float32 stays Float32 and other numeric dtypes become Float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from polars_norm.fitted_exprs import Stat, build_method, count_at_most, location_scale, quantile_expr
from polars_norm.group_lookup import group_index, raise_unseen
from polars_norm.moments import COLUMN
from polars_norm.ranks import OFFSETS
from polars_norm.semantics import (
    check_choice,
    check_ddof,
    check_feature_range,
    check_open_unit_interval,
    check_p,
    check_quantile_range,
    numeric_expr,
)
from polars_norm.sketch import cdf_knots
from polars_norm.special import ndtri

if TYPE_CHECKING:
    from polars_norm.accumulator import Accumulator

__all__ = ["METHODS", "MethodSpec", "Unseen", "column_expr", "transform"]

#: A method name, or ``(name, {option: value})``.
MethodSpec = str | tuple[str, Mapping[str, Any]]
Unseen = Literal["null", "global", "raise"]

#: Methods and their options with defaults (as in the in-query functions).
METHODS: dict[str, dict[str, Any]] = {
    "zscore": {"ddof": 1},
    "minmax": {"feature_range": (0.0, 1.0), "clip": False},
    "maxabs": {},
    "robust": {"quantile_range": (0.25, 0.75), "with_centering": True, "unit_variance": False},
    "mean_range": {},
    "unit": {"p": 2.0},
    "quantile": {"output": "uniform", "offset": None},
}
_UNSEEN = ("null", "global", "raise")

_SQRT2 = math.sqrt(2.0)

Frame = pl.DataFrame | pl.LazyFrame


# --------------------------------------------------------------------------
# methods and options
# --------------------------------------------------------------------------
def _resolve(spec: MethodSpec, options: Mapping[str, Any], where: str) -> tuple[str, dict[str, Any]]:
    """Validate a method spec and its options; return the name and the full option set."""
    name, own = (spec, {}) if isinstance(spec, str) else (spec[0], dict(spec[1]))
    check_choice(name, tuple(METHODS), "method", where)
    opts = dict(METHODS[name])
    for key, value in {**options, **own}.items():
        if key not in opts:
            allowed = ", ".join(METHODS[name]) or "none"
            msg = f"polars_norm.{where}: option {key}={value!r} does not apply to method {name!r} (options: {allowed})"
            raise ValueError(msg)
        opts[key] = value
    if name == "zscore":
        opts["ddof"] = check_ddof(opts["ddof"], where)
    elif name == "minmax":
        opts["feature_range"] = check_feature_range(opts["feature_range"], where)
    elif name == "robust":
        lo, hi = opts["quantile_range"] = check_quantile_range(opts["quantile_range"], where)
        if opts["unit_variance"] and (lo <= 0.0 or hi >= 1.0):
            msg = f"polars_norm.{where}: quantile_range={(lo, hi)!r} must lie strictly inside (0, 1) with unit_variance"
            raise ValueError(msg)
    elif name == "unit":
        opts["p"] = check_p(opts["p"], where)
    elif name == "quantile":
        check_choice(opts["output"], ("uniform", "normal"), "output", where)
        offset = opts["offset"]
        if offset is None:
            opts["offset"] = OFFSETS["blom"] if opts["output"] == "normal" else 0.0
        elif isinstance(offset, str):
            check_choice(offset, tuple(OFFSETS), "offset", where)
            opts["offset"] = OFFSETS[offset]
        else:
            opts["offset"] = check_open_unit_interval(offset, "offset", where, closed_low=True)
    return name, opts


# --------------------------------------------------------------------------
# statistics
# --------------------------------------------------------------------------
def _stat_frame(acc: Accumulator, column: str, name: str, opts: Mapping[str, Any], where: str) -> pl.DataFrame:
    """The statistics ``name`` needs, one row per group: the by keys and one column per statistic."""
    from polars_norm.accumulator import norm_expr, std_expr

    by = list(acc.by)
    state = acc.state.filter(pl.col(COLUMN) == column)
    if name == "zscore":
        exprs = [pl.col("mean"), std_expr(opts["ddof"]).alias("std"), norm_expr(math.inf).alias("maxabs")]
    elif name in ("minmax", "mean_range"):
        exprs = [pl.col("mean"), pl.col("min"), pl.col("max")]
    elif name == "maxabs":
        exprs = [norm_expr(math.inf).alias("maxabs")]
    elif name == "unit":
        p = opts["p"]
        if not math.isinf(p) and p not in acc.norm_orders:
            msg = (
                f"polars_norm.{where}: the L{p:g} norm was not fitted (norm_orders={acc.norm_orders}); "
                f"fit with norm_orders including {p:g}"
            )
            raise ValueError(msg)
        exprs = [norm_expr(p).alias("norm")]
    else:  # robust, quantile: from the sketch
        exprs = [pl.col("count").alias("n")]
    frame = state.select(*by, *exprs)
    if name == "robust":
        _require_sketch(acc, name, where)
        lo, hi = opts["quantile_range"]
        values: dict[str, list[float | None]] = {"q_lo": [], "median": [], "q_hi": []}
        for row in frame.select(by).iter_rows() if by else [()]:
            sk = acc.sketch(column, tuple(row))
            qs = sk.get_quantiles([lo, 0.5, hi]) if sk is not None and not sk.is_empty() else [None] * 3
            for key, q in zip(values, qs, strict=True):
                values[key].append(q)
        frame = frame.with_columns(pl.Series(k, v, pl.Float64) for k, v in values.items())
    return frame


def _require_sketch(acc: Accumulator, name: str, where: str) -> None:
    if not acc.quantiles:
        msg = (
            f"polars_norm.{where}: method {name!r} needs quantile sketches, but these statistics were "
            "fitted with quantiles=False; fit again with quantiles=True"
        )
        raise ValueError(msg)


def _check_columns(acc: Accumulator, plan: Mapping[str, Any], schema: pl.Schema | None, where: str) -> None:
    for column in plan:
        if column not in acc.columns:
            msg = f"polars_norm.{where}: column {column!r} was not fitted; fitted columns: {list(acc.columns)}"
            raise ValueError(msg)
        if schema is not None and column not in schema:
            msg = f"polars_norm.{where}: column {column!r} not found in the frame; available: {schema.names()}"
            raise pl.exceptions.ColumnNotFoundError(msg)


def _literal_expr(
    acc: Accumulator, column: str, name: str, opts: Mapping[str, Any], inverse: bool, where: str
) -> pl.Expr:
    """The expression for ``column`` with ungrouped statistics as literals."""
    stats = _stat_frame(acc, column, name, opts, where)
    row = stats.row(0, named=True) if stats.height else dict.fromkeys(stats.columns)
    if name == "quantile":
        _require_sketch(acc, name, where)
        sk = acc.sketch(column)
        if sk is None or sk.is_empty():
            return numeric_expr(pl.col(column), name, lambda x, _: pl.when(x.is_nan()).then(x))
        knots = cdf_knots(sk)
        n = int(row["n"] or 0)
        return numeric_expr(pl.col(column), name, lambda x, _: quantile_expr(x, opts, n, knots, inverse))
    keep_nan = any(v is None for v in row.values())

    def stat(s: str) -> pl.Expr:
        return pl.lit(row[s], pl.Float64)

    return numeric_expr(pl.col(column), name, build_method(name, opts, stat, inverse, keep_nan))


def column_expr(
    acc: Accumulator, column: str, method: MethodSpec = "zscore", *, inverse: bool = False, **options: Any
) -> pl.Expr:
    """The ``pl.Expr`` applying ungrouped fitted statistics to ``pl.col(column)``.

    Parameters
    ----------
    acc
        Fitted statistics without ``by`` keys (use ``acc.pooled()`` for the
        statistics of all groups together).
    column
        A fitted column.
    method
        A method name (see :data:`METHODS`) or ``(name, {option: value})``.
    inverse
        Build the inverse transform instead.
    **options
        Options of the method, e.g. ``ddof=0`` for zscore, ``p=1`` for unit,
        ``output="normal"`` for quantile.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> acc = polars_norm.fit(pl.DataFrame({"x": [1.0, 2.0, 3.0]}))
    >>> pl.DataFrame({"x": [2.0, 4.0]}).select(acc.expr("x", "zscore"))
    shape: (2, 1)
    ┌─────┐
    │ x   │
    │ --- │
    │ f64 │
    ╞═════╡
    │ 0.0 │
    │ 2.0 │
    └─────┘
    """
    where = "Accumulator.expr"
    if acc.by:
        msg = (
            f"polars_norm.{where}: the statistics are grouped by {list(acc.by)}; use transform() "
            "(which joins on the keys), or acc.pooled().expr(...) for statistics over all groups"
        )
        raise ValueError(msg)
    name, opts = _resolve(method, options, where)
    _check_columns(acc, {column: None}, None, where)
    return _literal_expr(acc, column, name, opts, inverse, where)


def _plan(
    acc: Accumulator, method: MethodSpec | Mapping[str, MethodSpec], options: Mapping[str, Any], where: str
) -> dict[str, tuple[str, dict[str, Any]]]:
    if isinstance(method, Mapping):
        return {c: _resolve(spec, options, where) for c, spec in method.items()}
    resolved = _resolve(method, options, where)
    return dict.fromkeys(acc.columns, resolved)


def transform(
    acc: Accumulator,
    frame: Frame,
    method: MethodSpec | Mapping[str, MethodSpec] = "zscore",
    *,
    unseen: Unseen = "null",
    inverse: bool = False,
    **options: Any,
) -> Frame:
    """Normalize (or, with ``inverse=True``, denormalize) ``frame`` with fitted statistics.

    Parameters
    ----------
    acc
        The fitted statistics.
    frame
        A DataFrame or LazyFrame holding the fitted columns (and the ``by``
        keys for grouped statistics). A LazyFrame stays lazy.
    method
        A method name for every fitted column, or a mapping ``{column:
        method}`` for some columns; a method is a name (``"zscore"``,
        ``"minmax"``, ``"maxabs"``, ``"robust"``, ``"mean_range"``,
        ``"unit"``, ``"quantile"``) or ``(name, {option: value})``.
    unseen
        For grouped statistics, what a group not seen in fitting gets:
        ``"null"`` (default) nulls, ``"global"`` the statistics pooled over
        all groups, ``"raise"`` a ``ValueError`` naming the group (for a
        LazyFrame this reads the key columns once).
    inverse
        Undo the method instead (``Accumulator.inverse_transform``).
    **options
        Method options applying to every column, e.g. ``ddof=0``,
        ``feature_range=(-1, 1)``, ``p=1``, ``output="normal"``.

    Returns
    -------
    DataFrame or LazyFrame
        ``frame`` with the chosen columns replaced; other columns unchanged.

    Notes
    -----
    Statistics are applied as literals (ungrouped) or through a lookup of
    each row's group in a small statistics frame (grouped), so the query
    streams and keeps the row order. The quantile method maps through the
    sketch's empirical CDF, a piecewise-linear function through 2049 sketch
    quantiles, so it is within the sketch's rank error of the exact rank
    transform; grouped, every group's knots sit in one sorted array, searched
    once per row (see ``_GroupKnots``).

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> train = pl.DataFrame({"g": ["a", "a", "b", "b"], "x": [1.0, 3.0, 10.0, 30.0]})
    >>> acc = polars_norm.fit(train, by="g", quantiles=False)
    >>> serve = pl.DataFrame({"g": ["a", "b", "c"], "x": [2.0, 20.0, 5.0]})
    >>> acc.transform(serve, "minmax")
    shape: (3, 2)
    ┌─────┬──────┐
    │ g   ┆ x    │
    │ --- ┆ ---  │
    │ str ┆ f64  │
    ╞═════╪══════╡
    │ a   ┆ 0.5  │
    │ b   ┆ 0.5  │
    │ c   ┆ null │
    └─────┴──────┘
    """
    where = "Accumulator.inverse_transform" if inverse else "Accumulator.transform"
    check_choice(unseen, _UNSEEN, "unseen", where)
    plan = _plan(acc, method, options, where)
    eager = isinstance(frame, pl.DataFrame)
    lazy = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    schema = lazy.collect_schema()
    _check_columns(acc, plan, schema, where)
    if not acc.by:
        out = lazy.with_columns(_literal_expr(acc, c, n, o, inverse, where) for c, (n, o) in plan.items())
        return out.collect() if eager else out
    return _grouped(acc, lazy, schema, plan, unseen, inverse, where, eager)


class _GroupKnots:
    """Every group's CDF knots (:func:`polars_norm.sketch.cdf_knots`) in flat arrays, for a per-row lookup.

    Group ``j``'s knots ``xs``, ``fs`` sit at ``start[j] : start[j] + size[j]``.
    To find a row's segment in one ``search_sorted`` over all groups, values
    are mapped monotonically into disjoint ranges: ``2 j + (v - lo_j) / span_j``
    clipped to ``[0, 1]``, where ``[lo_j, lo_j + span_j]`` is the range of the
    group's knots; the interpolation then uses the original knots. With
    pooled statistics (``unseen="global"``) they form one extra group, the
    last.
    """

    def __init__(self, acc: Accumulator, column: str, keys: pl.DataFrame, pooled: Accumulator | None) -> None:
        sketches = [acc.sketch(column, row) for row in keys.iter_rows()]
        if pooled is not None:
            sketches.append(pooled.sketch(column))
        self.groups = len(keys)
        xs: list[float] = []
        fs: list[float] = []
        seg_keys: list[float] = []
        fields: dict[str, list[float | None]] = {k: [] for k in ("n", "start", "size", "x_lo", "x_span")}
        for j, sk in enumerate(sketches):
            kx, kf = cdf_knots(sk) if sk is not None and not sk.is_empty() else ([], [])
            lo, span = (kx[0], (kx[-1] - kx[0]) or 1.0) if kx else (None, None)
            values = {"n": float(sk.n) if kx and sk is not None else None, "start": float(len(xs))}
            values.update(size=float(len(kx)), x_lo=lo, x_span=span)
            for k, v in values.items():
                fields[k].append(v)
            if lo is not None and span is not None:
                seg_keys.extend(2.0 * j + min(max((x - lo) / span, 0.0), 1.0) for x in kx)
            xs.extend(kx)
            fs.extend(kf)
        self.xs, self.fs = pl.Series(xs, dtype=pl.Float64), pl.Series(fs, dtype=pl.Float64)
        self.fields = {k: pl.Series(v, dtype=pl.Float64) for k, v in fields.items()}
        self.x_keys = pl.Series(seg_keys, dtype=pl.Float64)
        group_of = pl.Series([float(j) for j, k in enumerate(self.fields["size"]) for _ in range(int(k))])
        self.f_keys = 2.0 * group_of + self.fs

    def _field(self, name: str, g: pl.Expr) -> pl.Expr:
        return pl.lit(self.fields[name]).gather(g)

    def interp(self, v: pl.Expr, key: pl.Expr, g: pl.Expr, keys: pl.Series, src: pl.Series, dst: pl.Series) -> pl.Expr:
        start, size = self._field("start", g), self._field("size", g)
        j = count_at_most(key, keys).cast(pl.Float64) - 1.0
        j = pl.min_horizontal(pl.max_horizontal(j, start), start + pl.max_horizontal(size - 2.0, 0.0))
        j0 = j.cast(pl.Int64)
        j1 = pl.min_horizontal(j + 1.0, start + size - 1.0).cast(pl.Int64)
        x0, x1 = pl.lit(src).gather(j0), pl.lit(src).gather(j1)
        y0, y1 = pl.lit(dst).gather(j0), pl.lit(dst).gather(j1)
        t = pl.when(x1 > x0).then(((v - x0) / (x1 - x0)).clip(0.0, 1.0)).otherwise(0.0)
        out = y0 + t * (y1 - y0)
        return pl.when(size > 0).then(pl.when(v.is_nan()).then(v).otherwise(out))

    def builder(self, g: pl.Expr, opts: Mapping[str, Any], inverse: bool) -> Callable[..., pl.Expr]:
        """A ``numeric_expr`` builder applying :meth:`quantile`."""
        return lambda x, _: self.quantile(x, g, opts, inverse)

    def quantile(self, x: pl.Expr, g: pl.Expr, opts: Mapping[str, Any], inverse: bool) -> pl.Expr:
        """The fitted quantile transform (or its inverse) of ``x`` for rows of group index ``g``."""
        a, n = opts["offset"], self._field("n", g)
        if not inverse:
            key = 2.0 * g.cast(pl.Float64) + ((x - self._field("x_lo", g)) / self._field("x_span", g)).clip(0.0, 1.0)
            f = self.interp(x, key, g, self.x_keys, self.xs, self.fs)
            rank = (f * n + 0.5).clip(1.0, n)
            u = (rank - a) / (n + 1.0 - 2.0 * a)
            return ndtri(u) if opts["output"] == "normal" else u
        u = (-x / _SQRT2).erfc() * 0.5 if opts["output"] == "normal" else x
        f = (u * (n + 1.0 - 2.0 * a) + a - 0.5) / n
        key = 2.0 * g.cast(pl.Float64) + f.clip(0.0, 1.0)
        return self.interp(f, key, g, self.f_keys, self.fs, self.xs)


def _prefixed(prefix: str) -> Stat:
    """Statistics read from columns named ``prefix + statistic``."""
    return lambda name: pl.col(prefix + name)


def _no_stat(name: str) -> pl.Expr:
    msg = f"statistic {name!r} is precomputed per group"
    raise AssertionError(msg)


def _grouped(
    acc: Accumulator,
    lazy: pl.LazyFrame,
    schema: pl.Schema,
    plan: Mapping[str, tuple[str, dict[str, Any]]],
    unseen: Unseen,
    inverse: bool,
    where: str,
    eager: bool,
) -> Frame:
    by = list(acc.by)
    for key in by:
        if key not in schema:
            msg = f"polars_norm.{where}: by key {key!r} not found in the frame; available: {schema.names()}"
            raise pl.exceptions.ColumnNotFoundError(msg)
    # one row per fitted group, in a fixed order: a row's group index points into it
    stats = acc.state.select(by).unique(maintain_order=True)
    pooled = acc.pooled() if unseen == "global" else None
    specs: list[tuple[int, str, str, dict[str, Any], dict[str, Any] | None]] = []
    for i, (column, (name, opts)) in enumerate(plan.items()):
        if name == "quantile":
            _require_sketch(acc, name, where)
            specs.append((i, column, name, opts, None))
            continue
        part = _stat_frame(acc, column, name, opts, where)
        part = part.rename({s: f"__pn_{i}_{s}" for s in part.columns if s not in by})
        stats = stats.join(part, on=by, how="left", nulls_equal=True, maintain_order="left")
        row = None
        if pooled is not None:
            glob = _stat_frame(pooled, column, name, opts, where)
            row = glob.row(0, named=True) if glob.height else {}
        specs.append((i, column, name, opts, row))
    stats = stats.cast({k: schema[k] for k in by})
    if unseen == "raise":
        raise_unseen(lazy, stats, by, where)
    # (location, scale) of every column, computed once per group on the small frame (the zero-scale rules
    # included); with unseen="global" the pooled statistics are one more row, the last
    raw = stats.drop(by)
    if pooled is not None and raw.width:
        values = {f"__pn_{i}_{f}": v for i, _, _, _, row in specs for f, v in (row or {}).items()}
        raw = pl.concat([raw, pl.DataFrame([{c: values.get(c) for c in raw.columns}], schema=raw.schema)])
    coefficients = []
    for i, _, name, opts, _ in specs:
        if name != "quantile":
            loc, scale = location_scale(name, opts, _prefixed(f"__pn_{i}_"))
            coefficients.append(scale.alias(f"__pn_{i}_scale"))
            if loc is not None:
                coefficients.append(loc.alias(f"__pn_{i}_loc"))
    small = raw.select(coefficients)
    group = pl.col("__pn_group")
    g = group if pooled is None else group.fill_null(stats.height)
    gathered = [pl.lit(small.get_column(c)).gather(g).alias(c) for c in small.columns]
    # NaN stays NaN where a row's statistics are null (an unseen group, a group without data); when no row
    # can have null statistics the arithmetic keeps NaN by itself and the per-row guard is skipped
    keep_nan = unseen == "null" or any(small.get_column(c).null_count() for c in small.columns)
    exprs = []
    for i, column, name, opts, _ in specs:
        if name == "quantile":
            knots = _GroupKnots(acc, column, stats.select(by), pooled)
            exprs.append(numeric_expr(pl.col(column), name, knots.builder(g, opts, inverse)))
            continue
        loc_name = f"__pn_{i}_loc"
        affine = (pl.col(loc_name) if loc_name in small.columns else None, pl.col(f"__pn_{i}_scale"))
        exprs.append(numeric_expr(pl.col(column), name, build_method(name, opts, _no_stat, inverse, keep_nan, affine)))
    helpers = ["__pn_group", *small.columns]
    index = group_index(stats.select(by))
    if index is not None:
        lazy = lazy.with_columns(index.alias("__pn_group"))
    else:  # keys without an elementwise lookup: an ordered left join to (keys, index), which streams
        keys = stats.select(by).with_row_index("__pn_group")
        lazy = lazy.join(keys.lazy(), on=by, how="left", nulls_equal=True, maintain_order="left")
    out = lazy.with_columns(gathered).with_columns(exprs).drop(helpers)
    return out.collect() if eager else out


#: Integer keys spanning at most this many values (or 8x the groups) use a dense lookup table.
