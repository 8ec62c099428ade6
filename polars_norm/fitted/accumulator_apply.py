"""Applying an accumulator's statistics: :class:`AccumulatorApply`.

The methods of :class:`polars_norm.Accumulator` that normalize data with the
fitted statistics (``transform``, ``inverse_transform``, ``expr``). They are
thin: the methods and their options live in :mod:`polars_norm.fitted.transform`,
which reads the statistics through the
:class:`~polars_norm.fitted.method_stats.FittedStatistics` interface, so this mixin
needs nothing of the accumulator but that interface.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from polars_norm.fitted import transform as fitted
from polars_norm.fitted.method_stats import FittedStatistics, Frame
from polars_norm.fitted.transform import MethodSpec, Unseen

__all__ = ["AccumulatorApply"]


class AccumulatorApply:
    """Normalizing with fitted statistics; a base of :class:`polars_norm.Accumulator`.

    A mixin for classes that provide :class:`~polars_norm.fitted.method_stats.FittedStatistics`.

    Examples
    --------
    >>> import polars as pl
    >>> from polars_norm import Accumulator
    >>> from polars_norm.fitted.accumulator_apply import AccumulatorApply
    >>> acc = Accumulator(quantiles=False).update(pl.DataFrame({"x": [1.0, 3.0]}))
    >>> isinstance(acc, AccumulatorApply), acc.transform(pl.DataFrame({"x": [3.0]}))["x"].to_list()
    (True, [0.7071067811865475])
    """

    def transform(
        self: FittedStatistics,
        frame: Frame,
        method: MethodSpec | Mapping[str, MethodSpec] = "zscore",
        *,
        unseen: Unseen = "null",
        **options: Any,
    ) -> Frame:
        """Normalize ``frame`` with the fitted statistics.

        Parameters
        ----------
        frame
            A polars DataFrame or LazyFrame (a LazyFrame stays lazy), or a pandas
            DataFrame, holding the fitted columns and the ``by`` keys.
        method
            A method name (``"zscore"``, ``"minmax"``, ``"maxabs"``,
            ``"robust"``, ``"mean_range"``, ``"unit"``, ``"quantile"``) or
            ``(name, {option: value})`` for every fitted column, or a mapping
            ``{column: method}``.
        unseen
            What a group not seen in fitting gets: ``"null"``, ``"global"`` (the
            pooled statistics) or ``"raise"``.
        **options
            Method options for every column, e.g. ``ddof=0``,
            ``feature_range=(-1, 1)``.

        Returns
        -------
        DataFrame or LazyFrame
            ``frame`` with the chosen columns normalized.

        Raises
        ------
        ValueError
            A column was not fitted, a method or option is unknown, or (with
            ``unseen="raise"``) a group was not seen.
        ColumnNotFoundError
            A chosen column is missing from ``frame``.

        See Also
        --------
        polars_norm.fitted.transform : the full description of methods and options.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(by="g", quantiles=False).update(pl.DataFrame({"g": ["a", "a"], "x": [1.0, 3.0]}))
        >>> acc.transform(pl.DataFrame({"g": ["a", "b"], "x": [3.0, 3.0]}))
        shape: (2, 2)
        ┌─────┬──────────┐
        │ g   ┆ x        │
        │ --- ┆ ---      │
        │ str ┆ f64      │
        ╞═════╪══════════╡
        │ a   ┆ 0.707107 │
        │ b   ┆ null     │
        └─────┴──────────┘
        """
        return fitted.transform(self, frame, method, unseen=unseen, inverse=False, **options)

    def inverse_transform(
        self: FittedStatistics,
        frame: Frame,
        method: MethodSpec | Mapping[str, MethodSpec] = "zscore",
        *,
        unseen: Unseen = "null",
        **options: Any,
    ) -> Frame:
        """Undo :meth:`transform` (same arguments).

        Parameters
        ----------
        frame, method, unseen, **options
            As in :meth:`transform`.

        Returns
        -------
        DataFrame or LazyFrame
            ``frame`` with the chosen columns mapped back to the data's scale.

        See Also
        --------
        polars_norm.fitted.transform : the full description of methods and options.

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator(quantiles=False).update(pl.DataFrame({"x": [1.0, 3.0]}))
        >>> scaled = acc.transform(pl.DataFrame({"x": [0.0, 2.0]}), "minmax")
        >>> scaled.get_column("x").to_list()
        [-0.5, 0.5]
        >>> acc.inverse_transform(scaled, "minmax").get_column("x").to_list()
        [0.0, 2.0]
        """
        return fitted.transform(self, frame, method, unseen=unseen, inverse=True, **options)

    def expr(
        self: FittedStatistics, column: str, method: MethodSpec = "zscore", *, inverse: bool = False, **options: Any
    ) -> pl.Expr:
        """The ``pl.Expr`` applying ungrouped fitted statistics to ``pl.col(column)``.

        Parameters
        ----------
        column
            A fitted column.
        method
            A method name or ``(name, {option: value})``, as in :meth:`transform`.
        inverse
            Build the inverse transform instead.
        **options
            Options of the method.

        Returns
        -------
        pl.Expr
            The statistics as literals, so the expression can go in any
            ``select`` or ``with_columns``.

        Raises
        ------
        ValueError
            The statistics are grouped (use :meth:`transform`, or
            ``acc.pooled().expr(...)``), or the column was not fitted.

        See Also
        --------
        polars_norm.fitted.transform.column_expr

        Examples
        --------
        >>> import polars as pl
        >>> from polars_norm import Accumulator
        >>> acc = Accumulator().update(pl.DataFrame({"x": [1.0, 2.0, 3.0]}))
        >>> pl.DataFrame({"x": [1.0, 4.0]}).select(acc.expr("x", "robust").alias("robust"), acc.expr("x", "unit", p=1))
        shape: (2, 2)
        ┌────────┬──────────┐
        │ robust ┆ x        │
        │ ---    ┆ ---      │
        │ f64    ┆ f64      │
        ╞════════╪══════════╡
        │ -0.5   ┆ 0.166667 │
        │ 1.0    ┆ 0.666667 │
        └────────┴──────────┘
        """
        return fitted.column_expr(self, column, method, inverse=inverse, **options)
