"""Mergeable moment state: counts, stable mean and squared deviations, extremes, norms.

A moment state is a small long-format frame with one row per group (the
``by`` keys, if any) and fitted column (``"column"``), holding

==============  ==============================================================
field           meaning
==============  ==============================================================
``count``       valid values (neither null nor NaN)
``null_count``  nulls
``nan_count``   NaN values (ignored by every statistic)
``mean``        the mean of the valid values (null when there are none)
``mean_lo``     the rounding error of ``mean``: ``mean + mean_lo`` is the
                mean to twice the precision, so merged means and squared
                deviations stay exact on data with a large offset
``scale``       a power of two near ``max|x|`` (null when there is no data)
``m2_scaled``   the sum of squared deviations from the mean, divided by
                ``scale**2`` (so it neither overflows nor underflows)
``min``         smallest valid value
``max``         largest valid value
``powsum_<p>``  ``sum((|x| / scale) ** p)`` for each fitted norm order ``p``
==============  ==============================================================

A batch's state comes from one query of flat reductions (no aggregate is
broadcast back onto the rows, so it streams in bounded memory): shifted sums
``sum(d)`` and ``sum(d**2)`` of ``d = (x - K) / S`` for a pilot shift ``K``
and a power-of-two pilot scale ``S``, taken from the first rows. The
corrected two-pass formula ``M2 = sum(d**2) - sum(d)**2 / n`` is exact to
rounding when ``K`` is near the mean; when the result shows it was not (more
than three digits cancelled, or the pilot scale was far from the data's), the
pass is repeated with the fitted mean and scale as the pilot, per group.

States merge with Chan, Golub and LeVeque's pairwise formula, generalized to
a k-way merge in one ``group_by``; squares of rescaled values are rescaled by
exact powers of two, as LAPACK's ``dnrm2`` does.

References
----------
.. [1] Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). "Algorithms for
   computing the sample variance: analysis and recommendations".
   The American Statistician 37(3), 242-247.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from polars_norm.semantics import ZERO_SCALE_RTOL, pow2_scale

__all__ = [
    "COLUMN",
    "STATE_FIELDS",
    "batch_moments",
    "empty_state",
    "mean_expr",
    "merge_states",
    "norm_expr",
    "powsum_name",
    "state_schema",
    "std_expr",
    "two_sum",
]

#: The name of the state's column holding the fitted column's name.
COLUMN = "column"
#: Fields of a moment state besides the group keys, ``column`` and the powsums.
STATE_FIELDS = ("count", "null_count", "nan_count", "mean", "mean_lo", "scale", "m2_scaled", "min", "max")

#: Rows read to choose the pilot shift and scale.
PILOT_ROWS = 10_000
#: Repeat the pass with a better pilot when ``sum(d**2) > REFINE_RATIO * M2``
#: (more than three decimal digits lost to cancellation).
REFINE_RATIO = 1e3
#: At most this many refinement passes.
MAX_REFINE = 2
#: Largest tolerated ``p * |log2(pilot scale / data scale)|`` before refining.
MAX_SCALE_BITS = 600.0


def two_sum(a: pl.Expr, b: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Knuth's error-free sum: ``hi = fl(a + b)`` and ``lo`` with ``hi + lo == a + b`` exactly.

    Parameters
    ----------
    a, b
        Float64 expressions to add.

    Returns
    -------
    tuple of pl.Expr
        ``(hi, lo)``: the rounded sum and its rounding error. ``lo`` is what
        :func:`merge_states` keeps as ``mean_lo``.

    Notes
    -----
    Six floating-point operations and no branch (Knuth's TwoSum), so it holds
    for any order of magnitude of ``a`` and ``b``; it does not hold when the
    sum overflows. A null or NaN in either input gives null or NaN in both.

    References
    ----------
    .. [1] Knuth, D. E. The Art of Computer Programming, Vol. 2,
       Seminumerical Algorithms, 3rd ed., section 4.2.2, theorem B.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.moments import two_sum
    >>> hi, lo = two_sum(pl.col("a"), pl.col("b"))
    >>> pl.DataFrame({"a": [1e16], "b": [1.0]}).select(hi.alias("hi"), lo.alias("lo"))
    shape: (1, 2)
    ┌───────────┬─────┐
    │ hi        ┆ lo  │
    │ ---       ┆ --- │
    │ f64       ┆ f64 │
    ╞═══════════╪═════╡
    │ 1.0000e16 ┆ 1.0 │
    └───────────┴─────┘
    """
    hi = a + b
    bb = hi - a
    return hi, (a - (hi - bb)) + (b - bb)


