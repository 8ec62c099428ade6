"""polars-norm: normalization and norms for Polars, as native lazy expressions.

``import polars_norm`` registers the ``norm`` expression namespace::

    import polars as pl
    import polars_norm

    df.with_columns(pl.col("price").norm.zscore().over("ticker"))

Every function here is also available as a pure function taking an expression,
e.g. ``polars_norm.zscore(pl.col("price"))``. The shared rules for nulls, NaN,
zero scale and dtypes are in :mod:`polars_norm.semantics`.
"""

from __future__ import annotations

from polars_norm._version import __version__
from polars_norm.batches.normalizer import WindowNormalizer
from polars_norm.columns.norms import l0, l1, l2, linf, lp, unit
from polars_norm.columns.power import box_cox, softmax, yeo_johnson
from polars_norm.columns.ranks import quantile
from polars_norm.columns.robust import robust
from polars_norm.columns.scaling import maxabs, mean_range, minmax, zscore
from polars_norm.fitted.accumulator import Accumulator
from polars_norm.fitted.fit import fit
from polars_norm.namespace import NormNamespace
from polars_norm.rows.norms import norm_horizontal, unit_horizontal
from polars_norm.rows.quantile_normalization import quantile_normalize
from polars_norm.rows.scaling import minmax_horizontal, zscore_horizontal
from polars_norm.semantics import ZERO_SCALE_RTOL
from polars_norm.special import ndtri
from polars_norm.vectors.norms import vector_norm, vector_unit
from polars_norm.vectors.zscore import vector_zscore
from polars_norm.windows.ewm import ewm_zscore
from polars_norm.windows.ewm_by import ewm_zscore_by
from polars_norm.windows.expanding import expanding_maxabs, expanding_minmax, expanding_zscore
from polars_norm.windows.rolling import rolling_maxabs, rolling_minmax, rolling_robust, rolling_zscore
from polars_norm.windows.rolling_by import rolling_maxabs_by, rolling_minmax_by, rolling_robust_by, rolling_zscore_by

__all__ = [
    "ZERO_SCALE_RTOL",
    "Accumulator",
    "NormNamespace",
    "WindowNormalizer",
    "__version__",
    "box_cox",
    "ewm_zscore",
    "ewm_zscore_by",
    "expanding_maxabs",
    "expanding_minmax",
    "expanding_zscore",
    "fit",
    "l0",
    "l1",
    "l2",
    "linf",
    "lp",
    "maxabs",
    "mean_range",
    "minmax",
    "minmax_horizontal",
    "ndtri",
    "norm_horizontal",
    "quantile",
    "quantile_normalize",
    "robust",
    "rolling_maxabs",
    "rolling_maxabs_by",
    "rolling_minmax",
    "rolling_minmax_by",
    "rolling_robust",
    "rolling_robust_by",
    "rolling_zscore",
    "rolling_zscore_by",
    "softmax",
    "unit",
    "unit_horizontal",
    "vector_norm",
    "vector_unit",
    "vector_zscore",
    "yeo_johnson",
    "zscore",
    "zscore_horizontal",
]
