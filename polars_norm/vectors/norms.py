"""Norms and normalizations inside vector cells: ``Array`` and ``List`` columns.

Each row holds one vector (an embedding, say); these functions reduce or scale
each vector by its own statistics, so they are row-local and stream in bounded
memory. Native Polars operations are used, chosen for speed (the one
exception: :func:`vector_unit` with ``p=2`` on ``Array`` cells runs a numpy
kernel through ``map_batches``, faster than any native route; see
:mod:`polars_norm.kernels.vectors` and docs/benchmarks.md):
``arr.dot`` for sums of squares, ``arr.max``/``arr.min`` for the scale,
broadcasting of a per-row scalar onto the vector for the output, and
``arr.eval`` only with element-wise expressions (which Polars runs on the flat
values). ``List`` columns take the same route through ``list.*``.

Vector rules, on top of :mod:`polars_norm.semantics`:

=====================  ======================================================
topic                  rule
=====================  ======================================================
dtypes                 ``Array`` or ``List`` of a numeric dtype; Float32
                       elements stay Float32 (and so do the norms), every
                       other numeric element type becomes Float64; the shape
                       is kept. Anything else raises ``TypeError`` when the
                       query is planned.
null vector            gives a null norm and a null vector
null element           left out of the statistics (as if absent) and kept
                       null in the output
NaN element            with ``nan="ignore"`` (default) left out of the
                       statistics and kept NaN in the output; with
                       ``nan="propagate"`` the whole vector becomes NaN
no valid element       (empty, all null or all NaN) gives a null norm; so
                       does every vector of a zero-width ``Array``, whose
                       normalized vectors stay empty
zero vector            has norm 0 and stays the zero vector under
                       :func:`vector_unit` (zero scale is 1)
overflow, underflow    each vector is rescaled by an exact power of two near
                       its largest element before squaring, so
                       ``[1e300, 1e300]`` has L2 norm ``1.414e300``; a
                       vector whose elements are all subnormal (below
                       ``2.2e-308``) is outside this guarantee: its L2 norm
                       loses digits (1e-6 relative at ``1e-310``, more
                       below), and :func:`vector_unit` clamps it to the
                       smallest normal number, so such a vector does not
                       come out with unit norm
=====================  ======================================================
"""

from __future__ import annotations

import math
from functools import partial

import polars as pl

from polars_norm.kernels.vectors import unit_l2_rows
from polars_norm.semantics import HEADROOM, NanPolicy, check_nan, check_p, pow2_exponent
from polars_norm.vectors.cells import Vec, cell_maxabs, even, pow2, vector_expr

__all__ = ["vector_norm", "vector_unit"]


def _scaled_power_sum(x: pl.Expr, vec: Vec, p: float, nan: NanPolicy) -> tuple[pl.Expr, pl.Expr]:
    """``(k, s)`` with ``s = sum |x * 2**-k| ** p`` (Float64) and ``2**k <= max|x|``.

    For a vector with a valid non-zero element, ``s >= 1``.
    """
    k = pow2_exponent(cell_maxabs(x, vec, nan), vec.inner)
    scaled = x * vec.scalar(pow2(-k))
    element = pl.element().fill_nan(None) if nan == "ignore" else pl.element()
    s = vec.sum(vec.each(scaled, element.abs().pow(p))).cast(pl.Float64)
    return k, s


def _l2_parts(x: pl.Expr, vec: Vec) -> tuple[pl.Expr, pl.Expr]:
    """``(h, t)`` with ``t = sum x**2 * 2**-h`` (Float64), overflow- and underflow-safe.

    ``h = k + HEADROOM`` where ``2**k <= max|x|``. Only one scaled copy of the
    vector is made (``x * 2**-h``, dotted with ``x``), which keeps this within
    a few passes over the data of the naive ``sqrt(x . x)``. NaN elements make
    ``t`` NaN (see :func:`_l2_nan_free`).
    """
    h = even(pow2_exponent(vec.maxabs(x), vec.inner) + HEADROOM)
    t = vec.dot(x, x * vec.scalar(pow2(-h))).cast(pl.Float64)
    return h, t


#: The smallest positive normal number of each element dtype.
_SMALLEST_NORMAL = {pl.Float32: 2.0**-126, pl.Float64: 2.0**-1022}


