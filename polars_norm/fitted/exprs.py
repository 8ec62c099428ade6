"""Expressions from fitted statistics: the statistics each method reads, location-scale forms and the sketch CDF.

:func:`stat_frame` reads the statistics a method needs out of an
:class:`~polars_norm.fitted.accumulator.Accumulator`, one row per group. The
builders :mod:`polars_norm.fitted.transform` applies per column: ``(x - location) /
scale`` with the zero-scale rules of :mod:`polars_norm.semantics`, their
inverses, and the quantile transform through a piecewise-linear CDF of the
sketch (written with ``bin_intervals``, which streams).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from statistics import NormalDist
from typing import Any, Protocol

import polars as pl
from datasketches import kll_doubles_sketch

from polars_norm.fitted.moments import COLUMN, mean_expr, norm_expr, std_expr
from polars_norm.semantics import scale_or_one
from polars_norm.special import ndtri

__all__ = [
    "FittedStatistics",
    "Frame",
    "Stat",
    "build_method",
    "count_at_most",
    "interp",
    "location_scale",
    "quantile_expr",
    "require_sketch",
    "segment_interp",
    "stat_frame",
]


class FittedStatistics(Protocol):
    """What applying fitted statistics reads of them (:class:`polars_norm.Accumulator` provides it).

    The fitted modules depend on this interface rather than on the
    accumulator, which imports them: imports point one way.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.fitted.exprs import FittedStatistics
    >>> acc: FittedStatistics = fit(pl.DataFrame({"g": [1, 1], "x": [1.0, 3.0]}), by="g")
    >>> acc.by, acc.columns, acc.quantiles, acc.norm_orders
    (('g',), ('x',), True, (1.0, 2.0))
    """

    @property
    def by(self) -> tuple[str, ...]:
        """The group key columns (empty for global statistics); see :attr:`polars_norm.Accumulator.by`.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> fit(pl.DataFrame({"g": [1, 1], "x": [1.0, 3.0]}), by="g").by
        ('g',)
        """

    @property
    def columns(self) -> tuple[str, ...]:
        """The fitted columns; see :attr:`polars_norm.Accumulator.columns`.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> fit(pl.DataFrame({"g": [1, 1], "x": [1.0, 3.0]}), by="g").columns
        ('x',)
        """

    @property
    def quantiles(self) -> bool:
        """Whether quantile sketches were kept; see :attr:`polars_norm.Accumulator.quantiles`.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> fit(pl.DataFrame({"x": [1.0, 3.0]}), quantiles=False).quantiles
        False
        """

    @property
    def norm_orders(self) -> tuple[float, ...]:
        """The fitted norm orders ``p``; see :attr:`polars_norm.Accumulator.norm_orders`.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> fit(pl.DataFrame({"x": [1.0, 3.0]})).norm_orders
        (1.0, 2.0)
        """

    @property
    def state(self) -> pl.DataFrame:
        """The moment state, one row per group and column (:mod:`polars_norm.fitted.moments`).

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> fit(pl.DataFrame({"g": [1, 2], "x": [1.0, 3.0]}), by="g").state.height
        2
        """

    def sketch(self, column: str, key: Any = ()) -> kll_doubles_sketch | None:
        """The KLL sketch of ``column`` in group ``key``; see :meth:`polars_norm.Accumulator.sketch`.

        Parameters
        ----------
        column
            A fitted column.
        key
            The group: a value or a tuple of the ``by`` keys.

        Returns
        -------
        datasketches.kll_doubles_sketch or None
            The sketch, or ``None`` if there is none.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> fit(pl.DataFrame({"g": [1, 1], "x": [1.0, 3.0]}), by="g").sketch("x", 1).n
        2
        """

    def column_sketches(self, column: str, keys: pl.DataFrame) -> list[kll_doubles_sketch | None]:
        """The sketch of ``column`` for each row of ``keys``; see :meth:`polars_norm.Accumulator.column_sketches`.

        Parameters
        ----------
        column
            A fitted column.
        keys
            The ``by`` keys, one row per group asked for.

        Returns
        -------
        list
            One sketch or ``None`` per row of ``keys``.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> acc = fit(pl.DataFrame({"g": [1, 1], "x": [1.0, 3.0]}), by="g")
        >>> [s.n for s in acc.column_sketches("x", pl.DataFrame({"g": [1]}))]
        [2]
        """

    def sketch_quantiles(self, keys: pl.DataFrame, qs: Sequence[float]) -> list[list[float | None]]:
        """Sketch quantiles per row of ``keys``; see :meth:`polars_norm.Accumulator.sketch_quantiles`.

        Parameters
        ----------
        keys
            The ``by`` keys, then the column name, one row per group and column.
        qs
            Quantile levels.

        Returns
        -------
        list of list
            One list per quantile, aligned with ``keys``; null without a sketch.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> acc = fit(pl.DataFrame({"g": [1, 1], "x": [1.0, 3.0]}), by="g")
        >>> acc.sketch_quantiles(pl.DataFrame({"g": [1], "column": ["x"]}), [0.5])
        [[3.0]]
        """

    def pooled(self) -> FittedStatistics:
        """The statistics over all groups; see :meth:`polars_norm.Accumulator.pooled`.

        Returns
        -------
        FittedStatistics
            Ungrouped statistics of all groups together.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import fit
        >>> fit(pl.DataFrame({"g": [1, 2], "x": [1.0, 3.0]}), by="g").pooled().by
        ()
        """


#: What a transform takes and returns: a LazyFrame stays lazy.
Frame = pl.DataFrame | pl.LazyFrame

#: Looks a fitted statistic up by name, as a (literal or per-group) expression.
Stat = Callable[[str], pl.Expr]

_SQRT2 = math.sqrt(2.0)


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
        Looks a statistic of :func:`stat_frame` up by name, as a literal or a
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


def count_at_most(x: pl.Expr, knots: pl.Series) -> pl.Expr:
    """The number of ``knots`` (sorted) that are ``<= x``, as Int64: ``search_sorted(x, side="right")``.

    Written with ``bin_intervals``, which is elementwise and streams (Polars
    runs ``search_sorted`` of a literal as a columnar function, which buffers
    the whole input). Repeated knots are dropped first (breakpoints must
    ascend strictly) and counted back through a position table.

    Parameters
    ----------
    x
        A Float64 expression.
    knots
        Sorted Float64 knots, repeats allowed.

    Returns
    -------
    pl.Expr
        An Int64 count in ``[0, len(knots)]``.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.exprs import count_at_most
    >>> knots = pl.Series([1.0, 2.0, 2.0, 3.0])
    >>> pl.DataFrame({"x": [0.5, 2.0, 2.5, 9.0]}).select(count_at_most(pl.col("x"), knots).alias("n"))
    shape: (4, 1)
    ┌─────┐
    │ n   │
    │ --- │
    │ i64 │
    ╞═════╡
    │ 0   │
    │ 3   │
    │ 3   │
    │ 4   │
    └─────┘
    """
    keep = knots.is_first_distinct() if knots.len() else knots.is_not_null()
    breaks = knots.filter(keep)
    b = x.bin_intervals(breaks, labels=False, right_closed=False).cast(pl.Int64)
    if breaks.len() == knots.len():
        return b
    # count of knots <= the b-th distinct break = (position of the next distinct break) or all of them
    ends = pl.Series([*pl.int_range(knots.len(), eager=True).filter(keep).to_list()[1:], knots.len()], dtype=pl.Int64)
    return pl.when(b == 0).then(pl.lit(0, pl.Int64)).otherwise(pl.lit(ends).gather(b - 1))


def interp(x: pl.Expr, xs: list[float], ys: list[float]) -> pl.Expr:
    """Piecewise-linear interpolation through knots ``(xs, ys)`` (``xs`` increasing), clamped at the ends.

    Parameters
    ----------
    x
        A Float64 expression.
    xs
        Strictly increasing knot positions (at least one).
    ys
        The knot values, one per position.

    Returns
    -------
    pl.Expr
        ``ys[0]`` at or below ``xs[0]``, ``ys[-1]`` at or above ``xs[-1]``,
        linear in between (see :func:`segment_interp`); NaN stays NaN.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.exprs import interp
    >>> df = pl.DataFrame({"x": [-1.0, 0.5, 1.5, 5.0, float("nan")]})
    >>> df.select(interp(pl.col("x"), [0.0, 1.0, 2.0], [0.0, 10.0, 30.0]))
    shape: (5, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ 0.0  │
    │ 5.0  │
    │ 20.0 │
    │ 30.0 │
    │ NaN  │
    └──────┘
    """
    if len(xs) == 1:
        return pl.when(x.is_not_nan()).then(pl.lit(ys[0])).otherwise(x)
    kx, ky = pl.lit(pl.Series(xs, dtype=pl.Float64)), pl.lit(pl.Series(ys, dtype=pl.Float64))
    i0 = (count_at_most(x, pl.Series(xs, dtype=pl.Float64)) - 1).clip(0, len(xs) - 2)
    return segment_interp(x, kx.gather(i0), kx.gather(i0 + 1), ky.gather(i0), ky.gather(i0 + 1))


def segment_interp(x: pl.Expr, x0: pl.Expr, x1: pl.Expr, y0: pl.Expr, y1: pl.Expr) -> pl.Expr:
    """Linear interpolation of ``x`` on the segment ``(x0, y0)``-``(x1, y1)``, clamped to its ends.

    Parameters
    ----------
    x
        A Float64 expression.
    x0, x1
        The segment's ends (``x0 < x1``), per row.
    y0, y1
        The values at the ends, per row.

    Returns
    -------
    pl.Expr
        ``y0 + (x - x0) / (x1 - x0) * (y1 - y0)``, clamped to ``[y0, y1]``.

    Notes
    -----
    Infinite knots (a sketch of data holding ``inf``) are ends like any
    other: ``x`` at or beyond an end gives that end's ``y``, so ``inf`` maps
    to the top of the CDF and back; on a segment with an infinite ``y`` end,
    ``x`` gives the nearer end's ``y``. NaN stays NaN.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm.fitted.exprs import segment_interp
    >>> x0, x1, y0, y1 = pl.lit(0.0), pl.lit(2.0), pl.lit(10.0), pl.lit(20.0)
    >>> pl.DataFrame({"x": [-1.0, 1.0, 3.0]}).select(segment_interp(pl.col("x"), x0, x1, y0, y1))
    shape: (3, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ 10.0 │
    │ 15.0 │
    │ 20.0 │
    └──────┘
    >>> pl.DataFrame({"x": [0.4, 1.6]}).select(segment_interp(pl.col("x"), x0, x1, y0, pl.lit(float("inf"))))
    shape: (2, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ 10.0 │
    │ inf  │
    └──────┘
    """
    t = ((x - x0) / (x1 - x0)).fill_nan(1.0)  # NaN only from x0 = -inf: a finite x is nearer x1
    # toward an infinite end there is nothing to interpolate: the nearer end, so that rounding in ``x`` neither
    # makes a finite value infinite nor the reverse
    step = pl.when(t < 0.5).then(y0).otherwise(y1)
    inner = (
        pl.when(y1 == y0).then(y0).when(y0.is_infinite() | y1.is_infinite()).then(step).otherwise(y0 + t * (y1 - y0))
    )
    return pl.when(x.is_nan()).then(x).when(x >= x1).then(y1).when(x <= x0).then(y0).otherwise(inner)


def quantile_expr(
    x: pl.Expr, opts: Mapping[str, Any], n: int, knots: tuple[list[float], list[float]], inverse: bool
) -> pl.Expr:
    """The fitted quantile transform through the sketch's mid-rank CDF ``F``.

    Forward: rank ``r = clip(n F(x) + 1/2, 1, n)``, then
    ``u = (r - a) / (n + 1 - 2a)``, and for ``output="normal"`` the standard
    normal quantile of ``u``. Inverse: the same steps backwards, through
    ``F``'s inverse.

    Parameters
    ----------
    x
        A Float64 expression (the data, or for the inverse the transformed
        values).
    opts
        The resolved ``quantile`` options: ``offset`` (``a``) and ``output``
        (``"uniform"`` or ``"normal"``).
    n
        The number of valid values fitted.
    knots
        ``(x_j, F_j)`` from :func:`polars_norm.fitted.sketch.cdf_knots`.
    inverse
        Build the inverse transform.

    Returns
    -------
    pl.Expr
        The transformed values; NaN stays NaN.

    Examples
    --------
    With the knots of a sketch of ``[1, 2, 2, 4]``:

    >>> import polars as pl
    >>> from polars_norm.fitted.exprs import quantile_expr
    >>> knots = ([1.0, 2.0, 4.0], [0.125, 0.5, 0.875])
    >>> opts = {"offset": 0.0, "output": "uniform"}
    >>> pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}).select(quantile_expr(pl.col("x"), opts, 4, knots, inverse=False))
    shape: (4, 1)
    ┌──────┐
    │ x    │
    │ ---  │
    │ f64  │
    ╞══════╡
    │ 0.2  │
    │ 0.5  │
    │ 0.65 │
    │ 0.8  │
    └──────┘
    >>> pl.DataFrame({"u": [0.3, 0.5]}).select(quantile_expr(pl.col("u"), opts, 4, knots, inverse=True))
    shape: (2, 1)
    ┌──────────┐
    │ u        │
    │ ---      │
    │ f64      │
    ╞══════════╡
    │ 1.333333 │
    │ 2.0      │
    └──────────┘
    """
    a = opts["offset"]
    xs, fs = knots
    if not inverse:
        rank = (interp(x, xs, fs) * n + 0.5).clip(1.0, float(n))
        u = (rank - a) / (n + 1.0 - 2.0 * a)
        return ndtri(u) if opts["output"] == "normal" else u
    u = (-x / _SQRT2).erfc() * 0.5 if opts["output"] == "normal" else x
    f = (u * (n + 1.0 - 2.0 * a) + a - 0.5) / n
    return interp(f, fs, xs)


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


def stat_frame(acc: FittedStatistics, column: str, name: str, opts: Mapping[str, Any], where: str) -> pl.DataFrame:
    """The statistics ``name`` needs, one row per group: the by keys and one column per statistic.

    Parameters
    ----------
    acc
        The fitted statistics.
    column
        A fitted column.
    name
        The method: ``zscore`` reads ``mean``, ``std`` and ``maxabs``;
        ``minmax`` and ``mean_range`` ``mean``, ``min`` and ``max``;
        ``maxabs`` ``maxabs``; ``unit`` ``norm``; ``robust`` ``n``,
        ``q_lo``, ``median`` and ``q_hi`` (from the sketch); ``quantile``
        ``n``.
    opts
        The method's resolved options.
    where
        The caller, named in error messages.

    Returns
    -------
    pl.DataFrame
        One row per group in the state (one row without ``by``).

    Raises
    ------
    ValueError
        ``unit`` asks for a norm order that was not fitted, or ``robust``
        needs sketches that were not kept.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.fitted.exprs import stat_frame
    >>> acc = fit(pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, 5.0]}), by="g")
    >>> stat_frame(acc, "x", "zscore", {"ddof": 1}, "transform")
    shape: (2, 4)
    ┌─────┬──────┬──────────┬────────┐
    │ g   ┆ mean ┆ std      ┆ maxabs │
    │ --- ┆ ---  ┆ ---      ┆ ---    │
    │ str ┆ f64  ┆ f64      ┆ f64    │
    ╞═════╪══════╪══════════╪════════╡
    │ a   ┆ 2.0  ┆ 1.414214 ┆ 3.0    │
    │ b   ┆ 5.0  ┆ null     ┆ 5.0    │
    └─────┴──────┴──────────┴────────┘
    >>> stat_frame(acc, "x", "robust", {"quantile_range": (0.25, 0.75)}, "transform")
    shape: (2, 5)
    ┌─────┬─────┬──────┬────────┬──────┐
    │ g   ┆ n   ┆ q_lo ┆ median ┆ q_hi │
    │ --- ┆ --- ┆ ---  ┆ ---    ┆ ---  │
    │ str ┆ i64 ┆ f64  ┆ f64    ┆ f64  │
    ╞═════╪═════╪══════╪════════╪══════╡
    │ a   ┆ 2   ┆ 1.0  ┆ 3.0    ┆ 3.0  │
    │ b   ┆ 1   ┆ 5.0  ┆ 5.0    ┆ 5.0  │
    └─────┴─────┴──────┴────────┴──────┘
    """
    by = list(acc.by)
    state = acc.state.filter(pl.col(COLUMN) == column)
    if name == "zscore":
        exprs = [mean_expr().alias("mean"), std_expr(opts["ddof"]).alias("std"), norm_expr(math.inf).alias("maxabs")]
    elif name in ("minmax", "mean_range"):
        exprs = [mean_expr().alias("mean"), pl.col("min"), pl.col("max")]
    elif name == "maxabs":
        exprs = [norm_expr(math.inf).alias("maxabs")]
    elif name == "unit":
        p = opts["p"]
        if not math.isinf(p) and p not in acc.norm_orders:
            msg = (
                f"polars_norm.{where}: the L{p:g} norm was not fitted (norm_orders={acc.norm_orders}); "
                f"fit with norm_orders including {p:g}"
            )
            raise ValueError(msg)
        exprs = [norm_expr(p).alias("norm")]
    else:  # robust, quantile: from the sketch
        exprs = [pl.col("count").alias("n")]
    frame = state.select(*by, *exprs)
    if name == "robust":
        require_sketch(acc, name, where)
        lo, hi = opts["quantile_range"]
        keys = pl.DataFrame([*frame.select(by).get_columns(), pl.Series(COLUMN, [column] * frame.height, pl.String)])
        values = acc.sketch_quantiles(keys, (lo, 0.5, hi))
        names = ("q_lo", "median", "q_hi")
        frame = frame.with_columns(pl.Series(k, v, pl.Float64) for k, v in zip(names, values, strict=True))
    return frame


def require_sketch(acc: FittedStatistics, name: str, where: str) -> None:
    """Raise if ``name`` needs quantile sketches and ``acc`` was fitted without them.

    Parameters
    ----------
    acc
        The fitted statistics.
    name
        The method (``robust`` or ``quantile`` need sketches).
    where
        The caller, named in the error message.

    Raises
    ------
    ValueError
        ``acc`` was fitted with ``quantiles=False``.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.fitted.exprs import require_sketch
    >>> require_sketch(fit(pl.DataFrame({"x": [1.0]})), "robust", "transform")
    >>> require_sketch(fit(pl.DataFrame({"x": [1.0]}), quantiles=False), "robust", "transform")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: polars_norm.transform: method 'robust' needs quantile sketches, but these statistics were fitted ...
    """
    if not acc.quantiles:
        msg = (
            f"polars_norm.{where}: method {name!r} needs quantile sketches, but these statistics were "
            "fitted with quantiles=False; fit again with quantiles=True"
        )
        raise ValueError(msg)
