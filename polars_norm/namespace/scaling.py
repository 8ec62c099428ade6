"""The ``norm`` namespace's location-scale normalizations of the column, and unit/softmax scaling."""

from __future__ import annotations

import polars as pl

from polars_norm.columns import norms, power, robust, scaling
from polars_norm.semantics import NanPolicy

__all__ = ["ScalingMethods"]


class ScalingMethods:
    """Location-scale normalizations of the column, and unit/softmax scaling.

    Mixed into :class:`polars_norm.namespace.NormNamespace`.
    """

    _expr: pl.Expr

    def zscore(self, *, ddof: int = 1, nan: NanPolicy = "ignore") -> pl.Expr:
        """Standardize to zero mean and unit standard deviation: ``(x - mean) / std``.

        The mean and standard deviation are those of the whole column (of
        each group under ``.over``), so the output has mean 0 and standard
        deviation 1 over its valid values.

        Parameters
        ----------
        ddof : int, default 1
            Delta degrees of freedom of the standard deviation. 1 as in
            Polars; scikit-learn's ``StandardScaler`` uses 0.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the mean and standard deviation;
            ``"propagate"`` lets one NaN turn its whole column (or group) NaN.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``ddof`` is not an integer >= 0 or ``nan`` is not one of the
            two policies (when the expression is built).
        TypeError
            If the column is not numeric (when the query is planned); the
            message names the column, its dtype and the method.

        Notes
        -----
        Nulls and NaN are ignored by the statistics and kept in the output. A
        constant column (all values within one ulp of each other) has a zero
        standard deviation, taken as 1 about its exact value: it maps to
        exactly 0. So does a single value, whose standard deviation is
        undefined. The variance is computed on centered values (two passes),
        exact to rounding where Polars' one-pass ``var()`` loses most digits on
        large offsets (``1e12 + N(0, 1)``, epoch timestamps), and rescaled by
        a power of two, so magnitudes of 1e+-300 neither overflow nor
        underflow. Integer columns are centered in integer arithmetic first,
        so an Int64 near ``2**62`` is exact to rounding.

        See Also
        --------
        robust : Median and interquartile range instead, insensitive to outliers.
        rolling_zscore, expanding_zscore, ewm_zscore : Over a window of rows.
        vector_zscore : Each vector of an Array/List column by its own statistics.
        polars_norm.zscore : The same as a function.

        References
        ----------
        .. [1] Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). "Algorithms
           for computing the sample variance: analysis and recommendations".
           The American Statistician 37(3), 242-247.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [1.0, 2.0, 3.0, None, float("nan")]})
        >>> df.select(pl.col("x").norm.zscore())
        shape: (5, 1)
        ┌──────┐
        │ x    │
        │ ---  │
        │ f64  │
        ╞══════╡
        │ -1.0 │
        │ 0.0  │
        │ 1.0  │
        │ null │
        │ NaN  │
        └──────┘

        A constant column maps to 0, and ``ddof=0`` matches scikit-learn:

        >>> pl.DataFrame({"x": [5, 5, 5]}).select(pl.col("x").norm.zscore())
        shape: (3, 1)
        ┌─────┐
        │ x   │
        │ --- │
        │ f64 │
        ╞═════╡
        │ 0.0 │
        │ 0.0 │
        │ 0.0 │
        └─────┘
        >>> pl.DataFrame({"x": [1.0, 3.0]}).select(pl.col("x").norm.zscore(ddof=0))
        shape: (2, 1)
        ┌──────┐
        │ x    │
        │ ---  │
        │ f64  │
        ╞══════╡
        │ -1.0 │
        │ 1.0  │
        └──────┘
        """
        return scaling.zscore(self._expr, ddof=ddof, nan=nan)

    def minmax(
        self,
        *,
        feature_range: tuple[float, float] = (0.0, 1.0),
        clip: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Rescale ``[min, max]`` linearly onto ``feature_range``.

        ``low + (x - min) * (high - low) / (max - min)``, with ``min`` and
        ``max`` of the whole column (of each group under ``.over``).

        Parameters
        ----------
        feature_range : tuple[float, float], default (0.0, 1.0)
            The ``(low, high)`` target interval, finite with ``low < high``.
        clip : bool, default False
            Clip the output to ``feature_range`` (guards against rounding just
            outside it).
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the minimum and maximum;
            ``"propagate"`` lets one NaN turn its whole column NaN.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``feature_range`` is not a pair of finite numbers with
            ``low < high``, or ``nan`` is not one of the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are ignored by the statistics and kept in the output. A
        zero range (constant column) is taken as 1, so a constant column maps
        to ``feature_range[0]``, as in scikit-learn's ``MinMaxScaler``. A
        column holding ``inf`` has an infinite range: its finite values map
        to ``low`` (docs/semantics.md, "infinite values").

        See Also
        --------
        maxabs : Scale by ``max|x|`` only, keeping zeros.
        rolling_minmax, expanding_minmax : Over a window of rows.
        polars_norm.minmax : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [2, 4, 6, None]})
        >>> df.select(pl.col("x").norm.minmax(feature_range=(-1.0, 1.0)))
        shape: (4, 1)
        ┌──────┐
        │ x    │
        │ ---  │
        │ f64  │
        ╞══════╡
        │ -1.0 │
        │ 0.0  │
        │ 1.0  │
        │ null │
        └──────┘
        """
        return scaling.minmax(self._expr, feature_range=feature_range, clip=clip, nan=nan)

    def maxabs(self, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """Scale by the maximum absolute value, onto ``[-1, 1]``: ``x / max|x|``.

        Nothing is subtracted, so zeros stay zero (sparsity is preserved) and
        signs are kept.

        Parameters
        ----------
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of ``max|x|``; ``"propagate"`` lets
            one NaN turn its whole column NaN.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``nan`` is not one of the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are ignored by the statistic and kept in the output. An
        all-zero column has scale 1 and stays 0, as in scikit-learn's
        ``MaxAbsScaler``.

        See Also
        --------
        unit : Divide by an Lp norm instead (``p=inf`` is this method).
        rolling_maxabs, expanding_maxabs : Over a window of rows.
        polars_norm.maxabs : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> pl.DataFrame({"x": [-4.0, 2.0, 0.0, None]}).select(pl.col("x").norm.maxabs())
        shape: (4, 1)
        ┌──────┐
        │ x    │
        │ ---  │
        │ f64  │
        ╞══════╡
        │ -1.0 │
        │ 0.5  │
        │ 0.0  │
        │ null │
        └──────┘
        """
        return scaling.maxabs(self._expr, nan=nan)

    def robust(
        self,
        *,
        quantile_range: tuple[float, float] = (0.25, 0.75),
        with_centering: bool = True,
        unit_variance: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Robust scaling: ``(x - median) / (q_hi - q_lo)``, insensitive to outliers.

        The median and the quantiles ``q_lo`` and ``q_hi`` (by default the
        quartiles: the interquartile range) are those of the whole column (of
        each group under ``.over``), as scikit-learn's ``RobustScaler``
        computes them.

        Parameters
        ----------
        quantile_range : tuple[float, float], default (0.25, 0.75)
            The ``(q_lo, q_hi)`` quantiles whose difference is the scale, with
            ``0 <= q_lo < q_hi <= 1``. Quantiles interpolate linearly, as
            numpy's ``percentile`` and scikit-learn do.
        with_centering : bool, default True
            Subtract the median. Without it the output is ``x / scale``.
        unit_variance : bool, default False
            Divide the scale by ``Phi^-1(q_hi) - Phi^-1(q_lo)``, so normally
            distributed data gets unit variance (as in scikit-learn).
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the quantiles; ``"propagate"`` lets
            one NaN turn its whole column NaN.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``quantile_range`` is not a pair with ``0 <= q_lo < q_hi <= 1``,
            or ``nan`` is not one of the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are ignored by the statistics and kept in the output. A
        zero quantile range (more than half the values equal, say) does not
        imply a constant column, so it is taken as 1, exactly as in
        scikit-learn: such a column is only centered. So is a range so small
        beside ``max|x|`` that dividing by it could overflow (below
        ``2**-1012`` of it; ``2**-120`` for Float32), so finite input never
        yields inf. Integer columns select their quantiles among the integers
        themselves, so Int64 and UInt64 are exact to rounding.

        The quantiles come from numpy's introselect over one copy of each
        column (or group), run through ``map_batches``. In a lazy query,
        ``collect(engine="in-memory")`` runs the columns' kernels in parallel,
        where Polars' default (streaming) engine runs them one after another
        (docs/semantics.md, "Cost").

        See Also
        --------
        zscore : Mean and standard deviation instead.
        rolling_robust, rolling_robust_by : Over a window of rows.
        polars_norm.robust : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 100.0]})
        >>> df.select(pl.col("x").norm.robust())
        shape: (5, 1)
        ┌──────┐
        │ x    │
        │ ---  │
        │ f64  │
        ╞══════╡
        │ -1.0 │
        │ -0.5 │
        │ 0.0  │
        │ 0.5  │
        │ 48.5 │
        └──────┘
        >>> df.select(pl.col("x").norm.robust(quantile_range=(0.1, 0.9), with_centering=False))
        shape: (5, 1)
        ┌──────────┐
        │ x        │
        │ ---      │
        │ f64      │
        ╞══════════╡
        │ 0.016611 │
        │ 0.033223 │
        │ 0.049834 │
        │ 0.066445 │
        │ 1.66113  │
        └──────────┘
        """
        return robust.robust(
            self._expr,
            quantile_range=quantile_range,
            with_centering=with_centering,
            unit_variance=unit_variance,
            nan=nan,
        )

    def mean_range(self, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """Mean normalization: ``(x - mean) / (max - min)``, centered, range 1.

        Parameters
        ----------
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistics; ``"propagate"`` lets
            one NaN turn its whole column NaN.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``nan`` is not one of the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are ignored by the statistics and kept in the output. A
        zero range (constant column) is taken as 1, so a constant column maps
        to 0. The output has mean 0 and lies in an interval of length 1.

        See Also
        --------
        minmax : The same range, mapped onto ``[0, 1]`` instead of centered.
        zscore : Divide by the standard deviation instead.
        polars_norm.mean_range : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> pl.DataFrame({"x": [0.0, 1.0, 5.0]}).select(pl.col("x").norm.mean_range())
        shape: (3, 1)
        ┌──────┐
        │ x    │
        │ ---  │
        │ f64  │
        ╞══════╡
        │ -0.4 │
        │ -0.2 │
        │ 0.6  │
        └──────┘
        """
        return scaling.mean_range(self._expr, nan=nan)

    def unit(self, p: float = 2, *, nan: NanPolicy = "ignore") -> pl.Expr:
        """Scale the column to unit Lp norm: ``x / ||x||_p``.

        The norm is taken over the whole column (over each group under
        ``.over``). To scale each row across several columns use
        :func:`polars_norm.unit_horizontal`; for each vector of an Array/List
        column use :meth:`vector_unit`.

        Parameters
        ----------
        p : float, default 2
            The norm's order, in ``(0, inf]``; ``float("inf")`` divides by
            ``max|x|``.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the norm; ``"propagate"`` lets one
            NaN turn its whole column NaN.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``p`` is not a number in ``(0, inf]``, or ``nan`` is not one of
            the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are ignored by the norm and kept in the output. A zero
        norm (all-zero column) is taken as 1, so the column stays zero. The
        norm is scaled by a power of two near ``max|x|`` before the powers are
        summed, so it neither overflows nor underflows (as :meth:`l2`).

        See Also
        --------
        l2, lp, linf : The norms themselves, as aggregations.
        vector_unit : Each vector of an Array/List column.
        polars_norm.unit : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [3.0, 4.0, None]})
        >>> df.select(l2=pl.col("x").norm.unit(), l1=pl.col("x").norm.unit(1))
        shape: (3, 2)
        ┌──────┬──────────┐
        │ l2   ┆ l1       │
        │ ---  ┆ ---      │
        │ f64  ┆ f64      │
        ╞══════╪══════════╡
        │ 0.6  ┆ 0.428571 │
        │ 0.8  ┆ 0.571429 │
        │ null ┆ null     │
        └──────┴──────────┘
        """
        return norms.unit(self._expr, p, nan=nan)

    def softmax(self, *, temperature: float = 1.0, nan: NanPolicy = "ignore") -> pl.Expr:
        """Softmax over the column: ``exp(x / T) / sum(exp(x / T))``, overflow-safe.

        Parameters
        ----------
        temperature : float, default 1.0
            ``T``, a finite number > 0; higher flattens the distribution,
            lower sharpens it.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the sum (NaN rows stay NaN);
            ``"propagate"`` lets one NaN turn its whole column NaN.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input; the valid
            outputs sum to 1.

        Raises
        ------
        ValueError
            If ``temperature`` is not a finite number > 0, or ``nan`` is not
            one of the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        The maximum is subtracted before exponentiating, so values such as
        1000 do not overflow; the largest term is exactly 1 and the sum is
        never zero. Nulls and NaN are left out of the sum and kept in the
        output. Under ``.over`` each group sums to 1.

        See Also
        --------
        polars_norm.softmax : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [1000.0, 1000.0, 999.0, None]})
        >>> df.select(pl.col("x").norm.softmax().round(6))
        shape: (4, 1)
        ┌──────────┐
        │ x        │
        │ ---      │
        │ f64      │
        ╞══════════╡
        │ 0.422319 │
        │ 0.422319 │
        │ 0.155362 │
        │ null     │
        └──────────┘
        """
        return power.softmax(self._expr, temperature=temperature, nan=nan)
