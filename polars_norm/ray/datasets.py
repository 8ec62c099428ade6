"""Fit and transform a ``ray.data.Dataset``: one partial state per block, fitted statistics applied per batch."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import polars as pl
import pyarrow as pa
import ray.data

from polars_norm.fitted.accumulator import Accumulator
from polars_norm.fitted.sketch import DEFAULT_K
from polars_norm.fitted.transform import MethodSpec, Unseen
from polars_norm.ray.shipping import check_fitted, from_bytes, merge_bytes, to_bytes

__all__ = ["ApplyStats", "dataset_schema", "fit", "transform"]

_STATE = "polars_norm_state"


def dataset_schema(ds: ray.data.Dataset, where: str) -> pl.Schema:
    """The Polars schema of a dataset's columns (a column Polars cannot read becomes ``Object``).

    Parameters
    ----------
    ds
        A Ray dataset (only its schema is read).
    where
        The caller, named in error messages.

    Returns
    -------
    pl.Schema
        Each column's Polars dtype, from its Arrow type.

    Raises
    ------
    ValueError
        If the dataset has no schema (an empty dataset such as ``ray.data.from_items([])``).

    Examples
    --------
    >>> import pyarrow as pa
    >>> import ray.data
    >>> from polars_norm.ray.datasets import dataset_schema
    >>> ds = ray.data.from_arrow(pa.table({"x": [1.0], "s": ["a"]}))  # doctest: +SKIP
    >>> dataset_schema(ds, "ray.fit")  # doctest: +SKIP
    Schema([('x', Float64), ('s', String)])
    """
    schema = ds.schema()
    if schema is None:
        msg = f"polars_norm.{where}: the dataset is empty (no schema, no rows)"
        raise ValueError(msg)
    out: dict[str, pl.DataType] = {}
    for name, arrow_type in zip(schema.names, schema.types, strict=True):
        try:
            series = pl.from_arrow(pa.array([], type=arrow_type))
            assert isinstance(series, pl.Series)
            out[name] = series.dtype
        except Exception:  # pandas object columns, tensors...: not numeric for us
            out[name] = pl.Object()
    return pl.Schema(out)


class _FitBlock:
    """Ray Data UDF: a block's accumulator state, as one row of IPC bytes."""

    def __init__(self, template: Accumulator) -> None:
        self.settings: dict[str, Any] = {
            "columns": list(template.columns),
            "by": list(template.by) or None,
            "quantiles": template.quantiles,
            "sketch_k": template.sketch_k,
            "norm_orders": list(template.norm_orders),
        }

    def __call__(self, block: pa.Table) -> pa.Table:
        s = self.settings
        acc = Accumulator(
            s["columns"], by=s["by"], quantiles=s["quantiles"], sketch_k=s["sketch_k"], norm_orders=s["norm_orders"]
        )
        return pa.table({_STATE: pa.array([to_bytes(acc.update(block))], pa.large_binary())})


def _blobs(states: ray.data.Dataset) -> Iterator[bytes]:
    for batch in states.iter_batches(batch_format="pyarrow", batch_size=None):
        yield from batch.column(_STATE).to_pylist()


