"""The batch-by-batch recursions of the expanding and EWM window methods: options checked, kernels run.

:func:`run_batch` checks a window method's options as the method itself does
and runs its compiled kernel from :mod:`polars_norm.kernels.window_recursions`
(numba), which carries each group's running values in a float64 state array.
The kernel module is loaded on first use (:func:`compiled_window_recursions`):
``import polars_norm`` imports no numba and compiles nothing.
"""

from __future__ import annotations

import importlib
from fractions import Fraction
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np
import polars as pl

from polars_norm.semantics import check_ddof, check_feature_range, check_nan
from polars_norm.windows.checks import Duration, check_min_samples, duration_parts
from polars_norm.windows.ewm import ewm_alpha

__all__ = ["clock_units", "compiled_window_recursions", "new_state", "run_batch", "scaled_clock", "state_fields"]

#: Nanoseconds per unit of a temporal column's physical integer.
_PHYSICAL_NS = {"ns": 1, "us": 1_000, "ms": 1_000_000}
_DAY_NS = 86_400_000_000_000

_Floats = np.ndarray[Any, np.dtype[np.float64]]
_Bools = np.ndarray[Any, np.dtype[np.bool_]]
_Ints = np.ndarray[Any, np.dtype[np.int64]]


def clock_units(dtype: pl.DataType, half_life: Duration, method: str) -> tuple[int, int]:
    """``(k, h)``: time decay by ``2**(-dT/h)`` on the clock ``T`` = ``by``'s physical integer times ``k``.

    The half life is exact, a whole number ``h`` of units of ``1/k`` of
    ``by``'s physical unit (``"1500ns"`` on microseconds: ``k = 2``, ``h = 3``).

    Raises
    ------
    ValueError, TypeError
        A half life of the wrong kind for ``by`` (an index count for times, a
        duration for integers), or a ``by`` that is neither Date, Datetime nor
        integer.

    Examples
    --------
    >>> clock_units(pl.Datetime("us"), "1500ns", "ewm_zscore_by"), clock_units(pl.Int64(), "4i", "ewm_zscore_by")
    ((2, 3), (1, 4))
    """
    count, is_index = duration_parts(half_life, "half_life", method)
    if dtype.is_integer():
        if not is_index:
            msg = (
                f"polars_norm.{method}: by has integer dtype {dtype}; half_life={half_life!r} must be "
                "an index count such as '10i'"
            )
            raise ValueError(msg)
        unit_ns = 1
    elif dtype == pl.Date or isinstance(dtype, pl.Datetime):
        if is_index:
            msg = f"polars_norm.{method}: by has temporal dtype {dtype}; half_life={half_life!r} must be a duration"
            raise ValueError(msg)
        unit_ns = _PHYSICAL_NS[dtype.time_unit] if isinstance(dtype, pl.Datetime) else _DAY_NS
    else:
        msg = f"polars_norm.{method}: by has dtype {dtype}; expected Date, Datetime or an integer column"
        raise TypeError(msg)
    tau = Fraction(count, unit_ns)  # half life in units of the physical integer
    return tau.denominator, tau.numerator


def scaled_clock(times: _Ints, k: int, method: str) -> _Ints:
    """``times * k`` as int64, refused when it would pass ``2**62`` (no silent wrap).

    Examples
    --------
    >>> scaled_clock(np.array([0, 3], dtype=np.int64), 2, "ewm_zscore_by")
    array([0, 6])
    """
    if times.size and max(abs(int(times.min())), abs(int(times.max()))) * k >= 2**62:
        msg = (
            f"polars_norm.{method}: the half life is too short for the range of `by` "
            f"(its times in units of 1/{k} of by's unit pass 2**62)"
        )
        raise ValueError(msg)
    return np.ascontiguousarray(times * k if k != 1 else times, dtype=np.int64)


@cache
def compiled_window_recursions() -> ModuleType:
    """:mod:`polars_norm.kernels.window_recursions`, imported on first use.

    The one deferred import of a package module, by name: the kernels import
    numba (0.3 s) and compile on their first call, which ``import polars_norm``
    must not pay. The module sits in the bottom layer (kernels), so loading it
    late hides no import cycle.

    Examples
    --------
    >>> compiled_window_recursions().METHODS[:1]
    ('expanding_zscore',)
    """
    return importlib.import_module("polars_norm.kernels.window_recursions")


def state_fields(method: str) -> tuple[str, ...]:
    """The names of the columns of ``method``'s state, in order (see the kernel module).

    Examples
    --------
    >>> state_fields("expanding_maxabs")
    ('count', 'top')
    """
    fields: tuple[str, ...] = compiled_window_recursions().state_fields(method)
    return fields


def new_state(method: str, n_groups: int) -> _Floats:
    """The state of ``n_groups`` fresh groups: one float64 row per group (see the kernel module).

    Examples
    --------
    >>> new_state("expanding_maxabs", 1)
    array([[0., 0.]])
    """
    state: _Floats = compiled_window_recursions().new_state(method, n_groups)
    return state


