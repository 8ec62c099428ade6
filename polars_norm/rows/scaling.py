"""Normalization across the columns of each row ("layer normalization"), and its plumbing.

This module holds :func:`zscore_horizontal`, :func:`minmax_horizontal` and
the input handling every row-wise function shares; the row norms
(:func:`~polars_norm.rows.norms.unit_horizontal`,
:func:`~polars_norm.rows.norms.norm_horizontal`) are in
:mod:`polars_norm.rows.norms`. Each function takes column names or
expressions, as Polars' ``*_horizontal`` functions do, and returns one
expression per input (keeping its name), so
``df.with_columns(zscore_horizontal("a", "b", "c"))`` replaces the columns in
place; ``norm_horizontal`` returns the single row norm. The statistics of
a row come from that row only, so everything is row-local and streams in
bounded memory. Passing a subset of the columns gives group normalization.

Rules, on top of :mod:`polars_norm.semantics`:

* Output dtype: Float32 when every input is Float32, Float64 otherwise
  (integers, unsigned, Decimal and mixed inputs are computed in Float64).
* A null (or, with ``nan="ignore"``, NaN) cell is left out of its row's
  statistics and kept in the output; a row with no valid cell gives nulls.
* One column: every row is constant, so zero scale applies (z-score 0,
  min-max ``feature_range[0]``), and ``unit_horizontal`` gives ``sign(x)``.
* Inputs must be single columns with known, distinct names (selectors that
  expand to several columns are not accepted: expand them first, e.g.
  ``df.select(cs.numeric()).columns``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl

from polars_norm.kernels.row_zscore import row_zscore_memo
from polars_norm.semantics import (
    NanPolicy,
    _column_label,
    check_ddof,
    check_feature_range,
    check_nan,
    float_dtype,
    scale_or_one,
)

__all__ = [
    "IntoColumns",
    "any_nan",
    "horizontal_inputs",
    "minmax_horizontal",
    "per_column",
    "shared_row_stats",
    "zscore_horizontal",
]

IntoColumns = str | pl.Expr | Iterable[str | pl.Expr]

#: Builds output ``i`` from the Float64 inputs.
_RowBuilder = Callable[[list[pl.Expr], int], pl.Expr]


def horizontal_inputs(exprs: tuple[IntoColumns, ...], method: str) -> tuple[list[pl.Expr], list[str]]:
    """Flatten ``exprs`` into single-column expressions and their output names."""
    flat: list[pl.Expr] = []
    for item in exprs:
        if isinstance(item, (str, pl.Expr)):
            flat.append(pl.col(item) if isinstance(item, str) else item)
        else:
            flat.extend(pl.col(e) if isinstance(e, str) else e for e in item)
    if not flat:
        msg = f"polars_norm.{method}: needs at least one column"
        raise ValueError(msg)
    names: list[str] = []
    for e in flat:
        name = e.meta.output_name(raise_if_undetermined=False)
        if name is None or e.meta.is_regex_projection() or e.meta.has_multiple_outputs():
            msg = (
                f"polars_norm.{method}: {e} is not a single named column; pass column names or "
                "single-column expressions (expand selectors first)"
            )
            raise ValueError(msg)
        names.append(name)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        msg = f"polars_norm.{method}: duplicate column names {dupes}; give each input its own name with .alias()"
        raise ValueError(msg)
    return flat, names


def _float_inputs(
    pairs: list[tuple[pl.Expr, pl.DataType]], method: str
) -> tuple[list[pl.Expr], type[pl.Float32] | type[pl.Float64]]:
    """Check every input's dtype; return them as Float64 and the output dtype."""
    outs = []
    xs = []
    for e, dtype in pairs:
        out = float_dtype(dtype)
        if out is None:
            msg = (
                f"polars_norm.{method}: column {_column_label(e)} has dtype {dtype}; "
                "expected a numeric column (integer, unsigned, float or decimal)"
            )
            raise TypeError(msg)
        outs.append(out)
        xs.append(e if dtype == pl.Float64 else e.cast(pl.Float64))
    return xs, (pl.Float32 if all(o == pl.Float32 for o in outs) else pl.Float64)