def _l2_nan_free(x: pl.Expr, vec: Vec, t: pl.Expr) -> pl.Expr:
    """The L2 norm without NaN elements, computed only for the rows where ``t`` is NaN.

    The other rows are masked to null first, and Polars skips null rows in
    ``arr.agg``, so this costs next to nothing when NaN is rare (a NaN-free
    view of every vector would cost a full pass). Null when no element is valid.
    """
    element = pl.element().fill_nan(None)
    # Any scale works (the norm is sqrt(sum (x / top)**2) * top); the floor at the
    # element dtype's smallest normal keeps a zero vector's 0 / 0 away and the
    # reciprocal Polars divides by finite (1 / 1e-310 overflows).
    top = element.abs().max().clip(lower_bound=pl.lit(_SMALLEST_NORMAL[vec.inner], vec.inner))
    norm = ((element / top).pow(2).sum().sqrt() * top).cast(pl.Float64)
    masked = pl.when(t.is_nan()).then(x)
    return masked.arr.agg(norm) if vec.is_array else masked.list.agg(norm)


def _l2_floor(vec: Vec) -> float:
    # sqrt(t) of a vector with a valid non-zero normal element is at least
    # 2**((emin - HEADROOM) / 2); the floor sits below that, and 1 / floor
    # times 2**(-h/2) stays finite for the zero vector (h at its minimum).
    emin = -126 if vec.inner == pl.Float32 else -1022
    return 2.0 ** ((emin - HEADROOM) // 2 - 1)


def vector_norm(expr: pl.Expr, p: float = 2, *, nan: NanPolicy = "ignore") -> pl.Expr:
    """The Lp norm of each vector in an ``Array`` or ``List`` column.

    Parameters
    ----------
    expr
        An ``Array`` or ``List`` column of numbers (one vector per row).
    p
        The norm's order, in ``(0, inf]``: 2 (default) is the Euclidean norm,
        1 the sum of absolute values, ``float("inf")`` the largest absolute
        value.
    nan
        ``"ignore"`` (default) leaves NaN elements out of the norm;
        ``"propagate"`` makes the norm of a vector holding NaN NaN.

    Returns
    -------
    pl.Expr
        One value per row: Float32 for Float32 elements, Float64 otherwise.
        Null for a null vector and for one with no valid element.

    Notes
    -----
    Null elements are left out of the norm. Each vector is divided by an exact
    power of two near its largest element before the powers are summed (the
    scaling of LAPACK's ``dnrm2``), so the norm neither overflows nor
    underflows: ``[1e300, 1e300]`` gives ``1.414e300`` and ``[1e-300, 1e-300]``
    gives ``1.414e-300``, where ``numpy.linalg.norm`` gives inf and 0. Sums of
    Float32 elements accumulate in Float32 (as numpy does for Float32 arrays);
    the rescaling keeps them far from the Float32 limits. A vector whose
    largest element is subnormal (below 2.2e-308, or 1.2e-38 for Float32) is
    outside this guarantee. The Float32 norm of a vector whose true norm
    exceeds the Float32 maximum is inf.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame(
    ...     {"emb": [[3.0, 4.0], [1e300, 1e300], [0.0, 0.0], None]},
    ...     schema={"emb": pl.Array(pl.Float64, 2)},
    ... )
    >>> df.select(pl.col("emb").norm.vector_norm())
    shape: (4, 1)
    ┌────────────┐
    │ emb        │
    │ ---        │
    │ f64        │
    ╞════════════╡
    │ 5.0        │
    │ 1.4142e300 │
    │ 0.0        │
    │ null       │
    └────────────┘
    >>> df.select(pl.col("emb").norm.vector_norm(p=1).alias("l1"))
    shape: (4, 1)
    ┌────────────┐
    │ l1         │
    │ ---        │
    │ f64        │
    ╞════════════╡
    │ 7.0        │
    │ 2.0000e300 │
    │ 0.0        │
    │ null       │
    └────────────┘
    """
    p = check_p(p, "vector_norm")
    check_nan(nan, "vector_norm")

    def build(x: pl.Expr, vec: Vec) -> pl.Expr:
        if math.isinf(p):
            norm = cell_maxabs(x, vec, nan)
            if nan == "propagate":
                has_nan = vec.each(x, pl.element().is_nan())
                has_nan = has_nan.arr.any() if vec.is_array else has_nan.list.any()
                norm = pl.when(has_nan).then(pl.lit(float("nan"))).otherwise(norm)
        elif p == 2.0:
            h, t = _l2_parts(x, vec)
            norm = t.sqrt() * pow2(h / 2.0)
            if nan == "ignore":
                norm = pl.when(t.is_nan()).then(_l2_nan_free(x, vec, t)).otherwise(norm)
        else:
            k, s = _scaled_power_sum(x, vec, p, nan)
            norm = s.pow(1.0 / p) * pow2(k)
        return vec.scalar(norm)

    return vector_expr(expr, "vector_norm", build)


def vector_unit(expr: pl.Expr, p: float = 2, *, nan: NanPolicy = "ignore") -> pl.Expr:
    """Scale each vector of an ``Array`` or ``List`` column to unit Lp norm.

    Parameters
    ----------
    expr
        An ``Array`` or ``List`` column of numbers (one vector per row).
    p
        The norm's order, in ``(0, inf]``; see :func:`vector_norm`.
    nan
        ``"ignore"`` (default) leaves NaN elements out of the norm (they stay
        NaN in the output); ``"propagate"`` turns a vector holding NaN into
        NaN. ``"propagate"`` skips one pass over the data.

    Returns
    -------
    pl.Expr
        The same dtype and shape as the input (Float64 elements for
        non-float input), named as the input.

    Notes
    -----
    The result is ``x / ||x||_p``, the L2 case being what cosine similarity
    expects and what ``sklearn.preprocessing.normalize`` computes. A zero
    vector stays zero (its zero norm is taken as 1); a null vector stays null;
    null elements are left out of the norm and stay null. The norm is
    overflow- and underflow-safe as in :func:`vector_norm`, and the output is
    computed from the power-of-two-rescaled norm, so ``[1e300, 1e300]`` maps to
    ``[0.7071, 0.7071]``. A vector with no valid element becomes all null.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame(
    ...     {"emb": [[3.0, 4.0], [0.0, 0.0], [1e30, -1e30], None]},
    ...     schema={"emb": pl.Array(pl.Float32, 2)},
    ... )
    >>> df.select(pl.col("emb").norm.vector_unit())
    shape: (4, 1)
    ┌───────────────────────┐
    │ emb                   │
    │ ---                   │
    │ array[f32, 2]         │
    ╞═══════════════════════╡
    │ [0.6, 0.8]            │
    │ [0.0, 0.0]            │
    │ [0.707107, -0.707107] │
    │ null                  │
    └───────────────────────┘
    """
    p = check_p(p, "vector_unit")
    check_nan(nan, "vector_unit")

    def native(x: pl.Expr, vec: Vec) -> pl.Expr:
        if p == 2.0:
            h, t = _l2_parts(x, vec)
            multiplier = pow2(-h / 2.0) / t.sqrt().clip(lower_bound=_l2_floor(vec))
            if nan == "ignore":
                # the floor: the element dtype's smallest normal, so the reciprocal fits it
                rescued = 1.0 / _l2_nan_free(x, vec, t).clip(lower_bound=_SMALLEST_NORMAL[vec.inner])
                multiplier = pl.when(t.is_nan()).then(rescued).otherwise(multiplier)
        elif math.isinf(p):
            k = pow2_exponent(cell_maxabs(x, vec, nan), vec.inner)
            # max|x| * 2**-k lies in [1, 2) for a non-zero vector; 1 for the zero vector.
            multiplier = pow2(-k) / (cell_maxabs(x, vec, nan) * pow2(-k)).clip(lower_bound=1.0)
        else:
            k, s = _scaled_power_sum(x, vec, p, nan)
            multiplier = pow2(-k) / s.pow(1.0 / p).clip(lower_bound=1.0)
        # No valid element: NaN elements stay NaN, null ones null.
        return x * vec.scalar(multiplier.fill_null(float("nan")))

    def build(x: pl.Expr, vec: Vec) -> pl.Expr:
        if p != 2.0 or not vec.is_array:
            return native(x, vec)

        # L2 of fixed-width cells: the numpy kernel (faster: docs/benchmarks.md), with the
        # native route for the rows it cannot take (see polars_norm.kernels.vectors).
        def rows_natively(s: pl.Series) -> pl.Series:
            return s.to_frame().select(native(pl.col(s.name), vec)).to_series()

        return x.map_batches(
            partial(unit_l2_rows, native=rows_natively),
            return_dtype=pl.Array(vec.inner, vec.width),
            is_elementwise=True,
        )

    return vector_expr(expr, "vector_unit", build)
