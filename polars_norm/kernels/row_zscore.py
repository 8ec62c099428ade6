"""The kernel of :func:`polars_norm.zscore_horizontal`: each row z-scored across its columns, in numpy.

The math is :func:`polars_norm.vector_zscore`'s (the vector cells' z-score)
over the rows of a matrix: the mean of values rescaled by
``2**-km`` (``km`` the exponent of the row's ``max|x|``), a constant row
centered exactly, the corrected two-pass variance (Chan, Golub and LeVeque) of
deviations rescaled by ``2**(-h/2)`` (``h`` even, from the row's range), the
mean's rounding undone by the mean of the deviations, and the zero-scale rule
of :func:`polars_norm.semantics.inverse_of_unit_std`.

Why a kernel: a row-wise method returns one expression per column, and each
holds the row's statistics, so as native expressions the plan grows with the
square of the number of columns (at 50 columns, seconds of planning per
query). The kernel is row-local (``map_batches`` with ``is_elementwise``), so
it streams; its ``k`` outputs share one call through a
:class:`polars_norm.kernels.memo.Memo`.

References
----------
.. [1] Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). "Algorithms for
   computing the sample variance: analysis and recommendations".
   The American Statistician 37(3), 242-247.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

import numpy as np
import polars as pl

from polars_norm.kernels.memo import Memo
from polars_norm.semantics import HEADROOM, ZERO_SCALE_FLOOR, ZERO_SCALE_RTOL

__all__ = ["row_zscore_memo", "zscore_rows"]

_Floats = np.ndarray[Any, np.dtype[np.float64]]

_CEILING = 1.0 / ZERO_SCALE_RTOL
_MAX_INVERSE = 1.0 / ZERO_SCALE_FLOOR


def _exponent(m: _Floats) -> _Floats:
    """``floor(log2(m))`` clipped to the normal exponents (0 gives -1022, inf 1023, NaN stays NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip(np.floor(np.log2(m)), -1022.0, 1023.0)


def zscore_rows(batch: pl.Series, *, ddof: int, nan: str) -> pl.Series:
    """Z-score each row of a struct of Float64 columns across its fields.

    Parameters
    ----------
    batch
        A struct Series of Float64 fields, one per column.
    ddof
        Delta degrees of freedom of each row's standard deviation.
    nan
        ``"ignore"`` leaves NaN cells out of the row's statistics (they stay
        NaN); ``"propagate"`` turns a row holding NaN into NaN.

    Returns
    -------
    Series
        The same struct, z-scored row by row: null cells stay null, and a row
        without a valid cell is null.

    Examples
    --------
    >>> import polars as pl
    >>> a, b, c = pl.Series("a", [1.0, 5.0]), pl.Series("b", [2.0, 5.0]), pl.Series("c", [3.0, None])
    >>> batch = pl.struct(a, b, c, eager=True)
    >>> zscore_rows(batch, ddof=1, nan="ignore").struct.unnest().rows()
    [(-1.0, 0.0, 1.0), (0.0, 0.0, None)]
    """
    columns = [batch.struct.field(name) for name in batch.struct.fields]
    n = len(batch)
    if not columns or n == 0:
        return batch
    X = np.column_stack([c.to_numpy().astype(np.float64, copy=False) for c in columns]).reshape(n, len(columns))
    null = np.column_stack([c.is_null().to_numpy() for c in columns]).reshape(n, len(columns))
    valid = ~np.isnan(X)
    count = valid.sum(axis=1).astype(np.float64)
    with np.errstate(all="ignore"):
        lo = np.where(valid, X, np.inf).min(axis=1)
        hi = np.where(valid, X, -np.inf).max(axis=1)
        km = _exponent(np.maximum(np.abs(lo), np.abs(hi)))
        constant = lo == hi
        scaled_sum = np.where(valid, X * np.exp2(-km)[:, None], 0.0).sum(axis=1)
        mean = np.where(constant, lo, scaled_sum / count * np.exp2(km))
        h = np.floor((_exponent(hi - lo) + HEADROOM) / 2.0) * 2.0
        d = np.where(valid, (X - mean[:, None]) * np.exp2(-h / 2.0)[:, None], 0.0)
        d_sum = d.sum(axis=1)
        ss = np.maximum(np.einsum("ij,ij->i", d, d) - d_sum**2 / count, 0.0)
        correction = np.where(constant, 0.0, d_sum / count * np.exp2(h / 2.0))
        dof = count - ddof
        unit_std = np.sqrt(ss / dof) * np.exp2(h / 2.0 - km)
        inverse_unit = np.minimum(1.0 / unit_std, _CEILING)
        inverse_unit = np.where((inverse_unit == _CEILING) | (dof <= 0), 0.0, inverse_unit)
        inverse = np.minimum(inverse_unit * np.exp2(-km), _MAX_INVERSE)
        # (x - mean) - correction: the correction is never rounded back to the offset
        out = ((X - mean[:, None]) - correction[:, None]) * inverse[:, None]
    no_data = count == 0
    if nan == "propagate":
        # a row holding NaN is NaN (null cells stay null), even without another value
        nan_rows = (np.isnan(X) & ~null).any(axis=1)
        out[nan_rows] = np.nan
        no_data &= ~nan_rows
    missing = null | no_data[:, None]
    fields = []
    for j, column in enumerate(columns):
        values = pl.Series(column.name, out[:, j])
        fields.append(values.set(pl.Series(missing[:, j]), None) if missing[:, j].any() else values)
    return pl.struct(fields, eager=True).alias(batch.name)


_LOCK = threading.Lock()
_MEMOS: dict[tuple[int, str], Memo] = {}


def row_zscore_memo(ddof: int, nan: str) -> Memo:
    """The shared cache of :func:`zscore_rows` for these options (one per ``ddof``, ``nan``).

    Examples
    --------
    >>> row_zscore_memo(1, "ignore") is row_zscore_memo(1, "ignore")
    True
    """
    with _LOCK:
        memo = _MEMOS.get((ddof, nan))
        if memo is None:
            memo = _MEMOS[(ddof, nan)] = Memo(partial(zscore_rows, ddof=ddof, nan=nan))
        return memo
