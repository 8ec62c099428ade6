"""Quantile normalization across columns: give every column the same distribution.

The standard method for microarray intensities (Bolstad et al. 2003): sort
each column, average the sorted columns rank by rank into one reference
distribution, then give each value the reference value at its rank. It needs
whole-column sorting, so unlike the row-wise functions in
:mod:`polars_norm.rows.scaling` it is not row-local.

It runs as one numpy kernel over all the columns (``map_batches`` on a
struct of them, per group under ``.over`` and ``group_by().agg``), because
that is several times faster than the native route it replaced (``sort``,
``rank``, ``gather`` and ``cum_sum`` per column, slower than the numpy
reference): numpy's SIMD ``argsort`` ranks a column faster than Polars'
``rank``, and the columns are ranked on parallel threads. The
``quantile_normalize`` rows of docs/benchmarks.md compare it with numpy.
The kernel needs whole columns, as any quantile normalization does: under the
streaming engine Polars hands it the whole input.
"""

from __future__ import annotations

import polars as pl

from polars_norm.kernels.quantile_normalization import MEMOIZED
from polars_norm.rows.scaling import IntoColumns, per_column

__all__ = ["quantile_normalize"]


def _build(xs: list[pl.Expr], col: int) -> pl.Expr:
    # Every output is the same kernel call on the same struct, then its field;
    # Polars calls the kernel once per output, and MEMOIZED computes it once.
    fields = [x.alias(f"c{j}") for j, x in enumerate(xs)]
    schema = pl.Struct({f"c{j}": pl.Float64 for j in range(len(xs))})
    return pl.struct(fields).map_batches(MEMOIZED, return_dtype=schema).struct.field(f"c{col}")


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
    A tie's mean is summed over its own run of ranks only, so it is accurate
    to rounding whatever the other values are (1e-10 beside -1e6, infinities).

    Under ``group_by().agg()`` or ``.over()`` each group is normalized on its
    own. All outputs share one computation, lazy or eager: the first output
    evaluated computes every column, and the others reuse its result.

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