def powsum_name(p: float) -> str:
    """The state field holding ``sum((|x| / scale) ** p)``, e.g. ``powsum_2``.

    Parameters
    ----------
    p
        The norm order.

    Returns
    -------
    str
        ``"powsum_"`` followed by ``p`` in ``%g`` format.

    Examples
    --------
    >>> from polars_norm.fitted.moments import powsum_name
    >>> powsum_name(2.0), powsum_name(0.5)
    ('powsum_2', 'powsum_0.5')
    """
    return f"powsum_{p:g}"


def state_schema(by_schema: pl.Schema | dict[str, pl.DataType], norm_orders: Sequence[float]) -> pl.Schema:
    """The schema of a moment state with the given key columns and norm orders.

    Parameters
    ----------
    by_schema
        The group key columns and their dtypes, in order (empty for global
        statistics).
    norm_orders
        The fitted norm orders ``p``; one ``powsum_<p>`` field each.

    Returns
    -------
    pl.Schema
        The keys, ``column`` (String), the counts (Int64), the other
        :data:`STATE_FIELDS` (Float64) and the powsums (Float64).

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.moments import state_schema
    >>> schema = state_schema({"g": pl.Int64()}, [2.0])
    >>> schema.names()
    ['g', 'column', 'count', 'null_count', 'nan_count', 'mean', 'mean_lo', 'scale', 'm2_scaled',
     'min', 'max', 'powsum_2']
    >>> schema["count"], schema["mean"]
    (Int64, Float64)
    """
    schema: dict[str, pl.DataType] = dict(by_schema)
    schema[COLUMN] = pl.String()
    for name in ("count", "null_count", "nan_count"):
        schema[name] = pl.Int64()
    for name in STATE_FIELDS[3:]:
        schema[name] = pl.Float64()
    for p in norm_orders:
        schema[powsum_name(p)] = pl.Float64()
    return pl.Schema(schema)


def empty_state(by_schema: pl.Schema | dict[str, pl.DataType], norm_orders: Sequence[float]) -> pl.DataFrame:
    """A state with no rows.

    Parameters
    ----------
    by_schema
        The group key columns and their dtypes (empty for global statistics).
    norm_orders
        The fitted norm orders ``p``.

    Returns
    -------
    pl.DataFrame
        An empty frame with :func:`state_schema`'s schema; merging it with other
        states changes nothing.

    Examples
    --------
    >>> from polars_norm.fitted.moments import empty_state
    >>> empty_state({}, [1.0]).shape
    (0, 11)
    >>> empty_state({}, [1.0]).columns
    ['column', 'count', 'null_count', 'nan_count', 'mean', 'mean_lo', 'scale', 'm2_scaled', 'min', 'max', 'powsum_1']
    """
    return pl.DataFrame(schema=state_schema(by_schema, norm_orders))


# --------------------------------------------------------------------------
# one batch: flat reductions with a pilot
# --------------------------------------------------------------------------
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
    >>> from polars_norm.fitted.moments import batch_moments
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


