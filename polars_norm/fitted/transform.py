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

from collections.abc import Mapping
from typing import Any

import polars as pl

from polars_norm.columns.ranks import OFFSETS
from polars_norm.fitted.cdf_exprs import quantile_expr
from polars_norm.fitted.exprs import build_method
from polars_norm.fitted.groups import Unseen, grouped_transform
from polars_norm.fitted.method_stats import FittedStatistics, Frame, require_sketch, stat_frame
from polars_norm.fitted.sketch_cdf import cdf_knots
from polars_norm.semantics import (
    check_choice,
    check_ddof,
    check_feature_range,
    check_open_unit_interval,
    check_p,
    check_quantile_range,
    is_pandas_frame,
    numeric_expr,
)

__all__ = ["METHODS", "MethodSpec", "Unseen", "column_expr", "resolve_method", "transform"]

#: A method name, or ``(name, {option: value})``.
MethodSpec = str | tuple[str, Mapping[str, Any]]

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


# --------------------------------------------------------------------------
# methods and options
# --------------------------------------------------------------------------
def resolve_method(spec: MethodSpec, options: Mapping[str, Any], where: str) -> tuple[str, dict[str, Any]]:
    """Validate a method spec and its options; return the name and the full option set.

    Parameters
    ----------
    spec
        A method name (a key of :data:`METHODS`) or ``(name, {option: value})``.
    options
        Options for every column; the spec's own options take precedence.
    where
        The caller, named in error messages.

    Returns
    -------
    tuple
        ``(name, options)``: every option of the method, defaults filled in
        and values checked (``feature_range`` as floats, a quantile ``offset``
        name as its number; for ``output="normal"`` the default offset is
        Blom's 3/8).

    Raises
    ------
    TypeError
        ``spec`` is neither a name nor a ``(name, options)`` pair.
    ValueError
        An unknown method, an option the method does not take, or an
        option value out of range.

    Examples
    --------
    >>> from polars_norm.fitted.transform import resolve_method
    >>> resolve_method("zscore", {}, "transform")
    ('zscore', {'ddof': 1})
    >>> resolve_method(("minmax", {"feature_range": (-1, 1)}), {"clip": True}, "transform")
    ('minmax', {'feature_range': (-1.0, 1.0), 'clip': True})
    >>> resolve_method("quantile", {"output": "normal"}, "transform")
    ('quantile', {'output': 'normal', 'offset': 0.375})
    >>> resolve_method("zscore", {"p": 2}, "transform")
    Traceback (most recent call last):
        ...
    ValueError: polars_norm.transform: option p=2 does not apply to method 'zscore' (options: ddof)
    """
    if isinstance(spec, str):
        name, own = spec, {}
    elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str) and isinstance(spec[1], Mapping):
        name, own = spec[0], dict(spec[1])
    else:
        msg = (
            f"polars_norm.{where}: method={spec!r} must be a method name such as 'zscore', a pair "
            "(name, {option: value}), or a mapping {column: method} of those"
        )
        raise TypeError(msg)
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


def _check_columns(acc: FittedStatistics, plan: Mapping[str, Any], schema: pl.Schema | None, where: str) -> None:
    for column in plan:
        if column not in acc.columns:
            msg = f"polars_norm.{where}: column {column!r} was not fitted; fitted columns: {list(acc.columns)}"
            raise ValueError(msg)
        if schema is not None and column not in schema:
            msg = f"polars_norm.{where}: column {column!r} not found in the frame; available: {schema.names()}"
            raise pl.exceptions.ColumnNotFoundError(msg)


def _literal_expr(
    acc: FittedStatistics, column: str, name: str, opts: Mapping[str, Any], inverse: bool, where: str
) -> pl.Expr:
    """The expression for ``column`` with ungrouped statistics as literals."""
    stats = stat_frame(acc, column, name, opts, where)
    row = stats.row(0, named=True) if stats.height else dict.fromkeys(stats.columns)
    if name == "quantile":
        require_sketch(acc, name, where)
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
    acc: FittedStatistics, column: str, method: MethodSpec = "zscore", *, inverse: bool = False, **options: Any
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

    Returns
    -------
    pl.Expr
        The transform of ``pl.col(column)`` with the statistics as literals.

    Raises
    ------
    ValueError
        The statistics are grouped (``acc.by``), the column was not fitted,
        or the method or an option is unknown.
    TypeError
        ``method`` is neither a name nor a ``(name, options)`` pair.

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
    name, opts = resolve_method(method, options, where)
    _check_columns(acc, {column: None}, None, where)
    return _literal_expr(acc, column, name, opts, inverse, where)


def _plan(
    acc: FittedStatistics, method: MethodSpec | Mapping[str, MethodSpec], options: Mapping[str, Any], where: str
) -> dict[str, tuple[str, dict[str, Any]]]:
    if isinstance(method, Mapping):
        return {c: resolve_method(spec, options, where) for c, spec in method.items()}
    resolved = resolve_method(method, options, where)
    return dict.fromkeys(acc.columns, resolved)


def transform(
    acc: FittedStatistics,
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
        keys for grouped statistics). A LazyFrame stays lazy; a pandas
        DataFrame is converted (through Arrow) and a polars DataFrame returned.
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
    once per row (see ``polars_norm.fitted.group_knots.GroupKnots``).

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
    if is_pandas_frame(frame):
        frame = pl.from_pandas(frame)
    if not isinstance(frame, (pl.DataFrame, pl.LazyFrame)):
        msg = (
            f"polars_norm.{where}: expected a polars DataFrame or LazyFrame, or a pandas DataFrame; "
            f"got {type(frame).__module__}.{type(frame).__qualname__}"
        )
        raise TypeError(msg)
    eager = isinstance(frame, pl.DataFrame)
    lazy = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    schema = lazy.collect_schema()
    _check_columns(acc, plan, schema, where)
    if not acc.by:
        out = lazy.with_columns(_literal_expr(acc, c, n, o, inverse, where) for c, (n, o) in plan.items())
        return out.collect() if eager else out
    return grouped_transform(acc, lazy, schema, plan, unseen, inverse, where, eager)
