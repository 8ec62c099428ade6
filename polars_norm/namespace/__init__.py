"""The ``norm`` expression namespace: thin, explicit methods over the pure functions.

``import polars_norm`` registers it, so ``pl.col("x").norm.zscore()`` is
``polars_norm.zscore(pl.col("x"))``. Every method is spelled out (no
``__getattr__`` forwarding) so that signatures are visible to type checkers
and IDEs, and each carries its full documentation (parameters, the rules for
nulls, NaN and zero scales, references, an example), as Polars documents its
own namespaces. The shared rules are in docs/semantics.md and
:mod:`polars_norm.semantics`.
"""

from __future__ import annotations

import polars as pl

from polars_norm.namespace.norms import NormMethods
from polars_norm.namespace.recursive import RecursiveMethods
from polars_norm.namespace.rolling import RollingMethods
from polars_norm.namespace.rolling_by import RollingByMethods
from polars_norm.namespace.scaling import ScalingMethods
from polars_norm.namespace.transforms import TransformMethods
from polars_norm.namespace.vectors import VectorMethods

__all__ = ["NormNamespace"]


@pl.api.register_expr_namespace("norm")
class NormNamespace(
    ScalingMethods,
    TransformMethods,
    NormMethods,
    RollingMethods,
    RollingByMethods,
    RecursiveMethods,
    VectorMethods,
):
    """Normalizations and norms of a column: ``pl.col(...).norm``.

    Registered by ``import polars_norm``. Each method returns a lazy
    ``pl.Expr`` built from native Polars expressions (a numpy kernel behind
    ``map_batches`` for a few), so it works in ``select``, ``with_columns``,
    ``group_by().agg()``, under ``.over()`` and in lazy and streaming queries.
    The method ``pl.col("x").norm.zscore()`` is the function
    ``polars_norm.zscore(pl.col("x"))``.

    The methods fall into five families: location-scale normalizations over
    the column (``zscore``, ``minmax``, ``maxabs``, ``robust``,
    ``mean_range``), other transforms (``unit``, ``softmax``, ``quantile``,
    ``box_cox``, ``yeo_johnson``), norms (aggregations: ``l0`` to ``linf``),
    windows (``rolling_*``, ``rolling_*_by``, ``expanding_*``, ``ewm_*``) and
    vector cells of ``Array``/``List`` columns (``vector_*``).

    Notes
    -----
    Every method follows the same rules (docs/semantics.md): nulls are ignored
    by the statistics and stay null; NaN is ignored too with ``nan="ignore"``
    (the default) and stays NaN, while ``nan="propagate"`` gives Polars' own
    semantics; a zero or undefined scale is taken as 1, so finite input never
    yields NaN or inf; integers and Decimal are computed in Float64 and
    Float32 stays Float32. Parameters are checked when the expression is
    built (``ValueError``) and the dtype when the query is planned
    (``TypeError``).

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"g": ["a", "a", "b", "b"], "x": [1.0, 3.0, 10.0, 30.0]})
    >>> df.with_columns(
    ...     z=pl.col("x").norm.zscore().over("g"),
    ...     mm=pl.col("x").norm.minmax(),
    ... )
    shape: (4, 4)
    ┌─────┬──────┬───────────┬──────────┐
    │ g   ┆ x    ┆ z         ┆ mm       │
    │ --- ┆ ---  ┆ ---       ┆ ---      │
    │ str ┆ f64  ┆ f64       ┆ f64      │
    ╞═════╪══════╪═══════════╪══════════╡
    │ a   ┆ 1.0  ┆ -0.707107 ┆ 0.0      │
    │ a   ┆ 3.0  ┆ 0.707107  ┆ 0.068966 │
    │ b   ┆ 10.0 ┆ -0.707107 ┆ 0.310345 │
    │ b   ┆ 30.0 ┆ 0.707107  ┆ 1.0      │
    └─────┴──────┴───────────┴──────────┘
    """

    def __init__(self, expr: pl.Expr) -> None:
        self._expr = expr
