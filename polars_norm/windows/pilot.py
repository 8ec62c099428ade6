"""The values window statistics read: the NaN view, the causal pilot shift and the unit scale.

Every window kind (:mod:`polars_norm.windows.base`), the cumulative
statistics (:mod:`polars_norm.windows.expanding`) and the exponentially
weighted ones (:mod:`polars_norm.windows.ewm`, :mod:`polars_norm.windows.ewm_by`)
compute their statistics over :func:`window_values`; the z-scores over values
shifted by :func:`causal_pilot` and multiplied by :func:`unit_scale`, read
through the struct of :func:`scaled_values`.

Streaming
---------
Nothing here needs the whole column: Polars' streaming engine buffers its
entire input for any whole-column aggregate broadcast back onto the rows (a
``first()``, ``max()`` or ``len()``), and for ``replace``. The pilot is
found by a running count and carried by ``forward_fill``, the scale is a
function of the pilot alone, NaN becomes null by ``fill_nan``: all of it
streams in bounded memory (``tests/windows/test_streaming_plans.py``
inspects the plans; ``docs/windows-out-of-core.md`` has the measurements).

Numerics
--------
Polars' ``rolling_var``/``rolling_std`` (and ``ewm_var``) lose digits when the
values sit on a large offset: on sorted ``1e12 + N(0, 1)`` data the rolling
standard deviation is off by 2% in relative terms, on ``1e9 + N(0, 1e-3)`` by
6e-5. Subtracting a constant *pilot* first removes the offset: the variance is
shift-invariant, and the kernels' rounding error then scales with
``(window mean - pilot)**2`` instead of ``window mean**2``. The pilot here is
:func:`causal_pilot`, the first finite value of the column (per group under
``.over``): it is within the data's range, and it is causal, since appending
rows never changes it (rows before it have no statistics anyway). Measured
against exact rational references the relative error of the rolling standard
deviation drops to 4e-16 and 6e-14 on the two data sets above.

Over- and underflow: the kernels square the values, and a square overflows
past about 1.3e154 (or underflows below 1e-154), where a z-score silently
became 0. The pilot-shifted values are therefore multiplied by
:func:`unit_scale`, the power of two that brings the pilot near
``2**WINDOW_ANCHOR_EXPONENT`` (``2**-440``; a zero pilot counts as 1). It is
exact: no z-score changes, and results are bit for bit those of the unscaled
values wherever those were finite and normal. Values up to about 1e274 times
the pilot then keep full accuracy, at 1e-300 as at 1e300; beyond, a scaled
value saturates at ``2**WINDOW_SATURATION_EXPONENT`` instead of overflowing
(an infinity's differences would be NaN for finite data). A zero or undefined
window scale "taken as 1" is 1 in the original units: the power of two
itself in the scaled units (``one=`` of the divisors).

The scale is one per column (per group under ``.over``), like the pilot: a
Polars rolling kernel takes one column, so the values of a window must share
one scale, and overlapping windows tie it across the column. It comes from
the first finite value because anything read from later rows (the
column's largest value, as in earlier versions) is a whole-column aggregate
and stops the query from streaming, and a per-window scale would need a
kernel pass per scale (three to span the doubles: measured at 3.7 times the
time). The bound is therefore relative to the first value
(``docs/semantics.md``, Limits).

Polars' common-subexpression elimination skips any subtree holding a
``when/then`` (``fill_nan(None)`` and the pilot are ones), and an eager
``select`` shares nothing, so the values a formula reads more than once are
fields of one struct (:func:`scaled_values`), computed once.
"""

from __future__ import annotations

import polars as pl

from polars_norm.semantics import (
    WINDOW_ANCHOR_EXPONENT,
    WINDOW_SATURATION_EXPONENT,
    WINDOW_SCALE_EXPONENTS,
    NanPolicy,
)

__all__ = ["causal_pilot", "scaled_values", "unit_scale", "window_values"]


