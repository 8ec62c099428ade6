"""Scale out on Ray: distributed fit and transform with the mergeable :class:`~polars_norm.Accumulator`.

Install with ``pip install polars-norm[ray]``. Nothing here re-implements a
statistic: every worker runs :func:`polars_norm.fit` (or
:meth:`Accumulator.update`) on its share of the data, ships the
accumulator's state back as Arrow IPC bytes (never a pickled Polars frame),
and the driver merges the states k-way with :meth:`Accumulator.merge_all`.
Transforms ship the fitted state the same way and run
:meth:`Accumulator.transform` per batch or per file.

==============================  ==================================================
function                        what it does
==============================  ==================================================
:func:`fit`                     statistics of a ``ray.data.Dataset``, one
                                partial state per block
:func:`fit_parquet`             statistics of Parquet files, Ray tasks that scan
                                their files with Polars in bounded memory
:func:`transform`               a ``ray.data.Dataset`` with fitted statistics
                                applied per batch
:func:`transform_parquet`       Parquet files normalized file by file, written
                                atomically
:class:`PolarsNormalizer`       a ``ray.data.preprocessor.Preprocessor`` for
                                Ray Train pipelines
==============================  ==================================================
"""

from __future__ import annotations

try:
    import ray.data.preprocessor  # noqa: F401  (Ray Data is installed)
except ImportError as exc:  # pragma: no cover - exercised in a test that hides ray
    msg = "polars_norm.ray needs Ray Data, an optional dependency: pip install polars-norm[ray]"
    raise ImportError(msg) from exc

from polars_norm.ray.datasets import fit, transform
from polars_norm.ray.files import fit_parquet, transform_parquet
from polars_norm.ray.preprocessor import PolarsNormalizer

__all__ = ["PolarsNormalizer", "fit", "fit_parquet", "transform", "transform_parquet"]
