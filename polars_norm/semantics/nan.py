"""The NaN rule: the values a statistic is computed over, under a ``nan`` policy.

With ``nan="ignore"`` (the default) statistics skip NaN as they skip nulls,
and a NaN input gives a NaN output; ``nan="propagate"`` follows Polars' own
semantics (one NaN poisons the statistics of its column or group).
:func:`stat_view` is the length-preserving view (rolling statistics),
:func:`valid_values` the filtered one (whole-column aggregations),
:func:`max_abs` the data's ``max|x|`` under the policy, and
:func:`safe_location` keeps NaN rows NaN when a location is undefined.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

__all__ = ["NanPolicy", "max_abs", "safe_location", "stat_view", "valid_values"]

NanPolicy = Literal["ignore", "propagate"]


def stat_view(x: pl.Expr, nan: NanPolicy) -> pl.Expr:
    """The values statistics are computed over: NaN becomes null unless propagating.

    Length-preserving (rows stay aligned), for rolling statistics; see
    :func:`valid_values` for whole-column aggregations.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"x": [1.0, float("nan")]})
    >>> df.select(stat_view(pl.col("x"), "ignore")).to_series().to_list()
    [1.0, None]
    >>> df.select(stat_view(pl.col("x"), "propagate")).to_series().to_list()
    [1.0, nan]
    """
    return x.fill_nan(None) if nan == "ignore" else x


def safe_location(location: pl.Expr) -> pl.Expr:
    """A location statistic, NaN when undefined (no valid values).

    With no valid values every non-null input is NaN, so subtracting NaN keeps
    NaN rows NaN (and null rows null) instead of turning them null.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"x": [float("nan"), None]})
    >>> df.select(pl.col("x") - safe_location(pl.col("x").fill_nan(None).mean())).to_series().to_list()
    [nan, None]
    """
    return location.fill_null(float("nan"))


def valid_values(values: pl.Expr, nan: NanPolicy, *, like: pl.Expr | None = None) -> pl.Expr:
    """The values a whole-column statistic is computed over (not length-preserving).

    ``filter`` drops NaN before the aggregation (nulls are skipped by every
    Polars aggregation already). ``like`` is the input column whose NaN
    positions ``values`` shares (``values`` computed elementwise from it): the
    predicate is taken from it, so that an eager ``select``, which does not
    eliminate common subexpressions, does not compute ``values`` twice. Use
    :func:`stat_view` for rolling statistics, which need the rows aligned.

    Parameters
    ----------
    values
        The values (or an elementwise function of the input).
    nan
        ``"ignore"`` drops NaN; ``"propagate"`` returns ``values`` unchanged.
    like
        The input column whose NaN positions ``values`` shares, or None to
        test ``values`` itself.

    Returns
    -------
    pl.Expr
        The values to aggregate.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"x": [1.0, float("nan"), 3.0]})
    >>> df.select(valid_values(pl.col("x"), "ignore").mean()).item()
    2.0
    >>> df.select(valid_values(pl.col("x") ** 2, "ignore", like=pl.col("x")).sum()).item()
    10.0
    """
    if nan != "ignore":
        return values
    source = values if like is None else like
    return values.filter(source.is_not_nan())


def max_abs(x: pl.Expr, nan: NanPolicy) -> pl.Expr:
    """``max|x|`` from the column's max and min (no ``abs`` pass); null without data.

    With ``nan="ignore"``, Polars' max/min already skip NaN and are NaN only
    when every value is, which is no data: null (through ``replace``, not
    ``fill_nan``, which Polars expands into three references).

    Parameters
    ----------
    x
        A numeric column or expression.
    nan
        ``"ignore"`` or ``"propagate"`` (NaN-propagating max and min).

    Returns
    -------
    pl.Expr
        A scalar aggregation.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"x": [-5.0, 3.0, float("nan")]})
    >>> df.select(max_abs(pl.col("x"), "ignore")).item(), df.select(max_abs(pl.col("x"), "propagate")).item()
    (5.0, nan)
    """
    # ``a.clip(lower_bound=b)`` is ``max(a, b)`` and stays a scalar: Polars
    # treats ``max_horizontal`` of two scalars as a column, and broadcasting
    # that onto the rows costs several times a plain scalar product (the
    # maxabs and unit rows of docs/benchmarks.md).
    if nan == "ignore":
        return x.max().abs().clip(lower_bound=x.min().abs()).replace(float("nan"), None)
    return x.nan_max().abs().clip(lower_bound=x.nan_min().abs())