def window_values(x: pl.Expr, nan: NanPolicy) -> pl.Expr:
    """The values window statistics are computed over: NaN becomes null unless propagating.

    The rule of :func:`polars_norm.semantics.stat_view`. ``fill_nan(None)`` is
    a ``when/then``, which Polars' common-subexpression elimination does not
    share, so a caller that reads the view more than once makes it a struct
    field (``replace(nan, None)`` would be shared, but it makes Polars'
    streaming engine buffer the whole input: 1.10 GB against 0.33 GB for
    ``fill_nan`` on a 1 GB file).

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
    return x.fill_nan(None) if nan == "ignore" else x


def causal_pilot(x: pl.Expr) -> pl.Expr:
    """The first finite value of ``x``, carried forward (per group under ``.over``): a stable, causal shift.

    Subtracting it before a rolling, cumulative or exponentially weighted
    variance keeps the kernels' rounding relative to the data's spread rather
    than its offset. Written without any whole-column aggregate, so it
    streams: a running ``cum_max`` of "finite so far" rises at the first
    finite value, which ``forward_fill`` carries. It depends on no later row,
    so appending rows never changes an earlier output. The rows before it
    hold no finite value (null, NaN or infinite): their shift is 0, and they
    have no finite statistics whatever the shift.

    Parameters
    ----------
    x
        The values.

    Returns
    -------
    pl.Expr
        Length-preserving, Float64.

    Examples
    --------
    >>> df = pl.DataFrame({"g": [1, 1, 1, 2, 2], "x": [None, float("nan"), 1e12 + 3, 7.0, 5.0]})
    >>> df.select(causal_pilot(pl.col("x")).over("g")).to_series().to_list()
    [0.0, 0.0, 1000000000003.0, 7.0, 7.0]
    """
    return _first_value(x, _finite_so_far(x))


def _finite_so_far(x: pl.Expr) -> pl.Expr:
    """1 from the first finite value of ``x`` on, 0 before it (Int64)."""
    return (x.abs() < float("inf")).fill_null(False).cum_max().cast(pl.Int64)  # ``is_finite`` costs 2.5x


def _first_value(x: pl.Expr, seen: pl.Expr) -> pl.Expr:
    """``x`` where ``seen`` rises, carried forward; 0 before it.

    ``1 // rise`` is 1 where ``seen`` rises and null elsewhere (an integer
    division by zero is null): no ``when/then``, which Polars' common-subexpression
    elimination would not share.
    """
    return (x * (1 // (seen - seen.shift(1, fill_value=0)))).forward_fill().fill_null(0.0)


def unit_scale(pilot: pl.Expr) -> pl.Expr:
    """The power of two the pilot-shifted values are multiplied by before any window statistic.

    About ``2**WINDOW_ANCHOR_EXPONENT / |pilot|`` (a zero pilot counts as 1), within
    ``[2**-1000, 2**900]``: values near the pilot land near
    ``2**WINDOW_ANCHOR_EXPONENT``, so squares, and sums of them, of values up to about
    1e274 times the pilot neither overflow nor underflow. A power of two, so
    the multiplication is exact and changes no z-score (and a difference in
    the data's units, divided by it, comes back exactly); it is also the "1"
    of the zero-scale rule in the scaled units.

    The power of two is Veltkamp's split of the quotient with ``2**52 + 1``:
    its high part has a one-bit significand. Three arithmetic operations per
    row, where ``2 ** floor(log2(q))`` with Polars' ``log`` and ``pow`` costs
    ten times as much.

    Parameters
    ----------
    pilot
        :func:`causal_pilot` of the values.

    Returns
    -------
    pl.Expr
        A power of two, Float64, length-preserving.

    Examples
    --------
    >>> import math
    >>> df = pl.DataFrame({"p": [0.0, 3.0, -1e-300, 1e300]})
    >>> [math.log2(s) for s in df.select(unit_scale(pl.col("p"))).to_series()]
    [-440.0, -442.0, 556.0, -1000.0]
    """
    return _power_of_two(_quotient(pilot))


def _quotient(pilot: pl.Expr) -> pl.Expr:
    """``2**WINDOW_ANCHOR_EXPONENT / |pilot|`` (a zero pilot counts as 1), within the scale's bounds."""
    magnitude = pilot.abs() + (pilot == 0.0).cast(pl.Float64)
    # typed literals: an untyped float bound prints with all its digits in the plan
    low, high = WINDOW_SCALE_EXPONENTS
    bounds = pl.lit(2.0**low, pl.Float64), pl.lit(2.0**high, pl.Float64)
    return (2.0**WINDOW_ANCHOR_EXPONENT / magnitude).clip(*bounds)


def _power_of_two(quotient: pl.Expr) -> pl.Expr:
    """The power of two nearest ``quotient`` (within a factor 4/3): Veltkamp's split with ``2**52 + 1``."""
    spread = quotient * (2.0**52 + 1.0)
    return spread - (spread - quotient)


def scaled_values(x: pl.Expr, nan: NanPolicy) -> pl.Expr:
    """A struct of the values every window z-score reads, each computed once.

    Fields: ``p``, the pilot; ``c``, the values
    shifted by :func:`causal_pilot` and multiplied by :func:`unit_scale` (NaN
    rows stay NaN); ``v``, the same through
    :func:`window_values` (what the statistics see); ``one``, the power of
    two (a scale of 1 in the units of ``c``). Fields of one struct are
    computed once whatever reads them, in a lazy query (where the
    ``when/then`` of the pilot would stop common-subexpression elimination)
    and in an eager ``select`` (which eliminates none).

    Parameters
    ----------
    x
        The Float64 values.
    nan
        As in :func:`window_values`.

    Returns
    -------
    pl.Expr
        A struct with fields ``p``, ``one``, ``c`` and ``v``; callers add
        their statistics with ``struct.with_fields``.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [float("nan"), 10.0, 12.0, 9.0]})
    >>> out = df.select(scaled_values(pl.col("x"), "ignore").struct.field("p", "c", "v", "one"))
    >>> out.select("p", pl.col("c", "v") / pl.col("one")).rows()  # "c" and "v" in the original units
    [(0.0, nan, None), (10.0, 0.0, 0.0), (10.0, 2.0, 2.0), (10.0, -1.0, -1.0)]
    """
    f = pl.field
    # A field is computed once; a repeated subexpression inside one field is not, but every field
    # is a column that Polars' streaming engine holds per morsel: with a field for each step (the
    # values, the running flag, the quotient too) a rolling z-score sunk to Parquet peaked at
    # 0.63 GB, with these four at 0.44 GB (a hand-written one: 0.35 GB). ``x`` is read from
    # outside the struct.
    values = pl.struct(_first_value(x, _finite_so_far(x)).alias("p"))
    values = values.struct.with_fields(one=_power_of_two(_quotient(f("p"))))
    # a finite value past the bound saturates instead of overflowing (WINDOW_SATURATION_EXPONENT);
    # null, NaN and infinite values pass as they are
    top = pl.lit(2.0**WINDOW_SATURATION_EXPONENT, pl.Float64)
    scaled = ((x - f("p")) * f("one")).clip(-top, top)
    values = values.struct.with_fields(c=pl.when(x.abs() < float("inf")).then(scaled).otherwise(x))
    return values.struct.with_fields(v=window_values(f("c"), nan))
