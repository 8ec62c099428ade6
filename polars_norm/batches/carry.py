"""Rolling windows batch by batch: the rows each group carries to the next batch, and its pilot rows.

A rolling method's output for a row depends only on the rows in its window
and, for the z-scores, on the group's *pilot* (its first finite value,
:func:`polars_norm.windows.pilot.causal_pilot`). So a batch is computed by
the method's own expression over the frame ``[carried rows of the batch's
groups, batch rows]`` under ``.over(group)``, of which the batch rows are
kept: the semantics are written once, in the method. Carried, per group:

* row-count windows: the last ``window_size`` rows (one more with ``lag``);
* ``by`` windows: the rows whose ``by`` is not before the last ``by`` value
  less ``window_size`` (Polars' own duration arithmetic, so ``"1mo"`` works):
  no later window can reach further back, since ``by`` never decreases.

The memory is bounded by the windows and the number of groups. The pilot
rows are in :func:`_with_pilot_rows`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from polars_norm.batches.groups import CODE
from polars_norm.batches.methods import MethodSpec
from polars_norm.windows.checks import duration_parts

__all__ = ["CarriedRows", "run_rolling"]


@dataclass(frozen=True)
class CarriedRows:
    """What a rolling method carries from one batch to the next (a River-style state, never modified in place).

    Attributes
    ----------
    rows
        The trailing rows each group's next windows still need: the group
        code :data:`~polars_norm.batches.groups.CODE`, the columns (as
        in the batches) and ``by``; each group's rows in row order.
    pilots
        For the z-scores, two rows per group in this order: each column's
        first non-null value and its first finite value (null while there is
        none); None for the other methods.

    Examples
    --------
    >>> state = CarriedRows.empty({CODE: pl.Int64(), "x": pl.Float64()}, ["x"], piloted=False)
    >>> state.rows.height, state.pilots is None
    (0, True)
    """

    rows: pl.DataFrame
    pilots: pl.DataFrame | None

    @classmethod
    def empty(cls, schema: dict[str, pl.DataType], columns: Sequence[str], *, piloted: bool) -> CarriedRows:
        """The state before any batch: no rows, for frames of ``schema`` (``columns`` are the normalized ones).

        Examples
        --------
        >>> schema = {CODE: pl.Int64(), "x": pl.Float32(), "t": pl.Date()}
        >>> CarriedRows.empty(schema, ["x"], piloted=True).pilots.schema
        Schema([('__polars_norm_group__', Int64), ('x', Float32)])
        """
        rows = pl.DataFrame(schema=schema)
        return cls(rows, rows.select(CODE, *columns) if piloted else None)


def _period(window_size: str | timedelta) -> str:
    if isinstance(window_size, timedelta):
        days, seconds, micros = window_size.days, window_size.seconds, window_size.microseconds
        return f"{(days * 86_400 + seconds) * 1_000_000 + micros}us"
    return window_size


def _window_start(last: pl.Expr, dtype: pl.DataType, spec: MethodSpec) -> pl.Expr:
    """The earliest ``by`` a window ending at or after ``last`` can hold (its start, Polars' arithmetic).

    Integer times are widened to Int64 first: an unsigned ``by`` would wrap around below 0.
    """
    window_size = spec.options["window_size"]
    if dtype.is_integer():
        count, _ = duration_parts(window_size, "window_size", spec.name)
        return last.cast(pl.Int64) - count
    return last.dt.offset_by("-" + _period(window_size))


def _before(value: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """One unit of ``by`` before ``value`` (a day for Date, the time unit for Datetime)."""
    if dtype.is_integer():
        return value - 1
    if isinstance(dtype, pl.Datetime):
        return value.dt.offset_by(f"-1{dtype.time_unit}")
    return value.dt.offset_by("-1d")


def _widened_by(by: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    return by.cast(pl.Int64) if dtype.is_integer() else by


def _widened(spec: MethodSpec, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with an integer ``by`` as Int64 (the windows are the same; the pilot rows' ``by`` may be < 0)."""
    by = spec.by
    if spec.kind != "by" or by is None or not frame.schema[by].is_integer():
        return frame
    return frame.with_columns(pl.col(by).cast(pl.Int64))


def _with_pilot_rows(spec: MethodSpec, carried: CarriedRows, prefix: pl.DataFrame, batch: pl.DataFrame) -> pl.DataFrame:
    """The carried rows of the batch's groups, preceded where needed by synthetic *pilot rows*.

    Why: a z-score shifts its values by the group's pilot, the first finite
    value of the group's whole history (and, in earlier formulations, the
    first non-null one), which may have left the carried rows long ago. A
    z-score's values are exact whatever the pilot, but its rounding is not:
    for batch-by-batch results equal to the one-query ones, the expression
    must see the same pilot. So the group's first non-null and first finite
    values are put in front of its carried rows, where no window of a batch
    row reaches them: the expression then finds the same pilot (under either
    definition) and no statistic of a batch row sees those rows.

    * Row-count windows: only a group whose carried rows are the full
      ``window_size`` (+1 with ``lag``) needs them; a shorter tail is the
      group's whole history, which holds its pilot already. The first batch
      row's window reaches ``window_size`` rows back (those rows, with ``lag``),
      all of them carried: the pilot rows just before are outside it.
    * ``by`` windows: pilot rows get a ``by`` value one unit before the
      earliest window start of the group's rows (its earliest ``by`` less
      ``window_size``), so no window, whatever ``closed``, holds them. (An
      integer ``by`` is Int64 in the frames given here, so that value exists.)
    """
    if carried.pilots is None or carried.pilots.height == 0 or prefix.height == 0:
        return prefix
    if spec.kind == "rows":
        counts = prefix.group_by(CODE).len()
        full = counts.filter(pl.col("len") >= spec.carried_rows)[CODE]
        pilots = carried.pilots.filter(pl.col(CODE).is_in(full.implode()))
        return pl.concat([pilots, prefix], how="vertical")
    by = spec.by
    assert by is not None
    dtype = prefix.schema[by]
    present = prefix[CODE].unique()
    pilots = carried.pilots.filter(pl.col(CODE).is_in(present.implode()))
    earliest = (
        pl.concat([prefix.select(CODE, by), batch.select(CODE, by)], how="vertical")
        .group_by(CODE)
        .agg(pl.col(by).min())
        .with_columns(_before(_window_start(pl.col(by), dtype, spec), dtype))
    )
    pilots = pilots.join(earliest, on=CODE, how="inner", maintain_order="left").select(prefix.columns)
    return pl.concat([pilots, prefix], how="vertical")


def _new_pilots(carried: CarriedRows, present: pl.Series, batch: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """The pilot rows after the batch: each column's first non-null and first finite value per group."""
    assert carried.pilots is not None
    old = carried.pilots.filter(pl.col(CODE).is_in(present.implode()))
    source = pl.concat([old, batch.select(old.columns)], how="vertical")
    firsts, finites = [], []
    for c in columns:
        col = pl.col(c)
        finite = col.filter(col.is_finite()) if source.schema[c].is_float() else col.drop_nulls()
        firsts.append(col.drop_nulls().first().alias(c))
        finites.append(finite.first().alias(c))
    a = source.group_by(CODE, maintain_order=True).agg(firsts)
    b = source.group_by(CODE, maintain_order=True).agg(finites)
    kept = carried.pilots.filter(~pl.col(CODE).is_in(present.implode()))
    # A before B within each group: every A row precedes every B row of the concatenation.
    return pl.concat([kept, a, b], how="vertical").select(old.columns)


def run_rolling(
    spec: MethodSpec,
    columns: Sequence[str],
    carried: CarriedRows,
    batch: pl.DataFrame,
    *,
    grouped: bool,
) -> tuple[list[pl.Series], CarriedRows]:
    """Normalize one batch with a rolling method and carry its windows on.

    Parameters
    ----------
    spec
        The method (kind ``"rows"`` or ``"by"``).
    columns
        The columns to normalize.
    carried
        The state after the previous batches.
    batch
        The batch's group codes, columns and ``by``, as :attr:`CarriedRows.rows`.
    grouped
        Whether the method runs per group (``.over``).

    Returns
    -------
    tuple[list[pl.Series], CarriedRows]
        The normalized columns (batch rows, row order) and the new state;
        ``carried`` is not modified.

    Examples
    --------
    >>> from polars_norm.batches.methods import method_spec
    >>> spec = method_spec("rolling_maxabs", {"window_size": 2, "min_samples": 1})
    >>> state = CarriedRows.empty({CODE: pl.Int64(), "x": pl.Float64()}, ["x"], piloted=False)
    >>> out, state = run_rolling(spec, ["x"], state, pl.DataFrame({CODE: [0, 0], "x": [1.0, 4.0]}), grouped=False)
    >>> out, state = run_rolling(spec, ["x"], state, pl.DataFrame({CODE: [0], "x": [-2.0]}), grouped=False)
    >>> out[0].to_list(), state.rows["x"].to_list()
    ([-0.5], [4.0, -2.0])
    """
    present = batch[CODE].unique()
    inside = pl.col(CODE).is_in(present.implode())
    prefix = carried.rows.filter(inside)
    wide = _widened(spec, prefix), _widened(spec, batch)
    frame = pl.concat([_with_pilot_rows(spec, carried, *wide), wide[1]], how="vertical")
    exprs = [spec.expr(c).over(CODE) if grouped else spec.expr(c) for c in columns]
    # lazily: the optimizer shares what the expressions repeat, which an eager ``select`` does not
    out = (frame if batch.height else frame.clear()).lazy().select(exprs).collect()
    out = out.tail(batch.height) if batch.height else out

    history = pl.concat([prefix, batch], how="vertical")
    if spec.kind == "rows":
        tail = (
            history.filter(pl.int_range(pl.len()).reverse().over(CODE) < spec.carried_rows)
            if grouped
            else history.tail(spec.carried_rows)
        )
    else:
        by = spec.by
        assert by is not None
        start = _window_start(pl.col(by).max().over(CODE), history.schema[by], spec)
        tail = history.filter(_widened_by(pl.col(by), history.schema[by]) >= start)
    rows = pl.concat([carried.rows.filter(~inside), tail], how="vertical")
    pilots = _new_pilots(carried, present, batch, columns) if carried.pilots is not None else None
    return out.get_columns(), CarriedRows(rows, pilots)