def _take_options(method: str, options: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        msg = f"polars_norm.{method}: unexpected option(s) {', '.join(unknown)} (expected {', '.join(defaults)})"
        raise TypeError(msg)
    return {**defaults, **options}


def _check_bool(value: object, name: str, method: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        msg = f"polars_norm.{method}: {name}={value!r} must be True or False"
        raise ValueError(msg)
    return bool(value)


def run_batch(
    method: str,
    values: _Floats,
    valid: _Bools,
    codes: _Ints,
    state: _Floats,
    *,
    times: _Ints | None = None,
    **options: Any,
) -> tuple[_Floats, _Bools]:
    """Normalize one batch of rows with ``method``, carrying each group's running values in ``state``.

    Feeding a column's batches in order gives, to rounding, the one-query
    expression ``pl.col(x).norm.<method>(**options).over(group)`` on the
    whole column (with the pilot of the module notes: the first value of the
    group that is neither null nor NaN).

    Parameters
    ----------
    method
        ``"expanding_zscore"``, ``"expanding_minmax"``, ``"expanding_maxabs"``,
        ``"ewm_zscore"`` or ``"ewm_zscore_by"``.
    values
        Float64, one per row; NaN is a value (kept NaN, and ignored or
        propagated per ``nan``).
    valid
        Bool, one per row: False for a null row (``values`` there is ignored).
    codes
        Int64, one per row: the row's group, a row of ``state``.
    state
        The groups' running values from :func:`new_state` (or a previous
        call), updated in place.
    times
        Int64, one per row, for ``ewm_zscore_by`` only: non-decreasing within
        each group across all batches (not checked here) and not null.
    **options
        The public method's keyword options, with the same defaults and
        checks: ``min_samples``, ``lag``, ``nan`` for all; ``ddof``
        (expanding_zscore); ``feature_range`` (expanding_minmax); ``com``,
        ``span``, ``half_life``, ``alpha``, ``adjust``, ``bias``,
        ``ignore_nulls`` (ewm_zscore); ``half_life_units`` (an integer >= 1
        in units of ``times``) and ``bias`` (ewm_zscore_by).

    Returns
    -------
    out : numpy.ndarray
        Float64 outputs (NaN where the output is NaN, and at null outputs).
    out_valid : numpy.ndarray
        Bool: False where the output is null.

    Raises
    ------
    ValueError
        For an unknown method, a bad option value, or arrays of the wrong
        shape, dtype or range.
    TypeError
        For an option the method does not take.

    Examples
    --------
    >>> import numpy as np
    >>> state = new_state("expanding_zscore", 1)
    >>> x = np.array([5.0, 5.0, 7.0, 0.0, 3.0])
    >>> ok = np.array([True, True, True, False, True])
    >>> g = np.zeros(5, dtype=np.int64)
    >>> first = run_batch("expanding_zscore", x[:2], ok[:2], g[:2], state)
    >>> out, out_valid = run_batch("expanding_zscore", x[2:], ok[2:], g[2:], state)
    >>> np.round(out, 6), out_valid
    (array([ 1.154701,       nan, -1.224745]), array([ True, False,  True]))
    """
    kernels = compiled_window_recursions()
    kernels.state_fields(method)  # an unknown method raises here
    params: tuple[Any, ...]
    if method == "expanding_zscore":
        o = _take_options(method, options, {"min_samples": 2, "ddof": 1, "lag": False, "nan": "ignore"})
        samples = check_min_samples(o["min_samples"], method)
        ddof = check_ddof(o["ddof"], method)
        check_nan(o["nan"], method)
        lag = _check_bool(o["lag"], "lag", method)
        params = (samples, ddof, lag, o["nan"] == "propagate")
    elif method == "expanding_minmax":
        o = _take_options(
            method, options, {"feature_range": (0.0, 1.0), "min_samples": 1, "lag": False, "nan": "ignore"}
        )
        samples = check_min_samples(o["min_samples"], method)
        low, high = check_feature_range(o["feature_range"], method)
        check_nan(o["nan"], method)
        lag = _check_bool(o["lag"], "lag", method)
        params = (samples, low, high, lag, o["nan"] == "propagate")
    elif method == "expanding_maxabs":
        o = _take_options(method, options, {"min_samples": 1, "lag": False, "nan": "ignore"})
        samples = check_min_samples(o["min_samples"], method)
        check_nan(o["nan"], method)
        lag = _check_bool(o["lag"], "lag", method)
        params = (samples, lag, o["nan"] == "propagate")
    elif method == "ewm_zscore":
        defaults = {
            "com": None,
            "span": None,
            "half_life": None,
            "alpha": None,
            "adjust": True,
            "min_samples": 1,
            "bias": False,
            "ignore_nulls": False,
            "lag": False,
            "nan": "ignore",
        }
        o = _take_options(method, options, defaults)
        a = ewm_alpha(method, com=o["com"], span=o["span"], half_life=o["half_life"], alpha=o["alpha"])
        samples = check_min_samples(o["min_samples"], method)
        check_nan(o["nan"], method)
        flags = [_check_bool(o[name], name, method) for name in ("adjust", "bias", "ignore_nulls", "lag")]
        adjust, bias, ignore_nulls, lag = flags
        params = (a, adjust, samples, bias, ignore_nulls, lag, o["nan"] == "propagate")
    else:
        defaults = {"half_life_units": None, "min_samples": 1, "bias": False, "lag": False, "nan": "ignore"}
        o = _take_options(method, options, defaults)
        h = o["half_life_units"]
        if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
            msg = f"polars_norm.{method}: half_life_units={h!r} must be an integer >= 1 (in units of times)"
            raise ValueError(msg)
        samples = check_min_samples(o["min_samples"], method)
        check_nan(o["nan"], method)
        bias = _check_bool(o["bias"], "bias", method)
        lag = _check_bool(o["lag"], "lag", method)
        params = (int(h), samples, bias, lag, o["nan"] == "propagate")
    result: tuple[_Floats, _Bools] = kernels.run_kernel(method, values, valid, codes, state, times, params)
    return result
