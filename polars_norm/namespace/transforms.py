"""The ``norm`` namespace's rank and power transforms: quantile / rank-gauss, Box-Cox, Yeo-Johnson."""

from __future__ import annotations

import polars as pl

from polars_norm.columns import power, ranks
from polars_norm.columns.ranks import QuantileOutput
from polars_norm.semantics import NanPolicy

__all__ = ["TransformMethods"]


class TransformMethods:
    """Rank and power transforms: quantile / rank-gauss, Box-Cox, Yeo-Johnson.

    Mixed into :class:`polars_norm.namespace.NormNamespace`.
    """

    _expr: pl.Expr

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