def per_column(exprs: tuple[IntoColumns, ...], method: str, build: _RowBuilder) -> list[pl.Expr]:
    """One expression per input, each checking all dtypes at plan time."""
    inputs, names = horizontal_inputs(exprs, method)

    def output(i: int) -> pl.Expr:
        def resolve(pairs: list[tuple[pl.Expr, pl.DataType]]) -> pl.Expr:
            xs, out = _float_inputs(pairs, method)
            result = build(xs, i)
            return (result.cast(pl.Float32) if out == pl.Float32 else result).alias(names[i])

        return pl.pipe_with_dtype(inputs, resolve)

    return [output(i) for i in range(len(inputs))]


def any_nan(xs: list[pl.Expr]) -> pl.Expr:
    """Whether any of the row's cells is NaN."""
    return pl.any_horizontal([x.is_nan() for x in xs])


def shared_row_stats(**stats: pl.Expr) -> pl.Expr:
    """The statistics of a row, as one struct every output column takes its fields from.

    Each output column of a row-wise method is its own expression, so each
    holds the row's statistics. Polars computes a repeated subexpression once
    (common-subexpression elimination); an eager ``select`` does so only for
    the fields of a struct, and no query does for an expression holding a
    ``null`` literal (such as ``fill_nan(None)``). So the statistics are
    written null-free, wrapped here, and built identically for every output:
    the plan that runs holds them once, and its size and run time grow
    linearly with the number of columns (they grew with its square).
    """
    return pl.struct([e.alias(name) for name, e in stats.items()])


def _row_range(xs: list[pl.Expr], nan: NanPolicy) -> pl.Expr:
    """The row's ``lo`` (min), ``scale`` (range, zero taken as 1) and ``valid`` (``lo <= max``), null-free."""
    if nan == "ignore":
        # NaN left out by giving it the value that cannot win: as fill_nan(None), without a null literal.
        inf = float("inf")
        lo = pl.min_horizontal([pl.when(x.is_nan()).then(inf).otherwise(x) for x in xs])
        hi = pl.max_horizontal([pl.when(x.is_nan()).then(-inf).otherwise(x) for x in xs])
    else:
        lo, hi = pl.min_horizontal(xs), pl.max_horizontal(xs)
        lo = pl.when(any_nan(xs)).then(pl.lit(float("nan"))).otherwise(lo)
    # Without a valid cell (all NaN): lo = inf > hi = -inf; without a non-null cell both are null.
    return shared_row_stats(lo=lo, scale=scale_or_one(hi - lo), valid=lo <= hi)


