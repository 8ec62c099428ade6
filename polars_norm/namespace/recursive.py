"""The ``norm`` namespace's expanding and exponentially weighted windows."""

from __future__ import annotations

import polars as pl

from polars_norm.semantics import NanPolicy
from polars_norm.windows import ewm, ewm_by, expanding
from polars_norm.windows.checks import Duration

__all__ = ["RecursiveMethods"]


class RecursiveMethods:
    """Expanding and exponentially weighted windows.

    Mixed into :class:`polars_norm.namespace.NormNamespace`.
    """

    _expr: pl.Expr

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
        The sums of weights and of weighted values are the recursions of
        Polars' ``ewm_sum_by``, and the sum of squared deviations is West's
        weighted Welford update ``S_i = lambda_i S_{i-1} + (x_i - m_i)**2 W_i
        / (W_i - 1)``: stable, with no sum of squares to cancel. The unbiased
        variance uses the reliability-weights correction pandas and Polars use
        for ``ewm_var(bias=False)``. They run as one compiled pass over the
        column in time order (each group under ``.over``), so, like Polars'
        own ``ewm_mean_by``, the method needs the whole column: over data
        larger than memory, use :class:`polars_norm.WindowNormalizer`.

        Rows sharing a timestamp weigh the same; among them each row sees
        those before it in row order. Without ``lag``, an unsorted ``by`` is
        sorted internally and the output keeps the row order. Nulls
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
