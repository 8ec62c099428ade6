"""A numpy kernel for the L2 unit scaling of ``Array`` cells, run through ``map_batches``.

An ``Array(Float32, d)`` column without nulls is a contiguous ``(n, d)``
block that converts to and from numpy without a copy. On it,
``einsum("ij,ij->i")`` sums the squares of each row in one read, and one
division writes the output: three passes over the data where the native
expression route (:func:`polars_norm.vectors.norms.vector_unit`: a power-of-two
scale from the row's max and min, a scaled copy, a dot product, a product)
needs about six and numpy's ``E / np.linalg.norm(E, axis=1)`` five (it
materializes ``E * E``). The "Embedding vectors" section of
docs/benchmarks.md measures it against numpy, scikit-learn and hand-written
Polars.

The kernel is only trusted where plain squaring is exact enough: a row whose
sum of squares is NaN (a NaN or null element, a null vector), infinite
(overflow), or below ``d * tiny / eps`` (where underflowing squares could
matter, and the zero vector) is computed by the native route instead, so
every rule of :mod:`polars_norm.vectors.norms` holds unchanged. The kernel is
row-local (``is_elementwise``), so it streams and works under ``.over``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

__all__ = ["unit_l2_rows"]


def _array_series(values: np.ndarray[Any, Any], name: str) -> pl.Series:
    """An ``Array`` Series over the rows of a C-contiguous 2-D array, without copying."""
    flat = pa.array(values.reshape(-1))
    cells = pa.FixedSizeListArray.from_arrays(flat, values.shape[1])
    out = pl.Series(name, cells)
    return out


def unit_l2_rows(s: pl.Series, native: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """Each vector of the ``Array`` Series ``s`` divided by its L2 norm; ``native`` computes the rows it cannot.

    ``native`` must give the native expression route's result for any
    sub-Series (same dtype as ``s``).

    Parameters
    ----------
    s
        An ``Array`` Series of Float32 or Float64 elements.
    native
        The native route, for the rows the kernel cannot take exactly (a
        NaN or null element, a null vector, a sum of squares that overflows or
        could underflow).

    Returns
    -------
    pl.Series
        The unit vectors, same dtype and name as ``s``.

    Examples
    --------
    >>> s = pl.Series("e", [[3.0, 4.0], [0.0, 0.0]], dtype=pl.Array(pl.Float64, 2))
    >>> def zeros(part):
    ...     return part * 0.0
    >>> unit_l2_rows(s, zeros).to_list()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    values = s.to_numpy()  # nulls become NaN; such rows go to ``native``
    if values.ndim != 2 or values.dtype not in (np.float32, np.float64) or values.shape[1] == 0:
        return native(s)
    values = np.ascontiguousarray(values)
    squares = np.einsum("ij,ij->i", values, values)
    info = np.finfo(values.dtype)
    ok = (squares >= values.shape[1] * float(info.tiny) / float(info.eps)) & (squares <= float(info.max))
    norms = np.sqrt(squares, where=ok, out=np.ones_like(squares))
    fast = _array_series(values / norms[:, None], s.name)
    if ok.all():
        return fast
    good, bad = np.flatnonzero(ok), np.flatnonzero(~ok)
    merged = pl.concat([fast.gather(good), native(s.gather(bad))], rechunk=True)
    return merged.gather(np.argsort(np.concatenate([good, bad]), kind="stable"))
