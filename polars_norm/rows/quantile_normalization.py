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

import os
import threading
from typing import Any

import numpy as np
import polars as pl

from polars_norm.kernels.threads import sorting_pool
from polars_norm.rows.scaling import IntoColumns, per_column

__all__ = ["quantile_normalize"]

_Floats = np.ndarray[Any, np.dtype[np.float64]]


def _interpolate(values: _Floats, position: _Floats) -> _Floats:
    """``values`` read at fractional ``position`` in ``[0, len - 1]`` (linear interpolation).

    At a whole position the result is exactly the value there (finite values).
    """
    last = values.size - 1
    lo = np.floor(position)
    i = np.clip(lo.astype(np.int64), 0, last)
    frac = position - lo
    out: _Floats = values[i]
    between = frac > 0.0  # a whole position reads its value alone (inf beside it would give inf * 0)
    j = i[between]
    f = frac[between]
    out[between] = values[j] * (1.0 - f) + values[np.minimum(j + 1, last)] * f
    return out


def _levels(count: int) -> _Floats:
    """Levels ``u = r / (count - 1)`` of the 0-based ranks ``r`` (0.5 for a single value)."""
    return np.arange(count) / (count - 1) if count > 1 else np.full(count, 0.5)


def _ranked(values: _Floats) -> tuple[Any, _Floats]:
    """``(order, sorted)`` of a column: ``argsort`` (NaN last) and the values in that order."""
    order = np.argsort(values)
    return order, values[order]


class _Memo:
    """The kernel's results, shared by the ``k`` outputs of one query.

    Polars does not eliminate common Python UDF calls, so each of the ``k``
    outputs calls the kernel on the same struct of columns. The first call
    computes all ``k`` columns; the others take theirs from here. An entry is
    found by a cheap fingerprint (length, fields, a few values) and used only
    if its input equals, value for value, the entry's own copy of the input
    it was computed from (a buffer identity test, or a reference to the
    input, would serve stale results if numpy memory under a frame were
    changed in place between queries). An entry leaves after its ``k``-th use;
    entries of outputs that are never evaluated (a projection that drops
    them), and those of many small groups under ``.over``, leave oldest first
    once the cache holds more than ``_MEMO_VALUES`` input values besides the
    newest entry.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # fingerprint -> [input, output, uses left]; insertion order is age
        self._entries: dict[tuple[Any, ...], list[tuple[pl.Series, pl.Series, int]]] = {}
        self._values = 0

    def reset(self) -> None:
        """Forget everything (and the lock: a forked child may inherit it held)."""
        self._lock = threading.Lock()
        self._entries = {}
        self._values = 0

    @staticmethod
    def _fingerprint(batch: pl.Series) -> tuple[Any, ...]:
        n = len(batch)
        probes = [0, n // 3, n // 2, n - 1] if n else []
        return (n, tuple(batch.struct.fields), repr(batch.gather(probes).to_list()))  # repr: NaN matches NaN

    @staticmethod
    def _size(batch: pl.Series) -> int:
        return len(batch) * len(batch.struct.fields)

    def __call__(self, batch: pl.Series) -> pl.Series:
        with self._lock:  # the outputs may call in parallel: one computes, the others reuse
            fingerprint = self._fingerprint(batch)
            candidates = self._entries.get(fingerprint, [])
            for i, (cached, out, uses) in enumerate(candidates):
                if cached.equals(batch):
                    if uses > 1:
                        candidates[i] = (cached, out, uses - 1)
                    else:
                        del candidates[i]
                        self._values -= self._size(cached)
                        if not candidates:
                            del self._entries[fingerprint]
                    return out
            out = _normalize(batch)
            uses = len(batch.struct.fields) - 1
            if uses:
                self._evict(_MEMO_VALUES)
                # A copy: the input's memory may be numpy's, changed in place later.
                copy = batch.gather(pl.int_range(len(batch), eager=True))
                self._entries.setdefault(fingerprint, []).append((copy, out, uses))
                self._values += self._size(batch)
            return out

    def _evict(self, budget: int) -> None:
        while self._values > budget and self._entries:
            oldest = next(iter(self._entries))
            cached, _, _ = self._entries[oldest].pop(0)
            self._values -= self._size(cached)
            if not self._entries[oldest]:
                del self._entries[oldest]


#: Input values the kernel's cache holds for outputs not yet evaluated, besides the newest entry.
_MEMO_VALUES = 1 << 22


def _normalize(batch: pl.Series) -> pl.Series:
    """The kernel: a struct of Float64 columns in, the same struct normalized out."""
    columns = [batch.struct.field(name) for name in batch.struct.fields]
    n_rows = len(batch)
    values = [c.to_numpy() for c in columns]  # Float64; null -> NaN (the masks keep them apart)
    counts = [int(np.count_nonzero(~np.isnan(v))) for v in values]
    ranked = list(sorting_pool().map(_ranked, values)) if n_rows > 10_000 else [_ranked(v) for v in values]
    # The reference: the mean over columns of their quantile functions
    # (linear interpolation between order statistics), tabulated at the
    # n_rows equally spaced levels of a complete column. Without missing
    # values every level falls on a rank: the mean of the sorted columns.
    grid = _levels(n_rows)
    present = [(s[:n], n) for (_, s), n in zip(ranked, counts, strict=True) if n]
    reference = np.zeros(n_rows)
    for ordered, n in present:
        # a complete column's levels fall on its ranks: read it exactly, as is
        reference += ordered if n == n_rows else _interpolate(ordered, grid * (n - 1))
    reference /= max(len(present), 1)
    outputs = []
    for column, column_values, (order, ordered), n in zip(columns, values, ranked, counts, strict=True):
        out = column_values.copy()  # NaN (and null) cells keep NaN
        if n:
            # This column's ranks read the reference at their own levels; a run of
            # tied values gets the mean over its ranks (summed within the run only,
            # so a huge value elsewhere in the column cannot swamp it).
            at_rank = reference if n == n_rows else _interpolate(reference, _levels(n) * (n_rows - 1))
            valid = ordered[:n]
            starts = np.flatnonzero(np.concatenate([[True], valid[1:] != valid[:-1]]))
            lengths = np.diff(np.append(starts, n))
            if starts.size == n:  # no ties: each rank its own run
                out[order[:n]] = at_rank
            else:
                out[order[:n]] = np.repeat(np.add.reduceat(at_rank, starts) / lengths, lengths)
        outputs.append(
            pl.Series(column.name, out).set(column.is_null(), None)
            if column.has_nulls()
            else pl.Series(column.name, out)
        )
    return pl.struct(outputs, eager=True).alias(batch.name)


def _build(xs: list[pl.Expr], col: int) -> pl.Expr:
    # Every output is the same kernel call on the same struct, then its field;
    # Polars calls the kernel once per output, and _MEMOIZED computes it once.
    fields = [x.alias(f"c{j}") for j, x in enumerate(xs)]
    schema = pl.Struct({f"c{j}": pl.Float64 for j in range(len(xs))})
    return pl.struct(fields).map_batches(_MEMOIZED, return_dtype=schema).struct.field(f"c{col}")


_MEMOIZED = _Memo()
if hasattr(os, "register_at_fork"):  # POSIX only
    os.register_at_fork(after_in_child=_MEMOIZED.reset)


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