def fit(
    ds: ray.data.Dataset,
    columns: str | Sequence[str] | None = None,
    *,
    by: str | Sequence[str] | None = None,
    quantiles: bool = True,
    sketch_k: int = DEFAULT_K,
    norm_orders: Sequence[float] = (1.0, 2.0),
) -> Accumulator:
    """Fit normalization statistics on a Ray Dataset, block by block, and merge them.

    Every block is reduced to an accumulator state by a Ray Data task
    (:meth:`Accumulator.update`: moments, extremes, norm sums and KLL
    sketches); the states come back as Arrow IPC bytes and are merged on the
    driver k-way (:meth:`Accumulator.merge_all`, 64 states at a time).

    Parameters
    ----------
    ds
        The dataset. Its columns are checked against ``columns`` and ``by``
        before any work starts.
    columns
        Columns to fit; default every numeric column except the ``by`` keys.
    by
        Group key column(s) for per-group statistics.
    quantiles
        Keep KLL quantile sketches (needed by the ``robust`` and ``quantile``
        methods). ``False`` skips the sketches and their sorts.
    sketch_k
        KLL accuracy parameter (default 800: rank error within 0.5%).
    norm_orders
        The Lp norm orders to keep for the ``unit`` method.

    Returns
    -------
    Accumulator
        The statistics of the whole dataset, equal to :func:`polars_norm.fit`
        of the same rows (moments to rounding; sketches within their rank
        error).

    Raises
    ------
    ColumnNotFoundError
        A requested column or by key is not in the dataset.
    TypeError
        A requested column is not numeric.
    ValueError
        The dataset is empty, or has no numeric column to fit.

    See Also
    --------
    fit_parquet : the same from Parquet files, read by Polars in Ray tasks (no Ray Data reader).

    Examples
    --------
    >>> import polars as pl
    >>> import ray.data
    >>> import polars_norm.ray
    >>> ds = ray.data.from_arrow(pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, 10.0]}).to_arrow())
    >>> acc = polars_norm.ray.fit(ds, by="g", quantiles=False)
    >>> acc.to_frame().sort("g").select("g", "column", "count", "mean", "max")
    shape: (2, 5)
    ┌─────┬────────┬───────┬──────┬──────┐
    │ g   ┆ column ┆ count ┆ mean ┆ max  │
    │ --- ┆ ---    ┆ ---   ┆ ---  ┆ ---  │
    │ str ┆ str    ┆ i64   ┆ f64  ┆ f64  │
    ╞═════╪════════╪═══════╪══════╪══════╡
    │ a   ┆ x      ┆ 2     ┆ 2.0  ┆ 3.0  │
    │ b   ┆ x      ┆ 1     ┆ 10.0 ┆ 10.0 │
    └─────┴────────┴───────┴──────┴──────┘
    """
    where = "ray.fit"
    template = Accumulator(columns, by=by, quantiles=quantiles, sketch_k=sketch_k, norm_orders=norm_orders)
    template.bind(dataset_schema(ds, where), where)
    states = ds.map_batches(_FitBlock(template), batch_format="pyarrow", batch_size=None, zero_copy_batch=True)
    return check_fitted(merge_bytes(_blobs(states), where), where)


