"""The values window statistics read: the NaN view, the causal pilot shift and the unit scale.

Every window kind (:mod:`polars_norm.windows.base`), the cumulative
statistics (:mod:`polars_norm.windows.expanding`) and the exponentially
weighted ones (:mod:`polars_norm.windows.ewm`, :mod:`polars_norm.windows.ewm_by`)
compute their statistics over :func:`window_values`, on values shifted by
:func:`causal_pilot` and multiplied by :func:`unit_scale`.

Numerics
--------
Polars' ``rolling_var``/``rolling_std`` (and ``ewm_var``) lose digits when the
values sit on a large offset: on sorted ``1e12 + N(0, 1)`` data the rolling
standard deviation is off by 2% in relative terms, on ``1e9 + N(0, 1e-3)`` by
6e-5. Subtracting a constant *pilot* first removes the offset: the variance is
shift-invariant, and the kernels' rounding error then scales with
``(window mean - pilot)**2`` instead of ``window mean**2``. The pilot here is
:func:`causal_pilot`, the first non-null value of the column (per group
under ``.over``; no shift if that value is NaN): it is within the data's
range, and it is causal, since appending rows never changes it (rows before
it have no statistics anyway). Measured against exact rational references the relative error of the
rolling standard deviation drops to 4e-16 and 6e-14 on the two data sets above.

Over- and underflow: the kernels square the values, and a square overflows
past about 1.3e154 (or underflows below 1e-154), where a z-score silently
became 0. The pilot-shifted values are therefore multiplied by
:func:`unit_scale`, a power of two (exact: no z-score changes, and results
are bit for bit those of the unscaled values wherever those were finite and
normal) that puts the column's largest ``|x - pilot|`` below
``2**(500 - log2(rows))``: no square or sum of squares can overflow, and every
window whose values lie within about 1e280 of the column's largest one keeps
full accuracy, at 1e-300 as at 1e300 (the column-wise methods' ``dnrm2``
idea). A zero or undefined window scale "taken as 1" is 1 in the original
units: the power of two itself in the scaled units (``one=`` of the divisors).
It costs a multiplication and two cheap aggregates (``max``, ``min``); the
z-scores read the scaled values as a struct field, computed once, so they
are no slower than without the scaling (the window rows of
docs/benchmarks.md compare them with hand-written Polars).

The scale is per column (per group under ``.over``), like the pilot: a Polars
rolling kernel takes one column, so the values of a window must share one
scale, and overlapping windows tie that scale across the whole column (a
per-window scale would need a kernel pass per scale: three to span the
doubles). Two consequences: the query needs the whole column before its first
output row, as it already does for the pilot; and appending rows can change
the scale, which changes no earlier output unless a window then lies more
than about 1e280 below the column's largest value. (Choosing per column
between the values as they are and scaled ones, a ``when/then`` on a scalar,
would skip the multiplication under an eager ``select``, which runs one
branch, but a lazy query runs both, which made it slower.)


Polars' common-subexpression elimination skips any subtree holding a
``when/then`` (``fill_nan(None)`` is one), so shared statistics (cumulative
sums, ``ewm_*``, ``rolling_*_by``) are built from :func:`window_values`
(NaN to null with ``replace``) and ``clip``/``fill_null`` arithmetic, with
``when/then`` only on top of a tree, where nothing above shares it.
"""

from __future__ import annotations

import polars as pl

from polars_norm.semantics import NanPolicy

__all__ = ["causal_pilot", "unit_scale", "window_values"]


def window_values(x: pl.Expr, nan: NanPolicy) -> pl.Expr:
    """The values window statistics are computed over: NaN becomes null unless propagating.

    The rule of :func:`polars_norm.semantics.stat_view`, written with
    ``replace`` (every NaN payload matches) instead of ``fill_nan(None)``,
    whose ``when/then`` expansion stops Polars from sharing the statistics
    built on top of it.

    Parameters
    ----------
    x
        The (Float64) values.
    nan
        ``"ignore"`` turns NaN into null; ``"propagate"`` keeps it.

    Returns
    -------
    pl.Expr
        Length-preserving: the rows stay aligned.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1.0, float("nan"), None]})
    >>> df.select(window_values(pl.col("x"), "ignore")).to_series().to_list()
    [1.0, None, None]
    """
    return x.replace(float("nan"), None) if nan == "ignore" else x


