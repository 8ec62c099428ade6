"""Zero-scale rules of the window normalizations: divisors and tolerances.

A window whose scale is zero gives 0: a constant window maps to exactly 0
(min-max: ``feature_range[0]``), and with ``lag`` the scale is taken as 1
(the foundation's rule), so a row after a constant window gives
``x - location``. Polars' rolling kernels return an exact 0 on a constant
window, and after the pilot shift so do the cumulative (expanding) sums, so
these need no tolerance. Exponentially weighted statistics do (see
:mod:`polars_norm.windows.ewm`), and so do moments built from weighted sums
(:func:`weighted_sums_rtol`). Too few values for a standard deviation (not more
than ``ddof``) means a scale of 1; too few for ``min_samples`` means null.

Each rule is a divisor written with comparisons, ``when/then`` and
arithmetic, never ``replace``, which makes Polars' streaming engine buffer
its whole input. A divisor reads its scale more than once, and Polars does
not share repeated rolling kernels (see
:mod:`polars_norm.windows.location_scale`), so callers pass the scale as a
struct field, computed once:
:func:`std_divisor` for exact standard deviations, :func:`spread_divisor`
for differences of data values, :func:`tolerant_divisor` for a scale with
a rounding floor, and :func:`weighted_sums_rtol` for moments built from
weighted sums.
"""

from __future__ import annotations

import sys

import polars as pl

__all__ = ["spread_divisor", "std_divisor", "tolerant_divisor", "weighted_sums_rtol"]


def std_divisor(std: pl.Expr, lag: bool, *, undefined: bool = True, one: pl.Expr | float = 1.0) -> pl.Expr:
    """A window's standard deviation as a divisor.

    Exactly zero (a constant window) becomes ``one`` (the zero-scale rule), except
    when the row is in its own window (no ``lag``): it is then in a constant window, ``x - mean`` is
    0 up to the rounding of the mean, and the zero becomes ``inf`` so the row
    maps to exactly 0. Undefined (null: not
    more than ``ddof`` values) becomes ``one``, as in the column-wise methods. NaN
    (``nan="propagate"``) stays NaN. No tolerance is needed: Polars' rolling
    kernels return an exact 0 on a constant window, and a constant expanding
    history is exactly 0 after the pilot shift (tested on thousands of
    random windows at magnitudes 1e-300 to 1e300); windows of distinct values,
    however close, are scaled, accurately thanks to the pilot.

    ``one`` is a scale of 1 in the units of ``std``: ``2**-k`` when the values
    were multiplied by :func:`~polars_norm.windows.pilot.unit_scale`'s ``2**-k``.

    Parameters
    ----------
    std
        The window's standard deviation (in the units of the scaled values).
    lag
        Whether the row is outside its own window.
    undefined
        Whether a null ``std`` can come with a defined mean (``min_samples <=
        ddof``); False skips the ``fill_null`` pass.
    one
        A scale of 1 in the units of ``std``.

    Returns
    -------
    pl.Expr
        The divisor.

    Examples
    --------
    >>> df = pl.DataFrame({"std": [2.0, 0.0, None]})
    >>> df.select(std_divisor(pl.col("std"), False)).to_series().to_list()
    [2.0, inf, 1.0]
    >>> df.select(std_divisor(pl.col("std"), True)).to_series().to_list()
    [2.0, 1.0, 1.0]
    """
    # ``when/then`` and comparisons, never ``replace`` (which makes Polars' streaming engine buffer
    # its whole input); ``std`` is read several times, so callers pass a struct field (computed once).
    zero = one if lag else float("inf")
    if not undefined:
        # every window with enough values for a mean has more than ``ddof``: a null std only
        # comes with a null mean (and output), so a null may stay null
        return pl.when(std == 0.0).then(zero).otherwise(std)
    return pl.when(std == 0.0).then(zero).otherwise(std.fill_null(one))


def spread_divisor(spread: pl.Expr) -> pl.Expr:
    """A difference of two window statistics (range, quantile range, max |x|) as a divisor.

    These are differences of data values, exactly zero when the window (or
    its middle) is constant; zero becomes 1, so a constant window maps to
    ``x - loc = 0`` exactly. Arithmetic, ``spread + (spread == 0)``, so it
    streams (``replace`` would not); ``spread`` is read twice, so callers
    pass a struct field.

    Examples
    --------
    >>> pl.DataFrame({"r": [4.0, 0.0, None]}).select(spread_divisor(pl.col("r"))).to_series().to_list()
    [4.0, 1.0, None]
    """
    return spread + (spread == 0.0).cast(pl.Float64)


def tolerant_divisor(std: pl.Expr, tol: pl.Expr, lag: bool, *, one: pl.Expr | float = 1.0) -> pl.Expr:
    """``std`` as a divisor, with ``std <= tol`` counting as zero.

    Zero becomes ``one`` (a scale of 1 in the units of ``std``, see
    :func:`std_divisor`), or ``inf`` without ``lag``.
    A NaN ``std`` stays NaN. Undefined (null) becomes ``one``. ``std`` and
    ``tol`` are read more than once: callers pass struct fields.

    Parameters
    ----------
    std
        The standard deviation.
    tol
        The rounding floor: a ``std`` at most ``tol`` counts as zero.
    lag
        Whether the row is outside its own window.
    one
        A scale of 1 in the units of ``std``.

    Returns
    -------
    pl.Expr
        The divisor.

    Examples
    --------
    >>> df = pl.DataFrame({"std": [2.0, 1e-20, None, float("nan")]})
    >>> df.select(tolerant_divisor(pl.col("std"), pl.lit(1e-15), False)).to_series().to_list()
    [2.0, inf, 1.0, nan]
    >>> df.select(tolerant_divisor(pl.col("std"), pl.lit(1e-15), True)).to_series().to_list()
    [2.0, 1.0, 1.0, nan]
    """
    zero = one if lag else float("inf")
    return pl.when(std <= tol).then(zero).otherwise(std.fill_null(one))


def weighted_sums_rtol(window_size: int) -> float:
    """Relative rounding bound of a weighted second moment built from rolling sums of ``window_size`` terms.

    ``M2 = S2 - S1**2 / W1`` (``S2 = sum(w v**2)``, ``S1 = sum(w v)``,
    ``W1 = sum(w)``, ``v`` pilot-shifted) has rounding error at most about
    ``4 (k + 1) eps S2`` for ``k`` terms (``S2``, ``S1**2 / W1 <= S2`` each
    carry ``(k + 1) eps``, the square doubles one): the zero-scale tolerance
    of :func:`weighted_zscore_in`, as a fraction of ``S2``. Measured on
    constant windows (k up to 300, magnitudes 1e-150 to 1e150, random
    weights and nulls) the error stays below ``0.4 (k + 1) eps S2``.

    Examples
    --------
    >>> weighted_sums_rtol(10) / sys.float_info.epsilon
    44.0
    """
    return 4.0 * (window_size + 1) * sys.float_info.epsilon