class ApplyStats:
    """Apply fitted statistics to Arrow tables (a Ray Data UDF; also used by :class:`PolarsNormalizer`).

    Holds the state as IPC bytes, so it pickles small and fast; the
    accumulator is rebuilt once per process on first use.

    Parameters
    ----------
    state
        The fitted statistics, from :func:`polars_norm.ray.shipping.to_bytes`.
    method
        A method for every fitted column, or ``{column: method}``; see
        :meth:`Accumulator.transform`.
    unseen
        What a group not seen in fitting gets: ``"null"``, ``"global"`` or
        ``"raise"``.
    options
        Method options for every column.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.ray.datasets import ApplyStats
    >>> from polars_norm.ray.shipping import to_bytes
    >>> apply = ApplyStats(to_bytes(fit(pl.DataFrame({"x": [0.0, 10.0]}))), "minmax", "null", {})
    >>> apply(pl.DataFrame({"x": [5.0]}).to_arrow()).to_pydict()
    {'x': [0.5]}
    """

    def __init__(
        self,
        state: bytes,
        method: MethodSpec | Mapping[str, MethodSpec],
        unseen: Unseen,
        options: Mapping[str, Any],
    ) -> None:
        self.state = state
        self.method = method
        self.unseen = unseen
        self.options = dict(options)
        self._acc: Accumulator | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_acc"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._acc = None

    @property
    def accumulator(self) -> Accumulator:
        """The fitted statistics, rebuilt from the bytes on first use in each process.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> from polars_norm.ray.datasets import ApplyStats
        >>> from polars_norm.ray.shipping import to_bytes
        >>> ApplyStats(to_bytes(fit(pl.DataFrame({"x": [0.0, 10.0]}))), "minmax", "null", {}).accumulator
        Accumulator(columns=['x'], quantiles=True)
        """
        if self._acc is None:
            self._acc = from_bytes(self.state)
        return self._acc

    def frame(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` with the statistics applied (:meth:`Accumulator.transform`).

        Parameters
        ----------
        frame
            A batch holding the fitted columns (and the ``by`` keys).

        Returns
        -------
        pl.DataFrame
            The batch with the chosen columns transformed.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> from polars_norm.ray.datasets import ApplyStats
        >>> from polars_norm.ray.shipping import to_bytes
        >>> apply = ApplyStats(to_bytes(fit(pl.DataFrame({"x": [0.0, 10.0]}))), "minmax", "null", {})
        >>> apply.frame(pl.DataFrame({"x": [5.0, 10.0]}))
        shape: (2, 1)
        ┌─────┐
        │ x   │
        │ --- │
        │ f64 │
        ╞═════╡
        │ 0.5 │
        │ 1.0 │
        └─────┘
        """
        out = self.accumulator.transform(frame, self.method, unseen=self.unseen, **self.options)
        assert isinstance(out, pl.DataFrame)
        return out

    def __call__(self, table: pa.Table) -> pa.Table:
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return self.frame(frame).to_arrow()


def transform(
    ds: ray.data.Dataset,
    acc: Accumulator,
    method: MethodSpec | Mapping[str, MethodSpec] = "zscore",
    *,
    unseen: Unseen = "null",
    batch_size: int | None = None,
    **options: Any,
) -> ray.data.Dataset:
    """Apply fitted statistics to a Ray Dataset, batch by batch (lazily, like every Ray Data map).

    The accumulator travels to the workers once, as Arrow IPC bytes; each
    batch becomes a Polars frame without a copy, goes through
    :meth:`Accumulator.transform` and comes back as an Arrow table.

    Parameters
    ----------
    ds
        The dataset; it must hold the columns to transform (and the ``by``
        keys of grouped statistics).
    acc
        The fitted statistics (from :func:`fit`, :func:`fit_parquet`,
        :func:`polars_norm.fit`, or :meth:`Accumulator.load`).
    method
        A method name for every fitted column, or ``{column: method}``; see
        :func:`polars_norm.fitted.transform`.
    unseen
        For grouped statistics, what a group not seen in fitting gets:
        ``"null"``, ``"global"`` or ``"raise"``.
    batch_size
        Rows per batch; ``None`` (default) transforms whole blocks.
    **options
        Method options for every column (``ddof=0``, ``feature_range=(-1, 1)``, ...).

    Returns
    -------
    ray.data.Dataset
        The dataset with the chosen columns replaced; other columns unchanged.
        String columns come back as Arrow ``large_string`` (Polars' export).

    Raises
    ------
    ColumnNotFoundError, TypeError, ValueError
        Checked against the dataset's schema before anything runs: a column
        that is missing, not numeric or not fitted; an unknown method or
        option.

    Examples
    --------
    >>> import polars as pl
    >>> import ray.data
    >>> import polars_norm
    >>> import polars_norm.ray
    >>> acc = polars_norm.fit(pl.DataFrame({"x": [0.0, 10.0]}))
    >>> ds = ray.data.from_arrow(pl.DataFrame({"x": [5.0, 10.0]}).to_arrow())
    >>> polars_norm.ray.transform(ds, acc, "minmax").take_all()
    [{'x': 0.5}, {'x': 1.0}]
    """
    where = "ray.transform"
    apply = ApplyStats(to_bytes(acc), method, unseen, options)
    schema = dataset_schema(ds, where)
    apply.frame(pl.DataFrame(schema=schema))  # every check, on an empty frame, before any work
    return ds.map_batches(apply, batch_format="pyarrow", batch_size=batch_size, zero_copy_batch=True)
