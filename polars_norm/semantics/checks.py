"""The parameter checks: a bad parameter raises ``ValueError`` when the expression is built.

Each check names the public method, the parameter and the value, e.g.
``polars_norm.zscore: nan='skip' is not one of 'ignore', 'propagate'``, and
returns the value in the type the method uses.
"""

from __future__ import annotations

import math
from typing import get_args

from polars_norm.semantics.nan import NanPolicy

__all__ = [
    "check_choice",
    "check_ddof",
    "check_feature_range",
    "check_finite",
    "check_nan",
    "check_open_unit_interval",
    "check_p",
    "check_positive",
    "check_quantile_range",
]

_NAN_POLICIES: tuple[str, ...] = get_args(NanPolicy)


def check_nan(nan: str, method: str) -> None:
    """Check a ``nan`` policy: ``"ignore"`` or ``"propagate"``.

    Parameters
    ----------
    nan
        The value passed.
    method
        The public method's name, for the message.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_nan("ignore", "zscore")
    >>> check_nan("skip", "zscore")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.zscore: nan='skip' is not one of 'ignore', 'propagate'
    """
    check_choice(nan, _NAN_POLICIES, "nan", method)


def check_choice(value: object, choices: tuple[str, ...], param: str, method: str) -> None:
    """Check that ``value`` is one of ``choices``.

    Parameters
    ----------
    value
        The value passed.
    choices
        The allowed values.
    param, method
        The parameter's and the public method's names, for the message.

    Raises
    ------
    ValueError
        Naming the method, the parameter, the value and the choices.

    Examples
    --------
    >>> check_choice("normal", ("uniform", "normal"), "output", "quantile")
    >>> check_choice("gauss", ("uniform", "normal"), "output", "quantile")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.quantile: output='gauss' is not one of 'uniform', 'normal'
    """
    if value not in choices:
        msg = f"polars_norm.{method}: {param}={value!r} is not one of {', '.join(map(repr, choices))}"
        raise ValueError(msg)


