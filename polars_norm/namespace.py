"""The ``norm`` expression namespace: thin, explicit methods over the pure functions.

``import polars_norm`` registers it, so ``pl.col("x").norm.zscore()`` is
``polars_norm.zscore(pl.col("x"))``. Every method is spelled out (no
``__getattr__`` forwarding) so that signatures are visible to type checkers
and IDEs; the docs of each method are those of its function.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from polars_norm import (
    ewm,
    ewm_by,
    expanding,
    norms,
    power,
    ranks,
    rolling,
    rolling_by,
    scaling,
    vector_zscore,
    vectors,
)
from polars_norm.ranks import QuantileOutput
from polars_norm.semantics import NanPolicy
from polars_norm.window_checks import ClosedInterval, Duration

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

    # -- windows: rolling, time-based, expanding, exponentially weighted -----
    def rolling_zscore(
        self,
        window_size: int,
        *,
        min_samples: int | None = None,
        center: bool = False,
        ddof: int = 1,
        lag: bool = False,
        nan: NanPolicy = "ignore",
        weights: Sequence[float] | None = None,
    ) -> pl.Expr:
        """Rolling ``(x - mean) / std``; see :func:`polars_norm.rolling_zscore`."""
        return rolling.rolling_zscore(
            self._expr,
            window_size,
            min_samples=min_samples,
            center=center,
            ddof=ddof,
            lag=lag,
            nan=nan,
            weights=weights,
        )

    def rolling_minmax(
        self,
        window_size: int,
        *,
        feature_range: tuple[float, float] = (0.0, 1.0),
        min_samples: int | None = None,
        center: bool = False,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Rolling min-max; see :func:`polars_norm.rolling_minmax`."""
        return rolling.rolling_minmax(
            self._expr,
            window_size,
            feature_range=feature_range,
            min_samples=min_samples,
            center=center,
            lag=lag,
            nan=nan,
        )

    def rolling_robust(
        self,
        window_size: int,
        *,
        quantile_range: tuple[float, float] = (0.25, 0.75),
        min_samples: int | None = None,
        center: bool = False,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Rolling ``(x - median) / IQR``; see :func:`polars_norm.rolling_robust`."""
        return rolling.rolling_robust(
            self._expr,
            window_size,
            quantile_range=quantile_range,
            min_samples=min_samples,
            center=center,
            lag=lag,
            nan=nan,
        )

    def rolling_maxabs(
        self,
        window_size: int,
        *,
        min_samples: int | None = None,
        center: bool = False,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Rolling ``x / max|x|``; see :func:`polars_norm.rolling_maxabs`."""
        return rolling.rolling_maxabs(self._expr, window_size, min_samples=min_samples, center=center, lag=lag, nan=nan)

    def rolling_zscore_by(
        self,
        by: str | pl.Expr,
        window_size: Duration,
        *,
        min_samples: int = 1,
        closed: ClosedInterval = "right",
        ddof: int = 1,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-based rolling z-score; see :func:`polars_norm.rolling_zscore_by`."""
        return rolling_by.rolling_zscore_by(
            self._expr, by, window_size, min_samples=min_samples, closed=closed, ddof=ddof, lag=lag, nan=nan
        )

    def rolling_minmax_by(
        self,
        by: str | pl.Expr,
        window_size: Duration,
        *,
        feature_range: tuple[float, float] = (0.0, 1.0),
        min_samples: int = 1,
        closed: ClosedInterval = "right",
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-based rolling min-max; see :func:`polars_norm.rolling_minmax_by`."""
        return rolling_by.rolling_minmax_by(
            self._expr,
            by,
            window_size,
            feature_range=feature_range,
            min_samples=min_samples,
            closed=closed,
            lag=lag,
            nan=nan,
        )

    def rolling_robust_by(
        self,
        by: str | pl.Expr,
        window_size: Duration,
        *,
        quantile_range: tuple[float, float] = (0.25, 0.75),
        min_samples: int = 1,
        closed: ClosedInterval = "right",
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-based rolling robust scaling; see :func:`polars_norm.rolling_robust_by`."""
        return rolling_by.rolling_robust_by(
            self._expr,
            by,
            window_size,
            quantile_range=quantile_range,
            min_samples=min_samples,
            closed=closed,
            lag=lag,
            nan=nan,
        )

    def rolling_maxabs_by(
        self,
        by: str | pl.Expr,
        window_size: Duration,
        *,
        min_samples: int = 1,
        closed: ClosedInterval = "right",
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-based rolling max-abs; see :func:`polars_norm.rolling_maxabs_by`."""
        return rolling_by.rolling_maxabs_by(
            self._expr, by, window_size, min_samples=min_samples, closed=closed, lag=lag, nan=nan
        )

    def expanding_zscore(
        self, *, min_samples: int = 2, ddof: int = 1, lag: bool = False, nan: NanPolicy = "ignore"
    ) -> pl.Expr:
        """Expanding (cumulative) z-score; see :func:`polars_norm.expanding_zscore`."""
        return expanding.expanding_zscore(self._expr, min_samples=min_samples, ddof=ddof, lag=lag, nan=nan)

    def expanding_minmax(
        self,
        *,
        feature_range: tuple[float, float] = (0.0, 1.0),
        min_samples: int = 1,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Expanding min-max; see :func:`polars_norm.expanding_minmax`."""
        return expanding.expanding_minmax(
            self._expr, feature_range=feature_range, min_samples=min_samples, lag=lag, nan=nan
        )

    def expanding_maxabs(self, *, min_samples: int = 1, lag: bool = False, nan: NanPolicy = "ignore") -> pl.Expr:
        """Expanding max-abs; see :func:`polars_norm.expanding_maxabs`."""
        return expanding.expanding_maxabs(self._expr, min_samples=min_samples, lag=lag, nan=nan)

    def ewm_zscore(
        self,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | None = None,
        alpha: float | None = None,
        adjust: bool = True,
        min_samples: int = 1,
        bias: bool = False,
        ignore_nulls: bool = False,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Exponentially weighted z-score; see :func:`polars_norm.ewm_zscore`."""
        return ewm.ewm_zscore(
            self._expr,
            com=com,
            span=span,
            half_life=half_life,
            alpha=alpha,
            adjust=adjust,
            min_samples=min_samples,
            bias=bias,
            ignore_nulls=ignore_nulls,
            lag=lag,
            nan=nan,
        )

    def ewm_zscore_by(
        self,
        by: str | pl.Expr,
        *,
        half_life: Duration,
        min_samples: int = 1,
        bias: bool = False,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-decayed EW z-score; see :func:`polars_norm.ewm_zscore_by`."""
        return ewm_by.ewm_zscore_by(
            self._expr, by, half_life=half_life, min_samples=min_samples, bias=bias, lag=lag, nan=nan
        )

    # -- vector cells: Array / List columns, one vector per row --------------
    def vector_norm(self, p: float = 2, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """Per-row Lp norm of an Array/List column; see :func:`polars_norm.vector_norm`."""
        return vectors.vector_norm(self._expr, p, nan=nan)

    def vector_unit(self, p: float = 2, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """Each vector scaled to unit Lp norm; see :func:`polars_norm.vector_unit`."""
        return vectors.vector_unit(self._expr, p, nan=nan)

    def vector_zscore(self, *, ddof: int = 1, nan: NanPolicy = "ignore") -> pl.Expr:
        """Each vector standardized by its own mean and std; see :func:`polars_norm.vector_zscore`."""
        return vector_zscore.vector_zscore(self._expr, ddof=ddof, nan=nan)
