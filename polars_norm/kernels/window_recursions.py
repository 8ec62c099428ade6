r"""Stateful recursions of the expanding and exponentially weighted window methods, for batch-by-batch use.

The one-query expressions (:mod:`polars_norm.windows.expanding`,
:mod:`polars_norm.windows.ewm`, :mod:`polars_norm.windows.ewm_by`) need a
whole group before its first output row. The kernels here run the same
recursions one row at a time, in row order, with the running values of every
group kept in a float64 state array (one row per group, updated in place), so
that feeding the batches of a column one after the other gives, to rounding,
the output of the one-query expression ``.over(group)`` on their
concatenation.

Per group the state holds the pilot ``p`` and the unit scale ``s`` (NaN
until seen); every statistic is computed on ``c = (x - p) * s``, as
:func:`polars_norm.windows.pilot.scaled_values` computes it:

* ``p`` is the first finite value of the group, in row order (whatever
  ``nan``); before it ``p = 0`` (those rows are null, NaN or infinite, and have
  no finite statistics);
* ``s`` is :func:`polars_norm.windows.pilot.unit_scale` of ``p``, operation
  for operation: the power of two nearest ``2**ANCHOR_EXPONENT / |p|`` (``|p|``
  taken as 1 for ``p == 0``, and before the pilot), clipped to
  ``[2**-1000, 2**900]``. A power of two is exact: it changes no z-score and
  keeps the squares away from over- and underflow; a zero scale "taken as 1"
  is ``s`` in these units. (Where a statistic does underflow, as the variance
  after a long decaying null gap can, results depend on the exact power, so it
  is the expression's own, not one off by a factor 2.)

The exponentially weighted recursions are Polars' own, operation for
operation: ``ewm_mean``/``ewm_std`` (``polars-compute``'s ``EwmMeanState``
and ``EwmCovState``, which share the mean and weight recursions; as of Polars
2.1 the unbiased correction carries ``weight_sum**2 - sum(weight**2)`` itself,
which 1.x computed by a subtraction, as pinned by
``test_ewm_after_a_long_null_gap``) for
:func:`~polars_norm.windows.ewm.ewm_zscore`, and ``ewm_sum_by`` (the decay
``0.5 ** (dt / half_life)`` computed per row) for
:func:`~polars_norm.windows.ewm_by.ewm_zscore_by`. The expanding sums are
Polars' sequential ``cum_sum``, ``cum_min`` and ``cum_max`` with Welford's
increment written as in the expression. The zero-scale rules are those of
:mod:`polars_norm.windows.scales` (``std_divisor``, ``spread_divisor``,
``tolerant_divisor``) with the rounding floor of
:func:`polars_norm.windows.ewm.rounding_floor`.

Rows are given as ``values`` (float64, NaN a real value) with a separate
``valid`` mask (False: null) and a dense group code per row; outputs come
back the same way. Importing this module compiles nothing; each kernel is
compiled on its first call (or loaded from numba's on-disk cache).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from polars_norm.kernels.ewm_recursions import _ewm_zscore_by_kernel, _ewm_zscore_kernel
from polars_norm.kernels.expanding_recursions import (
    _expanding_maxabs_kernel,
    _expanding_minmax_kernel,
    _expanding_zscore_kernel,
)
from polars_norm.kernels.window_state import (
    EWM_ZSCORE_BY_FIELDS,
    EWM_ZSCORE_FIELDS,
    EXPANDING_MAXABS_FIELDS,
    EXPANDING_MINMAX_FIELDS,
    EXPANDING_ZSCORE_FIELDS,
    METHODS,
    check_arrays,
    new_state,
    state_fields,
)

__all__ = [
    "EWM_ZSCORE_BY_FIELDS",
    "EWM_ZSCORE_FIELDS",
    "EXPANDING_MAXABS_FIELDS",
    "EXPANDING_MINMAX_FIELDS",
    "EXPANDING_ZSCORE_FIELDS",
    "METHODS",
    "new_state",
    "run_kernel",
    "state_fields",
]

_Floats = np.ndarray[Any, np.dtype[np.float64]]
_Bools = np.ndarray[Any, np.dtype[np.bool_]]
_Ints = np.ndarray[Any, np.dtype[np.int64]]


def run_kernel(
    method: str,
    values: object,
    valid: object,
    codes: object,
    state: object,
    times: object,
    params: tuple[Any, ...],
) -> tuple[_Floats, _Bools]:
    """Run ``method``'s kernel on one batch with checked, resolved parameters (``state`` updated in place).

    The public entry is :func:`polars_norm.windows.recursions.run_batch`,
    which checks the method's options and resolves them into ``params``:
    ``(min_samples, ddof, lag, propagate)`` for ``expanding_zscore``,
    ``(min_samples, low, high, lag, propagate)`` for ``expanding_minmax``,
    ``(min_samples, lag, propagate)`` for ``expanding_maxabs``,
    ``(alpha, adjust, min_samples, bias, ignore_nulls, lag, propagate)`` for
    ``ewm_zscore`` and ``(half_life_units, min_samples, bias, lag, propagate)``
    for ``ewm_zscore_by``. The arrays are checked here.

    Examples
    --------
    >>> state = new_state("expanding_maxabs", 1)
    >>> x, ok, g = np.array([2.0, -4.0]), np.array([True, True]), np.zeros(2, dtype=np.int64)
    >>> run_kernel("expanding_maxabs", x, ok, g, state, None, (1, False, False))[0]
    array([ 1., -1.])
    """
    state_fields(method)  # an unknown method raises here
    v, ok, g, st, t = check_arrays(method, values, valid, codes, state, times)
    out = np.empty(v.shape, dtype=np.float64)
    out_valid = np.empty(v.shape, dtype=np.bool_)
    if method == "expanding_zscore":
        samples, ddof, lag, propagate = params
        _expanding_zscore_kernel(v, ok, g, st, out, out_valid, float(samples), float(ddof), lag, propagate)
    elif method == "expanding_minmax":
        samples, low, high, lag, propagate = params
        _expanding_minmax_kernel(v, ok, g, st, out, out_valid, float(samples), float(low), float(high), lag, propagate)
    elif method == "expanding_maxabs":
        samples, lag, propagate = params
        _expanding_maxabs_kernel(v, ok, g, st, out, out_valid, float(samples), lag, propagate)
    elif method == "ewm_zscore":
        a, adjust, samples, bias, ignore_nulls, lag, propagate = params
        _ewm_zscore_kernel(v, ok, g, st, out, out_valid, a, adjust, float(samples), bias, ignore_nulls, lag, propagate)
    else:
        h, samples, bias, lag, propagate = params
        assert t is not None  # checked with the arrays
        _ewm_zscore_by_kernel(v, ok, g, t, st, out, out_valid, int(h), float(samples), bias, lag, propagate)
    return out, out_valid
