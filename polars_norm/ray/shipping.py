"""Accumulator states between processes: Arrow IPC bytes, merged k-way in bounded memory.

A state leaves a worker as the IPC stream of :meth:`Accumulator.to_arrow`
(the moment state and the KLL sketches as binary, the settings in the schema
metadata) and is rebuilt with :meth:`Accumulator.from_arrow`. Arrow buffers
cross Ray's object store without copies, where a pickled Polars frame would be
copied and re-parsed on each side (measurements: docs/ray.md).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import pyarrow as pa

from polars_norm.fitted.accumulator import Accumulator
from polars_norm.fitted.moments import COLUMN

__all__ = ["MERGE_BYTES", "MERGE_CHUNK", "check_fitted", "from_bytes", "merge_bytes", "to_bytes"]

#: At most this many states, or states of this many bytes in all, are decoded before one k-way merge, so the
#: driver never holds them all (a state with sketches for 1000 groups x 4 columns is about 60 MB).
MERGE_CHUNK = 64
MERGE_BYTES = 256 * 2**20


def to_bytes(acc: Accumulator) -> bytes:
    """The accumulator's state as Arrow IPC stream bytes (see :meth:`Accumulator.to_arrow`).

    Parameters
    ----------
    acc
        The statistics to ship.

    Returns
    -------
    bytes
        One IPC stream: the moment state, the sketches as binary, the
        settings in the schema metadata.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.ray.shipping import from_bytes, to_bytes
    >>> blob = to_bytes(fit(pl.DataFrame({"x": [1.0, 2.0, 3.0]})))
    >>> from_bytes(blob).to_frame().select("count", "mean", "median")
    shape: (1, 3)
    ┌───────┬──────┬────────┐
    │ count ┆ mean ┆ median │
    │ ---   ┆ ---  ┆ ---    │
    │ i64   ┆ f64  ┆ f64    │
    ╞═══════╪══════╪════════╡
    │ 3     ┆ 2.0  ┆ 2.0    │
    └───────┴──────┴────────┘
    """
    table = acc.to_arrow()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    blob: bytes = sink.getvalue().to_pybytes()
    return blob


def from_bytes(blob: bytes) -> Accumulator:
    """Rebuild an accumulator from :func:`to_bytes`.

    Parameters
    ----------
    blob
        Bytes written by :func:`to_bytes`.

    Returns
    -------
    Accumulator
        The shipped statistics.

    Raises
    ------
    ValueError
        The stream's table has no accumulator settings in its metadata.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.ray.shipping import from_bytes, to_bytes
    >>> from_bytes(to_bytes(fit(pl.DataFrame({"g": [1], "x": [1.0]}), by="g")))
    Accumulator(columns=['x'], by=['g'], quantiles=True)
    """
    with pa.ipc.open_stream(blob) as reader:
        table = reader.read_all()
    return Accumulator.from_arrow(table)


def merge_bytes(blobs: Iterable[bytes], where: str) -> Accumulator:
    """Merge serialized states k-way, at most :data:`MERGE_CHUNK` states or :data:`MERGE_BYTES` at a time.

    Parameters
    ----------
    blobs
        States from :func:`to_bytes`, consumed lazily (a generator over Ray
        object references, say).
    where
        The caller, named in error messages.

    Returns
    -------
    Accumulator
        All states merged (:meth:`Accumulator.merge_all`, chunk by chunk).

    Raises
    ------
    ValueError
        If there are no states (an empty dataset or file list).

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.ray.shipping import merge_bytes, to_bytes
    >>> parts = [pl.DataFrame({"x": [1.0, 2.0]}), pl.DataFrame({"x": [3.0]})]
    >>> acc = merge_bytes((to_bytes(fit(p)) for p in parts), "ray.fit")
    >>> acc.to_frame().select("count", "mean", "median")
    shape: (1, 3)
    ┌───────┬──────┬────────┐
    │ count ┆ mean ┆ median │
    │ ---   ┆ ---  ┆ ---    │
    │ i64   ┆ f64  ┆ f64    │
    ╞═══════╪══════╪════════╡
    │ 3     ┆ 2.0  ┆ 2.0    │
    └───────┴──────┴────────┘
    >>> merge_bytes([], "ray.fit")
    Traceback (most recent call last):
        ...
    ValueError: polars_norm.ray.fit: the dataset is empty (no blocks to fit)
    """
    merged: Accumulator | None = None
    pending: list[Accumulator] = []
    size = 0
    for blob in blobs:
        pending.append(from_bytes(blob))
        size += len(blob)
        if len(pending) >= MERGE_CHUNK or size >= MERGE_BYTES:
            merged = Accumulator.merge_all(pending if merged is None else [merged, *pending])
            pending, size = [], 0
    if pending:
        merged = Accumulator.merge_all(pending if merged is None else [merged, *pending])
    if merged is None:
        msg = f"polars_norm.{where}: the dataset is empty (no blocks to fit)"
        raise ValueError(msg)
    return merged


def check_fitted(acc: Accumulator, where: str) -> Accumulator:
    """Fail clearly when the fitted data had no numeric column or no rows; return ``acc``.

    Parameters
    ----------
    acc
        The merged statistics.
    where
        The caller, named in error messages.

    Returns
    -------
    Accumulator
        ``acc`` itself.

    Raises
    ------
    ValueError
        If no column was fitted, or no row was seen (rows of nulls or NaN
        count as seen).

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import Accumulator, fit
    >>> from polars_norm.ray.shipping import check_fitted
    >>> check_fitted(fit(pl.DataFrame({"x": [1.0]})), "ray.fit")
    Accumulator(columns=['x'], quantiles=True)
    >>> check_fitted(Accumulator(), "ray.fit")
    Traceback (most recent call last):
        ...
    ValueError: polars_norm.ray.fit: no numeric columns to fit
    """
    if not acc.columns:
        msg = f"polars_norm.{where}: no numeric columns to fit"
        raise ValueError(msg)
    state = acc.state.filter(pl.col(COLUMN) == acc.columns[0])
    if state.select(pl.sum_horizontal("count", "null_count", "nan_count").sum()).item() == 0:
        msg = f"polars_norm.{where}: the dataset is empty (no rows)"
        raise ValueError(msg)
    return acc
