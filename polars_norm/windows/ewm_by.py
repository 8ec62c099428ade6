r"""Exponentially weighted z-scores with time decay: ``ewm_zscore_by``.

Polars has ``ewm_mean_by`` (an ``adjust=False`` recursion) but no
``ewm_std_by``; here the weights are the explicit time decays, and the
recursions below run as one compiled pass
(:mod:`polars_norm.kernels.window_recursions`, through
:func:`polars_norm.windows.recursions.run_batch`): four ``ewm_sum_by``
passes and their glue cost about 18 times one ``ewm_mean_by``. For row ``i`` at time :math:`t_i`, every earlier-or-equal
valid row :math:`j` has weight

.. math::

    w_{ij} = 2^{-(t_i - t_j) / \tau},

with :math:`\tau` the half life, and

.. math::

    W_i = \sum_j w_{ij}, \quad
    m_i = \frac{1}{W_i} \sum_j w_{ij} x_j, \quad
    S_i = \sum_j w_{ij} (x_j - m_i)^2 .

Each is a linear recursion :math:`y_i = u_i + \lambda_i y_{i-1}` with
:math:`\lambda_i = 2^{-(t_i - t_{i-1})/\tau}`, the recursion of Polars'
``ewm_sum_by``. For :math:`S` the input is West's weighted Welford increment:
decaying all old weights by :math:`\lambda_i` leaves :math:`m_{i-1}` unchanged,
so :math:`S_i = \lambda_i S_{i-1} + (x_i - m_{i-1})(x_i - m_i)`, and since
:math:`x_i - m_{i-1} = (x_i - m_i) W_i / (W_i - 1)`,

.. math::

    S_i = \lambda_i S_{i-1} + (x_i - m_i)^2 \frac{W_i}{W_i - 1}

(:math:`W_i - 1` is clipped to an ulp: it is 0 only when the history
weighs less than an ulp, where :math:`x_i - m_i` is ulp-small too).
Every term is non-negative: no cancellation. The biased variance is
:math:`S_i / W_i`. The unbiased one uses the reliability-weights correction
pandas and Polars use for ``ewm_var(bias=False)``,

.. math::

    \hat\sigma_i^2 = \frac{S_i}{W_i - V_i / W_i}, \quad V_i = \sum_j w_{ij}^2,

where :math:`w_{ij}^2 = 2^{-2(t_i - t_j)/\tau}` is the same recursion at twice
the decay rate, on the valid-row indicator. It is undefined for a row with no
history (:math:`W_i = V_i = 1`); the denominator is clipped to the smallest
normal double, so such a row (where :math:`x_i - m_i` is 0 or ulp-small)
maps to 0.

Zero scale, as in :mod:`polars_norm.windows.ewm`: an EW recursion never forgets exactly, so after a level shift
the variance of a now-constant series sinks to a rounding floor, about
``eps * |x - pilot| / alpha`` (``alpha`` replaced by ``1 / W`` for time
decay), instead of 0; a standard deviation below 16 times that floor counts
as zero, and the row maps to 0. All of it runs on values shifted by the first valid
value (:func:`polars_norm.windows.pilot.causal_pilot`), so offsets such as
``1e12 + N(0, 1)`` keep full accuracy, and scaled by a power of two
(:func:`polars_norm.windows.pilot.unit_scale`), so the squares never over- or
underflow, at 1e-300 as at 1e300.

References
----------
.. [1] West, D. H. D. (1979). "Updating mean and variance estimates: an
   improved method". Communications of the ACM 22(9), 532-535.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import polars as pl

from polars_norm.kernels.query_errors import unless_raised
from polars_norm.semantics import NanPolicy, check_nan, numeric_expr
from polars_norm.windows.checks import Duration, check_duration, check_min_samples, duration_parts
from polars_norm.windows.recursions import clock_units, new_state, run_batch, scaled_clock

__all__ = ["ewm_zscore_by"]

_EPS = sys.float_info.epsilon


def _run_kernel(rows: pl.Series, k: int, options: dict[str, Any]) -> pl.Series:
    """The z-scores of one column (one group under ``.over``) by the compiled recursion, in time order.

    ``rows`` holds the Float64 values ``x`` and the physical times ``t``; the
    clock is ``t * k`` with the half life a whole number of its units. Rows
    sharing a time keep their row order (a stable sort); a row without a time
    is null.
    """
    values, times = rows.struct.field("x"), rows.struct.field("t")
    n = len(rows)
    clock = times.fill_null(0).to_numpy()  # int64 (``to_numpy`` of a column with nulls would give floats)
    order: np.ndarray[Any, np.dtype[np.int64]] | None = None  # None: every row, in row order
    if times.null_count():
        order = np.flatnonzero(times.is_not_null().to_numpy())
        clock = clock[order]
    clock = scaled_clock(clock, k, "ewm_zscore_by")
    if clock.size > 1 and bool(np.any(clock[1:] < clock[:-1])):
        in_time = np.argsort(clock, kind="stable")  # ties keep their row order
        order = in_time if order is None else order[in_time]
        clock = clock[in_time]
    x, valid = values.fill_null(0.0).to_numpy(), values.is_not_null().to_numpy()
    if order is not None:
        x, valid = x[order], valid[order]
    state = new_state("ewm_zscore_by", 1)
    codes = np.zeros(x.size, dtype=np.int64)
    z, z_valid = run_batch("ewm_zscore_by", x, valid, codes, state, times=clock, **options)
    if order is None:
        out, out_valid = z, z_valid
    else:
        out, out_valid = np.full(n, np.nan), np.zeros(n, dtype=np.bool_)
        out[order], out_valid[order] = z, z_valid
    return pl.Series(rows.name, out, dtype=pl.Float64, nan_to_null=False).scatter(np.flatnonzero(~out_valid), None)


def ewm_zscore_by(
    expr: pl.Expr,
    by: str | pl.Expr,
    *,
    half_life: Duration,
    min_samples: int = 1,
    bias: bool = False,
    lag: bool = False,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Time-decayed exponentially weighted z-score: weights halve every ``half_life`` of ``by``.

    Parameters
    ----------
    expr
        A numeric column or expression.
    by
        The Date, Datetime or integer column of times.
    half_life
        The time over which a weight halves: a constant Polars duration
        (``"30m"``, ``"1d12h"``), a ``timedelta``, or ``"Ni"`` for an integer
        ``by``.
    min_samples
        Valid values needed before a result (default 1): a row with fewer
        valid values among the rows it is normalized by (itself and the
        rows at earlier or equal times; the rows before it with ``lag``)
        is null, as in :func:`ewm_zscore`. Per group under ``.over``.
    bias
        Use the biased (weighted population) variance; by default it is
        corrected for the effective sample size (module notes), so a row with
        no weighted history has no variance (scale 1: it maps to 0).
    lag
        Normalize each row by the statistics of the rows before it (strictly
        causal). This shift follows row order, so ``by`` must be sorted
        (within each group under ``.over``) and hold no nulls: otherwise it
        raises ``InvalidOperationError`` naming it when the query runs.
    nan
        ``"ignore"`` (default) or ``"propagate"``; see :func:`ewm_zscore`.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Row ``i`` is normalized by the mean and standard deviation of all valid
    rows ``j`` with ``t_j <= t_i``, weighted ``2**(-(t_i - t_j) / half_life)``
    (the ``adjust=True`` form; Polars' ``ewm_mean_by`` is the recursive
    ``adjust=False`` form and differs from it on the first rows). The
    variance is West's weighted update (module notes): stable, no sum of
    squares. It runs as one compiled pass over the column in time order (each
    group under ``.over``), so, like Polars' own ``ewm_mean_by``, it needs the
    whole column: over data larger than memory use
    :class:`polars_norm.WindowNormalizer`, which runs the same recursion batch
    by batch. The half life is exact (``"1500ns"`` on microseconds is 1.5 of
    them). Rows sharing a timestamp weigh the
    same; among them each row sees those before it in row order. Without
    ``lag``, an unsorted ``by`` is sorted internally and the output
    keeps the row order. Nulls and NaN are skipped and kept; a missing row
    with no valid value at an earlier or equal time (or whose history weighs
    less than the smallest double, over 1000 half lives back) is null. A standard
    deviation at the rounding floor of the recursion (a constant stretch,
    module notes) counts as zero: the row maps to 0 (with ``lag``, the scale
    is taken as 1).

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"t": [0, 1, 2, 4, 8], "x": [1.0, 2.0, 4.0, 3.0, 9.0]})
    >>> df.with_columns(z=pl.col("x").norm.ewm_zscore_by("t", half_life="2i"))
    shape: (5, 3)
    ┌─────┬─────┬──────────┐
    │ t   ┆ x   ┆ z        │
    │ --- ┆ --- ┆ ---      │
    │ i64 ┆ f64 ┆ f64      │
    ╞═════╪═════╪══════════╡
    │ 0   ┆ 1.0 ┆ 0.0      │
    │ 1   ┆ 2.0 ┆ 0.585786 │
    │ 2   ┆ 4.0 ┆ 0.841648 │
    │ 4   ┆ 3.0 ┆ 0.149536 │
    │ 8   ┆ 9.0 ┆ 0.520076 │
    └─────┴─────┴──────────┘
    """
    half_life = check_duration(half_life, "half_life", "ewm_zscore_by")
    duration_parts(half_life, "half_life", "ewm_zscore_by")  # refuse calendar units now
    samples = check_min_samples(min_samples, "ewm_zscore_by")
    check_nan(nan, "ewm_zscore_by")
    by_expr = pl.col(by) if isinstance(by, str) else by
    by_name = by_expr.meta.output_name(raise_if_undetermined=False) or str(by_expr)

    def build(x: pl.Expr, _: object) -> pl.Expr:
        def with_clock(b: pl.Expr, dtype: pl.DataType) -> pl.Expr:
            k, h = clock_units(dtype, half_life, "ewm_zscore_by")
            options = {"half_life_units": h, "min_samples": samples, "bias": bias, "lag": lag, "nan": nan}
            rows = pl.struct(x.alias("x"), b.to_physical().cast(pl.Int64).alias("t"))
            result = rows.map_batches(
                # Polars may pass keywords of its own (``return_dtype``) to the function
                lambda s, **_: _run_kernel(s, k, options),
                return_dtype=pl.Float64,
                is_elementwise=False,
            )
            if not lag:
                return result
            # The row before in row order is the row before in time only for a sorted
            # ``by``: an unsorted one fails when the query runs (per group under ``.over``).
            unsorted = (b < b.shift(1)) | b.is_null()  # per row: the check needs no aggregate
            msg = (
                f"polars_norm.ewm_zscore_by: lag=True needs `by` ({by_name}) "
                "sorted ascending without nulls (within each group under .over); sort the frame by it first"
            )
            return unless_raised(result, unsorted, msg)

        return by_expr.pipe_with_dtype(with_clock)

    return numeric_expr(expr, "ewm_zscore_by", build)
