"""The window methods a :class:`~polars_norm.WindowNormalizer` runs batch by batch, and their options.

Three kinds of method, by what a batch needs from the rows before it:

* ``rows``: the row-count ``rolling_*`` methods; each group's last
  ``window_size`` rows;
* ``by``: the time-based ``rolling_*_by`` methods; each group's rows within
  ``window_size`` of its last ``by`` value;
* ``recursion``: ``expanding_*`` and ``ewm_*``; a few running moments per
  group, updated by the kernels of :mod:`polars_norm.kernels.window_recursions`.

:class:`MethodSpec` checks a method's options once, by building its
expression (so a bad option raises the method's own error), and keeps them in
the canonical form the state file records: every parameter of the method,
defaults filled in, tuples as lists and a ``timedelta`` as
``{"timedelta_us": n}``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import polars as pl

from polars_norm.windows.ewm import ewm_zscore
from polars_norm.windows.ewm_by import ewm_zscore_by
from polars_norm.windows.expanding import expanding_maxabs, expanding_minmax, expanding_zscore
from polars_norm.windows.rolling import rolling_maxabs, rolling_minmax, rolling_robust, rolling_zscore
from polars_norm.windows.rolling_by import rolling_maxabs_by, rolling_minmax_by, rolling_robust_by, rolling_zscore_by

__all__ = ["METHODS", "MethodKind", "MethodSpec", "canonical_options", "method_spec", "options_from_json"]

MethodKind = Literal["rows", "by", "recursion"]

#: Every method a WindowNormalizer runs: its function and kind.
METHODS: dict[str, tuple[Callable[..., pl.Expr], MethodKind]] = {
    "rolling_zscore": (rolling_zscore, "rows"),
    "rolling_minmax": (rolling_minmax, "rows"),
    "rolling_robust": (rolling_robust, "rows"),
    "rolling_maxabs": (rolling_maxabs, "rows"),
    "rolling_zscore_by": (rolling_zscore_by, "by"),
    "rolling_minmax_by": (rolling_minmax_by, "by"),
    "rolling_robust_by": (rolling_robust_by, "by"),
    "rolling_maxabs_by": (rolling_maxabs_by, "by"),
    "expanding_zscore": (expanding_zscore, "recursion"),
    "expanding_minmax": (expanding_minmax, "recursion"),
    "expanding_maxabs": (expanding_maxabs, "recursion"),
    "ewm_zscore": (ewm_zscore, "recursion"),
    "ewm_zscore_by": (ewm_zscore_by, "recursion"),
}

#: The methods whose statistics run on values shifted by the group's pilot (its first finite value).
_PILOTED = frozenset({"rolling_zscore", "rolling_zscore_by"})
#: Options kept as tuples by the methods (lists in JSON).
_TUPLES = frozenset({"feature_range", "quantile_range", "weights"})


def _canonical(value: Any) -> Any:
    if isinstance(value, timedelta):
        return {"timedelta_us": (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds}
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars (weights=np.array(...))
        return _canonical(value.tolist())
    return value


def canonical_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options as JSON values: tuples as lists, a ``timedelta`` as ``{"timedelta_us": n}``.

    Parameters
    ----------
    options
        A method's keyword options.

    Returns
    -------
    dict
        The same options, JSON-ready and comparable.

    Examples
    --------
    >>> canonical_options({"window_size": timedelta(hours=1), "feature_range": (0.0, 2.0)})
    {'window_size': {'timedelta_us': 3600000000}, 'feature_range': [0.0, 2.0]}
    """
    return {name: _canonical(value) for name, value in options.items()}


