"""One batch's moment state: flat streaming reductions with a pilot, refined where cancellation shows.

:func:`batch_moments` reduces the rows of a LazyFrame to the moment state
of :mod:`polars_norm.fitted.moments` (one row per group and column), which
then merges with other batches' states there.

A batch's state comes from one query of flat reductions (no aggregate is
broadcast back onto the rows, so it streams in bounded memory): shifted sums
``sum(d)`` and ``sum(d**2)`` of ``d = (x - K) / S`` for a pilot shift ``K``
and a power-of-two pilot scale ``S``, taken from the first rows. The
corrected two-pass formula ``M2 = sum(d**2) - sum(d)**2 / n`` is exact to
rounding when ``K`` is near the mean; when the result shows it was not (more
than three digits cancelled, or the pilot scale was far from the data's), the
pass is repeated with the fitted mean and scale as the pilot, per group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from polars_norm.fitted.moments import COLUMN, powsum_name, two_sum
from polars_norm.semantics import ZERO_SCALE_RTOL, pow2_scale

__all__ = ["batch_moments"]

#: Rows read to choose the pilot shift and scale.
PILOT_ROWS = 10_000
#: Repeat the pass with a better pilot when ``sum(d**2) > REFINE_RATIO * M2``
#: (more than three decimal digits lost to cancellation).
REFINE_RATIO = 1e3
#: At most this many refinement passes.
MAX_REFINE = 2
#: Largest tolerated ``p * |log2(pilot scale / data scale)|`` before refining.
MAX_SCALE_BITS = 600.0


def _tmp(i: int, field: str) -> str:
    return f"__pn_{i}_{field}"


def _pilot_literals(lf: pl.LazyFrame, columns: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Pilot shift (mean) and power-of-two scale of each column, from the first rows."""
    exprs = []
    for i, c in enumerate(columns):
        v = pl.col(c).cast(pl.Float64).fill_nan(None)
        exprs.append(v.mean().alias(_tmp(i, "k")))
        exprs.append(pow2_scale(pl.max_horizontal(v.max().abs(), v.min().abs())).alias(_tmp(i, "s")))
    row = lf.head(PILOT_ROWS).select(exprs).collect().row(0)
    out = {}
    for i, c in enumerate(columns):
        k, s = row[2 * i], row[2 * i + 1]
        k = k if k is not None and math.isfinite(k) else 0.0
        s = s if s is not None and math.isfinite(s) and s > 0 else 1.0
        out[c] = (k, s)
    return out


def _staged(lf: pl.LazyFrame, i: int, column: str, shift: pl.Expr, scale: pl.Expr) -> pl.LazyFrame:
    """Add the per-row values the reductions of column ``i`` read, each computed once.

    ``v``: the value as Float64, NaN as null; ``d = (v - shift) / scale``;
    ``a = |v| / scale``. Written as columns of a ``with_columns`` stage, they
    are computed once per row: inside the reductions Polars' streaming engine
    would compute ``fill_nan`` (a when/then) and ``d`` again for every use.
    """
    v = pl.col(column).cast(pl.Float64).fill_nan(None)
    return lf.with_columns(v.alias(_tmp(i, "v"))).with_columns(
        ((pl.col(_tmp(i, "v")) - shift) / scale).alias(_tmp(i, "d")),
        (pl.col(_tmp(i, "v")).abs() / scale).alias(_tmp(i, "a")),
    )


def _flat_aggs(i: int, column: str, norm_orders: Sequence[float]) -> list[pl.Expr]:
    """The reductions of column ``i`` over the columns :func:`_staged` added."""
    x = pl.col(column)
    v, d, a = pl.col(_tmp(i, "v")), pl.col(_tmp(i, "d")), pl.col(_tmp(i, "a"))
    aggs = [
        v.count().cast(pl.Int64).alias(_tmp(i, "count")),
        x.null_count().cast(pl.Int64).alias(_tmp(i, "null_count")),
        x.cast(pl.Float64).is_nan().sum().cast(pl.Int64).alias(_tmp(i, "nan_count")),
        d.sum().alias(_tmp(i, "s1")),
        (d * d).sum().alias(_tmp(i, "s2")),
        v.min().alias(_tmp(i, "min")),
        v.max().alias(_tmp(i, "max")),
    ]
    for p in norm_orders:
        powered = a if p == 1.0 else (a * a if p == 2.0 else a.pow(p))
        aggs.append(powered.sum().alias(_tmp(i, powsum_name(p))))
    return aggs