# --------------------------------------------------------------------------
# k-way merge
# --------------------------------------------------------------------------
def merge_states(states: Sequence[pl.DataFrame], by: Sequence[str], norm_orders: Sequence[float]) -> pl.DataFrame:
    """Merge moment states in one ``group_by`` (Chan et al.'s pairwise formula, k-way).

    Parameters
    ----------
    states
        Moment states with the same schema (keys in the same dtypes).
    by
        The group key columns.
    norm_orders
        The norm orders whose powsums to merge.

    Returns
    -------
    pl.DataFrame
        One row per group and column, in order of first appearance; the first
        state as is when every state is empty.

    Notes
    -----
    With ``S = max(scale_i)`` over the states not all zero, a pilot ``P`` (the first non-empty state's
    mean), ``dm_i = (mean_i - P) / S`` and ``c = sum(n_i dm_i) / n``::

        mean      = P + c S
        m2_scaled = sum(m2_i (scale_i / S)**2) + sum(n_i (dm_i - c)**2)
                    - (sum(n_i (dm_i - c)))**2 / n
        powsum_p  = sum(powsum_p_i (scale_i / S)**p)

    The last term of ``m2_scaled`` corrects the rounding of ``c``. The merge
    is commutative and associative to rounding. States whose values are all
    zero, or without data, do not set ``S`` and are not rescaled; a constant
    column's mean is its value exactly.

    References
    ----------
    .. [1] Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). "Algorithms for
       computing the sample variance: analysis and recommendations".
       The American Statistician 37(3), 242-247.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.moments import batch_moments, merge_states, mean_expr, std_expr
    >>> a = batch_moments(pl.LazyFrame({"x": [1.0, 2.0]}), ["x"])
    >>> b = batch_moments(pl.LazyFrame({"x": [3.0, 4.0, 5.0]}), ["x"])
    >>> merge_states([a, b], [], [1.0, 2.0]).select("count", mean_expr().alias("mean"), std_expr(1).alias("std"))
    shape: (1, 3)
    ┌───────┬──────┬──────────┐
    │ count ┆ mean ┆ std      │
    │ ---   ┆ ---  ┆ ---      │
    │ i64   ┆ f64  ┆ f64      │
    ╞═══════╪══════╪══════════╡
    │ 5     ┆ 3.0  ┆ 1.581139 │
    └───────┴──────┴──────────┘
    """
    nonempty = [s for s in states if s.height > 0]
    if not nonempty:
        return states[0]
    keys = [*by, COLUMN]
    frame = pl.concat(nonempty, how="vertical")
    n_i = pl.col("count")
    w = n_i.cast(pl.Float64)
    n = w.sum()
    # A state whose values are all zero has scale 1 (pow2_scale of 0) but holds
    # nothing to rescale: it must neither set S (a tiny state's squares would
    # underflow once rescaled to 1) nor be rescaled (0 * inf), so its r is 0.
    # The same goes for a state without data (null scale, null min and max),
    # and a merge without data keeps a null scale.
    zero = pl.max_horizontal(pl.col("min").abs(), pl.col("max").abs()).fill_null(0.0) == 0.0  # or no data
    big_s = pl.col("scale").filter(~zero).max().fill_null(pl.col("scale").max()).fill_null(1.0)
    pilot = pl.col("mean").filter(n_i > 0).first()
    dm = (((pl.col("mean") - pilot) + pl.col("mean_lo")) / big_s).fill_null(0.0)
    c = (w * dm).sum() / n
    r = pl.when(zero).then(0.0).otherwise(pl.col("scale") / big_s).fill_null(0.0)
    dev = dm - c
    m2 = (pl.col("m2_scaled") * r * r).sum() + (w * dev * dev).sum() - (w * dev).sum() ** 2 / n
    has = n > 0
    mean_hi, mean_lo = two_sum(pilot, c * big_s)
    aggs = [
        n_i.sum().alias("count"),
        pl.col("null_count").sum(),
        pl.col("nan_count").sum(),
        pl.when(has).then(mean_hi).alias("mean"),
        pl.when(has).then(mean_lo).alias("mean_lo"),
        pl.when(has).then(big_s).alias("scale"),
        pl.when(has).then(pl.max_horizontal(m2, pl.lit(0.0))).otherwise(0.0).alias("m2_scaled"),
        pl.col("min").min(),
        pl.col("max").max(),
    ]
    for p in norm_orders:
        name = powsum_name(p)
        aggs.append(pl.when(has).then((pl.col(name) * r.pow(p)).sum()).otherwise(0.0).alias(name))
    merged = frame.group_by(keys, maintain_order=True).agg(aggs)
    # a constant column's mean is its value exactly
    const = pl.col("min") == pl.col("max")
    merged = merged.with_columns(
        pl.when(const).then(pl.col("min")).otherwise(pl.col("mean")).alias("mean"),
        pl.when(const).then(0.0).otherwise(pl.col("mean_lo")).alias("mean_lo"),
    )
    return merged.select(states[0].columns)


def _infinite() -> pl.Expr:
    """Whether the valid values hold ``inf`` or ``-inf``."""
    return pl.col("min").is_infinite() | pl.col("max").is_infinite()


