"""Applying grouped fitted statistics: per-group coefficients, looked up row by row.

:func:`grouped_transform` is ``Accumulator.transform`` for statistics fitted
with ``by`` keys. Each method's location and scale are computed once per
group on the small statistics frame (the zero-scale rules included), each
row's group index comes from :func:`polars_norm.fitted.lookup.group_index` (or
an ordered join), and the coefficients are gathered by that index, so the
query stays elementwise and streams. The quantile method searches every
group's CDF knots at once (:class:`~polars_norm.fitted.group_knots.GroupKnots`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import polars as pl

from polars_norm.fitted.exprs import Stat, build_method, location_scale
from polars_norm.fitted.group_knots import GroupKnots
from polars_norm.fitted.keys import common_key_dtype, comparable_key
from polars_norm.fitted.lookup import group_index, raise_unseen
from polars_norm.fitted.method_stats import FittedStatistics, Frame, require_sketch, stat_frame
from polars_norm.semantics import numeric_expr

__all__ = ["grouped_transform", "internal_prefix"]


Unseen = Literal["null", "global", "raise"]


def _compared(frame: pl.DataFrame, common: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` (fitted keys, then statistics) with its keys as they are compared with the frame's keys.

    A fitted key that the comparison dtype cannot hold equals no key of the
    frame (whose values it holds): its rows are dropped, so that it does not
    turn into the null key.
    """
    keys = [comparable_key(k, frame.schema[k], d) for k, d in common.items()]
    lost = [pl.col(k).is_not_null() & key.is_null() for k, key in zip(common, keys, strict=True)]
    return frame.filter(~pl.any_horizontal(lost)).with_columns(
        key.alias(k) for k, key in zip(common, keys, strict=True)
    )


def _prefixed(prefix: str) -> Stat:
    """Statistics read from columns named ``prefix + statistic``."""
    return lambda name: pl.col(prefix + name)


def _no_stat(name: str) -> pl.Expr:
    msg = f"statistic {name!r} is precomputed per group"
    raise AssertionError(msg)


def internal_prefix(names: Iterable[str]) -> str:
    """A prefix for helper columns that no column in ``names`` starts with (``"__pn_"``, lengthened as needed).

    Parameters
    ----------
    names
        The frame's column names.

    Returns
    -------
    str
        ``"__pn_"`` with as many leading underscores more as it takes.

    Examples
    --------
    >>> from polars_norm.fitted.groups import internal_prefix
    >>> internal_prefix(["x", "g"]), internal_prefix(["x", "__pn_tmp"])
    ('__pn_', '___pn_')
    """
    taken = list(names)
    prefix = "__pn_"
    while any(name.startswith(prefix) for name in taken):
        prefix = "_" + prefix
    return prefix