def options_from_json(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options of :func:`canonical_options` back as a method takes them.

    Parameters
    ----------
    options
        Canonical options, as read from a state file.

    Returns
    -------
    dict
        Keyword options: ``{"timedelta_us": n}`` as a ``timedelta``, ranges and weights as tuples.

    Examples
    --------
    >>> options_from_json({"window_size": {"timedelta_us": 1000000}, "feature_range": [0.0, 2.0]})
    {'window_size': datetime.timedelta(seconds=1), 'feature_range': (0.0, 2.0)}
    """
    out: dict[str, Any] = {}
    for name, value in options.items():
        if isinstance(value, dict) and set(value) == {"timedelta_us"}:
            out[name] = timedelta(microseconds=value["timedelta_us"])
        elif name in _TUPLES and isinstance(value, list):
            out[name] = tuple(value)
        else:
            out[name] = value
    return out


@dataclass(frozen=True)
class MethodSpec:
    """A window method with checked options: what a batch of it needs and how to compute it.

    Built by :func:`method_spec`.

    Attributes
    ----------
    name
        The method's name, e.g. ``"rolling_zscore"``.
    kind
        ``"rows"``, ``"by"`` or ``"recursion"`` (module notes).
    options
        Every keyword option of the method, defaults filled in (``by`` and
        ``window_size`` included for the ``_by`` methods).

    Examples
    --------
    >>> spec = method_spec("rolling_zscore", {"window_size": 3, "lag": True})
    >>> spec.kind, spec.carried_rows, spec.piloted
    ('rows', 4, True)
    """

    name: str
    kind: MethodKind
    options: dict[str, Any]

    @property
    def piloted(self) -> bool:
        """Whether the method shifts its values by each group's pilot (the z-scores).

        Examples
        --------
        >>> method_spec("rolling_minmax", {"window_size": 3}).piloted
        False
        """
        return self.name in _PILOTED

    @property
    def by(self) -> str | None:
        """The ``by`` (time) column of a ``_by`` method, else None.

        Examples
        --------
        >>> method_spec("rolling_zscore_by", {"by": "ts", "window_size": "1h"}).by
        'ts'
        """
        by = self.options.get("by")
        return by if isinstance(by, str) else None

    @property
    def carried_rows(self) -> int:
        """For a row-count method: the rows each group carries (``window_size``, one more with ``lag``).

        Examples
        --------
        >>> method_spec("rolling_maxabs", {"window_size": 5}).carried_rows
        5
        """
        return int(self.options["window_size"]) + bool(self.options.get("lag"))

    def expr(self, column: str) -> pl.Expr:
        """The method's expression on ``column`` (no ``.over``).

        Examples
        --------
        >>> spec = method_spec("rolling_maxabs", {"window_size": 2, "min_samples": 1})
        >>> pl.DataFrame({"x": [1.0, 2.0, 4.0]}).select(spec.expr("x")).to_series().to_list()
        [1.0, 1.0, 1.0]
        """
        function, _ = METHODS[self.name]
        return function(pl.col(column), **self.options)


def method_spec(method: str, options: Mapping[str, Any]) -> MethodSpec:
    """Check ``method`` and its ``options`` (by building the expression once) and fill in the defaults.

    Parameters
    ----------
    method
        One of :data:`METHODS`.
    options
        The method's keyword options.

    Returns
    -------
    MethodSpec

    Raises
    ------
    ValueError
        An unknown method (the message lists the known ones), ``center=True``,
        a missing ``by`` or ``window_size``, or any option the method itself
        refuses (its own message).

    Examples
    --------
    >>> method_spec("rolling_robust", {"window_size": 4}).options["quantile_range"]
    (0.25, 0.75)
    >>> method_spec("rolling_mean", {})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: polars_norm.WindowNormalizer: unknown method 'rolling_mean'; expected one of ...
    """
    if method not in METHODS:
        msg = f"polars_norm.WindowNormalizer: unknown method {method!r}; expected one of {', '.join(METHODS)}"
        raise ValueError(msg)
    function, kind = METHODS[method]
    if options.get("center"):
        msg = (
            f"polars_norm.WindowNormalizer: center=True is not possible batch by batch ({method}): "
            "a centered window needs the rows after the end of the batch"
        )
        raise ValueError(msg)
    if "expr" in options:
        msg = "polars_norm.WindowNormalizer: 'expr' is not an option; name the columns in `columns`"
        raise ValueError(msg)
    if kind == "by" or method == "ewm_zscore_by":
        by = options.get("by")
        if not isinstance(by, str):
            msg = f"polars_norm.WindowNormalizer: {method} needs by=<the name of the time column>, got by={by!r}"
            raise ValueError(msg)
    signature = inspect.signature(function)
    try:
        bound = signature.bind(pl.col("x"), **options)
    except TypeError as exc:
        msg = f"polars_norm.WindowNormalizer: bad options for {method}: {exc}"
        raise ValueError(msg) from exc
    bound.apply_defaults()
    full = dict(bound.arguments)
    del full["expr"]
    function(pl.col("x"), **full)  # the method's own checks, raised now
    return MethodSpec(method, kind, full)
