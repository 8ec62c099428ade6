"""The semantics every polars-norm method shares, written once.

Every expression family (column-wise scaling, norms, ranks, power transforms,
windows, rows, vectors, fitted statistics) goes through the helpers here, so
that the rules below hold everywhere:

==================  ==========================================================
topic               rule
==================  ==========================================================
null                ignored by statistics; a null input gives a null output
NaN                 ignored by statistics (``nan="ignore"``, the default); a
                    NaN input gives a NaN output. ``nan="propagate"`` follows
                    Polars' own semantics instead (one NaN poisons the
                    statistics of its column or group)
zero scale          a scale that is zero (or undefined) is taken as 1, as
                    scikit-learn's ``_handle_zeros_in_scale`` does. Ranges,
                    max-abs, norms and quantile spreads are exact differences
                    of data values: only an exact 0 counts. A standard
                    deviation counts as zero when it is at most
                    ``ZERO_SCALE_RTOL`` in units of the data's largest
                    magnitude (``2**floor(log2 max|x|)``: a constant column up
                    to rounding), in queries and fitted statistics alike
                    (:func:`std_unit_exponent`, :func:`scale_or_one`). A
                    scale below the smallest normal double is clamped to it,
                    so a reciprocal stays finite; finite
                    input never yields NaN or inf (as long as its spread,
                    ``max - min``, is itself a finite double)
ddof                defaults to 1 (Polars' convention; scikit-learn uses 0)
dtypes              integers, unsigned integers and Decimal are computed in
                    Float64 (nothing wraps). Integers wider than 53 bits are
                    centered exactly in integer arithmetic before the cast
                    (:func:`exact_offsets`, :func:`exact_range`), so that
                    methods that center them are exact to rounding anywhere
                    in their range; Float32 stays Float32 (statistics
                    accumulate in Float64);
                    any other dtype raises a ``TypeError`` naming the column,
                    its dtype and the method, when the query is planned
no data             an aggregation (a norm) over no valid values is null. In a
                    transform, an undefined scale (fewer than ``ddof + 1``
                    values) is taken as 1 like a zero scale, and an undefined
                    location keeps NaN rows NaN: empty or all-null input gives
                    an empty or all-null output, a single value maps to 0
parameters          checked when the expression is built; a bad one raises
                    ``ValueError`` naming the parameter and the value
==================  ==========================================================
"""

from __future__ import annotations

from polars_norm.semantics.checks import (
    check_choice,
    check_ddof,
    check_feature_range,
    check_finite,
    check_nan,
    check_open_unit_interval,
    check_p,
    check_positive,
    check_quantile_range,
)

# private, kept importable here for the axes that word their own dtype errors (rows, vectors)
from polars_norm.semantics.dtypes import _column_label as _column_label
from polars_norm.semantics.dtypes import (
    exact_offsets,
    exact_range,
    float_dtype,
    is_pandas_frame,
    is_wide_integer,
    numeric_expr,
    unsigned_offsets,
)
from polars_norm.semantics.nan import NanPolicy, max_abs, safe_location, stat_view, valid_values
from polars_norm.semantics.scales import (
    EWM_ROUNDING_FACTOR,
    HEADROOM,
    WINDOW_ANCHOR_EXPONENT,
    WINDOW_SATURATION_EXPONENT,
    WINDOW_SCALE_EXPONENTS,
    ZERO_SCALE_FLOOR,
    ZERO_SCALE_RTOL,
    inverse_of_unit_std,
    inverse_scale,
    pow2_exponent,
    pow2_scale,
    scale_or_one,
    std_is_zero,
    std_unit_exponent,
)

__all__ = [
    "EWM_ROUNDING_FACTOR",
    "HEADROOM",
    "WINDOW_ANCHOR_EXPONENT",
    "WINDOW_SATURATION_EXPONENT",
    "WINDOW_SCALE_EXPONENTS",
    "ZERO_SCALE_FLOOR",
    "ZERO_SCALE_RTOL",
    "NanPolicy",
    "check_choice",
    "check_ddof",
    "check_feature_range",
    "check_finite",
    "check_nan",
    "check_open_unit_interval",
    "check_p",
    "check_positive",
    "check_quantile_range",
    "exact_offsets",
    "exact_range",
    "float_dtype",
    "inverse_of_unit_std",
    "inverse_scale",
    "is_pandas_frame",
    "is_wide_integer",
    "max_abs",
    "numeric_expr",
    "pow2_exponent",
    "pow2_scale",
    "safe_location",
    "scale_or_one",
    "stat_view",
    "std_is_zero",
    "std_unit_exponent",
    "unsigned_offsets",
    "valid_values",
]
