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
    """``values`` read at fractional ``position`` (linear interpolation), indices clipped to ``[0, last]``."""
    lo = position.floor()
    frac = position - lo
    i = lo.cast(pl.Int64).clip(0, last)
    j = (i + 1).clip(0, last)
    a = values.gather(i)
    return pl.when(frac == 0.0).then(a).otherwise(a + frac * (values.gather(j) - a))


def _positions(count: pl.Expr, length: pl.Expr, index: pl.Expr) -> pl.Expr:
    """Where rank ``index`` (0-based) of ``count`` values falls on a grid of ``length`` points.

    Rank 0 maps to 0 and rank ``count - 1`` to ``length - 1``; a single value
    maps to the middle of the grid.
    """
    step = (length - 1).cast(pl.Float64) / (count - 1).cast(pl.Float64)
    return pl.when(count > 1).then(index * step).otherwise((length - 1).cast(pl.Float64) / 2.0)


def _build(xs: list[pl.Expr], col: int) -> pl.Expr:
    n_rows = pl.len().cast(pl.Int64)
    last = n_rows - 1
    grid = pl.int_range(n_rows, dtype=pl.Int64)
    views = [x.fill_nan(None) for x in xs]
    counts = [v.count().cast(pl.Int64) for v in views]
    ordered = [v.sort(nulls_last=True) for v in views]

    # The reference: each column's quantile function read on a common grid of
    # n_rows points, averaged across columns. Without nulls the grid points
    # are exactly the ranks, and this is the mean of the sorted columns.
    quantiles = [
        _interpolate(s, grid.cast(pl.Float64) * _rank_step(n, n_rows), pl.max_horizontal(n - 1, 0))
        for s, n in zip(ordered, counts, strict=True)
    ]
    reference = pl.mean_horizontal(quantiles)

    # The reference read at this column's own ranks 0..n-1 (positions past n-1 unused).
    view, count, sorted_view = views[col], counts[col], ordered[col]
    at_rank = _interpolate(reference, _positions(count, n_rows, grid.cast(pl.Float64)), last)
    cumulative = at_rank.cum_sum()

    # Ties: the run of equal values starting at min-rank `first` ends at `end`;
    # they all get the mean of the reference over ranks first..end.
    first = (view.rank("min") - 1).cast(pl.Int64)
    run_end = pl.when(sorted_view.ne_missing(sorted_view.shift(-1))).then(grid).backward_fill()
    end = run_end.gather(first)
    before = pl.when(first > 0).then(cumulative.gather((first - 1).clip(0, None))).otherwise(0.0)
    tied_mean = (cumulative.gather(end) - before) / (end - first + 1).cast(pl.Float64)
    out = pl.when(end == first).then(at_rank.gather(first)).otherwise(tied_mean)
    # NaN cells were not ranked: keep them NaN.
    return pl.when(xs[col].is_nan()).then(xs[col]).otherwise(out)


def _rank_step(count: pl.Expr, n_rows: pl.Expr) -> pl.Expr:
    """Column-rank distance between grid points: ``(count - 1) / (n_rows - 1)``."""
    return pl.when(n_rows > 1).then((count - 1).cast(pl.Float64) / (n_rows - 1).cast(pl.Float64)).otherwise(0.0)


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
    missing values the columns have different lengths, so each column's
    quantile function is read on a common grid of ``len`` points (linear
    interpolation between order statistics) before averaging, and the
    reference is read back at each column's own ``n`` rank positions: rank
    ``r`` of ``n`` (0-based) sits at grid position ``r * (len - 1) / (n - 1)``.
    This is how ``preprocessCore::normalize.quantiles`` treats missing
    values; without missing values it is exactly the classic algorithm. A
    column with a single valid value gets the median of the reference; an
    all-missing column contributes nothing and stays missing.

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
