"""Norms and normalizations inside vector cells: ``Array`` and ``List`` columns.

Each row holds one vector (an embedding, say); these functions reduce or scale
each vector by its own statistics, so they are row-local and stream in bounded
memory. Native Polars operations are used, chosen for speed (the one
exception: :func:`vector_unit` with ``p=2`` on ``Array`` cells runs a numpy
kernel through ``map_batches``, 2.4x faster; see
:mod:`polars_norm.vector_kernels`):
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
no valid element       (empty, all null or all NaN) gives a null norm
zero vector            has norm 0 and stays the zero vector under
                       :func:`vector_unit` (zero scale is 1)
overflow, underflow    each vector is rescaled by an exact power of two near
                       its largest element before squaring, so
                       ``[1e300, 1e300]`` has L2 norm ``1.414e300``
=====================  ======================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import polars as pl

from polars_norm.semantics import (
    ZERO_SCALE_FLOOR,
    NanPolicy,
    _column_label,
    check_ddof,
    check_nan,
    check_p,
    float_dtype,
    inverse_of_unit_std,
    pow2_exponent,
)
from polars_norm.vector_kernels import unit_l2_rows

__all__ = ["vector_norm", "vector_unit", "vector_zscore", "zscore_across"]

#: Extra power-of-two headroom in the L2 sum of squares: the products
#: ``x * (x * 2**-(k + HEADROOM))`` stay below ``2**(k - HEADROOM + 2)``, so the
#: sum of up to ``2**(HEADROOM - 2)`` of them cannot overflow even at the largest
#: finite values.
_HEADROOM = 16


@dataclass(frozen=True)
class _Vec:
    """The dtype facts of a vector column and the matching namespace calls."""

    is_array: bool
    inner: type[pl.Float32] | type[pl.Float64]
    width: int = 0  # the Array width (0 for List)

    def max(self, x: pl.Expr) -> pl.Expr:
        return x.arr.max() if self.is_array else x.list.max()

    def min(self, x: pl.Expr) -> pl.Expr:
        return x.arr.min() if self.is_array else x.list.min()

    def sum(self, x: pl.Expr) -> pl.Expr:
        return x.arr.sum() if self.is_array else x.list.sum()

    def mean(self, x: pl.Expr) -> pl.Expr:
        return x.arr.mean() if self.is_array else x.list.mean()

    def dot(self, a: pl.Expr, b: pl.Expr) -> pl.Expr:
        # Pairs with a null on either side are left out of the sum.
        return a.arr.dot(b) if self.is_array else (a * b).list.sum()

    def each(self, x: pl.Expr, element_expr: pl.Expr) -> pl.Expr:
        """Apply an element-wise expression to every element (fast, flat path)."""
        return x.arr.eval(element_expr) if self.is_array else x.list.eval(element_expr)

    def scalar(self, value: pl.Expr) -> pl.Expr:
        """A per-row Float64 scalar in the element dtype, so broadcasting does not upcast."""
        return value if self.inner == pl.Float64 else value.cast(self.inner)

    def maxabs(self, x: pl.Expr) -> pl.Expr:
        """The largest ``|element|`` (nulls and NaN skipped), Float64."""
        return pl.max_horizontal(self.max(x), -self.min(x)).cast(pl.Float64).abs()


def _vector_expr(expr: pl.Expr, method: str, build: Callable[[pl.Expr, _Vec], pl.Expr]) -> pl.Expr:
    """Check at plan time that ``expr`` is a numeric Array/List and build on it.

    ``build`` receives the vector with Float32 or Float64 elements (other numeric
    elements are cast to Float64 first) and its :class:`_Vec` facts. The result
    keeps the input column's name.
    """

    def resolve(e: pl.Expr, dtype: pl.DataType) -> pl.Expr:
        is_array = isinstance(dtype, pl.Array)
        inner = dtype.inner if isinstance(dtype, (pl.Array, pl.List)) else None
        if isinstance(inner, type):
            inner = inner()
        out = float_dtype(inner) if inner is not None else None
        if out is None or inner is None:
            msg = (
                f"polars_norm.{method}: column {_column_label(e)} has dtype {dtype}; "
                "expected an Array or List column of numbers (integer, unsigned, float or decimal elements)"
            )
            raise TypeError(msg)
        x = e
        if inner != out:
            target = pl.Array(pl.Float64, dtype.size) if isinstance(dtype, pl.Array) else pl.List(pl.Float64)
            x = e.cast(target)
        width = dtype.size if isinstance(dtype, pl.Array) else 0
        result = build(x, _Vec(is_array=is_array, inner=out, width=width))
        name = e.meta.output_name(raise_if_undetermined=False)
        return result.alias(name) if name is not None else result

    return expr.pipe_with_dtype(resolve)


def _valid_view(x: pl.Expr, vec: _Vec, nan: NanPolicy) -> pl.Expr:
    """The elements statistics see: NaN becomes null unless propagating."""
    return vec.each(x, pl.element().fill_nan(None)) if nan == "ignore" else x


def _maxabs(x: pl.Expr, vec: _Vec, nan: NanPolicy) -> pl.Expr:
    # arr.max/arr.min skip NaN unless every element is NaN; such a vector has
    # no valid element under nan="ignore", so its scale is null.
    m = vec.maxabs(x)
    return m.fill_nan(None) if nan == "ignore" else m


def _pow2(exponent: pl.Expr | float) -> pl.Expr:
    e = exponent if isinstance(exponent, pl.Expr) else pl.lit(exponent)
    return pl.lit(2.0).pow(e)


def _even(exponent: pl.Expr) -> pl.Expr:
    """Round an exponent down to even, so that ``2**(h / 2)`` (the square root's scale) is exact."""
    return (exponent / 2.0).floor() * 2.0


def _scaled_power_sum(x: pl.Expr, vec: _Vec, p: float, nan: NanPolicy) -> tuple[pl.Expr, pl.Expr]:
    """``(k, s)`` with ``s = sum |x * 2**-k| ** p`` (Float64) and ``2**k <= max|x|``.

    For a vector with a valid non-zero element, ``s >= 1``.
    """
    k = pow2_exponent(_maxabs(x, vec, nan), vec.inner)
    scaled = x * vec.scalar(_pow2(-k))
    element = pl.element().fill_nan(None) if nan == "ignore" else pl.element()
    s = vec.sum(vec.each(scaled, element.abs().pow(p))).cast(pl.Float64)
    return k, s


def _l2_parts(x: pl.Expr, vec: _Vec) -> tuple[pl.Expr, pl.Expr]:
    """``(h, t)`` with ``t = sum x**2 * 2**-h`` (Float64), overflow- and underflow-safe.

    ``h = k + _HEADROOM`` where ``2**k <= max|x|``. Only one scaled copy of the
    vector is made (``x * 2**-h``, dotted with ``x``), which keeps this within
    a few passes over the data of the naive ``sqrt(x . x)``. NaN elements make
    ``t`` NaN (see :func:`_l2_nan_free`).
    """
    h = _even(pow2_exponent(vec.maxabs(x), vec.inner) + _HEADROOM)
    t = vec.dot(x, x * vec.scalar(_pow2(-h))).cast(pl.Float64)
    return h, t


def _l2_nan_free(x: pl.Expr, vec: _Vec, t: pl.Expr) -> pl.Expr:
    """The L2 norm without NaN elements, computed only for the rows where ``t`` is NaN.

    The other rows are masked to null first, and Polars skips null rows in
    ``arr.agg``, so this costs next to nothing when NaN is rare (a NaN-free
    view of every vector would cost a full pass). Null when no element is valid.
    """
    element = pl.element().fill_nan(None)
    top = element.abs().max()
    norm = ((element / top).pow(2).sum().sqrt() * top).cast(pl.Float64)
    masked = pl.when(t.is_nan()).then(x)
    return masked.arr.agg(norm) if vec.is_array else masked.list.agg(norm)


def _l2_floor(vec: _Vec) -> float:
    # sqrt(t) of a vector with a valid non-zero normal element is at least
    # 2**((emin - HEADROOM) / 2); the floor sits below that, and 1 / floor
    # times 2**(-h/2) stays finite for the zero vector (h at its minimum).
    emin = -126 if vec.inner == pl.Float32 else -1022
    return 2.0 ** ((emin - _HEADROOM) // 2 - 1)


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

    def build(x: pl.Expr, vec: _Vec) -> pl.Expr:
        if math.isinf(p):
            norm = _maxabs(x, vec, nan)
            if nan == "propagate":
                has_nan = vec.each(x, pl.element().is_nan())
                has_nan = has_nan.arr.any() if vec.is_array else has_nan.list.any()
                norm = pl.when(has_nan).then(pl.lit(float("nan"))).otherwise(norm)
        elif p == 2.0:
            h, t = _l2_parts(x, vec)
            norm = t.sqrt() * _pow2(h / 2.0)
            if nan == "ignore":
                norm = pl.when(t.is_nan()).then(_l2_nan_free(x, vec, t)).otherwise(norm)
        else:
            k, s = _scaled_power_sum(x, vec, p, nan)
            norm = s.pow(1.0 / p) * _pow2(k)
        return vec.scalar(norm)

    return _vector_expr(expr, "vector_norm", build)


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

    def native(x: pl.Expr, vec: _Vec) -> pl.Expr:
        if p == 2.0:
            h, t = _l2_parts(x, vec)
            multiplier = _pow2(-h / 2.0) / t.sqrt().clip(lower_bound=_l2_floor(vec))
            if nan == "ignore":
                rescued = 1.0 / _l2_nan_free(x, vec, t).clip(lower_bound=ZERO_SCALE_FLOOR)
                multiplier = pl.when(t.is_nan()).then(rescued).otherwise(multiplier)
        elif math.isinf(p):
            k = pow2_exponent(_maxabs(x, vec, nan), vec.inner)
            # max|x| * 2**-k lies in [1, 2) for a non-zero vector; 1 for the zero vector.
            multiplier = _pow2(-k) / (_maxabs(x, vec, nan) * _pow2(-k)).clip(lower_bound=1.0)
        else:
            k, s = _scaled_power_sum(x, vec, p, nan)
            multiplier = _pow2(-k) / s.pow(1.0 / p).clip(lower_bound=1.0)
        # No valid element: NaN elements stay NaN, null ones null.
        return x * vec.scalar(multiplier.fill_null(float("nan")))

    def build(x: pl.Expr, vec: _Vec) -> pl.Expr:
        if p != 2.0 or not vec.is_array:
            return native(x, vec)

        # L2 of fixed-width cells: the numpy kernel (2.4x faster), with the
        # native route for the rows it cannot take (see polars_norm.vector_kernels).
        def rows_natively(s: pl.Series) -> pl.Series:
            return s.to_frame().select(native(pl.col(s.name), vec)).to_series()

        return x.map_batches(
            partial(unit_l2_rows, native=rows_natively),
            return_dtype=pl.Array(vec.inner, vec.width),
            is_elementwise=True,
        )

    return _vector_expr(expr, "vector_unit", build)


def _zscore_cells(x: pl.Expr, vec: _Vec, *, ddof: int, nan: NanPolicy) -> pl.Expr:
    """``(x - mean) / std`` of each vector cell (the body of :func:`vector_zscore`).

    Every statistic is referenced as few times as possible: Polars plans each
    copy of ``valid`` (an ``arr.eval``) separately, and rows packed into cells
    (:func:`zscore_across`) repeat the whole expression once per column.
    """
    valid = _valid_view(x, vec, nan)
    # valid elements give 1, missing ones null (NaN with nan="propagate": the count is NaN)
    count = vec.sum(valid * vec.scalar(pl.lit(0.0)) + vec.scalar(pl.lit(1.0))).cast(pl.Float64)
    km = pow2_exponent(_maxabs(x, vec, nan), vec.inner)
    lo, hi = vec.min(x).cast(pl.Float64), vec.max(x).cast(pl.Float64)
    # The mean of power-of-two-rescaled values cannot overflow; a constant
    # vector is centered exactly (its mean is its value, not a rounding of it).
    mean = pl.when(lo == hi).then(lo).otherwise(vec.mean(valid * vec.scalar(_pow2(-km))).cast(pl.Float64) * _pow2(km))
    # Deviations rescaled by 2**-(h/2), h from the range: their squares and
    # sums cannot overflow (h is even, so the rescaling is exact to undo).
    h = _even(pow2_exponent(hi - lo, vec.inner) + _HEADROOM)
    d = (valid - vec.scalar(mean)) * vec.scalar(_pow2(-h / 2.0))
    # Corrected two-pass (Chan, Golub and LeVeque): subtract (sum d)**2 / n,
    # the part of sum d**2 owed to the rounding of the mean, which at a large
    # offset (1e15 + N(0, 1)) is not negligible.
    ss = (vec.dot(d, d).cast(pl.Float64) - vec.sum(d).cast(pl.Float64).pow(2) / count).clip(lower_bound=0.0)
    dof = count - ddof
    # The standard deviation in units of 2**km (so max|x| is in [1, 2)); null when undefined.
    unit_std = pl.when(dof <= 0).then(None).otherwise((ss / dof).sqrt() * _pow2(h / 2.0 - km))
    # The zero-scale rule of the column-wise z-score, with one reference to the std.
    inverse = inverse_of_unit_std(unit_std, km)
    return (x - vec.scalar(mean)) * vec.scalar(inverse)


def zscore_across(xs: list[pl.Expr], i: int, *, ddof: int, nan: NanPolicy) -> pl.Expr:
    """Element ``i`` of the row ``xs`` (Float64 expressions) z-scored across the row.

    The row is packed into an ``Array`` cell and normalized by the vector-cell
    code, so that rows and vector cells share one implementation, and the
    expression grows linearly with the number of columns (a sum over the row
    written per element repeats every row statistic in every term).
    """
    return _zscore_cells(pl.concat_arr(xs), _Vec(is_array=True, inner=pl.Float64), ddof=ddof, nan=nan).arr.get(i)


def vector_zscore(expr: pl.Expr, *, ddof: int = 1, nan: NanPolicy = "ignore") -> pl.Expr:
    """Standardize each vector by its own mean and standard deviation.

    This is layer normalization (without the learned gain and bias) of a
    vector cell: ``(x - mean(x)) / std(x)``, the statistics taken over the
    elements of each row's vector.

    Parameters
    ----------
    expr
        An ``Array`` or ``List`` column of numbers (one vector per row).
    ddof
        Delta degrees of freedom of the standard deviation; 1 (default) as in
        Polars. Layer normalization in deep-learning libraries uses 0.
    nan
        ``"ignore"`` (default) or ``"propagate"``; see :func:`vector_unit`.

    Returns
    -------
    pl.Expr
        The same dtype and shape as the input (Float64 elements for
        non-float input), named as the input.

    Notes
    -----
    Null (and, by default, NaN) elements are left out of the statistics and
    kept in the output. A constant vector has zero standard deviation, taken
    as 1, so it maps to zeros; so does a vector with fewer than ``ddof + 1``
    valid elements (undefined standard deviation). The variance is computed
    from centered values rescaled by a power of two, so it is accurate at any
    offset and magnitude. A null vector stays null.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"emb": [[1.0, 2.0, 3.0], [5.0, 5.0, 5.0], [1.0, None, 3.0]]})
    >>> df.select(pl.col("emb").norm.vector_zscore())
    shape: (3, 1)
    ┌─────────────────────────────┐
    │ emb                         │
    │ ---                         │
    │ list[f64]                   │
    ╞═════════════════════════════╡
    │ [-1.0, 0.0, 1.0]            │
    │ [0.0, 0.0, 0.0]             │
    │ [-0.707107, null, 0.707107] │
    └─────────────────────────────┘
    """
    ddof = check_ddof(ddof, "vector_zscore")
    check_nan(nan, "vector_zscore")

    return _vector_expr(expr, "vector_zscore", lambda x, vec: _zscore_cells(x, vec, ddof=ddof, nan=nan))
