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
    i = lo.cast(pl.Int64).clip(0, last.clip(0, None))
    frac = position - lo
    return values.gather(i) * (1.0 - frac) + values.gather((i + 1).clip(0, last.clip(0, None))) * frac


def _levels(count: pl.Expr, index: pl.Expr) -> pl.Expr:
    """Level ``u = r / (count - 1)`` of 0-based rank ``r`` among ``count`` values (0.5 for a single value)."""
    return pl.when(count > 1).then(index.cast(pl.Float64) / (count - 1).cast(pl.Float64)).otherwise(0.5)


def _build(xs: list[pl.Expr], col: int) -> pl.Expr:
    # Polars' common-subexpression elimination (lazy queries) shares a
    # subexpression between the outputs only if it is the same in all of them
    # and no larger subexpression containing it repeats within one output.
    # So the sorts and the reference are written identically for every
    # output, and each output names its own reference reading exactly once.
    # Sorting the raw column puts valid values first, then NaN, then nulls:
    # the first `count` sorted values are the valid ones.
    sorts = [x.sort(nulls_last=True) for x in xs]
    counts = [x.is_not_nan().sum().cast(pl.Int64) for x in xs]  # valid values: not null, not NaN
    n_rows = pl.len().cast(pl.Int64)
    index = pl.int_range(n_rows, dtype=pl.Int64)
    # The reference: the mean over columns of their quantile functions
    # (linear interpolation between order statistics), tabulated at the
    # n_rows equally spaced levels of a complete column. Without missing
    # values every level falls on a rank: the mean of the sorted columns.
    # (Each output names every shared piece once, in the same form, so that
    # the plan stays linear in the number of columns.)
    grid = _levels(n_rows, index)
    reference = pl.mean_horizontal(
        [_interpolate(s, grid * (n - 1).cast(pl.Float64), n - 1) for s, n in zip(sorts, counts, strict=True)]
    )
    # This column's ranks r read the reference at their own levels.
    x, ordered, count = xs[col], sorts[col], counts[col]
    at_rank = _interpolate(reference, _levels(count, index) * (n_rows - 1).cast(pl.Float64), n_rows - 1)
    # Tied values form runs in sorted order; a run [b_i, b_{i+1}) gets the
    # mean of at_rank over it, from differences of prefix sums at the run
    # boundaries (accurate to about n * eps relative to the values).
    boundaries = pl.concat([index.filter((index < count) & ordered.ne_missing(ordered.shift(1))), count])
    prefix = pl.concat([pl.lit(0.0), at_rank.cum_sum()])
    run_means = prefix.gather(boundaries).diff().slice(1) / boundaries.diff().slice(1).cast(pl.Float64)
    # Back to row order: the dense rank of a value is its run's number. NaN
    # is ranked above every value (a run of its own): keep NaN cells NaN.
    is_nan = x.is_nan()
    run = pl.when(is_nan).then(None).otherwise(x.rank("dense").cast(pl.Int64) - 1)
    out = pl.when(is_nan).then(x).otherwise(run_means.gather(run))
    # `implode().explode()` is the identity in every context (select, `.over`,
    # `group_by().agg`). It is there for Polars' streaming engine (the default
    # of `LazyFrame.collect` in Polars 2.1): that engine cannot lower it, so it
    # evaluates this select in memory, with common-subexpression elimination.
    # Lowered node by node instead, the shared reference is copied into every
    # output and planning grows quadratically: 43 s for 8 columns of 20 rows.
    return out.implode().explode()


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
    function of the quantile level, as in ``preprocessCore::normalize.quantiles``:
    it is tabulated at the ``N`` levels ``g / (N - 1)`` of a complete column
    (``N`` rows), each the mean over columns of their sorted valid values
    read at that level (linear interpolation between order statistics, as
    ``numpy.quantile``'s default). Rank ``r`` of a column with ``n`` valid
    values (0-based) sits at level ``u = r / (n - 1)`` and reads the tabulated
    reference there, again by linear interpolation. Without missing values
    every level falls on a rank and this is exactly the classic algorithm. A
    column with a single valid value sits at ``u = 0.5`` (the median); an
    all-missing column contributes nothing and stays missing.
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
