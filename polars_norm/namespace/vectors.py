"""The ``norm`` namespace's norms and normalizations inside Array/List cells."""

from __future__ import annotations

import polars as pl

from polars_norm.semantics import NanPolicy
from polars_norm.vectors import norms as vectors
from polars_norm.vectors import zscore as vector_zscore

__all__ = ["VectorMethods"]


class VectorMethods:
    """Norms and normalizations inside Array/List cells.

    Mixed into :class:`polars_norm.namespace.NormNamespace`.
    """

    _expr: pl.Expr

    def vector_norm(self, p: float = 2, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """The Lp norm of each vector in an ``Array`` or ``List`` column.

        Each row holds one vector (an embedding, say); the norm is taken over
        its elements, so the method is row-local and streams in bounded memory.

        Parameters
        ----------
        p : float, default 2
            The norm's order, in ``(0, inf]``: 2 is the Euclidean norm, 1 the
            sum of absolute values, ``float("inf")`` the largest absolute value.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN elements out of the norm; ``"propagate"``
            makes the norm of a vector holding NaN NaN.

        Returns
        -------
        Expr
            One value per row: Float32 for Float32 elements, Float64
            otherwise. Null for a null vector and for one with no valid
            element.

        Raises
        ------
        ValueError
            If ``p`` is not a number in ``(0, inf]``, or ``nan`` is not one of
            the two policies.
        TypeError
            If the column is not an Array or List of numbers (when the query
            is planned).

        Notes
        -----
        Null elements are left out of the norm. Each vector is divided by an
        exact power of two near its largest element before the powers are
        summed (the scaling of LAPACK's ``dnrm2``), so the norm neither
        overflows nor underflows: ``[1e300, 1e300]`` gives ``1.414e300`` and
        ``[1e-300, 1e-300]`` gives ``1.414e-300``, where ``numpy.linalg.norm``
        gives inf and 0. Sums of Float32 elements accumulate in Float32 (as
        numpy does for Float32 arrays); the rescaling keeps them far from the
        Float32 limits. A vector whose largest element is subnormal is outside
        this guarantee, and the Float32 norm of a vector whose true norm
        exceeds the Float32 maximum is inf.

        See Also
        --------
        vector_unit : Divide each vector by its norm.
        l2, lp : The norm of a whole column.
        polars_norm.vector_norm : The same as a function.

        References
        ----------
        .. [1] Blue, J. L. (1978). "A portable Fortran program to find the
           Euclidean norm of a vector". ACM Transactions on Mathematical
           Software 4(1), 15-23.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame(
        ...     {"emb": [[3.0, 4.0], [1e300, 1e300], [0.0, 0.0], None]},
        ...     schema={"emb": pl.Array(pl.Float64, 2)},
        ... )
        >>> df.select(l2=pl.col("emb").norm.vector_norm(), l1=pl.col("emb").norm.vector_norm(1))
        shape: (4, 2)
        ┌────────────┬────────────┐
        │ l2         ┆ l1         │
        │ ---        ┆ ---        │
        │ f64        ┆ f64        │
        ╞════════════╪════════════╡
        │ 5.0        ┆ 7.0        │
        │ 1.4142e300 ┆ 2.0000e300 │
        │ 0.0        ┆ 0.0        │
        │ null       ┆ null       │
        └────────────┴────────────┘
        """
        return vectors.vector_norm(self._expr, p, nan=nan)

    def vector_unit(self, p: float = 2, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """Scale each vector of an ``Array`` or ``List`` column to unit Lp norm.

        ``x / ||x||_p`` per row; the L2 case is what cosine similarity expects
        and what ``sklearn.preprocessing.normalize`` computes.

        Parameters
        ----------
        p : float, default 2
            The norm's order, in ``(0, inf]``; see :meth:`vector_norm`.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN elements out of the norm (they stay NaN in
            the output); ``"propagate"`` turns a vector holding NaN into NaN,
            and skips one pass over the data.

        Returns
        -------
        Expr
            The same dtype and shape as the input (Float64 elements for
            non-float input), named as the input.

        Raises
        ------
        ValueError
            If ``p`` is not a number in ``(0, inf]``, or ``nan`` is not one of
            the two policies.
        TypeError
            If the column is not an Array or List of numbers (when the query
            is planned).

        Notes
        -----
        A zero vector stays zero (its zero norm is taken as 1); a null vector
        stays null; null elements are left out of the norm and stay null. A
        vector with no valid element becomes all null. The norm is overflow-
        and underflow-safe as in :meth:`vector_norm`, and the output is
        computed from the power-of-two-rescaled norm, so ``[1e300, 1e300]``
        maps to ``[0.7071, 0.7071]``. With ``p=2`` on an ``Array`` column a
        numpy kernel behind ``map_batches`` computes the rows it can take
        exactly (the others take the native route): same results, faster
        (docs/benchmarks.md, "Embedding vectors").

        See Also
        --------
        vector_norm : The norms themselves.
        vector_zscore : Standardize each vector instead.
        unit : Over a whole column.
        polars_norm.vector_unit : The same as a function.

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
        return vectors.vector_unit(self._expr, p, nan=nan)

    def vector_zscore(self, *, ddof: int = 1, nan: NanPolicy = "ignore") -> pl.Expr:
        """Standardize each vector of an ``Array`` or ``List`` column by its own mean and standard deviation.

        This is layer normalization (without the learned gain and bias) of a
        vector cell: ``(x - mean(x)) / std(x)``, the statistics taken over the
        elements of each row's vector.

        Parameters
        ----------
        ddof : int, default 1
            Delta degrees of freedom of the standard deviation; 1 as in
            Polars. Layer normalization in deep-learning libraries uses 0.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN elements out of the statistics (they stay
            NaN); ``"propagate"`` turns a vector holding NaN into NaN.

        Returns
        -------
        Expr
            The same dtype and shape as the input (Float64 elements for
            non-float input), named as the input.

        Raises
        ------
        ValueError
            If ``ddof`` is not an integer >= 0, or ``nan`` is not one of the
            two policies.
        TypeError
            If the column is not an Array or List of numbers (when the query
            is planned).

        Notes
        -----
        Null (and, by default, NaN) elements are left out of the statistics
        and kept in the output. A constant vector has zero standard
        deviation, taken as 1, so it maps to zeros; so does a vector with
        fewer than ``ddof + 1`` valid elements (undefined standard
        deviation). The variance is computed from centered values rescaled by
        a power of two, so it is accurate at any offset and magnitude. A null
        vector stays null.

        See Also
        --------
        vector_unit : Scale each vector to unit norm instead.
        zscore : Over a whole column.
        polars_norm.zscore_horizontal : Across several columns of a row.
        polars_norm.vectors.zscore : The same as a function.

        References
        ----------
        .. [1] Ba, J. L., Kiros, J. R. and Hinton, G. E. (2016). "Layer
           normalization". arXiv:1607.06450.
        .. [2] Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). "Algorithms
           for computing the sample variance: analysis and recommendations".
           The American Statistician 37(3), 242-247.

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
        >>> df.select(pl.col("emb").norm.vector_zscore(ddof=0))
        shape: (3, 1)
        ┌────────────────────────────┐
        │ emb                        │
        │ ---                        │
        │ list[f64]                  │
        ╞════════════════════════════╡
        │ [-1.224745, 0.0, 1.224745] │
        │ [0.0, 0.0, 0.0]            │
        │ [-1.0, null, 1.0]          │
        └────────────────────────────┘
        """
        return vector_zscore.vector_zscore(self._expr, ddof=ddof, nan=nan)
