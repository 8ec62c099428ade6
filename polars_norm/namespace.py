"""The ``norm`` expression namespace: thin, explicit methods over the pure functions.

``import polars_norm`` registers it, so ``pl.col("x").norm.zscore()`` is
``polars_norm.zscore(pl.col("x"))``. Every method is spelled out (no
``__getattr__`` forwarding) so that signatures are visible to type checkers
and IDEs, and each carries its full documentation (parameters, the rules for
nulls, NaN and zero scales, references, an example), as Polars documents its
own namespaces. The shared rules are in docs/semantics.md and
:mod:`polars_norm.semantics`.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from polars_norm import (
    ewm,
    ewm_by,
    expanding,
    norms,
    power,
    ranks,
    rolling,
    rolling_by,
    scaling,
    vector_zscore,
    vectors,
)
from polars_norm.ranks import QuantileOutput
from polars_norm.semantics import NanPolicy
from polars_norm.window_checks import ClosedInterval, Duration

__all__ = ["NormNamespace"]


@pl.api.register_expr_namespace("norm")
class NormNamespace:
    """Normalizations and norms of a column: ``pl.col(...).norm``.

    Registered by ``import polars_norm``. Each method returns a lazy
    ``pl.Expr`` built from native Polars expressions (a numpy kernel behind
    ``map_batches`` for a few), so it works in ``select``, ``with_columns``,
    ``group_by().agg()``, under ``.over()`` and in lazy and streaming queries.
    The method ``pl.col("x").norm.zscore()`` is the function
    ``polars_norm.zscore(pl.col("x"))``.

    The methods fall into five families: location-scale normalizations over
    the column (``zscore``, ``minmax``, ``maxabs``, ``robust``,
    ``mean_range``), other transforms (``unit``, ``softmax``, ``quantile``,
    ``box_cox``, ``yeo_johnson``), norms (aggregations: ``l0`` to ``linf``),
    windows (``rolling_*``, ``rolling_*_by``, ``expanding_*``, ``ewm_*``) and
    vector cells of ``Array``/``List`` columns (``vector_*``).

    Notes
    -----
    Every method follows the same rules (docs/semantics.md): nulls are ignored
    by the statistics and stay null; NaN is ignored too with ``nan="ignore"``
    (the default) and stays NaN, while ``nan="propagate"`` gives Polars' own
    semantics; a zero or undefined scale is taken as 1, so finite input never
    yields NaN or inf; integers and Decimal are computed in Float64 and
    Float32 stays Float32. Parameters are checked when the expression is
    built (``ValueError``) and the dtype when the query is planned
    (``TypeError``).

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"g": ["a", "a", "b", "b"], "x": [1.0, 3.0, 10.0, 30.0]})
    >>> df.with_columns(
    ...     z=pl.col("x").norm.zscore().over("g"),
    ...     mm=pl.col("x").norm.minmax(),
    ... )
    shape: (4, 4)
    ┌─────┬──────┬───────────┬──────────┐
    │ g   ┆ x    ┆ z         ┆ mm       │
    │ --- ┆ ---  ┆ ---       ┆ ---      │
    │ str ┆ f64  ┆ f64       ┆ f64      │
    ╞═════╪══════╪═══════════╪══════════╡
    │ a   ┆ 1.0  ┆ -0.707107 ┆ 0.0      │
    │ a   ┆ 3.0  ┆ 0.707107  ┆ 0.068966 │
    │ b   ┆ 10.0 ┆ -0.707107 ┆ 0.310345 │
    │ b   ┆ 30.0 ┆ 0.707107  ┆ 1.0      │
    └─────┴──────┴───────────┴──────────┘
    """

    def __init__(self, expr: pl.Expr) -> None:
        self._expr = expr

    # -- location-scale ---------------------------------------------------
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
        return scaling.robust(
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

    # -- unit norm, softmax, ranks, power ----------------------------------
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

    def quantile(
        self,
        *,
        output: QuantileOutput = "uniform",
        offset: float | str | None = None,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Map values to their empirical CDF in ``(0, 1)``, or through it to N(0, 1).

        Each value gets ``u = (rank - a) / (n + 1 - 2a)``, where ``rank`` is
        its average rank among the ``n`` valid values (ties share their mean
        rank) and ``a`` is the plotting-position ``offset``. With
        ``output="normal"`` the result is ``Phi^-1(u)``: the rank-based
        inverse normal transform ("rank-gauss").

        Parameters
        ----------
        output : {'uniform', 'normal'}, default 'uniform'
            The target distribution: uniform on ``(0, 1)`` or standard normal.
        offset : float or str or None, default None
            ``a`` in ``[0, 1)``, or one of the names ``"blom"`` (3/8),
            ``"tukey"`` (1/3), ``"van_der_waerden"`` (0) and ``"rankit"``
            (1/2). None means 0 for uniform output (``rank / (n + 1)``, the
            expected value of the uniform order statistic) and Blom's 3/8 for
            normal output.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the ranking and keeps it in the
            output; ``"propagate"`` ranks NaN above every number, as Polars'
            ``rank`` does.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``output`` or ``nan`` is not one of its choices, or ``offset``
            is neither a number in ``[0, 1)`` nor one of the names.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are not ranked and are kept in the output. A single
        valid value (or a constant column) maps to 0.5, or 0 for normal
        output: a zero spread never yields NaN or inf. scikit-learn's
        ``QuantileTransformer`` instead maps the minimum to 0 and the maximum
        to 1, which are -inf and inf under the normal output (it clips them);
        with ``offset`` in ``[0, 1)`` the output here stays finite. The
        inverse normal CDF is Wichura's AS 241, accurate to about 1e-16.

        In a LazyFrame, Polars' default engine ranks through its streaming
        engine, slower on data already in memory; ``collect(engine="in-memory")``
        avoids that (docs/semantics.md, "Cost").

        See Also
        --------
        polars_norm.quantile_normalize : Give several columns one distribution.
        polars_norm.quantile : The same as a function.

        References
        ----------
        .. [1] Blom, G. (1958). Statistical Estimates and Transformed
           Beta-Variables. Wiley.
        .. [2] Beasley, T. M., Erickson, S. and Allison, D. B. (2009).
           "Rank-based inverse normal transformations are increasingly used,
           but are they merited?". Behavior Genetics 39(5), 580-595.
        .. [3] Wichura, M. J. (1988). "Algorithm AS 241: The percentage points
           of the normal distribution". Applied Statistics 37(3), 477-484.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [10.0, 30.0, 20.0, 20.0, None]})
        >>> df.select(
        ...     u=pl.col("x").norm.quantile(),
        ...     gauss=pl.col("x").norm.quantile(output="normal").round(4),
        ...     rankit=pl.col("x").norm.quantile(output="normal", offset="rankit").round(4),
        ... )
        shape: (5, 3)
        ┌──────┬─────────┬─────────┐
        │ u    ┆ gauss   ┆ rankit  │
        │ ---  ┆ ---     ┆ ---     │
        │ f64  ┆ f64     ┆ f64     │
        ╞══════╪═════════╪═════════╡
        │ 0.2  ┆ -1.0491 ┆ -1.1503 │
        │ 0.8  ┆ 1.0491  ┆ 1.1503  │
        │ 0.5  ┆ 0.0     ┆ 0.0     │
        │ 0.5  ┆ 0.0     ┆ 0.0     │
        │ null ┆ null    ┆ null    │
        └──────┴─────────┴─────────┘
        """
        return ranks.quantile(self._expr, output=output, offset=offset, nan=nan)

    def box_cox(self, lmbda: float) -> pl.Expr:
        """The Box-Cox power transform with a given ``lmbda``, for positive data.

        ``(x**lmbda - 1) / lmbda``, or ``log(x)`` when ``lmbda == 0``.

        Parameters
        ----------
        lmbda : float
            The power, a finite number. The transform is continuous in
            ``lmbda``; it is computed with ``expm1``, so ``lmbda`` near 0
            loses no precision.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``lmbda`` is not a finite number.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Box-Cox is defined for ``x > 0`` only: a value ``<= 0`` gives null
        (an undefined result), NaN stays NaN and null stays null. Use
        :meth:`yeo_johnson` for data with zeros or negative values. ``lmbda``
        is given, not fitted, and unlike scikit-learn's ``PowerTransformer``
        nothing is standardized afterwards: chain :meth:`zscore` for that.

        See Also
        --------
        yeo_johnson : For data of any sign.
        polars_norm.box_cox : The same as a function.

        References
        ----------
        .. [1] Box, G. E. P. and Cox, D. R. (1964). "An analysis of
           transformations". Journal of the Royal Statistical Society B
           26(2), 211-252.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [1.0, 4.0, -1.0, None]})
        >>> df.select(sqrt_like=pl.col("x").norm.box_cox(0.5), log=pl.col("x").norm.box_cox(0.0))
        shape: (4, 2)
        ┌───────────┬──────────┐
        │ sqrt_like ┆ log      │
        │ ---       ┆ ---      │
        │ f64       ┆ f64      │
        ╞═══════════╪══════════╡
        │ 0.0       ┆ 0.0      │
        │ 2.0       ┆ 1.386294 │
        │ null      ┆ null     │
        │ null      ┆ null     │
        └───────────┴──────────┘
        """
        return power.box_cox(self._expr, lmbda)

    def yeo_johnson(self, lmbda: float) -> pl.Expr:
        """The Yeo-Johnson power transform with a given ``lmbda``, for any real data.

        For ``x >= 0``: ``((x + 1)**lmbda - 1) / lmbda`` (``log1p(x)`` when
        ``lmbda == 0``); for ``x < 0``: ``-((1 - x)**(2 - lmbda) - 1) / (2 -
        lmbda)`` (``-log1p(-x)`` when ``lmbda == 2``).

        Parameters
        ----------
        lmbda : float
            The power, a finite number.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``lmbda`` is not a finite number.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Defined for all real values; null and NaN are kept. Computed with
        ``log1p``/``expm1``, so it is accurate near 0 and for ``lmbda`` near 0
        or 2. ``lmbda`` is given, not fitted, and nothing is standardized
        afterwards (scikit-learn's ``PowerTransformer`` does by default): chain
        :meth:`zscore` for that.

        See Also
        --------
        box_cox : For positive data.
        polars_norm.yeo_johnson : The same as a function.

        References
        ----------
        .. [1] Yeo, I.-K. and Johnson, R. A. (2000). "A new family of power
           transformations to improve normality or symmetry". Biometrika
           87(4), 954-959.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [-3.0, 0.0, 3.0, None]})
        >>> df.select(pl.col("x").norm.yeo_johnson(0.5).round(6))
        shape: (4, 1)
        ┌───────────┐
        │ x         │
        │ ---       │
        │ f64       │
        ╞═══════════╡
        │ -4.666667 │
        │ 0.0       │
        │ 2.0       │
        │ null      │
        └───────────┘
        """
        return power.yeo_johnson(self._expr, lmbda)

    # -- norms (aggregations) ----------------------------------------------
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

    # -- windows: rolling, time-based, expanding, exponentially weighted -----
    def rolling_zscore(
        self,
        window_size: int,
        *,
        min_samples: int | None = None,
        center: bool = False,
        ddof: int = 1,
        lag: bool = False,
        nan: NanPolicy = "ignore",
        weights: Sequence[float] | None = None,
    ) -> pl.Expr:
        """Rolling z-score: ``(x - rolling mean) / rolling std`` over the last ``window_size`` rows.

        Each row is standardized by the mean and standard deviation of its
        window: itself and the ``window_size - 1`` rows before it (per group
        under ``.over``).

        Parameters
        ----------
        window_size : int
            The number of rows in each window (the current row included), >= 1.
        min_samples : int or None, default None
            The number of valid (non-null, non-NaN) values a window needs for
            a result, between 1 and ``window_size``; None means
            ``window_size``, as in Polars.
        center : bool, default False
            Center the window on the row instead of ending it there (not
            causal).
        ddof : int, default 1
            Delta degrees of freedom of the standard deviation.
        lag : bool, default False
            Normalize each row by the window that ends on the previous row, so
            no row sees its own value (strictly causal). Incompatible with
            ``center``.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistics; ``"propagate"`` lets
            a NaN poison every window it is in (Polars' own rolling semantics).
        weights : Sequence[float] or None, default None
            Per-row weights of the window, as in Polars'
            ``rolling_mean(window_size, weights=...)``: ``window_size`` finite
            numbers >= 0, at least one > 0. ``weights[-1]`` applies to the
            window's last row (the row itself; the row before it with
            ``lag``; with ``center`` the weights span the centered window, as
            in Polars). None weighs the rows equally. See Notes.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``window_size``, ``min_samples``, ``ddof`` or ``weights`` is out
            of range, ``nan`` is not one of the two policies, or ``lag`` and
            ``center`` are both set (when the expression is built).
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped by the statistics; a null row stays null and
        a NaN row stays NaN. Rows whose window holds fewer than
        ``min_samples`` valid values are null. A window with zero standard
        deviation (constant, up to rounding relative to its mean), or with too
        few values for one (not more than ``ddof``), has its scale taken as 1,
        so a constant stretch maps to 0.

        The statistics are computed on values shifted by the first non-null
        value of the column (or group), which keeps Polars' rolling variance
        accurate on data with a large offset such as ``1e12 + N(0, 1)``, and
        scaled by a power of two, so values anywhere from about 1e-300 to
        1e308 neither overflow nor underflow when squared. A window lying more
        than about 1e280 below the column's largest value, or whose spread is
        below about 1e-16 of its distance from that first value, loses its
        digits (docs/semantics.md, "Limits"); split such a column with ``.over``.

        With ``weights``, the window's mean is ``sum(w x) / sum(w)`` and its
        variance ``sum(w (x - mean)**2) / (sum(w) - ddof * sum(w**2) /
        sum(w))`` over its valid rows (reliability weights: equal weights
        give the unweighted variance with the same ``ddof``; an effective
        sample size ``sum(w)**2 / sum(w**2)`` of at most ``ddof`` means scale
        1). Polars' own weighted ``rolling_std`` always gives the population
        variance and fails on nulls; here nulls and NaN are skipped and
        ``ddof`` applies. ``min_samples`` counts valid rows whatever their
        weight; a window whose valid rows all weigh 0 is null. The weighted
        moments come from weighted sums, so they resolve a window's spread
        only down to about ``sqrt(4 (window_size + 1) eps)`` of the distance
        between its mean and the first valid value: a window with a smaller
        standard deviation counts as constant.

        See Also
        --------
        rolling_zscore_by : Windows of a time span instead of a row count.
        expanding_zscore, ewm_zscore : Cumulative and exponentially weighted.
        zscore : Over the whole column.
        polars_norm.rolling_zscore : The same as a function.

        References
        ----------
        .. [1] Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). "Algorithms
           for computing the sample variance: analysis and recommendations".
           The American Statistician 37(3), 242-247. (The shifted data.)

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [1.0, 2.0, 4.0, 4.0, 4.0, None, 10.0]})
        >>> df.with_columns(
        ...     z=pl.col("x").norm.rolling_zscore(3, min_samples=2),
        ...     lagged=pl.col("x").norm.rolling_zscore(3, min_samples=2, lag=True),
        ...     weighted=pl.col("x").norm.rolling_zscore(3, min_samples=2, weights=[1.0, 1.0, 2.0]),
        ... )
        shape: (7, 4)
        ┌──────┬──────────┬──────────┬──────────┐
        │ x    ┆ z        ┆ lagged   ┆ weighted │
        │ ---  ┆ ---      ┆ ---      ┆ ---      │
        │ f64  ┆ f64      ┆ f64      ┆ f64      │
        ╞══════╪══════════╪══════════╪══════════╡
        │ 1.0  ┆ null     ┆ null     ┆ null     │
        │ 2.0  ┆ 0.707107 ┆ null     ┆ 0.471405 │
        │ 4.0  ┆ 1.091089 ┆ 3.535534 ┆ 0.760726 │
        │ 4.0  ┆ 0.57735  ┆ 1.091089 ┆ 0.456435 │
        │ 4.0  ┆ 0.0      ┆ 0.57735  ┆ 0.0      │
        │ null ┆ null     ┆ null     ┆ null     │
        │ 10.0 ┆ 0.707107 ┆ 6.0      ┆ 0.471405 │
        └──────┴──────────┴──────────┴──────────┘
        """
        return rolling.rolling_zscore(
            self._expr,
            window_size,
            min_samples=min_samples,
            center=center,
            ddof=ddof,
            lag=lag,
            nan=nan,
            weights=weights,
        )

    def rolling_minmax(
        self,
        window_size: int,
        *,
        feature_range: tuple[float, float] = (0.0, 1.0),
        min_samples: int | None = None,
        center: bool = False,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Rolling min-max: rescale each row's window ``[min, max]`` onto ``feature_range``.

        Parameters
        ----------
        window_size : int
            The number of rows in each window (the current row included), >= 1.
        feature_range : tuple[float, float], default (0.0, 1.0)
            The ``(low, high)`` target interval, finite with ``low < high``.
            With ``lag=True`` a row outside the previous window's range maps
            outside it.
        min_samples : int or None, default None
            Valid values a window needs for a result, between 1 and
            ``window_size``; None means ``window_size``.
        center : bool, default False
            Center the window on the row (not causal).
        lag : bool, default False
            Normalize each row by the window ending on the previous row
            (strictly causal). Incompatible with ``center``.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistics; ``"propagate"`` lets
            a NaN poison every window it is in.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``window_size``, ``min_samples`` or ``feature_range`` is out of
            range, ``nan`` is not one of the two policies, or ``lag`` and
            ``center`` are both set.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped by the statistics and kept in the output.
        Rows whose window holds fewer than ``min_samples`` valid values are
        null. A window with zero range has scale 1, so a constant stretch maps
        to ``feature_range[0]``. There are no ``weights``: Polars applies them
        to a min or max by multiplying the values first, which is not a
        weighted min or max of anything.

        See Also
        --------
        rolling_minmax_by : Windows of a time span.
        expanding_minmax : Cumulative.
        minmax : Over the whole column.
        polars_norm.rolling_minmax : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 2.0, 2.0, 2.0, 5.0]})
        >>> df.with_columns(
        ...     mm=pl.col("x").norm.rolling_minmax(3, min_samples=1),
        ...     lagged=pl.col("x").norm.rolling_minmax(3, min_samples=1, lag=True),
        ... )
        shape: (6, 3)
        ┌─────┬─────┬────────┐
        │ x   ┆ mm  ┆ lagged │
        │ --- ┆ --- ┆ ---    │
        │ f64 ┆ f64 ┆ f64    │
        ╞═════╪═════╪════════╡
        │ 1.0 ┆ 0.0 ┆ null   │
        │ 3.0 ┆ 1.0 ┆ 2.0    │
        │ 2.0 ┆ 0.5 ┆ 0.5    │
        │ 2.0 ┆ 0.0 ┆ 0.5    │
        │ 2.0 ┆ 0.0 ┆ 0.0    │
        │ 5.0 ┆ 1.0 ┆ 3.0    │
        └─────┴─────┴────────┘
        """
        return rolling.rolling_minmax(
            self._expr,
            window_size,
            feature_range=feature_range,
            min_samples=min_samples,
            center=center,
            lag=lag,
            nan=nan,
        )

    def rolling_robust(
        self,
        window_size: int,
        *,
        quantile_range: tuple[float, float] = (0.25, 0.75),
        min_samples: int | None = None,
        center: bool = False,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Rolling robust scaling: ``(x - rolling median) / rolling (q_hi - q_lo)``.

        Parameters
        ----------
        window_size : int
            The number of rows in each window (the current row included), >= 1.
        quantile_range : tuple[float, float], default (0.25, 0.75)
            The ``(q_lo, q_hi)`` quantiles whose difference is the scale, with
            ``0 <= q_lo < q_hi <= 1``; the default is the interquartile range.
            Quantiles interpolate linearly (numpy's and pandas' default).
        min_samples : int or None, default None
            Valid values a window needs for a result, between 1 and
            ``window_size``; None means ``window_size``.
        center : bool, default False
            Center the window on the row (not causal).
        lag : bool, default False
            Normalize each row by the window ending on the previous row
            (strictly causal). Incompatible with ``center``.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistics; ``"propagate"`` lets
            a NaN poison every window it is in.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``window_size``, ``min_samples`` or ``quantile_range`` is out of
            range, ``nan`` is not one of the two policies, or ``lag`` and
            ``center`` are both set.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped by the statistics and kept in the output.
        Rows whose window holds fewer than ``min_samples`` valid values are
        null. A window with a zero quantile range (say, more than half its
        values equal) has scale 1, so it is only centered.

        See Also
        --------
        rolling_robust_by : Windows of a time span.
        robust : Over the whole column.
        polars_norm.rolling_robust : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 100.0, 5.0]})
        >>> df.with_columns(r=pl.col("x").norm.rolling_robust(4, min_samples=2))
        shape: (6, 2)
        ┌───────┬──────────┐
        │ x     ┆ r        │
        │ ---   ┆ ---      │
        │ f64   ┆ f64      │
        ╞═══════╪══════════╡
        │ 1.0   ┆ null     │
        │ 2.0   ┆ 1.0      │
        │ 3.0   ┆ 1.0      │
        │ 4.0   ┆ 1.0      │
        │ 100.0 ┆ 3.821782 │
        │ 5.0   ┆ 0.02     │
        └───────┴──────────┘
        """
        return rolling.rolling_robust(
            self._expr,
            window_size,
            quantile_range=quantile_range,
            min_samples=min_samples,
            center=center,
            lag=lag,
            nan=nan,
        )

    def rolling_maxabs(
        self,
        window_size: int,
        *,
        min_samples: int | None = None,
        center: bool = False,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Rolling max-abs scaling: ``x / rolling max |x|``.

        Parameters
        ----------
        window_size : int
            The number of rows in each window (the current row included), >= 1.
        min_samples : int or None, default None
            Valid values a window needs for a result, between 1 and
            ``window_size``; None means ``window_size``.
        center : bool, default False
            Center the window on the row (not causal).
        lag : bool, default False
            Normalize each row by the window ending on the previous row
            (values larger than any before them then map outside
            ``[-1, 1]``). Incompatible with ``center``.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistic; ``"propagate"`` lets
            a NaN poison every window it is in.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``window_size`` or ``min_samples`` is out of range, ``nan`` is
            not one of the two policies, or ``lag`` and ``center`` are both set.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped by the statistic and kept in the output;
        rows whose window holds fewer than ``min_samples`` valid values are
        null. An all-zero window has scale 1 and zeros stay 0.

        See Also
        --------
        rolling_maxabs_by : Windows of a time span.
        expanding_maxabs : Cumulative.
        maxabs : Over the whole column.
        polars_norm.rolling_maxabs : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [-2.0, 1.0, 4.0, 0.0, 1.0]})
        >>> df.with_columns(m=pl.col("x").norm.rolling_maxabs(2, min_samples=1))
        shape: (5, 2)
        ┌──────┬──────┐
        │ x    ┆ m    │
        │ ---  ┆ ---  │
        │ f64  ┆ f64  │
        ╞══════╪══════╡
        │ -2.0 ┆ -1.0 │
        │ 1.0  ┆ 0.5  │
        │ 4.0  ┆ 1.0  │
        │ 0.0  ┆ 0.0  │
        │ 1.0  ┆ 1.0  │
        └──────┴──────┘
        """
        return rolling.rolling_maxabs(self._expr, window_size, min_samples=min_samples, center=center, lag=lag, nan=nan)

    def rolling_zscore_by(
        self,
        by: str | pl.Expr,
        window_size: Duration,
        *,
        min_samples: int = 1,
        closed: ClosedInterval = "right",
        ddof: int = 1,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-based rolling z-score: ``(x - mean) / std`` over the rows within ``window_size`` of each row.

        Row ``i`` at time ``t`` is standardized by the rows whose ``by`` value
        lies in ``(t - window_size, t]`` (per group under ``.over``), as in
        Polars' ``rolling_mean_by``.

        Parameters
        ----------
        by : str or Expr
            The Date, Datetime or integer column the window is measured on.
        window_size : str or timedelta
            The window length: a Polars duration string (``"1h"``,
            ``"3d12h"``, ``"10i"`` for an index count) or a positive
            ``timedelta``.
        min_samples : int, default 1
            The number of valid (non-null, non-NaN) values a window needs for
            a result.
        closed : {'right', 'left', 'both', 'none'}, default 'right'
            Which ends of the interval ``(t - window_size, t]`` are included.
        ddof : int, default 1
            Delta degrees of freedom of the standard deviation.
        lag : bool, default False
            Leave the current instant out of its window (strictly causal): the
            right end of the interval is opened, ``closed="right"`` acting as
            ``"none"`` and ``"both"`` as ``"left"``; rows sharing a timestamp
            do not see each other.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistics; ``"propagate"`` lets
            a NaN poison every window it is in.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``window_size`` is not a positive duration, ``min_samples``,
            ``ddof`` or ``closed`` is out of range, or ``nan`` is not one of
            the two policies, or ``lag`` is set with ``closed="left"``
            or ``"none"`` (which already leave the current row out).
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped by the statistics and kept in the output. A
        window holding fewer than ``min_samples`` valid values gives null; a
        window with zero standard deviation, or not more than ``ddof``
        values, has scale 1, so a constant stretch or a lone value maps to 0.
        An unsorted ``by`` is sorted internally by Polars; the output keeps
        the row order. Statistics are computed on values shifted by the
        column's first non-null value and scaled by a power of two, for
        accuracy on large offsets and at any magnitude, as in
        :meth:`rolling_zscore`.

        See Also
        --------
        rolling_zscore : Windows of a row count.
        ewm_zscore_by : Time-decayed weights instead of a hard window.
        polars_norm.rolling_zscore_by : The same as a function.

        Examples
        --------
        >>> from datetime import date
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame(
        ...     {
        ...         "day": [date(2024, 1, d) for d in (1, 2, 3, 5, 6, 9)],
        ...         "x": [1.0, 3.0, 2.0, 8.0, 6.0, 1.0],
        ...     }
        ... )
        >>> df.with_columns(z=pl.col("x").norm.rolling_zscore_by("day", "3d"))
        shape: (6, 3)
        ┌────────────┬─────┬───────────┐
        │ day        ┆ x   ┆ z         │
        │ ---        ┆ --- ┆ ---       │
        │ date       ┆ f64 ┆ f64       │
        ╞════════════╪═════╪═══════════╡
        │ 2024-01-01 ┆ 1.0 ┆ 0.0       │
        │ 2024-01-02 ┆ 3.0 ┆ 0.707107  │
        │ 2024-01-03 ┆ 2.0 ┆ 0.0       │
        │ 2024-01-05 ┆ 8.0 ┆ 0.707107  │
        │ 2024-01-06 ┆ 6.0 ┆ -0.707107 │
        │ 2024-01-09 ┆ 1.0 ┆ 0.0       │
        └────────────┴─────┴───────────┘
        """
        return rolling_by.rolling_zscore_by(
            self._expr, by, window_size, min_samples=min_samples, closed=closed, ddof=ddof, lag=lag, nan=nan
        )

    def rolling_minmax_by(
        self,
        by: str | pl.Expr,
        window_size: Duration,
        *,
        feature_range: tuple[float, float] = (0.0, 1.0),
        min_samples: int = 1,
        closed: ClosedInterval = "right",
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-based rolling min-max: each row's window ``[min, max]`` onto ``feature_range``.

        The window of row ``i`` at time ``t`` holds the rows whose ``by``
        value lies in ``(t - window_size, t]``, as in :meth:`rolling_zscore_by`.

        Parameters
        ----------
        by : str or Expr
            The Date, Datetime or integer column the window is measured on.
        window_size : str or timedelta
            The window length: a Polars duration string (``"1h"``,
            ``"3d12h"``, ``"10i"``) or a positive ``timedelta``.
        feature_range : tuple[float, float], default (0.0, 1.0)
            The ``(low, high)`` target interval, finite with ``low < high``.
        min_samples : int, default 1
            Valid values a window needs for a result.
        closed : {'right', 'left', 'both', 'none'}, default 'right'
            Which ends of the interval are included.
        lag : bool, default False
            Leave the current instant out of its window (strictly causal).
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistics; ``"propagate"`` lets
            a NaN poison every window it is in.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``window_size`` is not a positive duration, ``feature_range``,
            ``min_samples`` or ``closed`` is out of range, or ``nan`` is not
            one of the two policies, or ``lag`` is set with ``closed="left"``
            or ``"none"`` (which already leave the current row out).
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped and kept. A window with zero range has
        scale 1, so a constant stretch (or a lone row) maps to
        ``feature_range[0]``.

        See Also
        --------
        rolling_minmax : Windows of a row count.
        polars_norm.rolling_minmax_by : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"t": [0, 1, 2, 5, 6], "x": [1.0, 3.0, 2.0, 8.0, 6.0]})
        >>> df.with_columns(mm=pl.col("x").norm.rolling_minmax_by("t", "3i"))
        shape: (5, 3)
        ┌─────┬─────┬─────┐
        │ t   ┆ x   ┆ mm  │
        │ --- ┆ --- ┆ --- │
        │ i64 ┆ f64 ┆ f64 │
        ╞═════╪═════╪═════╡
        │ 0   ┆ 1.0 ┆ 0.0 │
        │ 1   ┆ 3.0 ┆ 1.0 │
        │ 2   ┆ 2.0 ┆ 0.5 │
        │ 5   ┆ 8.0 ┆ 0.0 │
        │ 6   ┆ 6.0 ┆ 0.0 │
        └─────┴─────┴─────┘
        """
        return rolling_by.rolling_minmax_by(
            self._expr,
            by,
            window_size,
            feature_range=feature_range,
            min_samples=min_samples,
            closed=closed,
            lag=lag,
            nan=nan,
        )

    def rolling_robust_by(
        self,
        by: str | pl.Expr,
        window_size: Duration,
        *,
        quantile_range: tuple[float, float] = (0.25, 0.75),
        min_samples: int = 1,
        closed: ClosedInterval = "right",
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-based rolling robust scaling: ``(x - median) / (q_hi - q_lo)`` over each row's window.

        The window of row ``i`` at time ``t`` holds the rows whose ``by``
        value lies in ``(t - window_size, t]``, as in :meth:`rolling_zscore_by`.

        Parameters
        ----------
        by : str or Expr
            The Date, Datetime or integer column the window is measured on.
        window_size : str or timedelta
            The window length: a Polars duration string (``"1h"``,
            ``"3d12h"``, ``"10i"``) or a positive ``timedelta``.
        quantile_range : tuple[float, float], default (0.25, 0.75)
            The ``(q_lo, q_hi)`` quantiles whose difference is the scale,
            ``0 <= q_lo < q_hi <= 1``; linear interpolation.
        min_samples : int, default 1
            Valid values a window needs for a result.
        closed : {'right', 'left', 'both', 'none'}, default 'right'
            Which ends of the interval are included.
        lag : bool, default False
            Leave the current instant out of its window (strictly causal).
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistics; ``"propagate"`` lets
            a NaN poison every window it is in.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``window_size`` is not a positive duration, ``quantile_range``,
            ``min_samples`` or ``closed`` is out of range, or ``nan`` is not
            one of the two policies, or ``lag`` is set with ``closed="left"``
            or ``"none"`` (which already leave the current row out).
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped and kept. A window with a zero quantile
        range has scale 1: it is only centered.

        See Also
        --------
        rolling_robust : Windows of a row count.
        polars_norm.rolling_robust_by : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"t": [0, 1, 2, 5, 6], "x": [1.0, 3.0, 2.0, 8.0, 6.0]})
        >>> df.with_columns(r=pl.col("x").norm.rolling_robust_by("t", "3i"))
        shape: (5, 3)
        ┌─────┬─────┬──────┐
        │ t   ┆ x   ┆ r    │
        │ --- ┆ --- ┆ ---  │
        │ i64 ┆ f64 ┆ f64  │
        ╞═════╪═════╪══════╡
        │ 0   ┆ 1.0 ┆ 0.0  │
        │ 1   ┆ 3.0 ┆ 1.0  │
        │ 2   ┆ 2.0 ┆ 0.0  │
        │ 5   ┆ 8.0 ┆ 0.0  │
        │ 6   ┆ 6.0 ┆ -1.0 │
        └─────┴─────┴──────┘
        """
        return rolling_by.rolling_robust_by(
            self._expr,
            by,
            window_size,
            quantile_range=quantile_range,
            min_samples=min_samples,
            closed=closed,
            lag=lag,
            nan=nan,
        )

    def rolling_maxabs_by(
        self,
        by: str | pl.Expr,
        window_size: Duration,
        *,
        min_samples: int = 1,
        closed: ClosedInterval = "right",
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-based rolling max-abs scaling: ``x / max |x|`` over each row's window.

        The window of row ``i`` at time ``t`` holds the rows whose ``by``
        value lies in ``(t - window_size, t]``, as in :meth:`rolling_zscore_by`.

        Parameters
        ----------
        by : str or Expr
            The Date, Datetime or integer column the window is measured on.
        window_size : str or timedelta
            The window length: a Polars duration string (``"1h"``,
            ``"3d12h"``, ``"10i"``) or a positive ``timedelta``.
        min_samples : int, default 1
            Valid values a window needs for a result.
        closed : {'right', 'left', 'both', 'none'}, default 'right'
            Which ends of the interval are included.
        lag : bool, default False
            Leave the current instant out of its window (strictly causal).
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistic; ``"propagate"`` lets
            a NaN poison every window it is in.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``window_size`` is not a positive duration, ``min_samples`` or
            ``closed`` is out of range, or ``nan`` is not one of the two
            policies, or ``lag`` is set with ``closed="left"``
            or ``"none"`` (which already leave the current row out).
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped and kept. An all-zero window has scale 1 and
        zeros stay 0.

        See Also
        --------
        rolling_maxabs : Windows of a row count.
        polars_norm.rolling_maxabs_by : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"t": [0, 1, 2, 5, 6], "x": [1.0, -3.0, 2.0, 8.0, 6.0]})
        >>> df.with_columns(m=pl.col("x").norm.rolling_maxabs_by("t", "3i"))
        shape: (5, 3)
        ┌─────┬──────┬──────────┐
        │ t   ┆ x    ┆ m        │
        │ --- ┆ ---  ┆ ---      │
        │ i64 ┆ f64  ┆ f64      │
        ╞═════╪══════╪══════════╡
        │ 0   ┆ 1.0  ┆ 1.0      │
        │ 1   ┆ -3.0 ┆ -1.0     │
        │ 2   ┆ 2.0  ┆ 0.666667 │
        │ 5   ┆ 8.0  ┆ 1.0      │
        │ 6   ┆ 6.0  ┆ 0.75     │
        └─────┴──────┴──────────┘
        """
        return rolling_by.rolling_maxabs_by(
            self._expr, by, window_size, min_samples=min_samples, closed=closed, lag=lag, nan=nan
        )

    def expanding_zscore(
        self, *, min_samples: int = 2, ddof: int = 1, lag: bool = False, nan: NanPolicy = "ignore"
    ) -> pl.Expr:
        """Expanding (cumulative) z-score: ``(x - mean) / std`` of the row and every row before it.

        Causal by construction: row ``i`` is standardized by the statistics of
        rows ``0..i`` of the column (of its group under ``.over``), or rows
        ``0..i-1`` with ``lag``.

        Parameters
        ----------
        min_samples : int, default 2
            The number of valid (non-null, non-NaN) values needed for a
            result, >= 1; rows with fewer are null. With ``min_samples <=
            ddof`` the rows with too few values for a standard deviation have
            scale 1 (a lone value maps to 0).
        ddof : int, default 1
            Delta degrees of freedom of the standard deviation.
        lag : bool, default False
            Use only the rows before the current one (strictly causal).
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` leaves NaN out of the statistics; ``"propagate"`` lets
            a NaN poison every later row.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``min_samples`` or ``ddof`` is out of range, or ``nan`` is not
            one of the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped by the statistics; a null row stays null and
        a NaN row stays NaN. A zero standard deviation (a constant start, up
        to rounding relative to the mean) has scale 1, so such rows map to 0.
        The textbook cumulative variance ``(cum_sum(x**2) - cum_sum(x)**2 /
        n) / (n - ddof)`` cancels catastrophically on data with an offset;
        here the sum of squared deviations is Welford's update in closed form,
        a ``cum_sum`` of non-negative terms over values shifted by the first
        valid value and scaled by a power of two: accurate to rounding at any
        offset and magnitude.

        See Also
        --------
        rolling_zscore : A window of the last rows only.
        ewm_zscore : Exponentially decaying weights.
        polars_norm.expanding_zscore : The same as a function.

        References
        ----------
        .. [1] Welford, B. P. (1962). "Note on a method for calculating
           corrected sums of squares and products". Technometrics 4(3),
           419-420.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [5.0, 5.0, 7.0, None, 3.0]})
        >>> df.with_columns(
        ...     z=pl.col("x").norm.expanding_zscore(),
        ...     lagged=pl.col("x").norm.expanding_zscore(lag=True),
        ... )
        shape: (5, 3)
        ┌──────┬───────────┬───────────┐
        │ x    ┆ z         ┆ lagged    │
        │ ---  ┆ ---       ┆ ---       │
        │ f64  ┆ f64       ┆ f64       │
        ╞══════╪═══════════╪═══════════╡
        │ 5.0  ┆ null      ┆ null      │
        │ 5.0  ┆ 0.0       ┆ null      │
        │ 7.0  ┆ 1.154701  ┆ 2.0       │
        │ null ┆ null      ┆ null      │
        │ 3.0  ┆ -1.224745 ┆ -2.309401 │
        └──────┴───────────┴───────────┘
        """
        return expanding.expanding_zscore(self._expr, min_samples=min_samples, ddof=ddof, lag=lag, nan=nan)

    def expanding_minmax(
        self,
        *,
        feature_range: tuple[float, float] = (0.0, 1.0),
        min_samples: int = 1,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Expanding min-max: rescale ``[min, max]`` of the row and all before it onto ``feature_range``.

        Parameters
        ----------
        feature_range : tuple[float, float], default (0.0, 1.0)
            The ``(low, high)`` target interval, finite with ``low < high``.
        min_samples : int, default 1
            The number of valid values needed for a result.
        lag : bool, default False
            Use only the rows before the current one (a new extreme then maps
            outside ``feature_range``).
        nan : {'ignore', 'propagate'}, default 'ignore'
            Polars' ``cum_min`` and ``cum_max`` skip NaN either way;
            ``"propagate"`` only stops converting it.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``feature_range`` or ``min_samples`` is out of range, or ``nan``
            is not one of the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped and kept. A zero range (a constant start)
        has scale 1, so such rows map to ``feature_range[0]``.

        See Also
        --------
        rolling_minmax : A window of the last rows only.
        minmax : Over the whole column.
        polars_norm.expanding_minmax : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [2.0, 4.0, 3.0, None, 6.0]})
        >>> df.with_columns(mm=pl.col("x").norm.expanding_minmax())
        shape: (5, 2)
        ┌──────┬──────┐
        │ x    ┆ mm   │
        │ ---  ┆ ---  │
        │ f64  ┆ f64  │
        ╞══════╪══════╡
        │ 2.0  ┆ 0.0  │
        │ 4.0  ┆ 1.0  │
        │ 3.0  ┆ 0.5  │
        │ null ┆ null │
        │ 6.0  ┆ 1.0  │
        └──────┴──────┘
        """
        return expanding.expanding_minmax(
            self._expr, feature_range=feature_range, min_samples=min_samples, lag=lag, nan=nan
        )

    def expanding_maxabs(self, *, min_samples: int = 1, lag: bool = False, nan: NanPolicy = "ignore") -> pl.Expr:
        """Expanding max-abs: ``x / max |x|`` over the row and all before it.

        Parameters
        ----------
        min_samples : int, default 1
            The number of valid values needed for a result.
        lag : bool, default False
            Use only the rows before the current one (a new extreme then maps
            outside ``[-1, 1]``).
        nan : {'ignore', 'propagate'}, default 'ignore'
            As in :meth:`expanding_minmax`: the cumulative extremes skip NaN
            either way; ``"propagate"`` only stops converting it.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``min_samples`` is out of range, or ``nan`` is not one of the
            two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped and kept; an all-zero start has scale 1, so
        its zeros stay 0.

        See Also
        --------
        rolling_maxabs : A window of the last rows only.
        maxabs : Over the whole column.
        polars_norm.expanding_maxabs : The same as a function.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [0.0, -2.0, 1.0, 4.0]})
        >>> df.with_columns(m=pl.col("x").norm.expanding_maxabs())
        shape: (4, 2)
        ┌──────┬──────┐
        │ x    ┆ m    │
        │ ---  ┆ ---  │
        │ f64  ┆ f64  │
        ╞══════╪══════╡
        │ 0.0  ┆ 0.0  │
        │ -2.0 ┆ -1.0 │
        │ 1.0  ┆ 0.5  │
        │ 4.0  ┆ 1.0  │
        └──────┴──────┘
        """
        return expanding.expanding_maxabs(self._expr, min_samples=min_samples, lag=lag, nan=nan)

    def ewm_zscore(
        self,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | None = None,
        alpha: float | None = None,
        adjust: bool = True,
        min_samples: int = 1,
        bias: bool = False,
        ignore_nulls: bool = False,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Exponentially weighted z-score: ``(x - ewm_mean) / ewm_std``.

        The statistics follow Polars' ``ewm_mean``/``ewm_std`` conventions,
        which are pandas' ``ewm`` conventions; give exactly one of ``com``,
        ``span``, ``half_life`` and ``alpha``.

        Parameters
        ----------
        com : float or None, default None
            Center of mass, >= 0: ``alpha = 1 / (1 + com)``.
        span : float or None, default None
            Span, >= 1: ``alpha = 2 / (span + 1)``.
        half_life : float or None, default None
            Half life in rows, > 0: ``alpha = 1 - exp(-ln 2 / half_life)``.
        alpha : float or None, default None
            The smoothing factor itself, in ``(0, 1]``.
        adjust : bool, default True
            Divide by the decaying sum of weights (pandas' ``adjust=True``)
            rather than use the recursive form.
        min_samples : int, default 1
            Valid values needed before a result.
        bias : bool, default False
            Use the biased (population) variance; the default corrects it, so
            the first valid row has no variance (its scale is taken as 1: it
            maps to 0).
        ignore_nulls : bool, default False
            Ignore missing values when computing weights (Polars' parameter,
            pandas' ``ignore_na``).
        lag : bool, default False
            Normalize each row by the statistics of the rows before it
            (strictly causal).
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` treats NaN as missing in the statistics (as pandas
            does); ``"propagate"`` keeps Polars' own NaN arithmetic.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If not exactly one of ``com``, ``span``, ``half_life`` and
            ``alpha`` is given or it is out of range, ``min_samples`` is out
            of range, or ``nan`` is not one of the two policies.
        TypeError
            If the column is not numeric (when the query is planned).

        Notes
        -----
        Nulls and NaN are skipped by the statistics and kept in the output. An
        exponentially weighted recursion never forgets exactly, so after a
        level shift the variance of a now-constant series sinks to a rounding
        floor (about ``eps * |x - pilot| / alpha``) instead of 0; a standard
        deviation below 16 times that floor counts as zero and the row maps to
        0 (with ``lag``, the scale is taken as 1). The statistics are computed
        on values shifted by the first valid value and scaled by a power of
        two: exact to rounding on ``1e12 + N(0, 1)``, where ``ewm_std`` on the
        raw values loses three digits, and no square over- or underflows.

        See Also
        --------
        ewm_zscore_by : Decay by time instead of by row.
        expanding_zscore : Equal weights for every earlier row.
        polars_norm.ewm_zscore : The same as a function.

        References
        ----------
        .. [1] Chan, T. F., Golub, G. H. and LeVeque, R. J. (1983). "Algorithms
           for computing the sample variance: analysis and recommendations".
           The American Statistician 37(3), 242-247. (The shifted data.)

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"x": [1.0, 2.0, None, 4.0, 4.0]})
        >>> df.with_columns(
        ...     z=pl.col("x").norm.ewm_zscore(alpha=0.5),
        ...     lagged=pl.col("x").norm.ewm_zscore(span=3, lag=True),
        ... )
        shape: (5, 3)
        ┌──────┬──────────┬──────────┐
        │ x    ┆ z        ┆ lagged   │
        │ ---  ┆ ---      ┆ ---      │
        │ f64  ┆ f64      ┆ f64      │
        ╞══════╪══════════╪══════════╡
        │ 1.0  ┆ 0.0      ┆ null     │
        │ 2.0  ┆ 0.471405 ┆ 1.0      │
        │ null ┆ null     ┆ null     │
        │ 4.0  ┆ 0.390632 ┆ 3.299832 │
        │ 4.0  ┆ 0.257355 ┆ 0.390632 │
        └──────┴──────────┴──────────┘
        """
        return ewm.ewm_zscore(
            self._expr,
            com=com,
            span=span,
            half_life=half_life,
            alpha=alpha,
            adjust=adjust,
            min_samples=min_samples,
            bias=bias,
            ignore_nulls=ignore_nulls,
            lag=lag,
            nan=nan,
        )

    def ewm_zscore_by(
        self,
        by: str | pl.Expr,
        *,
        half_life: Duration,
        min_samples: int = 1,
        bias: bool = False,
        lag: bool = False,
        nan: NanPolicy = "ignore",
    ) -> pl.Expr:
        """Time-decayed exponentially weighted z-score: weights halve every ``half_life`` of ``by``.

        Row ``i`` is normalized by the mean and standard deviation of all
        valid rows ``j`` with ``t_j <= t_i``, weighted ``2**(-(t_i - t_j) /
        half_life)``.

        Parameters
        ----------
        by : str or Expr
            The Date, Datetime or integer column of times.
        half_life : str or timedelta
            The time over which a weight halves: a constant Polars duration
            (``"30m"``, ``"1d12h"``), a positive ``timedelta``, or ``"Ni"``
            for an integer ``by``. Calendar units (``mo``, ``q``, ``y``) have
            no fixed length and are refused.
        min_samples : int, default 1
            Valid values needed before a result: a row with fewer valid values
            among the rows it is normalized by (itself and the rows at earlier
            or equal times; the rows before it with ``lag``) is null. Per
            group under ``.over``.
        bias : bool, default False
            Use the biased (weighted population) variance; by default it is
            corrected for the effective sample size, so a row with no
            weighted history has no variance (scale 1: it maps to 0).
        lag : bool, default False
            Normalize each row by the statistics of the rows before it
            (strictly causal). This shift follows row order, so ``by`` must be
            sorted (within each group under ``.over``) and hold no nulls.
        nan : {'ignore', 'propagate'}, default 'ignore'
            ``"ignore"`` treats NaN as missing in the statistics;
            ``"propagate"`` keeps Polars' own NaN arithmetic.

        Returns
        -------
        Expr
            Float64 (Float32 for Float32 input), named as the input.

        Raises
        ------
        ValueError
            If ``half_life`` is not a positive constant duration,
            ``min_samples`` is out of range, or ``nan`` is not one of the two
            policies (when the expression is built).
        TypeError
            If the column is not numeric (when the query is planned).
        polars.exceptions.InvalidOperationError
            With ``lag``, if ``by`` is not sorted or holds nulls (when the
            query runs); the message names it.

        Notes
        -----
        These are the ``adjust=True`` weights; Polars' ``ewm_mean_by`` is the
        recursive ``adjust=False`` form and differs from it on the first rows.
        The sums of weights and of weighted values are Polars' ``ewm_sum_by``
        recursions, and the sum of squared deviations is West's weighted
        Welford update ``S_i = lambda_i S_{i-1} + (x_i - m_i)**2 W_i / (W_i -
        1)``: stable, with no sum of squares to cancel. The unbiased variance
        uses the reliability-weights correction pandas and Polars use for
        ``ewm_var(bias=False)``.

        Rows sharing a timestamp weigh the same; among them each row sees
        those before it in row order. Without ``lag``, an unsorted ``by`` is
        sorted internally by Polars and the output keeps the row order. Nulls
        and NaN are skipped and kept; a missing row with no valid value at an
        earlier or equal time (or whose history weighs less than the smallest
        double, over 1000 half lives back) is null. A standard deviation at
        the rounding floor of the recursion (a constant stretch) counts as
        zero: the row maps to 0 (with ``lag``, the scale is taken as 1).

        See Also
        --------
        ewm_zscore : Decay by row count.
        rolling_zscore_by : A hard time window instead of decaying weights.
        polars_norm.ewm_zscore_by : The same as a function.

        References
        ----------
        .. [1] West, D. H. D. (1979). "Updating mean and variance estimates: an
           improved method". Communications of the ACM 22(9), 532-535.
        .. [2] Welford, B. P. (1962). "Note on a method for calculating
           corrected sums of squares and products". Technometrics 4(3),
           419-420.

        Examples
        --------
        >>> import polars as pl
        >>> import polars_norm
        >>> df = pl.DataFrame({"t": [0, 1, 2, 4, 8], "x": [1.0, 2.0, 4.0, 3.0, 9.0]})
        >>> df.with_columns(z=pl.col("x").norm.ewm_zscore_by("t", half_life="2i"))
        shape: (5, 3)
        ┌─────┬─────┬──────────┐
        │ t   ┆ x   ┆ z        │
        │ --- ┆ --- ┆ ---      │
        │ i64 ┆ f64 ┆ f64      │
        ╞═════╪═════╪══════════╡
        │ 0   ┆ 1.0 ┆ 0.0      │
        │ 1   ┆ 2.0 ┆ 0.585786 │
        │ 2   ┆ 4.0 ┆ 0.841648 │
        │ 4   ┆ 3.0 ┆ 0.149536 │
        │ 8   ┆ 9.0 ┆ 0.520076 │
        └─────┴─────┴──────────┘
        """
        return ewm_by.ewm_zscore_by(
            self._expr, by, half_life=half_life, min_samples=min_samples, bias=bias, lag=lag, nan=nan
        )

    # -- vector cells: Array / List columns, one vector per row --------------
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
        polars_norm.vector_zscore : The same as a function.

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