def grouped_transform(
    acc: FittedStatistics,
    lazy: pl.LazyFrame,
    schema: pl.Schema,
    plan: Mapping[str, tuple[str, dict[str, Any]]],
    unseen: Unseen,
    inverse: bool,
    where: str,
    eager: bool,
) -> Frame:
    """:func:`polars_norm.fitted.transform` for grouped statistics: per-group coefficients looked up row by row.

    The frame's key columns are matched with the fitted keys by value, in
    the common dtype of :func:`polars_norm.fitted.keys.common_key_dtype` (a
    ``TypeError`` for keys of different kinds). Helper columns get a prefix
    that no column of the frame starts with, so none of the user's columns
    is overwritten or dropped.

    Parameters
    ----------
    acc
        Fitted statistics with ``by`` keys.
    lazy
        The frame to transform.
    schema
        ``lazy``'s schema.
    plan
        ``{column: (method, resolved options)}``
        (:func:`polars_norm.fitted.transform.resolve_method`).
    unseen
        ``"null"``, ``"global"`` or ``"raise"``: what a group not seen in
        fitting gets.
    inverse
        Apply the inverse transforms.
    where
        The caller, named in error messages.
    eager
        Collect the result (for a DataFrame input).

    Returns
    -------
    DataFrame or LazyFrame
        ``lazy`` with the planned columns transformed (collected if ``eager``).

    Raises
    ------
    ColumnNotFoundError
        A ``by`` key is missing from the frame.
    TypeError
        A key's dtype is of another kind than the fitted key's, or different
        fitted keys become one value in the dtype they are compared in.
    ValueError
        With ``unseen="raise"``, for groups not seen in fitting.

    Examples
    --------
    Integer keys fitted, float keys applied: ``1.0`` is the group ``1``.

    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.fitted.groups import grouped_transform
    >>> acc = fit(pl.DataFrame({"g": [1, 1, 2], "x": [1.0, 3.0, 5.0]}), by="g", quantiles=False)
    >>> lazy = pl.LazyFrame({"g": [1.0, 2.0, 3.0], "x": [3.0, 5.0, 1.0]})
    >>> plan = {"x": ("minmax", {"feature_range": (0.0, 1.0), "clip": False})}
    >>> grouped_transform(acc, lazy, lazy.collect_schema(), plan, "null", False, "transform", eager=True)
    shape: (3, 2)
    ┌─────┬──────┐
    │ g   ┆ x    │
    │ --- ┆ ---  │
    │ f64 ┆ f64  │
    ╞═════╪══════╡
    │ 1.0 ┆ 1.0  │
    │ 2.0 ┆ 0.0  │
    │ 3.0 ┆ null │
    └─────┴──────┘
    """
    by = list(acc.by)
    for key in by:
        if key not in schema:
            msg = f"polars_norm.{where}: by key {key!r} not found in the frame; available: {schema.names()}"
            raise pl.exceptions.ColumnNotFoundError(msg)
    pre = internal_prefix(schema.names())
    # one row per fitted group, in a fixed order: a row's group index points into it; the keys in the dtype
    # they are compared in (widening casts only)
    state = acc.state
    common = {k: common_key_dtype(k, state.schema[k], schema[k], where) for k in by}
    stats = _compared(state.select(by).unique(maintain_order=True), common)
    if stats.select(by).is_duplicated().any():
        fitted = {k: state.schema[k] for k in by}
        msg = (
            f"polars_norm.{where}: by keys {by}: different fitted keys ({fitted}) become one value in "
            f"{common}, the dtype they are compared in with the frame's keys; cast the frame's key "
            f"column(s) to {fitted}"
        )
        raise TypeError(msg)
    frame_keys = [comparable_key(k, schema[k], common[k]) for k in by]
    # a frame key that the comparison dtype cannot hold matches no group (not the null group)
    lost = [
        pl.col(k).is_not_null() & key.is_null() for k, key in zip(by, frame_keys, strict=True) if schema[k] != common[k]
    ]
    pooled = acc.pooled() if unseen == "global" else None
    specs: list[tuple[int, str, str, dict[str, Any], dict[str, Any] | None]] = []
    for i, (column, (name, opts)) in enumerate(plan.items()):
        if name == "quantile":
            require_sketch(acc, name, where)
            specs.append((i, column, name, opts, None))
            continue
        part = _compared(stat_frame(acc, column, name, opts, where), common)
        part = part.rename({s: f"{pre}{i}_{s}" for s in part.columns if s not in by})
        stats = stats.join(part, on=by, how="left", nulls_equal=True, maintain_order="left")
        row = None
        if pooled is not None:
            glob = stat_frame(pooled, column, name, opts, where)
            row = glob.row(0, named=True) if glob.height else {}
        specs.append((i, column, name, opts, row))
    if unseen == "raise":
        raise_unseen(lazy.select(k.alias(n) for k, n in zip(frame_keys, by, strict=True)), stats, by, where)
    # (location, scale) of every column, computed once per group on the small frame (the zero-scale rules
    # included); with unseen="global" the pooled statistics are one more row, the last
    raw = stats.drop(by)
    if pooled is not None and raw.width:
        values = {f"{pre}{i}_{f}": v for i, _, _, _, row in specs for f, v in (row or {}).items()}
        raw = pl.concat([raw, pl.DataFrame([{c: values.get(c) for c in raw.columns}], schema=raw.schema)])
    coefficients = []
    for i, _, name, opts, _ in specs:
        if name != "quantile":
            loc, scale = location_scale(name, opts, _prefixed(f"{pre}{i}_"))
            coefficients.append(scale.alias(f"{pre}{i}_scale"))
            if loc is not None:
                coefficients.append(loc.alias(f"{pre}{i}_loc"))
    small = raw.select(coefficients)
    helpers = [f"{pre}group", *small.columns]
    group = pl.col(f"{pre}group")
    g = group if pooled is None else group.fill_null(stats.height)
    gathered = [pl.lit(small.get_column(c)).gather(g).alias(c) for c in small.columns]
    # NaN stays NaN where a row's statistics are null (an unseen group, a group without data); when no row
    # can have null statistics the arithmetic keeps NaN by itself and the per-row guard is skipped
    keep_nan = unseen == "null" or any(small.get_column(c).null_count() for c in small.columns)
    exprs = []
    stages: list[list[pl.Expr]] = [[], [], []]
    for i, column, name, opts, _ in specs:
        if name == "quantile":
            knots = GroupKnots(acc, column, stats.select(by), pooled)
            steps = knots.stages(column, g, opts, inverse, f"{pre}{i}_q")
            for stage, step in zip(stages, steps, strict=True):
                stage.append(step)
                helpers.append(step.meta.output_name())
            exprs.append(numeric_expr(pl.col(column), name, knots.builder(opts, inverse, f"{pre}{i}_q")))
            continue
        loc_name = f"{pre}{i}_loc"
        affine = (pl.col(loc_name) if loc_name in small.columns else None, pl.col(f"{pre}{i}_scale"))
        exprs.append(numeric_expr(pl.col(column), name, build_method(name, opts, _no_stat, inverse, keep_nan, affine)))
    index = group_index(stats.select(by), frame_keys[0]) if len(by) == 1 else None
    if index is not None:
        lazy = lazy.with_columns(index.alias(f"{pre}group"))
    else:  # keys without an elementwise lookup: an ordered left join to (keys, index), which streams
        right = [f"{pre}key_{j}" for j in range(len(by))]
        keys = stats.select(pl.col(k).alias(r) for k, r in zip(by, right, strict=True)).with_row_index(f"{pre}group")
        lazy = lazy.join(
            keys.lazy(),
            left_on=frame_keys,
            right_on=right,
            how="left",
            nulls_equal=True,
            maintain_order="left",
            coalesce=False,
        )
        helpers += right
    if lost:
        lazy = lazy.with_columns(pl.when(pl.any_horizontal(lost)).then(None).otherwise(group).alias(f"{pre}group"))
    out = lazy.with_columns(gathered)
    for stage in stages:
        if stage:
            out = out.with_columns(stage)
    out = out.with_columns(exprs).drop(helpers)
    return out.collect() if eager else out