def causal_pilot(x: pl.Expr) -> pl.Expr:
    """The first non-null value of ``x`` (per group under ``.over``; 0 if it is NaN): a stable, causal shift.

    Subtracting it before a rolling, cumulative or exponentially weighted
    variance keeps the kernels' rounding relative to the data's spread rather
    than its offset. It depends on no later row, so appending rows never
    changes an earlier output; the rows before it have no valid data and so no
    statistics whatever the shift. Null when there is no valid value.

    Parameters
    ----------
    x
        The values.

    Returns
    -------
    pl.Expr
        A scalar (per group under ``.over``).

    Examples
    --------
    >>> df = pl.DataFrame({"g": [1, 1, 2, 2], "x": [None, 1e12 + 3, 7.0, float("nan")]})
    >>> df.select(causal_pilot(pl.col("x")).over("g")).to_series().to_list()
    [1000000000003.0, 1000000000003.0, 7.0, 7.0]
    """
    # ``drop_nulls().first()`` is Polars' cheap ``first_non_null``; a NaN there (the
    # column starts with NaN) falls back to no shift, still exact but less accurate
    # on large offsets. (A full NaN-to-null pass just to find the pilot would add
    # a pass to every rolling z-score; ``replace`` rather than ``fill_nan`` keeps CSE.)
    return x.drop_nulls().first().replace(float("nan"), 0.0)


#: ``|x - pilot|`` is scaled below ``2**(_TOP_EXPONENT - log2(rows))``: sums of up to ``rows``
#: squares of (``rows`` times) such values stay below ``2**1002`` (West's and Welford's increments
#: square ``d * n``), with headroom for the kernels' own sums.
_TOP_EXPONENT = 500.0
#: The scale is clipped to ``[2**-1000, 2**1000]``: it and its reciprocal stay normal doubles.
_MAX_SHIFT = 1000.0


def unit_scale(x: pl.Expr) -> pl.Expr:
    """The power of two the pilot-shifted values are multiplied by before any window statistic (a scalar).

    ``2**-k`` with ``2**(k-2) <= max|x| < 2**(k-1)`` less the headroom
    ``_TOP_EXPONENT - ceil(log2(rows))``: then ``|x - pilot| <= 2 max|x|``
    lands below ``2**(_TOP_EXPONENT - log2(rows))``. Multiplying by it is exact
    (a power of two) and changes no z-score; it is also the "1" of the
    zero-scale rule in the scaled units. Per group under ``.over``; null
    without data, NaN for an all-NaN column (its rows are NaN anyway). Two
    cheap aggregates (``max`` and ``min``, which skip NaN) and ``len``.

    Parameters
    ----------
    x
        The values (before the pilot shift).

    Returns
    -------
    pl.Expr
        A power of two, Float64.

    Examples
    --------
    >>> import math
    >>> df = pl.DataFrame({"x": [1e300, -3.0, None, 2.0]})
    >>> scale = df.select(unit_scale(pl.col("x"))).item()
    >>> math.log2(scale), 1e300 * scale < 2.0**500
    (-500.0, True)
    """
    top = x.max().abs().clip(lower_bound=x.min().abs())
    exponent = top.log(2.0).floor().clip(-1074.0, 1024.0)
    headroom = _TOP_EXPONENT - pl.len().cast(pl.Float64).log(2.0).ceil().clip(lower_bound=0.0)
    shift = (exponent + 2.0 - headroom).clip(-_MAX_SHIFT, _MAX_SHIFT)
    return pl.lit(2.0).pow(-shift)
