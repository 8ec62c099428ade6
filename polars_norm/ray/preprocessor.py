"""``PolarsNormalizer``: fitted normalization as a Ray Data ``Preprocessor`` (for Ray Train pipelines)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import ray.data
from ray.data.preprocessor import Preprocessor

from polars_norm.fitted.accumulator import Accumulator
from polars_norm.fitted.sketch import DEFAULT_K
from polars_norm.fitted.transform import MethodSpec, Unseen, resolve_method
from polars_norm.ray.datasets import ApplyStats, fit
from polars_norm.ray.shipping import to_bytes
from polars_norm.semantics import check_choice

__all__ = ["PolarsNormalizer"]

_NEEDS_SKETCH = ("robust", "quantile")


def _method_names(method: MethodSpec | Mapping[str, MethodSpec]) -> list[str]:
    specs = list(method.values()) if isinstance(method, Mapping) else [method]
    return [s if isinstance(s, str) else s[0] for s in specs]


class PolarsNormalizer(Preprocessor):  # type: ignore[misc]  # Ray's classes are untyped for mypy (follow_imports=skip)
    """Normalize columns with statistics fitted by polars-norm, as a Ray Data ``Preprocessor``.

    ``fit`` runs :func:`polars_norm.ray.fit` (one accumulator state per
    block, merged k-way); ``transform`` and ``transform_batch`` apply
    :meth:`Accumulator.transform` to Arrow batches. The fitted state is kept
    as Arrow IPC bytes, so the preprocessor pickles small (Ray Train
    checkpoints, ``serialize()``) and never carries a Polars frame.

    Parameters
    ----------
    columns
        Columns to normalize; default every numeric column of the dataset
        except the ``by`` keys (or the keys of a ``method`` mapping).
    method
        A method name for every column (``"zscore"``, ``"minmax"``,
        ``"maxabs"``, ``"robust"``, ``"mean_range"``, ``"unit"``,
        ``"quantile"``), ``(name, {option: value})``, or ``{column: method}``.
    by
        Group key column(s): statistics per group, as ``.over(by)``.
    unseen
        What a group not seen in fitting gets: ``"null"``, ``"global"``
        (statistics over all groups) or ``"raise"``.
    quantiles
        Fit quantile sketches; default only when a method needs them
        (``robust``, ``quantile``).
    sketch_k
        KLL accuracy parameter (default 800: rank error within 0.5%).
    **options
        Method options for every column (``ddof=0``, ``feature_range=(-1, 1)``, ...).

    Raises
    ------
    ValueError
        An unknown method, option or ``unseen`` value (when constructed).

    Notes
    -----
    Semantics are those of :meth:`Accumulator.transform`: nulls stay null,
    NaN stays NaN, a zero scale is taken as 1, Float32 stays Float32 and
    integers become Float64.

    Examples
    --------
    >>> import polars as pl
    >>> import ray.data
    >>> from polars_norm.ray import PolarsNormalizer
    >>> ds = ray.data.from_arrow(pl.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0.0, 5.0, 10.0]}).to_arrow())
    >>> prep = PolarsNormalizer(["y"], method="minmax").fit(ds)
    >>> prep.transform(ds).take_all()
    [{'x': 1.0, 'y': 0.0}, {'x': 2.0, 'y': 0.5}, {'x': 3.0, 'y': 1.0}]
    >>> prep.transform_batch(pl.DataFrame({"x": [9.0], "y": [2.5]}).to_pandas())
         x     y
    0  9.0  0.25
    """

    _is_fittable = True

    def __init__(
        self,
        columns: str | Sequence[str] | None = None,
        *,
        method: MethodSpec | Mapping[str, MethodSpec] = "zscore",
        by: str | Sequence[str] | None = None,
        unseen: Unseen = "null",
        quantiles: bool | None = None,
        sketch_k: int = DEFAULT_K,
        **options: Any,
    ) -> None:
        super().__init__()
        where = "ray.PolarsNormalizer"
        for spec in method.values() if isinstance(method, Mapping) else [method]:
            resolve_method(spec, options, where)
        check_choice(unseen, ("null", "global", "raise"), "unseen", where)
        names = [columns] if isinstance(columns, str) else list(columns) if columns is not None else None
        if names is None and isinstance(method, Mapping):
            names = list(method)
        self.columns = names
        self.method = method
        self.by = [by] if isinstance(by, str) else list(by or [])
        self.unseen = unseen
        needs = any(n in _NEEDS_SKETCH for n in _method_names(method))
        self.quantiles = needs if quantiles is None else bool(quantiles)
        self.sketch_k = sketch_k
        self.options = dict(options)
        self.state_: bytes | None = None
        self._apply: ApplyStats | None = None

    def _fit(self, ds: ray.data.Dataset) -> PolarsNormalizer:
        acc = fit(ds, self.columns, by=self.by or None, quantiles=self.quantiles, sketch_k=self.sketch_k)
        self.state_ = to_bytes(acc)
        self._apply = None
        return self

    @property
    def _applier(self) -> ApplyStats:
        if self._apply is None:
            if self.state_ is None:
                msg = "polars_norm.ray.PolarsNormalizer: not fitted; call fit() first"
                raise ValueError(msg)
            self._apply = ApplyStats(self.state_, self.method, self.unseen, self.options)
        return self._apply

    @property
    def accumulator(self) -> Accumulator:
        """The fitted statistics (an :class:`Accumulator`: ``to_frame()``, ``save()``, ...).

        Raises
        ------
        ValueError
            The preprocessor is not fitted.

        Examples
        --------
        >>> import polars as pl
        >>> import ray.data
        >>> from polars_norm.ray import PolarsNormalizer
        >>> PolarsNormalizer(method="minmax").accumulator
        Traceback (most recent call last):
            ...
        ValueError: polars_norm.ray.PolarsNormalizer: not fitted; call fit() first
        >>> ds = ray.data.from_arrow(pl.DataFrame({"g": ["a", "b"], "x": [1.0, 3.0]}).to_arrow())  # doctest: +SKIP
        >>> prep = PolarsNormalizer(method="minmax", by="g").fit(ds)  # doctest: +SKIP
        >>> prep.accumulator.to_frame().select("g", "column", "min")  # doctest: +SKIP
        shape: (2, 3)
        ┌─────┬────────┬─────┐
        │ g   ┆ column ┆ min │
        │ --- ┆ ---    ┆ --- │
        │ str ┆ str    ┆ f64 │
        ╞═════╪════════╪═════╡
        │ a   ┆ x      ┆ 1.0 │
        │ b   ┆ x      ┆ 3.0 │
        └─────┴────────┴─────┘
        """
        return self._applier.accumulator

    def _transform_arrow(self, table: pa.Table) -> pa.Table:
        return self._applier(table)

    def _transformed(self) -> list[str]:
        if self.state_ is None:
            return []
        if isinstance(self.method, Mapping):
            return list(self.method)
        return list(self.accumulator.columns)

    def get_input_columns(self) -> list[str]:
        """The columns a batch must hold: the ``by`` keys and the columns to normalize.

        Returns
        -------
        list of str
            The ``by`` keys, then the transformed columns (known once fitted,
            unless ``method`` is a mapping).

        Examples
        --------
        >>> import polars as pl
        >>> import ray.data
        >>> from polars_norm.ray import PolarsNormalizer
        >>> PolarsNormalizer(method="minmax", by="g").get_input_columns()
        ['g']
        >>> frame = pl.DataFrame({"g": ["a", "b"], "x": [1.0, 3.0], "y": [0.0, 5.0]})
        >>> ds = ray.data.from_arrow(frame.to_arrow())  # doctest: +SKIP
        >>> prep = PolarsNormalizer(method="minmax", by="g").fit(ds)  # doctest: +SKIP
        >>> prep.get_input_columns()  # doctest: +SKIP
        ['g', 'x', 'y']
        """
        return [*self.by, *self._transformed()]

    def get_output_columns(self) -> list[str]:
        """The columns ``transform`` replaces.

        Returns
        -------
        list of str
            The keys of a ``method`` mapping, or once fitted the fitted columns;
            empty before fitting otherwise.

        Examples
        --------
        >>> import polars as pl
        >>> import ray.data
        >>> from polars_norm.ray import PolarsNormalizer
        >>> PolarsNormalizer(method="minmax", by="g").get_output_columns()
        []
        >>> frame = pl.DataFrame({"g": ["a", "b"], "x": [1.0, 3.0], "y": [0.0, 5.0]})
        >>> ds = ray.data.from_arrow(frame.to_arrow())  # doctest: +SKIP
        >>> prep = PolarsNormalizer(method="minmax", by="g").fit(ds)  # doctest: +SKIP
        >>> prep.get_output_columns()  # doctest: +SKIP
        ['x', 'y']
        """
        return self._transformed()

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        state.pop("_apply", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._apply = None

    def __repr__(self) -> str:
        by = f", by={self.by!r}" if self.by else ""
        opts = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"PolarsNormalizer(columns={self.columns!r}, method={self.method!r}{by}{opts})"
