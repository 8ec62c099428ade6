"""The ``norm`` expression namespace: thin, explicit methods over the pure functions.

``import polars_norm`` registers it, so ``pl.col("x").norm.zscore()`` is
``polars_norm.zscore(pl.col("x"))``. Every method is spelled out (no
``__getattr__`` forwarding) so that signatures are visible to type checkers
and IDEs; the docs of each method are those of its function.
"""

from __future__ import annotations

import polars as pl

from polars_norm import norms, power, ranks, scaling
from polars_norm.ranks import QuantileOutput
from polars_norm.semantics import NanPolicy

__all__ = ["NormNamespace"]


@pl.api.register_expr_namespace("norm")
class NormNamespace:
    """Normalizations and norms of a column: ``pl.col(...).norm``."""

    def __init__(self, expr: pl.Expr) -> None:
        self._expr = expr

    # -- location-scale ---------------------------------------------------
    def zscore(self, *, ddof: int = 1, nan: NanPolicy = "ignore") -> pl.Expr:
        """``(x - mean) / std``; see :func:`polars_norm.zscore`."""
        return scaling.zscore(self._expr, ddof=ddof, nan=nan)

    def minmax(
        self,
        *,
        feature_range: tuple[float, float] = (0.0, 1.0),
        clip: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Rescale ``[min, max]`` onto ``feature_range``; see :func:`polars_norm.minmax`."""
        return scaling.minmax(self._expr, feature_range=feature_range, clip=clip, nan=nan)

    def maxabs(self, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """``x / max|x|``; see :func:`polars_norm.maxabs`."""
        return scaling.maxabs(self._expr, nan=nan)

    def robust(
        self,
        *,
        quantile_range: tuple[float, float] = (0.25, 0.75),
        with_centering: bool = True,
        unit_variance: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """``(x - median) / IQR``; see :func:`polars_norm.robust`."""
        return scaling.robust(
            self._expr,
            quantile_range=quantile_range,
            with_centering=with_centering,
            unit_variance=unit_variance,
            nan=nan,
        )

    def mean_range(self, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """``(x - mean) / (max - min)``; see :func:`polars_norm.mean_range`."""
        return scaling.mean_range(self._expr, nan=nan)

    # -- unit norm, softmax, ranks, power ----------------------------------
    def unit(self, p: float = 2, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """``x / ||x||_p``; see :func:`polars_norm.unit`."""
        return norms.unit(self._expr, p, nan=nan)

    def softmax(self, *, temperature: float = 1.0, nan: NanPolicy = "ignore") -> pl.Expr:
        """Overflow-safe softmax; see :func:`polars_norm.softmax`."""
        return power.softmax(self._expr, temperature=temperature, nan=nan)

    def quantile(
        self,
        *,
        output: QuantileOutput = "uniform",
        offset: float | str | None = None,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Empirical CDF, uniform or normal; see :func:`polars_norm.quantile`."""
        return ranks.quantile(self._expr, output=output, offset=offset, nan=nan)

    def box_cox(self, lmbda: float) -> pl.Expr:
        """Box-Cox power transform; see :func:`polars_norm.box_cox`."""
        return power.box_cox(self._expr, lmbda)

    def yeo_johnson(self, lmbda: float) -> pl.Expr:
        """Yeo-Johnson power transform; see :func:`polars_norm.yeo_johnson`."""
        return power.yeo_johnson(self._expr, lmbda)

    # -- norms (aggregations) ----------------------------------------------
    def l0(self, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """Count of non-zeros; see :func:`polars_norm.l0`."""
        return norms.l0(self._expr, nan=nan)

    def l1(self, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """``sum(|x|)``; see :func:`polars_norm.l1`."""
        return norms.l1(self._expr, nan=nan)

    def l2(self, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """Overflow-safe Euclidean norm; see :func:`polars_norm.l2`."""
        return norms.l2(self._expr, nan=nan)

    def lp(self, p: float, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """Overflow-safe Lp norm; see :func:`polars_norm.lp`."""
        return norms.lp(self._expr, p, nan=nan)

    def linf(self, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """``max(|x|)``; see :func:`polars_norm.linf`."""
        return norms.linf(self._expr, nan=nan)
