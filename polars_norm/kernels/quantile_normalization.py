"""The kernel of quantile normalization across columns, and its cache.

The kernel (:func:`normalize`) takes a struct of Float64 columns and returns
them normalized: each column ranked by numpy's ``argsort`` (on the sorting
threads), the reference distribution averaged rank by rank, and each value
given the reference at its rank (tie runs their mean).

The ``k`` outputs of :func:`polars_norm.rows.quantile_normalization.quantile_normalize`
share one kernel call through :data:`MEMOIZED`, a
:class:`polars_norm.kernels.memo.Memo` (a workaround for Polars not sharing
repeated UDF calls; see there).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from polars_norm.kernels.memo import Memo
from polars_norm.kernels.threads import sorting_pool

__all__ = ["MEMOIZED", "normalize"]

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


def normalize(batch: pl.Series) -> pl.Series:
    """The kernel: a struct of Float64 columns in, the same struct normalized out.

    Parameters
    ----------
    batch
        A struct Series of Float64 fields (nulls and NaN are left out of the
        ranks and kept in the output).

    Returns
    -------
    Series
        The same struct, each field given the reference distribution (the
        mean of the sorted fields) at its ranks.

    Examples
    --------
    >>> import polars as pl
    >>> batch = pl.struct(pl.Series("c0", [5.0, 2.0, 3.0]), pl.Series("c1", [4.0, 1.0, 6.0]), eager=True)
    >>> normalize(batch).struct.unnest().rows()
    [(5.5, 3.5), (1.5, 1.5), (3.5, 5.5)]
    """
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


#: The cache the outputs of one query share.
MEMOIZED = Memo(normalize)