def mean_expr() -> pl.Expr:
    """The mean from state fields, as IEEE arithmetic gives it on data holding infinities.

    Returns
    -------
    pl.Expr
        An expression over a moment state's fields: ``mean``, except ``inf``
        (or ``-inf``) when the values hold it and NaN when they hold both; null
        without data.

    Notes
    -----
    A batch's own shifted sums, or a merge, would otherwise give NaN or
    ``inf`` depending on how the data was split.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.moments import batch_moments, mean_expr
    >>> state = batch_moments(pl.LazyFrame({"x": [1.0, 2.0], "y": [1.0, float("inf")]}), ["x", "y"])
    >>> state.select("column", mean_expr().alias("mean"))
    shape: (2, 2)
    ┌────────┬──────┐
    │ column ┆ mean │
    │ ---    ┆ ---  │
    │ str    ┆ f64  │
    ╞════════╪══════╡
    │ x      ┆ 1.5  │
    │ y      ┆ inf  │
    └────────┴──────┘
    """
    lo, hi = pl.col("min"), pl.col("max")
    inf = pl.lit(math.inf)
    return (
        pl.when((lo == -inf) & (hi == inf))
        .then(pl.lit(math.nan))
        .when(hi == inf)
        .then(inf)
        .when(lo == -inf)
        .then(-inf)
        .otherwise(pl.col("mean"))
    )


def std_expr(ddof: int) -> pl.Expr:
    """The standard deviation from state fields.

    Parameters
    ----------
    ddof
        Delta degrees of freedom: the divisor is ``count - ddof``.

    Returns
    -------
    pl.Expr
        ``sqrt(m2_scaled / (count - ddof)) * scale``; null when
        ``count <= ddof``, NaN when the values hold ``inf``.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.moments import batch_moments, std_expr
    >>> state = batch_moments(pl.LazyFrame({"x": [1.0, 2.0, 3.0, 4.0]}), ["x"])
    >>> state.select(std_expr(0).alias("std0"), std_expr(1).alias("std1"), std_expr(4).alias("std4"))
    shape: (1, 3)
    ┌──────────┬──────────┬──────┐
    │ std0     ┆ std1     ┆ std4 │
    │ ---      ┆ ---      ┆ ---  │
    │ f64      ┆ f64      ┆ f64  │
    ╞══════════╪══════════╪══════╡
    │ 1.118034 ┆ 1.290994 ┆ null │
    └──────────┴──────────┴──────┘
    """
    dof = pl.col("count") - ddof
    std = (pl.col("m2_scaled") / dof.cast(pl.Float64)).sqrt() * pl.col("scale")
    return pl.when(dof > 0).then(pl.when(_infinite()).then(pl.lit(math.nan)).otherwise(std))


def norm_expr(p: float) -> pl.Expr:
    """The Lp norm from state fields (``p = inf`` is ``max|x|``).

    Parameters
    ----------
    p
        A fitted norm order (its ``powsum_<p>`` field must be in the state), or
        ``math.inf`` for ``max|x|`` from ``min`` and ``max``.

    Returns
    -------
    pl.Expr
        ``powsum_p ** (1 / p) * scale``; null without data.

    Examples
    --------
    >>> import math
    >>> import polars as pl
    >>> from polars_norm.fitted.moments import batch_moments, norm_expr
    >>> state = batch_moments(pl.LazyFrame({"x": [3.0, -4.0]}), ["x"], norm_orders=[1.0, 2.0])
    >>> state.select(norm_expr(1.0).alias("l1"), norm_expr(2.0).alias("l2"), norm_expr(math.inf).alias("maxabs"))
    shape: (1, 3)
    ┌─────┬─────┬────────┐
    │ l1  ┆ l2  ┆ maxabs │
    │ --- ┆ --- ┆ ---    │
    │ f64 ┆ f64 ┆ f64    │
    ╞═════╪═════╪════════╡
    │ 7.0 ┆ 5.0 ┆ 4.0    │
    └─────┴─────┴────────┘
    """
    if math.isinf(p):
        return pl.when(pl.col("count") > 0).then(pl.max_horizontal(pl.col("min").abs(), pl.col("max").abs()))
    powsum = pl.col(powsum_name(p))
    root = powsum.sqrt() if p == 2.0 else powsum.pow(1.0 / p)
    return pl.when(pl.col("count") > 0).then(root * pl.col("scale"))
