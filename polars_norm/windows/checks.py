"""Parameter checks of the window normalizations, raised when the expression is built.

Polars' window vocabulary (``window_size``, ``min_samples``, ``closed``,
durations such as ``"1h"``, ``"3d12h"`` or ``"10i"``, ``weights``), each
validated once here; messages name the method, the parameter, its value and
what was expected.
"""

from __future__ import annotations

import math
import re
import reprlib
from collections.abc import Iterable
from datetime import timedelta
from numbers import Real
from typing import Literal

__all__ = [
    "ClosedInterval",
    "Duration",
    "check_closed",
    "check_duration",
    "check_min_samples",
    "check_weights",
    "check_window_size",
    "duration_parts",
]

ClosedInterval = Literal["left", "right", "both", "none"]
Duration = str | timedelta

_CLOSED = ("left", "right", "both", "none")
#: Polars' duration language: integer + unit, repeated ("1h", "3d12h", "10i").
_DURATION_RE = re.compile(r"^(?:\d+(?:ns|us|ms|mo|s|m|h|d|w|q|y|i))+$")
_DURATION_PART_RE = re.compile(r"(\d+)(ns|us|ms|mo|s|m|h|d|w|q|y|i)")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_window_size(window_size: object, method: str) -> int:
    """A row-count window size: an integer >= 1.

    Returns
    -------
    int
        ``window_size``.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_window_size(20, "rolling_zscore")
    20
    >>> check_window_size(2.5, "rolling_zscore")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.rolling_zscore: window_size=2.5 must be an integer >= 1 (a number of rows)
    """
    if not _is_int(window_size) or window_size < 1:  # type: ignore[operator]
        msg = f"polars_norm.{method}: window_size={window_size!r} must be an integer >= 1 (a number of rows)"
        raise ValueError(msg)
    return window_size  # type: ignore[return-value]


def check_min_samples(min_samples: object, method: str, *, window_size: int | None = None) -> int:
    """``min_samples``: an integer >= 1, at most ``window_size`` when there is one.

    Returns
    -------
    int
        ``min_samples``.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_min_samples(2, "rolling_zscore", window_size=5)
    2
    >>> check_min_samples(6, "rolling_zscore", window_size=5)
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.rolling_zscore: min_samples=6 must not exceed window_size=5
    """
    if not _is_int(min_samples) or min_samples < 1:  # type: ignore[operator]
        msg = f"polars_norm.{method}: min_samples={min_samples!r} must be an integer >= 1"
        raise ValueError(msg)
    if window_size is not None and min_samples > window_size:  # type: ignore[operator]
        msg = f"polars_norm.{method}: min_samples={min_samples!r} must not exceed window_size={window_size!r}"
        raise ValueError(msg)
    return min_samples  # type: ignore[return-value]


def check_closed(closed: object, method: str) -> ClosedInterval:
    """Check ``closed``: one of ``"left"``, ``"right"``, ``"both"``, ``"none"``.

    Returns
    -------
    ClosedInterval
        ``closed``.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_closed("both", "rolling_zscore_by")
    'both'
    >>> check_closed("open", "rolling_zscore_by")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.rolling_zscore_by: closed='open' is not one of 'left', 'right', 'both', 'none'
    """
    if closed not in _CLOSED:
        msg = f"polars_norm.{method}: closed={closed!r} is not one of {', '.join(map(repr, _CLOSED))}"
        raise ValueError(msg)
    return closed  # type: ignore[return-value]


