"""Expanding and exponentially weighted methods batch by batch: running moments per group.

``expanding_*`` and ``ewm_*`` never forget a row, so no window of rows can be
carried; their statistics are recursions, and each group carries the
recursion's state (counts, means, sums of squares, the pilot, the last time,
...; the fields are the kernel's, :func:`polars_norm.kernels.window_recursions.state_fields`).
The compiled kernels of :mod:`polars_norm.kernels.window_recursions` update
it row by row in the batch's order, per group code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from polars_norm.batches.groups import CODE
from polars_norm.batches.methods import MethodSpec
from polars_norm.windows import recursions

__all__ = ["Moments", "run_recursion"]

Array = npt.NDArray[np.float64]

#: Nanoseconds per unit of a temporal column's physical integer.


@dataclass(frozen=True)
class Moments:
    """The recursion state of every group, per column: a ``(groups, fields)`` float64 array.

    Never modified in place: :func:`run_recursion` returns new arrays.

    Attributes
    ----------
    fields
        The names of the state's fields (the kernel's).
    arrays
        Per column, one row per group code, one column per field.

    Examples
    --------
    >>> m = Moments(("count",), {"x": np.zeros((0, 1))})
    >>> m.groups
    0
    """

    fields: tuple[str, ...]
    arrays: dict[str, Array] = field(default_factory=dict)

    @property
    def groups(self) -> int:
        """The number of groups the arrays hold.

        Examples
        --------
        >>> Moments(("a", "b"), {"x": np.zeros((3, 2))}).groups
        3
        """
        return min((a.shape[0] for a in self.arrays.values()), default=0)


def _kernels() -> Any:
    # options checked by polars_norm.windows.recursions, which loads the numba kernels on first use
    return recursions


def new_moments(method: str, columns: Sequence[str]) -> Moments:
    """The state before any batch: no groups.

    Examples
    --------
    >>> new_moments("expanding_maxabs", ["x"]).groups
    0
    """
    kernels = _kernels()
    fields = tuple(kernels.state_fields(method))
    return Moments(fields, {c: kernels.new_state(method, 0) for c in columns})


def _clock(spec: MethodSpec, by: pl.Series) -> tuple[npt.NDArray[np.int64], int]:
    """``by`` as int64 times ``k * physical`` and the half life in those units (exact, as ``ewm_zscore_by``)."""
    k, h = recursions.clock_units(by.dtype, spec.options["half_life"], spec.name)
    return recursions.scaled_clock(by.to_physical().cast(pl.Int64).to_numpy(), k, spec.name), h


def run_recursion(
    spec: MethodSpec,
    columns: Sequence[str],
    moments: Moments,
    batch: pl.DataFrame,
    groups: int,
) -> tuple[list[pl.Series], Moments]:
    """Normalize one batch with an expanding or EWM method and carry the moments on.

    Parameters
    ----------
    spec
        The method (kind ``"recursion"``).
    columns
        The columns to normalize.
    moments
        The state after the previous batches.
    batch
        The batch's group codes, columns and ``by``.
    groups
        The number of groups known after this batch (new groups start fresh).

    Returns
    -------
    tuple[list[pl.Series], Moments]
        The normalized columns (batch rows, row order) and the new state;
        ``moments`` is not modified.

    Examples
    --------
    >>> from polars_norm.batches.methods import method_spec
    >>> spec = method_spec("expanding_maxabs", {})
    >>> state = new_moments("expanding_maxabs", ["x"])
    >>> batch = pl.DataFrame({CODE: [0, 0], "x": [2.0, -4.0]})
    >>> out, state = run_recursion(spec, ["x"], state, batch, 1)
    >>> out[0].to_list()
    [1.0, -1.0]
    """
    kernels = _kernels()
    options = {k: v for k, v in spec.options.items() if k != "by"}
    times = None
    if spec.name == "ewm_zscore_by":
        by = spec.by
        assert by is not None
        times, units = _clock(spec, batch[by])
        options["half_life_units"] = units
        del options["half_life"]
    codes = np.ascontiguousarray(batch[CODE].to_numpy(), dtype=np.int64)
    outputs, arrays = [], {}
    for c in columns:
        old = moments.arrays[c]
        fresh = kernels.new_state(spec.name, groups - old.shape[0])
        state = np.ascontiguousarray(np.concatenate([old, fresh]) if old.shape[0] else fresh, dtype=np.float64)
        column = batch[c]
        values = np.ascontiguousarray(column.cast(pl.Float64).fill_null(0.0).to_numpy(), dtype=np.float64)
        valid = np.ascontiguousarray(column.is_not_null().to_numpy(), dtype=np.bool_)
        out, out_valid = kernels.run_batch(spec.name, values, valid, codes, state, times=times, **options)
        result = pl.DataFrame({c: np.asarray(out, dtype=np.float64), "valid": np.asarray(out_valid, dtype=np.bool_)})
        dtype = pl.Float32 if column.dtype == pl.Float32 else pl.Float64
        outputs.append(result.select(pl.when("valid").then(pl.col(c)).cast(dtype).alias(c)).to_series())
        arrays[c] = state
    return outputs, Moments(moments.fields, arrays)
