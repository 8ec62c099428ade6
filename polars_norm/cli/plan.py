"""The methods to apply: ``--method`` and ``-O`` resolved into validated specs, and checked.

``--method M`` (every column) and ``--method COL=M`` (one column) with the
``-O KEY=VALUE`` options each method has, checked against each other, against
the names of ``--columns`` and ``--by``, and, once the statistics file is
loaded, against what it can serve. Any conflict is a
:class:`polars_norm.cli.arguments.UsageError`.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from polars_norm.cli.arguments import UsageError, once, parse_option, split_names
from polars_norm.fitted.accumulator import Accumulator
from polars_norm.fitted.transform import METHODS, resolve_method

__all__ = [
    "SKETCH_METHODS",
    "Spec",
    "check_fitted",
    "check_names",
    "column_methods",
    "plan_methods",
    "specs_of",
    "unit_orders",
]

#: The methods that need the quantile sketches.
SKETCH_METHODS = {"robust", "quantile"}

#: A method and its full, validated options, e.g. ``("minmax", {"feature_range": (0, 1), "clip": False})``.
Spec = tuple[str, dict[str, Any]]


def plan_methods(args: argparse.Namespace) -> tuple[Spec | None, dict[str, Spec]]:
    """The default method and the per-column methods, each with its full, validated option set.

    ``--option`` values go to every chosen method that has that option; an
    option no chosen method has, an option given twice, an unknown method, a
    bad value, a column given two methods or two methods for every column is
    a ``UsageError``. Columns named by ``--columns`` without a per-column
    method get the default method, ``zscore`` unless ``--method M`` says.

    Examples
    --------
    >>> args = argparse.Namespace(method=["minmax", "y=unit"], option=["p=3"], columns=None)
    >>> default, per_column = plan_methods(args)
    >>> default[0], per_column["y"]
    ('minmax', ('unit', {'p': 3.0}))
    """
    default: str | None = None
    per_column: dict[str, str] = {}
    for item in (m.strip() for v in args.method or ["zscore"] for m in v.split(",")):
        column, sep, name = item.rpartition("=")
        if sep and column in per_column:
            msg = f"--method {item}: column {column!r} already has method {per_column[column]!r}"
            raise UsageError(msg)
        if not sep and default is not None and name != default:
            msg = f"--method {name}: the method for every column is already {default!r} (use --method COL=M)"
            raise UsageError(msg)
        if sep:
            per_column[column] = name
        else:
            default = name
    if default is None and set(split_names(args.columns) or ()) - set(per_column):
        default = "zscore"
    pairs = [parse_option(o) for o in args.option or []]
    once([k for k, _ in pairs], "--option")
    options = dict(pairs)
    specs: dict[str, Spec] = {}
    try:
        for name in sorted({*per_column.values(), *([default] if default else [])}):
            own = {k: v for k, v in options.items() if k in METHODS.get(name, {})}
            specs[name] = resolve_method(name, own, "cli")
    except ValueError as exc:
        raise UsageError(str(exc).removeprefix("polars_norm.cli: ").replace("float('inf')", "inf")) from exc
    unused = set(options).difference(*(METHODS[name] for name in specs))
    if unused:
        msg = f"--option {sorted(unused)[0]} applies to none of the methods {sorted(specs)}"
        raise UsageError(msg)
    return (specs[default] if default else None), {c: specs[n] for c, n in per_column.items()}


def specs_of(default: Spec | None, per_column: dict[str, Spec]) -> list[Spec]:
    """The specs of :func:`plan_methods`' result, the default first (if any)."""
    return [s for s in (default, *per_column.values()) if s is not None]


def unit_orders(specs: Sequence[Spec]) -> tuple[float, ...]:
    """The finite norm orders ``p`` the ``unit`` specs need (L-inf is always fitted)."""
    return tuple(dict.fromkeys(o["p"] for n, o in specs if n == "unit" and math.isfinite(o["p"])))


def check_names(args: argparse.Namespace, per_column: dict[str, Spec]) -> None:
    """Duplicate names and a column that is also a group key, before anything is read."""
    columns, by = split_names(args.columns) or [], split_names(getattr(args, "by", None)) or []
    once(columns, "--columns")
    once(by, "--by")
    for name in by:
        if name in columns:
            msg = f"--by {name} is also named by --columns: a group key is not normalized"
            raise UsageError(msg)
        if name in per_column:
            msg = f"--by {name} is also given a method (--method {name}=...): a group key is not normalized"
            raise UsageError(msg)


def check_fitted(acc: Accumulator, specs: Sequence[Spec], stats: Path) -> None:
    """Methods the statistics file cannot serve: a usage error before any data is read."""
    for name, opts in specs:
        if name in SKETCH_METHODS and not acc.quantiles:
            msg = f"--method {name} needs quantile sketches; {str(stats)!r} was fitted with --no-quantiles"
            raise UsageError(msg)
        p = opts.get("p") if name == "unit" else None
        if p is not None and math.isfinite(p) and p not in acc.norm_orders:
            fitted = ", ".join(f"{q:g}" for q in acc.norm_orders) or "none"
            msg = (
                f"-O p={p:g}: {str(stats)!r} holds the norms of orders {fitted} (and inf); "
                f"fit again with --norm-orders {p:g}"
            )
            raise UsageError(msg)


def column_methods(default: Spec | None, per_column: dict[str, Spec], columns: Sequence[str]) -> dict[str, Spec]:
    """Each column's spec: the default for ``columns`` (if there is one), then the per-column methods."""
    plan: dict[str, Spec] = dict.fromkeys(columns, default) if default is not None else {}
    plan.update(per_column)
    return plan