def _finish(
    wide: pl.DataFrame,
    by: Sequence[str],
    columns: Sequence[str],
    norm_orders: Sequence[float],
) -> pl.DataFrame:
    """Turn one flat pass (wide, with pilot columns ``k``/``s``) into a long state plus a ``refine`` flag."""
    max_p = max([2.0, *norm_orders])
    parts = []
    for i, c in enumerate(columns):
        n = pl.col(_tmp(i, "count"))
        k, s = pl.col(_tmp(i, "k")), pl.col(_tmp(i, "s"))
        s1, s2 = pl.col(_tmp(i, "s1")), pl.col(_tmp(i, "s2"))
        lo, hi = pl.col(_tmp(i, "min")), pl.col(_tmp(i, "max"))
        has = n > 0
        nf = n.cast(pl.Float64)
        mean_hi, mean_lo = two_sum(k, s * (s1 / nf))
        const = lo == hi
        mean = pl.when(const).then(lo).otherwise(mean_hi)
        m2_pilot = pl.max_horizontal(s2 - s1 * s1 / nf, pl.lit(0.0))
        scale = pow2_scale(pl.max_horizontal(lo.abs(), hi.abs()))
        ratio = s / scale
        fields = [
            *by,
            pl.lit(c, pl.String).alias(COLUMN),
            n.alias("count"),
            pl.col(_tmp(i, "null_count")).alias("null_count"),
            pl.col(_tmp(i, "nan_count")).alias("nan_count"),
            pl.when(has).then(mean).alias("mean"),
            pl.when(has & ~const).then(mean_lo).otherwise(pl.when(has).then(0.0)).alias("mean_lo"),
            pl.when(has).then(scale).alias("scale"),
            pl.when(has).then(m2_pilot * ratio * ratio).otherwise(0.0).alias("m2_scaled"),
            lo.alias("min"),
            hi.alias("max"),
        ]
        finite_sums = s2.is_finite()
        for p in norm_orders:
            ps = pl.col(_tmp(i, powsum_name(p)))
            fields.append(pl.when(has).then(ps * ratio.pow(p)).otherwise(0.0).alias(powsum_name(p)))
            finite_sums = finite_sums & ps.is_finite()
        # Rounding noise: the spread of d is within the zero-scale tolerance of |mean|.
        noise = nf * (mean.abs() * (ZERO_SCALE_RTOL / s)) ** 2
        cancelled = (s2 > REFINE_RATIO * m2_pilot) & (s2 > noise)
        scale_off = ratio.log(2.0).abs() * max_p > MAX_SCALE_BITS
        finite_data = lo.is_finite() & hi.is_finite()
        refine = has & finite_data & (~finite_sums | cancelled | scale_off)
        fields.append(refine.fill_null(False).alias("refine"))
        parts.append(wide.select(fields))
    return pl.concat(parts, how="vertical")


def _flat_pass(
    lf: pl.LazyFrame,
    by: Sequence[str],
    columns: Sequence[str],
    norm_orders: Sequence[float],
    pilot: dict[str, tuple[float, float]] | pl.DataFrame,
    engine: str,
) -> pl.DataFrame:
    if isinstance(pilot, dict):
        staged = lf
        for i, c in enumerate(columns):
            staged = _staged(staged, i, c, pl.lit(pilot[c][0]), pl.lit(pilot[c][1]))
        aggs = [a for i, c in enumerate(columns) for a in _flat_aggs(i, c, norm_orders)]
        query = staged.group_by(by).agg(aggs) if by else staged.select(aggs)
        wide = query.collect(engine=engine)  # type: ignore[call-overload]
        wide = wide.with_columns(
            [pl.lit(pilot[c][j]).alias(_tmp(i, f)) for i, c in enumerate(columns) for j, f in enumerate("ks")]
        )
    else:
        # per-group pilots (grouped only): a join to the small pilot frame, then flat reductions
        joined = lf.join(pilot.lazy(), on=list(by), how="left", nulls_equal=True)
        for i, c in enumerate(columns):
            joined = _staged(joined, i, c, pl.col(_tmp(i, "k")), pl.col(_tmp(i, "s")))
        aggs = [a for i, c in enumerate(columns) for a in _flat_aggs(i, c, norm_orders)]
        wide = joined.group_by(by).agg(aggs).collect(engine=engine)  # type: ignore[call-overload]
        wide = wide.join(pilot, on=list(by), how="left", nulls_equal=True)
    return _finish(wide, by, columns, norm_orders)


