"""The fitted statistics each method reads: the :class:`FittedStatistics` interface, :func:`stat_frame`.

:func:`stat_frame` reads the statistics a method needs out of an
:class:`~polars_norm.fitted.accumulator.Accumulator` (through the
:class:`FittedStatistics` interface it provides), one row per group: the
moments from its state (:mod:`polars_norm.fitted.moments`) and, for
``robust``, quantiles of its sketches. The expressions that apply them are in
:mod:`polars_norm.fitted.exprs` (location-scale) and
:mod:`polars_norm.fitted.cdf_exprs` (the quantile transform).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import polars as pl
from datasketches import kll_doubles_sketch

from polars_norm.fitted.moments import COLUMN, mean_expr, norm_expr, std_expr

__all__ = ["FittedStatistics", "Frame", "require_sketch", "stat_frame"]


class FittedStatistics(Protocol):
    """What applying fitted statistics reads of them (:class:`polars_norm.Accumulator` provides it).

    The fitted modules depend on this interface rather than on the
    accumulator, which imports them: imports point one way.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import fit
    >>> from polars_norm.fitted.method_stats import FittedStatistics
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
    >>> from polars_norm.fitted.method_stats import stat_frame
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
    >>> from polars_norm.fitted.method_stats import require_sketch
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
