"""Rank-based normalization: the empirical CDF, uniform or normal (rank-gauss)."""

from __future__ import annotations

from typing import Literal

import polars as pl

from polars_norm.semantics import NanPolicy, check_choice, check_nan, check_open_unit_interval, numeric_expr
from polars_norm.special import ndtri

__all__ = ["OFFSETS", "quantile"]

QuantileOutput = Literal["uniform", "normal"]

#: Named plotting-position offsets ``a`` in ``(rank - a) / (n + 1 - 2a)``.
OFFSETS: dict[str, float] = {"blom": 3.0 / 8.0, "tukey": 1.0 / 3.0, "van_der_waerden": 0.0, "rankit": 0.5}

_OUTPUTS = ("uniform", "normal")


def quantile(
    expr: pl.Expr,
    *,
    output: QuantileOutput = "uniform",
    offset: float | str | None = None,
    nan: NanPolicy = "ignore",
) -> pl.Expr:
    """Map values to their empirical CDF in ``(0, 1)``, or through it to N(0, 1).

    Each value gets ``u = (rank - a) / (n + 1 - 2a)``, where ``rank`` is its
    average rank among the ``n`` valid values (ties share their mean rank) and
    ``a`` is the plotting-position ``offset``. With ``output="normal"`` the
    result is ``Phi^-1(u)``: the rank-based inverse normal transform
    ("rank-gauss").

    Parameters
    ----------
    expr
        A numeric column or expression.
    output
        ``"uniform"`` (default) or ``"normal"``.
    offset
        ``a`` in ``[0, 1)``, or one of the names ``"blom"`` (3/8),
        ``"tukey"`` (1/3), ``"van_der_waerden"`` (0) and ``"rankit"`` (1/2).
        The default is 0 for uniform output (``rank / (n + 1)``, the expected
        value of the uniform order statistic) and Blom's 3/8 for normal output.
    nan
        ``"ignore"`` (default) leaves NaN out of the ranking and keeps it in
        the output; ``"propagate"`` ranks NaN above every number, as Polars'
        ``rank`` does.

    Returns
    -------
    pl.Expr
        Float64 (Float32 for Float32 input), named as the input.

    Notes
    -----
    Nulls and NaN are not ranked and are kept in the output. A single valid
    value (or a constant column) maps to 0.5, or 0 for normal output: a zero
    spread never yields NaN or inf. scikit-learn's ``QuantileTransformer``
    instead maps the minimum to 0 and the maximum to 1, which are -inf and inf
    under the normal output (it clips them); with ``offset`` in ``[0, 1)`` the
    output here stays finite.

    Speed: in a LazyFrame, Polars' default engine ranks through its
    streaming engine, slower on data already in memory;
    ``collect(engine="in-memory")`` avoids that (docs/semantics.md, "Cost").

    References
    ----------
    .. [1] Blom, G. (1958). Statistical Estimates and Transformed Beta-Variables.
       Wiley.
    .. [2] Beasley, T. M., Erickson, S. and Allison, D. B. (2009). "Rank-based
       inverse normal transformations are increasingly used, but are they
       merited?". Behavior Genetics 39(5), 580-595.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> df = pl.DataFrame({"x": [10.0, 30.0, 20.0, 20.0]})
    >>> df.select(pl.col("x").norm.quantile())
    shape: (4, 1)
    ┌─────┐
    │ x   │
    │ --- │
    │ f64 │
    ╞═════╡
    │ 0.2 │
    │ 0.8 │
    │ 0.5 │
    │ 0.5 │
    └─────┘
    >>> df.select(pl.col("x").norm.quantile(output="normal").round(4))
    shape: (4, 1)
    ┌─────────┐
    │ x       │
    │ ---     │
    │ f64     │
    ╞═════════╡
    │ -1.0491 │
    │ 1.0491  │
    │ 0.0     │
    │ 0.0     │
    └─────────┘
    """
    check_choice(output, _OUTPUTS, "output", "quantile")
    check_nan(nan, "quantile")
    if offset is None:
        a = OFFSETS["blom"] if output == "normal" else 0.0
    elif isinstance(offset, str):
        check_choice(offset, tuple(OFFSETS), "offset", "quantile")
        a = OFFSETS[offset]
    else:
        a = check_open_unit_interval(offset, "offset", "quantile", closed_low=True)

    def build(x: pl.Expr, _: object) -> pl.Expr:
        values = x.fill_nan(None) if nan == "ignore" else x
        u = (values.rank("average") - a) / (values.count() + (1.0 - 2.0 * a))
        out = ndtri(u) if output == "normal" else u
        if nan == "ignore":
            # Put NaN back where the ranking skipped it.
            out = pl.when(x.is_nan()).then(x).otherwise(out)
        return out

    return numeric_expr(expr, "quantile", build)