def check_duration(value: object, param: str, method: str) -> Duration:
    """A positive Polars duration: a string such as ``"1h"``, ``"3d12h"``, ``"5i"``, or a ``timedelta``.

    Returns
    -------
    Duration
        ``value``.

    Raises
    ------
    ValueError
        Naming the method, the parameter and the value.

    Examples
    --------
    >>> check_duration("3d12h", "window_size", "rolling_zscore_by")
    '3d12h'
    >>> check_duration(timedelta(0), "window_size", "rolling_zscore_by")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.rolling_zscore_by: window_size=datetime.timedelta(0) must be a positive duration: ...
    """
    if isinstance(value, timedelta):
        if value > timedelta(0):
            return value
    elif (
        isinstance(value, str)
        and _DURATION_RE.match(value)
        and any(int(n) > 0 for n, _ in _DURATION_PART_RE.findall(value))
    ):
        return value
    msg = (
        f"polars_norm.{method}: {param}={value!r} must be a positive duration: a string such as "
        "'30s', '1h', '3d12h' or '10i' (index count), or a datetime.timedelta"
    )
    raise ValueError(msg)


_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
    "w": 604_800_000_000_000,
}


def duration_parts(value: Duration, param: str, method: str) -> tuple[int, bool]:
    """A constant duration as ``(count, is_index)``: nanoseconds, or an index count for ``"Ni"``.

    Calendar units (``mo``, ``q``, ``y``) have no fixed length and are refused,
    as Polars' ``ewm_mean_by`` refuses them; so is mixing ``i`` with time units.

    Returns
    -------
    tuple[int, bool]
        The length in nanoseconds (or rows), and whether it is an index count.

    Raises
    ------
    ValueError
        For a calendar unit, or ``i`` mixed with time units.

    Examples
    --------
    >>> duration_parts("1h30m", "half_life", "ewm_zscore_by")
    (5400000000000, False)
    >>> duration_parts(timedelta(microseconds=5), "half_life", "ewm_zscore_by")
    (5000, False)
    >>> duration_parts("10i", "half_life", "ewm_zscore_by")
    (10, True)
    """
    if isinstance(value, timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000_000 + value.microseconds * 1_000, False
    parts = _DURATION_PART_RE.findall(value)
    units = {unit for _, unit in parts}
    if units & {"mo", "q", "y"} or ("i" in units and len(units) > 1):
        msg = (
            f"polars_norm.{method}: {param}={value!r} must be a constant duration (ns, us, ms, s, m, h, d, w) "
            "or an index count ('10i'); calendar units (mo, q, y) have no fixed length"
        )
        raise ValueError(msg)
    if units == {"i"}:
        return sum(int(n) for n, _ in parts), True
    return sum(int(n) * _UNIT_NS[unit] for n, unit in parts), False


def check_weights(weights: object, window_size: int, method: str) -> list[float]:
    """``weights`` of a row-count window: ``window_size`` finite numbers >= 0, at least one > 0.

    As in Polars' ``rolling_*(window_size, weights=...)``, ``weights[-1]``
    applies to the window's last row.

    Returns
    -------
    list[float]
        The weights as floats.

    Raises
    ------
    ValueError
        Naming the method, the parameter, the value and what was expected.

    Examples
    --------
    >>> check_weights((1, 2.5), 2, "rolling_zscore")
    [1.0, 2.5]
    >>> check_weights([0, 0], 2, "rolling_zscore")
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.rolling_zscore: weights=[0, 0] must have at least one weight > 0
    """
    shown = reprlib.repr(weights)
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Iterable):
        msg = f"polars_norm.{method}: weights={shown} must be a sequence of window_size={window_size} numbers"
        raise ValueError(msg)
    values = list(weights)
    if len(values) != window_size:
        msg = (
            f"polars_norm.{method}: weights={shown} has {len(values)} entries; "
            f"expected window_size={window_size} (one weight per row of the window)"
        )
        raise ValueError(msg)
    for i, w in enumerate(values):
        if not isinstance(w, Real) or isinstance(w, bool) or not (math.isfinite(float(w)) and float(w) >= 0.0):
            msg = (
                f"polars_norm.{method}: weights={shown} has weights[{i}]={w!r}; "
                "every weight must be a finite number >= 0"
            )
            raise ValueError(msg)
    if not any(w > 0 for w in values):
        msg = f"polars_norm.{method}: weights={shown} must have at least one weight > 0"
        raise ValueError(msg)
    return [float(w) for w in values]
