"""Fit and transform Parquet files with Ray tasks that read them with Polars.

Ray Data's own Parquet reader followed by ``map_batches`` is slower than
Polars scanning the same files (measurements: docs/ray.md); so each task scans its
files with :func:`polars_norm.fit` (one streaming pass, bounded memory) or
:meth:`Accumulator.transform` plus a streaming sink, and only accumulator
states (Arrow IPC bytes) and file names cross the object store. Paths must be
readable, and ``out_dir`` writable, from every node (a local cluster or a
shared file system).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import ray

from polars_norm.fitted.accumulator import Accumulator
from polars_norm.fitted.fit import FORMATS, fit, input_files
from polars_norm.fitted.sketch import DEFAULT_K
from polars_norm.fitted.transform import MethodSpec, Unseen
from polars_norm.io.sinks import OutputError, check_output, sink
from polars_norm.ray.shipping import check_fitted, from_bytes, merge_bytes, to_bytes

__all__ = ["fit_parquet", "parquet_files", "transform_parquet"]

Paths = str | Path | Sequence[str | Path]


def parquet_files(paths: Paths, where: str) -> list[Path]:
    """The Parquet files of ``paths`` (files, globs, directories), in order.

    Parameters
    ----------
    paths
        A path, glob or directory, or a list of them
        (:func:`polars_norm.fitted.fit.input_files`).
    where
        The caller, named in error messages.

    Returns
    -------
    list of Path
        The files.

    Raises
    ------
    FileNotFoundError
        A path does not exist, or a glob or directory matches nothing.
    ValueError
        A file is not Parquet (by its suffix).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import polars as pl
    >>> from polars_norm.ray.files import parquet_files
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for name in ("b.parquet", "a.pq"):
    ...         pl.DataFrame({"x": [1.0]}).write_parquet(pathlib.Path(d) / name)
    ...     print([f.name for f in parquet_files(d, "ray.fit_parquet")])
    ['a.pq', 'b.parquet']
    """
    files = input_files(paths)
    for f in files:
        if FORMATS.get(f.suffix.lower()) != "parquet":
            msg = f"polars_norm.{where}: {str(f)!r} is not a Parquet file (.parquet or .pq)"
            raise ValueError(msg)
    return files


def _balance(files: Sequence[Path], tasks: int) -> list[list[str]]:
    """Spread files over ``tasks`` bins of about equal total size (largest first into the lightest bin)."""
    bins: list[list[str]] = [[] for _ in range(min(tasks, len(files)))]
    heap = [(0, i) for i in range(len(bins))]
    for f in sorted(files, key=lambda f: f.stat().st_size, reverse=True):
        size, i = heapq.heappop(heap)
        bins[i].append(str(f))
        heapq.heappush(heap, (size + f.stat().st_size, i))
    return [b for b in bins if b]


def _fit_files(files: list[str], settings: dict[str, Any]) -> bytes:
    return to_bytes(fit(files, **settings))


def _transform_file(state: bytes, source: str, target: str, plan: dict[str, Any]) -> str:
    acc = from_bytes(state)
    lazy = acc.transform(pl.scan_parquet(source), plan["method"], unseen=plan["unseen"], **plan["options"])
    assert isinstance(lazy, pl.LazyFrame)
    sink(lazy, target)
    return target


#: How long a failed call waits for the tasks it cancelled to stop.
_CANCEL_WAIT_S = 60.0

_fit_task = ray.remote(num_cpus=1)(_fit_files)
_transform_task = ray.remote(num_cpus=1)(_transform_file)


def _in_completion_order(refs: list[Any]) -> Iterator[Any]:
    """The tasks' results as they finish; on the first failure the others are cancelled, and waited for.

    Waiting means that when the error reaches the caller no task of the call
    is still running (a cancelled transform has removed its temporary file).
    """
    pending = list(refs)
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
    finally:
        for ref in pending:
            ray.cancel(ref)
        if pending:
            ray.wait(pending, num_returns=len(pending), timeout=_CANCEL_WAIT_S)


def fit_parquet(
    paths: Paths,
    columns: str | Sequence[str] | None = None,
    *,
    by: str | Sequence[str] | None = None,
    quantiles: bool = True,
    sketch_k: int = DEFAULT_K,
    norm_orders: Sequence[float] = (1.0, 2.0),
    tasks: int | None = None,
) -> Accumulator:
    """Fit normalization statistics on Parquet files with Ray tasks, and merge them.

    Each task runs :func:`polars_norm.fit` on its files (a streaming scan in
    bounded memory) and returns the accumulator's state as Arrow IPC bytes;
    the driver merges the states k-way as they arrive.

    Parameters
    ----------
    paths
        Parquet files, globs or directories (see :func:`polars_norm.fitted.fit.input_files`).
    columns
        Columns to fit; default every numeric column of the first file except
        the ``by`` keys.
    by
        Group key column(s) for per-group statistics.
    quantiles
        Keep KLL quantile sketches (needed by ``robust`` and ``quantile``).
    sketch_k
        KLL accuracy parameter (default 800: rank error within 0.5%).
    norm_orders
        The Lp norm orders to keep for the ``unit`` method.
    tasks
        How many Ray tasks share the files (by total size); default twice the
        cluster's CPUs (at most one per file). Fewer, larger tasks cost less
        (each has a fixed cost and returns a state); more tasks balance
        uneven files and nodes better.

    Returns
    -------
    Accumulator
        The statistics of all files, equal to :func:`polars_norm.fit` of the
        same files (moments to rounding; sketches within their rank error).

    Raises
    ------
    FileNotFoundError
        A path does not exist or matches nothing.
    ColumnNotFoundError
        A requested column or by key is not in the first file.
    TypeError
        A requested column is not numeric.
    ValueError
        A file is not Parquet; ``tasks`` is not a positive integer; the files
        hold no rows or no numeric column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import polars as pl
    >>> import polars_norm.ray
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"x": [1.0, 2.0]}).write_parquet(d / "a.parquet")
    >>> pl.DataFrame({"x": [3.0, None]}).write_parquet(d / "b.parquet")
    >>> acc = polars_norm.ray.fit_parquet(d)
    >>> acc.to_frame().select("column", "count", "null_count", "mean", "std", "median")
    shape: (1, 6)
    ┌────────┬───────┬────────────┬──────┬─────┬────────┐
    │ column ┆ count ┆ null_count ┆ mean ┆ std ┆ median │
    │ ---    ┆ ---   ┆ ---        ┆ ---  ┆ --- ┆ ---    │
    │ str    ┆ i64   ┆ i64        ┆ f64  ┆ f64 ┆ f64    │
    ╞════════╪═══════╪════════════╪══════╪═════╪════════╡
    │ x      ┆ 3     ┆ 1          ┆ 2.0  ┆ 1.0 ┆ 2.0    │
    └────────┴───────┴────────────┴──────┴─────┴────────┘
    """
    where = "ray.fit_parquet"
    files = parquet_files(paths, where)
    if tasks is not None and (not isinstance(tasks, int) or isinstance(tasks, bool) or tasks < 1):
        msg = f"polars_norm.{where}: tasks={tasks!r} must be a positive integer"
        raise ValueError(msg)
    template = Accumulator(columns, by=by, quantiles=quantiles, sketch_k=sketch_k, norm_orders=norm_orders)
    template.bind(pl.scan_parquet(files[0]).collect_schema(), where)
    settings = {
        "columns": list(template.columns),
        "by": list(template.by) or None,
        "quantiles": quantiles,
        "sketch_k": sketch_k,
        "norm_orders": list(template.norm_orders),
    }
    if tasks is None:
        if not ray.is_initialized():
            ray.init()  # what Ray's first remote call would do
        tasks = max(1, 2 * int(ray.cluster_resources().get("CPU", 1)))
    bins = _balance(files, tasks)
    refs = [_fit_task.remote(b, settings) for b in bins]
    return check_fitted(merge_bytes(_in_completion_order(refs), where), where)


def transform_parquet(
    paths: Paths,
    acc: Accumulator,
    out_dir: str | Path,
    method: MethodSpec | Mapping[str, MethodSpec] = "zscore",
    *,
    unseen: Unseen = "null",
    overwrite: bool = False,
    **options: Any,
) -> list[str]:
    """Normalize Parquet files with fitted statistics, one Ray task per file, written atomically.

    Each task scans its file, applies :meth:`Accumulator.transform` (a lazy
    query that streams) and sinks it into ``out_dir`` under the input's file
    name, through a hidden temporary file renamed into place when complete
    (:func:`polars_norm.io.sinks.sink`): an output file is never partial. The
    accumulator travels to the tasks once, as Arrow IPC bytes in the object
    store.

    Parameters
    ----------
    paths
        Parquet files, globs or directories.
    acc
        The fitted statistics.
    out_dir
        The output directory (created if missing). Outputs keep their input's
        file name, so two inputs may not share a name.
    method
        A method name for every fitted column, or ``{column: method}``; see
        :func:`polars_norm.fitted.transform`.
    unseen
        For grouped statistics, what a group not seen in fitting gets:
        ``"null"``, ``"global"`` or ``"raise"``.
    overwrite
        Replace existing output files (never an input file).
    **options
        Method options for every column (``ddof=0``, ``feature_range=(-1, 1)``, ...).

    Returns
    -------
    list of str
        The output files, in the order of the inputs.

    Raises
    ------
    FileNotFoundError
        A path does not exist or matches nothing.
    polars_norm.io.sinks.OutputError
        An output would replace an input, or exists and ``overwrite`` is false.
    ColumnNotFoundError, TypeError, ValueError
        Checked against the first file's schema before any task starts: a
        column that is missing, not numeric or not fitted; an unknown method
        or option; two inputs with the same file name.

    Notes
    -----
    Each file is written atomically, not the set: if a task fails, the tasks
    not yet finished are cancelled, and the outputs of those that finished
    stay.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import polars as pl
    >>> import polars_norm
    >>> import polars_norm.ray
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"x": [0.0, 10.0]}).write_parquet(d / "train.parquet")
    >>> acc = polars_norm.fit(d / "train.parquet")
    >>> outputs = polars_norm.ray.transform_parquet(d / "train.parquet", acc, d / "out", "minmax")
    >>> [pathlib.Path(p).relative_to(d).as_posix() for p in outputs]
    ['out/train.parquet']
    >>> pl.read_parquet(outputs[0])["x"].to_list()
    [0.0, 1.0]
    """
    where = "ray.transform_parquet"
    files = parquet_files(paths, where)
    names = [f.name for f in files]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        msg = f"polars_norm.{where}: two inputs are named {twice[0]!r}; outputs keep their input's file name"
        raise ValueError(msg)
    plan = {"method": method, "unseen": unseen, "options": dict(options)}
    schema = pl.scan_parquet(files[0]).collect_schema()
    acc.transform(pl.DataFrame(schema=schema), method, unseen=unseen, **options)  # every check, before any work
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    targets = [str(check_output(out / f.name, files, overwrite=True, formats=(".parquet", ".pq"))) for f in files]
    existing = [t for t in targets if Path(t).exists()]
    if existing and not overwrite:
        msg = f"polars_norm.{where}: output {existing[0]!r} exists; pass overwrite=True to replace it"
        raise OutputError(msg)
    state = ray.put(to_bytes(acc))
    refs = [_transform_task.remote(state, str(f), t, plan) for f, t in zip(files, targets, strict=True)]
    for _ in _in_completion_order(refs):  # on the first failure, the tasks not yet finished are cancelled
        pass
    return targets