def batch_moments(
    lf: pl.LazyFrame,
    columns: Sequence[str],
    by: Sequence[str] = (),
    norm_orders: Sequence[float] = (1.0, 2.0),
    *,
    engine: str = "streaming",
) -> pl.DataFrame:
    """The moment state of all rows of ``lf``, in bounded memory under ``engine="streaming"``.

    One pass of flat reductions with a pilot from the first rows; the columns
    whose result shows cancellation or a badly chosen pilot scale are
    recomputed with per-group pilots (at most ``MAX_REFINE`` more passes).

    Parameters
    ----------
    lf
        The rows to reduce.
    columns
        The numeric columns to fit.
    by
        Group key columns; one state row per group and column. Empty (default)
        for one global group.
    norm_orders
        The orders ``p`` whose ``powsum_<p>`` to keep.
    engine
        The Polars engine that collects each pass.

    Returns
    -------
    pl.DataFrame
        The state (:func:`state_schema`), sorted by the keys (nulls last), then
        in the order of ``columns``.

    Notes
    -----
    Nulls and NaN are counted in ``null_count`` and ``nan_count`` and left out
    of every other field. A group without valid values has ``count`` 0 and null
    ``mean``, ``scale``, ``min`` and ``max``.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.moments_batch import batch_moments
    >>> lf = pl.LazyFrame({"x": [1.0, 2.0, 3.0, None, float("nan")]})
    >>> state = batch_moments(lf, ["x"], norm_orders=[2.0])
    >>> state.select("column", "count", "null_count", "nan_count", "mean", "min", "max")
    shape: (1, 7)
    ┌────────┬───────┬────────────┬───────────┬──────┬─────┬─────┐
    │ column ┆ count ┆ null_count ┆ nan_count ┆ mean ┆ min ┆ max │
    │ ---    ┆ ---   ┆ ---        ┆ ---       ┆ ---  ┆ --- ┆ --- │
    │ str    ┆ i64   ┆ i64        ┆ i64       ┆ f64  ┆ f64 ┆ f64 │
    ╞════════╪═══════╪════════════╪═══════════╪══════╪═════╪═════╡
    │ x      ┆ 3     ┆ 1          ┆ 1         ┆ 2.0  ┆ 1.0 ┆ 3.0 │
    └────────┴───────┴────────────┴───────────┴──────┴─────┴─────┘
    """
    by, columns = list(by), list(columns)
    state = _flat_pass(lf, by, columns, norm_orders, _pilot_literals(lf, columns), engine)
    for _ in range(MAX_REFINE):
        bad = state.filter(pl.col("refine")).get_column(COLUMN).unique(maintain_order=True).to_list()
        if not bad:
            break
        redo = [c for c in columns if c in bad]
        if not by:
            rows = state.filter(pl.col(COLUMN).is_in(redo)).select(COLUMN, "mean", "scale").rows()
            literals = {c: (m if m is not None and math.isfinite(m) else 0.0, s or 1.0) for c, m, s in rows}
            better = _flat_pass(lf, by, redo, norm_orders, literals, engine)
            state = pl.concat([state.filter(~pl.col(COLUMN).is_in(redo)), better], how="vertical")
            continue
        wide_pilot = None
        for i, c in enumerate(redo):
            part = state.filter(pl.col(COLUMN) == c).select(
                *by,
                pl.col("mean").fill_null(0.0).fill_nan(0.0).alias(_tmp(i, "k")),
                pl.col("scale").fill_null(1.0).alias(_tmp(i, "s")),
            )
            wide_pilot = part if wide_pilot is None else wide_pilot.join(part, on=by, nulls_equal=True)
        assert wide_pilot is not None
        better = _flat_pass(lf, by, redo, norm_orders, wide_pilot, engine)
        state = pl.concat([state.filter(~pl.col(COLUMN).is_in(redo)), better], how="vertical")
    order = pl.DataFrame({COLUMN: columns, "__pn_order": range(len(columns))})
    state = state.join(order, on=COLUMN).sort([*by, "__pn_order"], nulls_last=True)
    return state.drop("refine", "__pn_order")