def _is_real(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_ddof(ddof: object, method: str) -> int:
    """Check a ``ddof``: an integer >= 0 (not a bool).

    Parameters
    ----------
    ddof
        The value passed.
    method
        The public method's name, for the message.

    Returns
    -------
    int
        ``ddof``.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_ddof(0, "zscore")
    0
    >>> check_ddof(-1, "zscore")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.zscore: ddof=-1 must be a non-negative integer
    """
    if not isinstance(ddof, int) or isinstance(ddof, bool) or ddof < 0:
        msg = f"polars_norm.{method}: ddof={ddof!r} must be a non-negative integer"
        raise ValueError(msg)
    return ddof


def check_p(p: object, method: str) -> float:
    """Check a norm's order ``p``: a real number in ``(0, inf]``.

    Parameters
    ----------
    p
        The value passed.
    method
        The public method's name, for the message.

    Returns
    -------
    float
        ``p`` as a float.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_p(2, "unit"), check_p(float("inf"), "unit")
    (2.0, inf)
    >>> check_p(0, "unit")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.unit: p=0 must be a number in (0, inf] (use float('inf') for the max norm)
    """
    if not _is_real(p) or math.isnan(float(p)) or float(p) <= 0:  # type: ignore[arg-type]
        msg = f"polars_norm.{method}: p={p!r} must be a number in (0, inf] (use float('inf') for the max norm)"
        raise ValueError(msg)
    return float(p)  # type: ignore[arg-type]


def check_positive(value: object, param: str, method: str) -> float:
    """Check a parameter that must be a finite real number > 0.

    Parameters
    ----------
    value
        The value passed.
    param, method
        The parameter's and the public method's names, for the message.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_positive(0.5, "temperature", "softmax")
    0.5
    >>> check_positive(float("inf"), "temperature", "softmax")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.softmax: temperature=inf must be a finite number > 0
    """
    if not _is_real(value) or not math.isfinite(float(value)) or float(value) <= 0:  # type: ignore[arg-type]
        msg = f"polars_norm.{method}: {param}={value!r} must be a finite number > 0"
        raise ValueError(msg)
    return float(value)  # type: ignore[arg-type]


def check_finite(value: object, param: str, method: str) -> float:
    """Check a parameter that must be a finite real number (not a bool).

    Parameters
    ----------
    value
        The value passed.
    param, method
        The parameter's and the public method's names, for the message.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_finite(-2, "lmbda", "box_cox")
    -2.0
    >>> check_finite(float("nan"), "lmbda", "box_cox")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.box_cox: lmbda=nan must be a finite number
    """
    if not _is_real(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]
        msg = f"polars_norm.{method}: {param}={value!r} must be a finite number"
        raise ValueError(msg)
    return float(value)  # type: ignore[arg-type]


def _real_pair(value: object) -> tuple[float, float] | None:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return None
    first, second = value
    if not (_is_real(first) and _is_real(second)):
        return None
    return float(first), float(second)


def check_feature_range(feature_range: object, method: str) -> tuple[float, float]:
    """Check a ``feature_range``: a pair ``(low, high)`` of finite numbers with ``low < high``.

    Parameters
    ----------
    feature_range
        The value passed (a tuple or list).
    method
        The public method's name, for the message.

    Returns
    -------
    tuple[float, float]
        The pair as floats.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_feature_range([-1, 1], "minmax")
    (-1.0, 1.0)
    >>> check_feature_range((1.0, 1.0), "minmax")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.minmax: feature_range=(1.0, 1.0) must be a pair (min, max) of finite numbers with min < max
    """
    pair = _real_pair(feature_range)
    if pair is None or not all(map(math.isfinite, pair)) or pair[0] >= pair[1]:
        msg = (
            f"polars_norm.{method}: feature_range={feature_range!r} must be a pair "
            "(min, max) of finite numbers with min < max"
        )
        raise ValueError(msg)
    return pair


def check_quantile_range(quantile_range: object, method: str) -> tuple[float, float]:
    """Check a ``quantile_range``: a pair ``(q_lo, q_hi)`` with ``0 <= q_lo < q_hi <= 1``.

    Parameters
    ----------
    quantile_range
        The value passed (a tuple or list).
    method
        The public method's name, for the message.

    Returns
    -------
    tuple[float, float]
        The pair as floats.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_quantile_range((0.1, 0.9), "robust")
    (0.1, 0.9)
    >>> check_quantile_range((25, 75), "robust")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.robust: quantile_range=(25, 75) must be a pair (q_lo, q_hi) with 0 <= q_lo < q_hi <= 1
    """
    pair = _real_pair(quantile_range)
    if pair is None or not (0.0 <= pair[0] < pair[1] <= 1.0):
        msg = (
            f"polars_norm.{method}: quantile_range={quantile_range!r} must be a pair "
            "(q_lo, q_hi) with 0 <= q_lo < q_hi <= 1"
        )
        raise ValueError(msg)
    return pair


def check_open_unit_interval(value: object, param: str, method: str, *, closed_low: bool = False) -> float:
    """Check a parameter that must lie in ``(0, 1)``, or ``[0, 1)`` with ``closed_low``.

    Parameters
    ----------
    value
        The value passed.
    param, method
        The parameter's and the public method's names, for the message.
    closed_low
        Accept 0.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    ValueError
        Naming the method, the parameter, the value and the interval.

    Examples
    --------
    >>> check_open_unit_interval(0, "offset", "quantile", closed_low=True)
    0.0
    >>> check_open_unit_interval(1, "offset", "quantile", closed_low=True)
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.quantile: offset=1 must be in [0, 1)
    """
    number = float(value) if _is_real(value) else math.nan  # type: ignore[arg-type]
    low_ok = number >= 0.0 if closed_low else number > 0.0
    if not (low_ok and number < 1.0):
        interval = "[0, 1)" if closed_low else "(0, 1)"
        msg = f"polars_norm.{method}: {param}={value!r} must be in {interval}"
        raise ValueError(msg)
    return number