def zscore_horizontal(*exprs: IntoColumns, ddof: int = 1, nan: NanPolicy = "ignore") -> list[pl.Expr]:
    """Standardize each row across the given columns: ``(x - row mean) / row std``.

    Parameters
    ----------
    *exprs
        Column names or single-column expressions (or iterables of them).
    ddof
        Delta degrees of freedom of the row's standard deviation; 1 (default)
        as in Polars. Layer normalization in deep-learning libraries uses 0.
    nan
        ``"ignore"`` (default) leaves NaN cells out of the row's statistics
        (they stay NaN); ``"propagate"`` turns a row holding NaN into NaN.

    Returns
    -------
    list[pl.Expr]
        One expression per input, named as the input: Float32 when every
        input is Float32, Float64 otherwise.

    Notes
    -----
    A constant row has zero standard deviation, taken as 1, so it maps to
    zeros; so does a row with fewer than ``ddof + 1`` valid cells (undefined
    standard deviation), e.g. every row when only one column is given. The
    variance is computed from centered values rescaled by a power of two, so
    it is accurate at large offsets and at magnitudes of 1e+-300, and the
    mean's rounding is undone by the mean of the deviations. It runs as one
    numpy kernel over the rows (:mod:`polars_norm.kernels.row_zscore`),
    row-local so it streams, whose outputs share one call per batch.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"a": [1.0, 5.0], "b": [2.0, 5.0], "c": [3.0, 5.0]})
    >>> df.with_columns(polars_norm.zscore_horizontal("a", "b", "c"))
    shape: (2, 3)
    ┌──────┬─────┬─────┐
    │ a    ┆ b   ┆ c   │
    │ ---  ┆ --- ┆ --- │
    │ f64  ┆ f64 ┆ f64 │
    ╞══════╪═════╪═════╡
    │ -1.0 ┆ 0.0 ┆ 1.0 │
    │ 0.0  ┆ 0.0 ┆ 0.0 │
    └──────┴─────┴─────┘
    """
    ddof = check_ddof(ddof, "zscore_horizontal")
    check_nan(nan, "zscore_horizontal")

    memo = row_zscore_memo(ddof, nan)

    def build(xs: list[pl.Expr], i: int) -> pl.Expr:
        # One numpy kernel over the row (row-local: it streams); the k outputs
        # share its call through the memo.
        fields = [x.alias(f"c{j}") for j, x in enumerate(xs)]
        schema = pl.Struct({f"c{j}": pl.Float64 for j in range(len(xs))})
        return pl.struct(fields).map_batches(memo, return_dtype=schema, is_elementwise=True).struct.field(f"c{i}")

    return per_column(exprs, "zscore_horizontal", build)


def minmax_horizontal(
    *exprs: IntoColumns,
    feature_range: tuple[float, float] = (0.0, 1.0),
    clip: bool = False,
    nan: NanPolicy = "ignore",
) -> list[pl.Expr]:
    """Rescale each row's ``[min, max]`` across the given columns onto ``feature_range``.

    Parameters
    ----------
    *exprs
        Column names or single-column expressions (or iterables of them).
    feature_range
        The ``(low, high)`` target interval, ``low < high``.
    clip
        Clip the output to ``feature_range`` (guards against rounding).
    nan
        ``"ignore"`` (default) leaves NaN cells out of the row's min and max
        (they stay NaN); ``"propagate"`` turns a row holding NaN into NaN.

    Returns
    -------
    list[pl.Expr]
        One expression per input, named as the input: Float32 when every
        input is Float32, Float64 otherwise.

    Notes
    -----
    A constant row (and every row when one column is given) has zero range,
    taken as 1, so it maps to ``feature_range[0]``.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"a": [1, 7], "b": [3, 7], "c": [5.0, 7.0]})
    >>> df.with_columns(polars_norm.minmax_horizontal("a", "b", "c"))
    shape: (2, 3)
    ┌─────┬─────┬─────┐
    │ a   ┆ b   ┆ c   │
    │ --- ┆ --- ┆ --- │
    │ f64 ┆ f64 ┆ f64 │
    ╞═════╪═════╪═════╡
    │ 0.0 ┆ 0.5 ┆ 1.0 │
    │ 0.0 ┆ 0.0 ┆ 0.0 │
    └─────┴─────┴─────┘
    """
    low, high = check_feature_range(feature_range, "minmax_horizontal")
    check_nan(nan, "minmax_horizontal")

    def build(xs: list[pl.Expr], i: int) -> pl.Expr:
        row = _row_range(xs, nan)
        out = (xs[i] - row.struct.field("lo")) / row.struct.field("scale")
        if nan == "ignore":
            # A row with no valid cell has no range: null, as the null min it had.
            out = pl.when(row.struct.field("valid")).then(out)
        if (low, high) != (0.0, 1.0):
            out = out * (high - low) + low
        if clip:
            out = out.clip(low, high)
        return out

    return per_column(exprs, "minmax_horizontal", build)
