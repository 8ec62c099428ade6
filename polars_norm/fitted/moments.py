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

A batch's state comes from :func:`polars_norm.fitted.moments_batch.batch_moments`.

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

__all__ = [
    "COLUMN",
    "STATE_FIELDS",
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
    >>> from polars_norm.fitted.moments import merge_states, mean_expr, std_expr
    >>> from polars_norm.fitted.moments_batch import batch_moments
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
    >>> from polars_norm.fitted.moments import mean_expr
    >>> from polars_norm.fitted.moments_batch import batch_moments
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
    >>> from polars_norm.fitted.moments import std_expr
    >>> from polars_norm.fitted.moments_batch import batch_moments
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
    >>> from polars_norm.fitted.moments import norm_expr
    >>> from polars_norm.fitted.moments_batch import batch_moments
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
