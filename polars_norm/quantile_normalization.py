"""Quantile normalization across columns: give every column the same distribution.

The standard method for microarray intensities (Bolstad et al. 2003): sort
each column, average the sorted columns rank by rank into one reference
distribution, then give each value the reference value at its rank. It needs
whole-column sorting, so unlike the row-wise functions in
:mod:`polars_norm.horizontal` it is not row-local, but it is still built only
from native expressions (``sort``, ``rank``, ``gather``, ``cum_sum``).
"""

from __future__ import annotations

import polars as pl

from polars_norm.horizontal import IntoColumns, per_column

__all__ = ["quantile_normalize"]


def _interpolate(values: pl.Expr, position: pl.Expr, last: pl.Expr) -> pl.Expr:
    """``values`` read at fractional ``position`` (linear interpolation), indices clipped to ``[0, last]``.

    At a whole position the result is exactly the value there (finite values).
    """
    lo = position.floor()
    i = lo.cast(pl.Int64).clip(0, last)
    frac = position - lo
    return values.gather(i) * (1.0 - frac) + values.gather((i + 1).clip(0, last)) * frac


def _build(xs: list[pl.Expr], col: int) -> pl.Expr:
    # Shared pieces appear as few times as possible per output: Polars'
    # common-subexpression elimination shares only outermost repeated
    # expressions, and nested repetition multiplies the plan.
    views = [x.fill_nan(None) for x in xs]
    counts = [v.count().cast(pl.Int64) for v in views]
    view, count = views[col], counts[col]
    n_rows = pl.len().cast(pl.Int64)
    index = pl.int_range(n_rows, dtype=pl.Int64)

    # The reference at this column's ranks r = 0..n-1: the mean over columns
    # of each column's quantile function at level u = r / (n - 1), read by
    # linear interpolation between its sorted valid values. Without missing
    # values every level falls on a rank: the mean of the sorted columns.
    level = pl.when(count > 1).then(index.cast(pl.Float64) / (count - 1).cast(pl.Float64)).otherwise(0.5)
    at_rank = pl.mean_horizontal(
        [
            _interpolate(v.sort(nulls_last=True), level * (n - 1).cast(pl.Float64), (n - 1).clip(0, None))
            for v, n in zip(views, counts, strict=True)
        ]
    )
    # In sorted order, tied values form a run [start, end]; they share the
    # mean of at_rank over it, from prefix sums (a window `.over(run)` is
    # ~1000x slower). Prefix-sum differences carry an error of about
    # n * eps relative to the values.
    ordered = view.sort(nulls_last=True)
    start = pl.when(ordered.ne_missing(ordered.shift(1))).then(index).forward_fill()
    end = pl.when(ordered.ne_missing(ordered.shift(-1))).then(index).backward_fill()
    prefix = pl.concat([pl.lit(0.0), at_rank.cum_sum()])
    run_mean = (prefix.gather(end + 1) - prefix.gather(start)) / (end - start + 1).cast(pl.Float64)
    # Back to row order: every value reads its run at its minimal rank.
    out = run_mean.gather((view.rank("min") - 1).cast(pl.Int64))
    # NaN cells were not ranked: keep them NaN.
    return pl.when(xs[col].is_nan()).then(xs[col]).otherwise(out)


def quantile_normalize(*exprs: IntoColumns) -> list[pl.Expr]:
    """Quantile-normalize the given columns: give them all the same distribution.

    Parameters
    ----------
    *exprs
        Column names or single-column expressions (or iterables of them).

    Returns
    -------
    list[pl.Expr]
        One expression per input, named as the input: Float32 when every
        input is Float32, Float64 otherwise.

    Notes
    -----
    The classic algorithm: sort each column, average the sorted columns rank
    by rank into a reference distribution, then replace each value by the
    reference value at its rank. Values tied within a column all get the mean
    of the reference values at the ranks they occupy (so ties stay tied and
    the column mean is preserved).

    Nulls and NaN are missing values: each column's valid values are ranked
    among themselves, and missing cells stay null (NaN stays NaN). With
    missing values the columns have different lengths, so the reference is a
    function of the quantile level: rank ``r`` of a column with ``n`` valid
    values (0-based) sits at level ``u = r / (n - 1)``, and gets the mean over
    columns of their sorted valid values read at ``u`` (linear interpolation
    between order statistics, as ``numpy.quantile``'s default). This is the
    continuous form of ``preprocessCore::normalize.quantiles``' treatment of
    missing values; without missing values it is exactly the classic
    algorithm. A column with a single valid value sits at ``u = 0.5`` (the
    median); an all-missing column contributes nothing and stays missing.
    Tie means come from prefix sums, accurate to about ``n * eps`` relative
    to the values.

    Under ``group_by().agg()`` or ``.over()`` each group is normalized on its
    own. The reference is shared by all outputs: in a ``LazyFrame`` Polars
    computes it once (common subexpression elimination); an eager
    ``DataFrame.with_columns`` does not eliminate common subexpressions and
    recomputes it for every column, so prefer ``df.lazy()...collect()``.

    References
    ----------
    .. [1] Bolstad, B. M., Irizarry, R. A., Astrand, M. and Speed, T. P. (2003).
       "A comparison of normalization methods for high density oligonucleotide
       array data based on variance and bias". Bioinformatics 19(2), 185-193.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"a": [5.0, 2.0, 3.0, 4.0], "b": [4.0, 1.0, 4.0, 2.0], "c": [3.0, 4.0, 6.0, 8.0]})
    >>> df.lazy().with_columns(polars_norm.quantile_normalize("a", "b", "c")).collect()
    shape: (4, 3)
    ┌──────────┬──────────┬──────────┐
    │ a        ┆ b        ┆ c        │
    │ ---      ┆ ---      ┆ ---      │
    │ f64      ┆ f64      ┆ f64      │
    ╞══════════╪══════════╪══════════╡
    │ 5.666667 ┆ 5.166667 ┆ 2.0      │
    │ 2.0      ┆ 2.0      ┆ 3.0      │
    │ 3.0      ┆ 5.166667 ┆ 4.666667 │
    │ 4.666667 ┆ 3.0      ┆ 5.666667 │
    └──────────┴──────────┴──────────┘
    """
    return per_column(exprs, "quantile_normalize", _build)
