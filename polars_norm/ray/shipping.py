"""Accumulator states between processes: Arrow IPC bytes, merged k-way in bounded memory.

A state leaves a worker as the IPC stream of :meth:`Accumulator.to_arrow`
(the moment state and the KLL sketches as binary, the settings in the schema
metadata) and is rebuilt with :meth:`Accumulator.from_arrow`. Arrow buffers
cross Ray's object store without copies; a pickled Polars frame was measured
about 4x slower.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import pyarrow as pa

from polars_norm.accumulator import Accumulator
from polars_norm.moments import COLUMN

__all__ = ["MERGE_BYTES", "MERGE_CHUNK", "check_fitted", "from_bytes", "merge_bytes", "to_bytes"]

#: At most this many states, or states of this many bytes in all, are decoded before one k-way merge, so the
#: driver never holds them all (a state with sketches for 1000 groups x 4 columns is about 60 MB).
MERGE_CHUNK = 64
MERGE_BYTES = 256 * 2**20


def to_bytes(acc: Accumulator) -> bytes:
    """The accumulator's state as Arrow IPC stream bytes (see :meth:`Accumulator.to_arrow`)."""
    table = acc.to_arrow()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    blob: bytes = sink.getvalue().to_pybytes()
    return blob


def from_bytes(blob: bytes) -> Accumulator:
    """Rebuild an accumulator from :func:`to_bytes`."""
    with pa.ipc.open_stream(blob) as reader:
        table = reader.read_all()
    return Accumulator.from_arrow(table)


def merge_bytes(blobs: Iterable[bytes], where: str) -> Accumulator:
    """Merge serialized states k-way, at most :data:`MERGE_CHUNK` states or :data:`MERGE_BYTES` at a time.

    Raises
    ------
    ValueError
        If there are no states (an empty dataset or file list).
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

    Raises
    ------
    ValueError
        If no column was fitted, or no row was seen.
    """
    if not acc.columns:
        msg = f"polars_norm.{where}: no numeric columns to fit"
        raise ValueError(msg)
    state = acc.state.filter(pl.col(COLUMN) == acc.columns[0])
    if state.select(pl.sum_horizontal("count", "null_count", "nan_count").sum()).item() == 0:
        msg = f"polars_norm.{where}: the dataset is empty (no rows)"
        raise ValueError(msg)
    return acc
