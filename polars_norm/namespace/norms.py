"""The ``norm`` namespace's norms of the column (aggregations): L0, L1, L2, Lp, L-infinity."""

from __future__ import annotations

import polars as pl

from polars_norm.columns import norms
from polars_norm.semantics import NanPolicy

__all__ = ["NormMethods"]


class NormMethods:
    """Norms of the column (aggregations): L0, L1, L2, Lp, L-infinity.

    Mixed into :class:`polars_norm.namespace.NormNamespace`.
    """

    _expr: pl.Expr

    def l0(self, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """Count of non-zero values (the "L0 norm"), an aggregation.

        Parameters
        ----------
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` does not count NaN; ``"propagate"`` counts it as
            non-zero, as ``numpy.count_nonzero`` does.

        Returns
        -------
        Expr
            An aggregation (one value per column, or per group), UInt32; null
            when there are no valid values.

        Raises
        ------
        ValueError
            If ``nan`` is not one of the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls are not counted. Like every norm here, it works in ``select``
        and in ``group_by().agg()``.

        See Also
        --------
        l1, l2, lp, linf : The other norms.
        polars_norm.l0 : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"g": ["a", "a", "b"], "x": [0.0, 3.0, -1.0]})
        >>> df.group_by("g", maintain_order=True).agg(pl.col("x").norm.l0())
        shape: (2, 2)
        ┌─────┬─────┐
        │ g   ┆ x   │
        │ --- ┆ --- │
        │ str ┆ u32 │
        ╞═════╪═════╡
        │ a   ┆ 1   │
        │ b   ┆ 1   │
        └─────┴─────┘
        """
        return norms.l0(self._expr, nan=nan)

    def l1(self, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """The L1 norm, ``sum(|x|)``, an aggregation.

        Parameters
        ----------
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the sum; ``"propagate"`` makes the
            norm of a column holding NaN NaN.

        Returns
        -------
        Expr
            An aggregation, Float64 (Float32 for Float32 input); null when
            there are no valid values.

        Raises
        ------
        ValueError
            If ``nan`` is not one of the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls are left out of the sum.

        See Also
        --------
        l2, lp, linf : The other norms.
        unit : Divide the column by its norm.
        polars_norm.l1 : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> pl.DataFrame({"x": [3.0, -4.0, None]}).select(pl.col("x").norm.l1())
        shape: (1, 1)
        ┌─────┐
        │ x   │
        │ --- │
        │ f64 │
        ╞═════╡
        │ 7.0 │
        └─────┘
        """
        return norms.l1(self._expr, nan=nan)

    def l2(self, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """The Euclidean (L2) norm, ``sqrt(sum(x**2))``, without overflow or underflow.

        Parameters
        ----------
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the sum; ``"propagate"`` makes the
            norm of a column holding NaN NaN.

        Returns
        -------
        Expr
            An aggregation, Float64 (Float32 for Float32 input); null when
            there are no valid values.

        Raises
        ------
        ValueError
            If ``nan`` is not one of the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Values are scaled by a power of two near ``max|x|`` before squaring,
        as LAPACK's ``dnrm2`` does, so ``[1e300, 1e300]`` gives ``1.414e300``
        where ``numpy.linalg.norm`` gives inf, and ``[1e-300, 1e-300]`` gives
        ``1.414e-300`` where it gives 0. Nulls are left out.

        See Also
        --------
        lp : Any order ``p``.
        unit : Divide the column by its norm.
        vector_norm : The norm of each vector of an Array/List column.
        polars_norm.l2 : The same as a function.

        References
        ----------
        .. [1] Blue, J. L. (1978). "A portable Fortran program to find the
           Euclidean norm of a vector". ACM Transactions on Mathematical
           Software 4(1), 15-23.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> pl.DataFrame({"x": [3.0, 4.0]}).select(pl.col("x").norm.l2())
        shape: (1, 1)
        ┌─────┐
        │ x   │
        │ --- │
        │ f64 │
        ╞═════╡
        │ 5.0 │
        └─────┘
        >>> pl.DataFrame({"x": [1e300, 1e300]}).select(pl.col("x").norm.l2())
        shape: (1, 1)
        ┌────────────┐
        │ x          │
        │ ---        │
        │ f64        │
        ╞════════════╡
        │ 1.4142e300 │
        └────────────┘
        """
        return norms.l2(self._expr, nan=nan)

    def lp(self, p: float, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """The Lp norm, ``sum(|x|**p) ** (1/p)``, for ``p`` in ``(0, inf]``, an aggregation.

        Parameters
        ----------
        p : float
            The order, in ``(0, inf]``; ``float("inf")`` gives the max norm.
            For ``p < 1`` this is the usual quasi-norm.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the sum; ``"propagate"`` makes the
            norm of a column holding NaN NaN.

        Returns
        -------
        Expr
            An aggregation, Float64 (Float32 for Float32 input); null when
            there are no valid values.

        Raises
        ------
        ValueError
            If ``p`` is not a number in ``(0, inf]``, or ``nan`` is not one of
            the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Overflow- and underflow-safe as :meth:`l2`: the values are scaled by a
        power of two near ``max|x|`` before the powers are summed. Nulls are
        left out.

        See Also
        --------
        l1, l2, linf : The common orders.
        unit : Divide the column by its norm.
        polars_norm.lp : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> pl.DataFrame({"x": [1.0, 2.0, 2.0]}).select(pl.col("x").norm.lp(3))
        shape: (1, 1)
        ┌──────────┐
        │ x        │
        │ ---      │
        │ f64      │
        ╞══════════╡
        │ 2.571282 │
        └──────────┘
        """
        return norms.lp(self._expr, p, nan=nan)

    def linf(self, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """The max (L-infinity) norm, ``max(|x|)``, an aggregation.

        Parameters
        ----------
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out; ``"propagate"`` makes the norm of a
            column holding NaN NaN.

        Returns
        -------
        Expr
            An aggregation, Float64 (Float32 for Float32 input); null when
            there are no valid values.

        Raises
        ------
        ValueError
            If ``nan`` is not one of the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls are left out. ``lp(float("inf"))`` is the same norm.

        See Also
        --------
        maxabs : Divide the column by this norm.
        polars_norm.linf : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> pl.DataFrame({"x": [3.0, -4.0, None]}).select(pl.col("x").norm.linf())
        shape: (1, 1)
        ┌─────┐
        │ x   │
        │ --- │
        │ f64 │
        ╞═════╡
        │ 4.0 │
        └─────┘
        """
        return norms.linf(self._expr, nan=nan)
