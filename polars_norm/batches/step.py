"""One batch through a :class:`~polars_norm.WindowNormalizer`: the transition ``(state, batch) -> (output, state)``.

:func:`step` checks the batch, maps its rows to group codes, checks the
order of ``by``, and hands the rows to the rolling machinery
(:mod:`polars_norm.batches.carry`) or to the recursions
(:mod:`polars_norm.batches.recursions`). It never modifies the state it
is given, so a refused batch leaves the normalizer as it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import polars as pl

from polars_norm.batches.carry import CarriedRows, run_rolling
from polars_norm.batches.groups import CODE, check_batch, check_by_order, group_codes
from polars_norm.batches.methods import MethodSpec
from polars_norm.batches.recursions import new_moments, run_recursion
from polars_norm.batches.state import NormalizerState

__all__ = ["step"]


def _last_by(spec: MethodSpec, state: NormalizerState, rows: pl.DataFrame, by: str) -> pl.DataFrame:
    """Each known group's last ``by`` value (columns ``CODE`` and ``by``)."""
    if spec.kind == "by":
        carried = state.carried.rows if state.carried is not None else rows.clear()
        return carried.group_by(CODE).agg(pl.col(by).last())
    return state.last_by if state.last_by is not None else rows.select(CODE, by).clear()


def step(
    spec: MethodSpec,
    columns: Sequence[str],
    partition_by: Sequence[str],
    state: NormalizerState,
    batch: pl.DataFrame,
) -> tuple[list[pl.Series], NormalizerState]:
    """Normalize ``batch`` from ``state``: the normalized columns and the state after the batch.

    Parameters
    ----------
    spec
        The method and its options.
    columns
        The columns to normalize.
    partition_by
        The group columns (empty: one group).
    state
        The state after the previous batches (not modified).
    batch
        The next batch.

    Returns
    -------
    tuple[list[pl.Series], NormalizerState]
        The normalized columns, in the batch's row order, and the new state.

    Raises
    ------
    TypeError, ValueError
        A batch that is not a DataFrame, lacks a column, has another dtype
        than the first batch, or breaks the order of ``by``.

    Examples
    --------
    >>> from polars_norm.batches.methods import method_spec
    >>> spec = method_spec("rolling_minmax", {"window_size": 3, "min_samples": 1})
    >>> out, state = step(spec, ["x"], [], NormalizerState(), pl.DataFrame({"x": [1.0, 3.0]}))
    >>> out, state = step(spec, ["x"], [], state, pl.DataFrame({"x": [2.0]}))
    >>> out[0].to_list(), state.carried.rows["x"].to_list()
    ([0.5], [1.0, 3.0, 2.0])
    """
    by = spec.by
    read = [*columns, *partition_by, *([by] if by else [])]
    if state.dtypes is not None:
        # an all-null column may come as dtype Null (an empty or all-null batch): it is the recorded dtype
        batch = batch.with_columns(
            pl.col(name).cast(state.dtypes[name])
            for name in read
            if name in batch.columns and batch.schema[name] == pl.Null
        )
    check_batch(batch, read, state.dtypes)
    if batch.height and any(batch.schema[name] == pl.Null for name in columns):
        # nothing tells the dtype yet: refuse rather than record Null and refuse every later batch
        nulls = [name for name in columns if batch.schema[name] == pl.Null]
        msg = (
            f"polars_norm.WindowNormalizer: column(s) {nulls} have dtype Null (all null, no dtype); "
            "cast them to the column's numeric dtype first"
        )
        raise TypeError(msg)
    # the method's own dtype checks (a String or Boolean column fails here as it does in a query)
    batch.head(0).select(spec.expr(name) for name in columns)
    dtypes = state.dtypes or {name: batch.schema[name] for name in read}
    keys = state.keys
    if keys is None and partition_by:
        keys = batch.select(partition_by).clear()
    codes, keys = group_codes(keys, batch)
    rows = batch.select(*columns, *([by] if by else [])).with_columns(codes).select(CODE, pl.exclude(CODE))
    if by is not None:
        sees_instant = spec.kind == "by" and spec.options["closed"] in ("right", "both") and not spec.options["lag"]
        check_by_order(by, batch[by], codes, _last_by(spec, state, rows, by), keys, sees_instant=sees_instant)
    if spec.kind != "recursion":
        carried = state.carried or CarriedRows.empty(dict(rows.schema), columns, piloted=spec.piloted)
        outputs, carried = run_rolling(spec, columns, carried, rows, grouped=bool(partition_by))
        if state.dtypes is None and batch.height == 0:  # an empty first batch may have Null dtypes: record nothing
            return outputs, state
        return outputs, dataclasses.replace(state, dtypes=dtypes, keys=keys, carried=carried)
    groups = 1 if keys is None else keys.height
    moments = state.moments or new_moments(spec.name, columns)
    outputs, moments = run_recursion(spec, columns, moments, rows, groups)
    if state.dtypes is None and batch.height == 0:
        return outputs, state
    new = dataclasses.replace(state, dtypes=dtypes, keys=keys, moments=moments)
    if by is not None:
        previous = _last_by(spec, state, rows, by)
        seen = rows.select(CODE, by).group_by(CODE, maintain_order=True).agg(pl.col(by).last())
        present = pl.col(CODE).is_in(seen[CODE].implode())
        new = dataclasses.replace(new, last_by=pl.concat([previous.filter(~present), seen]))
    return outputs, new
