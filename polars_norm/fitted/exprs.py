"""Location-scale expressions from fitted statistics: ``(x - location) / scale`` per method, and its inverse.

The builders :mod:`polars_norm.fitted.transform` applies per column:
:func:`location_scale` gives a method's location and scale, with the
zero-scale rules of :mod:`polars_norm.semantics`, from the statistics of
:func:`polars_norm.fitted.method_stats.stat_frame`; :func:`build_method`
applies them, forward or inverse. The quantile transform through the
sketch's CDF is in :mod:`polars_norm.fitted.cdf_exprs`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from statistics import NormalDist
from typing import Any

import polars as pl

from polars_norm.semantics import scale_or_one

__all__ = ["Stat", "build_method", "location_scale"]


#: Looks a fitted statistic up by name, as a (literal or per-group) expression.
Stat = Callable[[str], pl.Expr]


def location_scale(name: str, opts: Mapping[str, Any], stat: Stat) -> tuple[pl.Expr | None, pl.Expr]:
    """The ``(location, scale)`` of a location-scale method: ``y = (x - location) / scale``.

    Parameters
    ----------
    name
        ``"zscore"``, ``"minmax"``, ``"mean_range"``, ``"maxabs"``,
        ``"unit"`` or ``"robust"``.
    opts
        The method's resolved options (:func:`polars_norm.fitted.transform.resolve_method`);
        ``robust`` reads ``with_centering``, ``unit_variance`` and
        ``quantile_range``.
    stat
        Looks a statistic of :func:`~polars_norm.fitted.method_stats.stat_frame` up by name, as a literal or a
        per-group expression.

    Returns
    -------
    tuple
        ``(location, scale)``: ``location`` is ``None`` for methods that do
        not center.

    Notes
    -----
    The same zero-scale rules as the in-query functions of
    :mod:`polars_norm.columns.scaling` and :mod:`polars_norm.columns.norms` (a zero scale
    becomes 1), and the same rules for missing and infinite statistics:

    * no statistics (a group, or a whole fit, without valid values): the
      scale is null, so every method gives null (NaN stays NaN);
    * a ``zscore`` fitted on data holding ``inf``: its mean or spread is not
      finite and the scale is NaN, so every output is NaN, as in a query,
      where ``x - mean`` and the standard deviation are NaN too. The other
      methods follow IEEE arithmetic on their (exact) statistics, as the
      in-query forms do.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.exprs import location_scale
    >>> stats = {"min": 2.0, "max": 6.0, "mean": 3.0}
    >>> loc, scale = location_scale("minmax", {}, lambda s: pl.lit(stats[s]))
    >>> pl.select(loc.alias("location"), scale.alias("scale"))
    shape: (1, 2)
    ┌──────────┬───────┐
    │ location ┆ scale │
    │ ---      ┆ ---   │
    │ f64      ┆ f64   │
    ╞══════════╪═══════╡
    │ 2.0      ┆ 4.0   │
    └──────────┴───────┘

    A zero standard deviation is replaced by 1:

    >>> stats = {"std": 0.0, "maxabs": 5.0, "mean": 5.0}
    >>> loc, scale = location_scale("zscore", {}, lambda s: pl.lit(stats[s]))
    >>> pl.select(loc.alias("location"), scale.alias("scale"))
    shape: (1, 2)
    ┌──────────┬───────┐
    │ location ┆ scale │
    │ ---      ┆ ---   │
    │ f64      ┆ f64   │
    ╞══════════╪═══════╡
    │ 5.0      ┆ 1.0   │
    └──────────┴───────┘
    """
    if name == "zscore":
        std, maxabs = stat("std"), stat("maxabs")
        scale = pl.when(maxabs.is_infinite()).then(pl.lit(float("nan"))).otherwise(scale_or_one(std, maxabs=maxabs))
        return stat("mean"), scale
    if name in ("minmax", "mean_range"):
        lo, hi = stat("min"), stat("max")
        return (lo if name == "minmax" else stat("mean")), _known(scale_or_one(hi - lo), lo, hi)
    if name in ("maxabs", "unit"):
        norm = stat("maxabs" if name == "maxabs" else "norm")
        return None, _known(scale_or_one(norm), norm)
    # robust
    lo, hi = stat("q_lo"), stat("q_hi")
    scale = _known(scale_or_one(hi - lo), lo, hi)
    if opts["unit_variance"]:
        q_lo, q_hi = opts["quantile_range"]
        normal = NormalDist()
        scale = scale / (normal.inv_cdf(q_hi) - normal.inv_cdf(q_lo))
    return (stat("median") if opts["with_centering"] else None), scale


def _known(scale: pl.Expr, *stats: pl.Expr) -> pl.Expr:
    """``scale`` where every statistic it comes from is known; null where any is missing (no data)."""
    return pl.when(pl.all_horizontal(s.is_not_null() for s in stats)).then(scale)


def build_method(
    name: str,
    opts: Mapping[str, Any],
    stat: Stat,
    inverse: bool,
    keep_nan: bool,
    affine: tuple[pl.Expr | None, pl.Expr] | None = None,
) -> Callable[..., pl.Expr]:
    """The builder of a location-scale method, forward or inverse.

    Parameters
    ----------
    name
        A location-scale method (see :func:`location_scale`).
    opts
        Its resolved options; ``minmax`` reads ``feature_range`` and ``clip``.
    stat
        Looks a statistic up by name (see :func:`location_scale`).
    inverse
        Build the inverse transform.
    keep_nan
        Return NaN inputs as NaN even where the scale is null (no statistics).
    affine
        ``(location, scale)`` already computed, to share them between columns
        or with a grouped lookup; computed from ``stat`` when ``None``.

    Returns
    -------
    Callable
        ``build(x, _)``, taking the column's Float64 expression (and the
        float dtype :func:`polars_norm.semantics.numeric_expr` passes, unused
        here) and returning the transformed expression.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.exprs import build_method
    >>> stats = {"min": 2.0, "max": 6.0}
    >>> opts = {"feature_range": (-1.0, 1.0), "clip": False}
    >>> scale = build_method("minmax", opts, lambda s: pl.lit(stats[s]), inverse=False, keep_nan=False)
    >>> pl.DataFrame({"x": [2.0, 4.0, 8.0]}).select(scale(pl.col("x"), None))
    shape: (3, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ -1.0 │
    │ 0.0  │
    │ 2.0  │
    └──────┘
    >>> unscale = build_method("minmax", opts, lambda s: pl.lit(stats[s]), inverse=True, keep_nan=False)
    >>> pl.DataFrame({"x": [-1.0, 0.0, 2.0]}).select(unscale(pl.col("x"), None))
    shape: (3, 1)
    ┌─────┐
    │ x   │
    │ --- │
    │ f64 │
    ╞═════╡
    │ 2.0 │
    │ 4.0 │
    │ 8.0 │
    └─────┘
    """

    def build(x: pl.Expr, _: object) -> pl.Expr:
        loc, scale = affine if affine is not None else location_scale(name, opts, stat)
        if not inverse:
            out = x if loc is None else x - loc
            out = out / scale
            if name == "minmax":
                low, high = opts["feature_range"]
                if (low, high) != (0.0, 1.0):
                    out = out * (high - low) + low
                if opts["clip"]:
                    out = out.clip(low, high)
        else:
            y = x
            if name == "minmax":
                low, high = opts["feature_range"]
                if (low, high) != (0.0, 1.0):
                    y = (y - low) / (high - low)
            out = y * scale
            out = out if loc is None else out + loc
        return pl.when(x.is_nan()).then(x).otherwise(out) if keep_nan else out

    return build
