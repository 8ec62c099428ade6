"""Column-wise methods against hand-written Polars, numpy/scipy, scikit-learn and DuckDB, side by side.

    python benchmarks/bench_columnwise.py           # 10M rows x 4 Float64
    python benchmarks/bench_columnwise.py --quick   # 1M rows

For each method, the ``norm`` method in an eager ``DataFrame.select`` against
(best of ``--repeat`` runs, in turns; ratio = alternative / ours):

- ``same math``: the best hand-written Polars expression computing the same thing
  (NaN-ignoring, stable variance, zero-scale guard): the cost of the wrapper.
- ``naive``: the one-liner users write (``(x - x.mean()) / x.std()``), which has
  none of the guarantees (one NaN poisons the column, unstable variance, NaN on
  constant columns): the cost of the guarantees.
- numpy/scipy and scikit-learn on the same data as a numpy array (no conversion
  counted), and DuckDB on a native table (result fetched as a Polars frame).

Standalone, it also prints the lazy query against the same math, the cost of
ignoring NaN, and Polars' default lazy engine against the in-memory one.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duck
import numpy as np
import polars as pl
from timing import Row, best_of, compare, compare_many, markdown_table

import polars_norm  # noqa: F401
from polars_norm.special import expm1

ExprFn = Callable[[pl.Expr], pl.Expr]


def _safe(scale: pl.Expr) -> pl.Expr:
    return pl.when(scale > 0).then(scale).otherwise(1.0)


def _hand_zscore(x: pl.Expr) -> pl.Expr:
    # the same math written by hand: NaN-ignoring mean, centered (stable) std, guard
    m = x.fill_nan(None).mean()
    d = x - m
    return d / _safe(d.fill_nan(None).std())


def _hand_minmax(x: pl.Expr) -> pl.Expr:
    lo, hi = x.min(), x.max()
    return (x - lo) / _safe(hi - lo)


def _hand_maxabs(x: pl.Expr) -> pl.Expr:
    return x / _safe(pl.max_horizontal(x.max().abs(), x.min().abs()))


def _hand_robust(x: pl.Expr) -> pl.Expr:
    v = x.fill_nan(None)
    return (x - v.median()) / _safe(v.quantile(0.75, "linear") - v.quantile(0.25, "linear"))


def _hand_mean_range(x: pl.Expr) -> pl.Expr:
    return (x - x.fill_nan(None).mean()) / _safe(x.max() - x.min())


def _hand_l2(x: pl.Expr) -> pl.Expr:
    # overflow-safe, as the package's: scale by max|x| before squaring (LAPACK's dnrm2)
    m = x.filter(x.is_not_nan()).abs().max()
    return m * (x.filter(x.is_not_nan()) / m).pow(2).sum().sqrt()


def _hand_unit(x: pl.Expr) -> pl.Expr:
    return x / _safe(_hand_l2(x))


def _hand_softmax(x: pl.Expr) -> pl.Expr:
    e = (x - x.max()).exp()
    return e / e.fill_nan(None).sum()


def _hand_yeo_johnson(x: pl.Expr, lmbda: float = 0.5) -> pl.Expr:
    # the textbook form with log1p/expm1 (Polars has none: the package's
    # native-expression expm1), exact to rounding near 0
    pos = expm1(x.log1p() * lmbda) / lmbda
    neg = -expm1((-x).log1p() * (2.0 - lmbda)) / (2.0 - lmbda)
    return pl.when(x >= 0).then(pos).otherwise(neg)


def _naive_yeo_johnson(x: pl.Expr, lmbda: float = 0.5) -> pl.Expr:
    # with pow: (1 + x) rounds away x's low digits, and subtracting 1 cancels,
    # so the relative error near 0 is about 1e-16 / |x| (1e-6 at x = 1e-10)
    pos = ((x + 1.0).pow(lmbda) - 1.0) / lmbda
    neg = -((1.0 - x).pow(2.0 - lmbda) - 1.0) / (2.0 - lmbda)
    return pl.when(x >= 0).then(pos).otherwise(neg)


def _hand_quantile(x: pl.Expr) -> pl.Expr:
    v = x.fill_nan(None)
    return v.rank() / (v.count() + 1)


Array = np.ndarray
ArrayFn = Callable[[Array], object]


@dataclass(frozen=True)
class Case:
    name: str
    ours: ExprFn
    same_math: ExprFn
    naive: ExprFn | None = None
    # label -> function of the (n, 4) numpy array
    external: dict[str, ArrayFn] = field(default_factory=dict)
    # DuckDB: per-column template over table t (and a cross-joined aggregate row s), and that aggregate
    duck_item: str | None = None
    duck_stats: str | None = None


def _sk(name: str) -> ArrayFn:
    def run(a: Array) -> object:
        from sklearn import preprocessing as skp

        if name == "StandardScaler":
            return skp.StandardScaler().fit_transform(a)
        if name == "MinMaxScaler":
            return skp.MinMaxScaler().fit_transform(a)
        if name == "MaxAbsScaler":
            return skp.MaxAbsScaler().fit_transform(a)
        if name == "RobustScaler":
            return skp.RobustScaler().fit_transform(a)
        if name == "normalize":
            return skp.normalize(a, axis=0)
        if name == "QuantileTransformer":
            return skp.QuantileTransformer(n_quantiles=1000, subsample=None).fit_transform(a)
        raise KeyError(name)

    return run


def _np_robust(a: Array) -> Array:
    q1, med, q3 = np.percentile(a, [25, 50, 75], axis=0)
    return (a - med) / (q3 - q1)


def _np_quantile(a: Array) -> Array:
    from scipy.stats import rankdata

    return rankdata(a, axis=0) / (a.shape[0] + 1)


def _np_softmax(a: Array) -> Array:
    from scipy.special import softmax

    return softmax(a, axis=0)


def _np_yeo_johnson(a: Array) -> list[Array]:
    from scipy.stats import yeojohnson

    return [yeojohnson(a[:, j], lmbda=0.5) for j in range(a.shape[1])]


CASES = [
    Case(
        "zscore",
        lambda x: x.norm.zscore(),
        _hand_zscore,
        lambda x: (x - x.mean()) / x.std(),
        {
            "numpy `(a - a.mean(0)) / a.std(0, ddof=1)`": lambda a: (a - a.mean(0)) / a.std(0, ddof=1),
            "scikit-learn StandardScaler": _sk("StandardScaler"),
        },
        "({c} - s.m_{c}) / s.s_{c}",
        "AVG({c}) AS m_{c}, STDDEV_SAMP({c}) AS s_{c}",
    ),
    Case(
        "minmax",
        lambda x: x.norm.minmax(),
        _hand_minmax,
        lambda x: (x - x.min()) / (x.max() - x.min()),
        {
            "numpy": lambda a: (a - a.min(0)) / (a.max(0) - a.min(0)),
            "scikit-learn MinMaxScaler": _sk("MinMaxScaler"),
        },
        "({c} - s.lo_{c}) / (s.hi_{c} - s.lo_{c})",
        "MIN({c}) AS lo_{c}, MAX({c}) AS hi_{c}",
    ),
    Case(
        "maxabs",
        lambda x: x.norm.maxabs(),
        _hand_maxabs,
        lambda x: x / x.abs().max(),
        {"numpy": lambda a: a / np.abs(a).max(0), "scikit-learn MaxAbsScaler": _sk("MaxAbsScaler")},
        "{c} / s.m_{c}",
        "MAX(ABS({c})) AS m_{c}",
    ),
    Case(
        "robust",
        lambda x: x.norm.robust(),
        _hand_robust,
        lambda x: (x - x.median()) / (x.quantile(0.75, "linear") - x.quantile(0.25, "linear")),
        {"numpy `percentile`": _np_robust, "scikit-learn RobustScaler": _sk("RobustScaler")},
        "({c} - s.med_{c}) / (s.hi_{c} - s.lo_{c})",
        "MEDIAN({c}) AS med_{c}, QUANTILE_CONT({c}, 0.75) AS hi_{c}, QUANTILE_CONT({c}, 0.25) AS lo_{c}",
    ),
    Case(
        "mean_range",
        lambda x: x.norm.mean_range(),
        _hand_mean_range,
        None,
        {"numpy": lambda a: (a - a.mean(0)) / (a.max(0) - a.min(0))},
    ),
    Case(
        "unit (L2, over the column)",
        lambda x: x.norm.unit(),
        _hand_unit,
        lambda x: x / x.pow(2).sum().sqrt(),
        {
            "numpy `a / norm(a, axis=0)`": lambda a: a / np.linalg.norm(a, axis=0),
            "scikit-learn normalize(axis=0)": _sk("normalize"),
        },
        "{c} / s.n_{c}",
        "SQRT(SUM({c} * {c})) AS n_{c}",
    ),
    Case(
        "softmax",
        lambda x: x.norm.softmax(),
        _hand_softmax,
        lambda x: x.exp() / x.exp().sum(),
        {"scipy.special.softmax": _np_softmax},
    ),
    Case(
        "quantile (uniform)",
        lambda x: x.norm.quantile(),
        _hand_quantile,
        lambda x: x.rank() / (x.count() + 1),
        {
            "scipy `rankdata / (n + 1)`": _np_quantile,
            "scikit-learn QuantileTransformer": _sk("QuantileTransformer"),
        },
        "PERCENT_RANK() OVER (ORDER BY {c})",
    ),
    Case(
        "yeo_johnson (lmbda=0.5)",
        lambda x: x.norm.yeo_johnson(0.5),
        _hand_yeo_johnson,
        _naive_yeo_johnson,
        {"scipy.stats.yeojohnson": _np_yeo_johnson},
    ),
    Case(
        "l2 (norm, aggregation)",
        lambda x: x.norm.l2(),
        _hand_l2,
        lambda x: x.pow(2).sum().sqrt(),
        {"numpy `norm(a, axis=0)`": lambda a: np.linalg.norm(a, axis=0)},
        "SQRT(SUM({c} * {c}))",
    ),
]


def make_data(n: int) -> tuple[Array, pl.DataFrame]:
    arr = np.random.default_rng(0).normal(loc=5.0, scale=3.0, size=(n, 4))
    return arr, pl.DataFrame(arr, schema=[f"c{i}" for i in range(4)])


def duck_sql(case: Case, cols: Sequence[str]) -> str | None:
    if case.duck_item is None:
        return None
    if case.duck_stats is None:  # an aggregate or a window function of its own
        source = "t"
    else:
        stats = ", ".join(case.duck_stats.format(c=c) for c in cols)
        source = f"t, (SELECT {stats} FROM t) AS s"
    return duck.select(cols, case.duck_item, source)


def _check(df: pl.DataFrame, arr: Array) -> None:
    """Ours against the references on the first rows, before any timing (DuckDB's too, as sorted columns)."""
    small, a = df.head(2000), arr[:2000]
    con = duck.connect(small)
    if con is not None:
        for case in CASES:
            sql = duck_sql(case, small.columns)
            if sql is None or "RANK" in sql:  # percent_rank is (rank - 1) / (n - 1), not rank / (n + 1)
                continue
            got = np.sort(duck.query(con, sql)().to_numpy(), axis=0)
            want = np.sort(small.select(case.ours(pl.col(c)) for c in small.columns).to_numpy(), axis=0)
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=f"DuckDB {case.name}")
    for case in CASES:
        ours = small.select(case.ours(pl.col(c)) for c in small.columns).to_numpy()
        same = small.select(case.same_math(pl.col(c)) for c in small.columns).to_numpy()
        np.testing.assert_allclose(ours, same, rtol=1e-9, atol=1e-12, err_msg=case.name)
    np.testing.assert_allclose(
        small.select(pl.all().norm.zscore()).to_numpy(), (a - a.mean(0)) / a.std(0, ddof=1), rtol=1e-9
    )
    np.testing.assert_allclose(small.select(pl.all().norm.robust()).to_numpy(), _np_robust(a), rtol=1e-9)


def rows(n: int = 10_000_000, repeat: int = 3, *, budget: float = 20.0, external: bool = True) -> list[Row]:
    """Every column-wise case, eager ``select`` of 4 Float64 columns, against every alternative."""
    arr, df = make_data(n)
    cols = df.columns
    _check(df, arr)
    con = duck.connect(df) if external else None
    out: list[Row] = []
    for case in CASES:

        def sel(f: ExprFn) -> Callable[[], object]:
            return lambda: df.select([f(pl.col(c)) for c in cols])

        alts: list[tuple[str, Callable[[], object]]] = [("hand-written Polars, same math", sel(case.same_math))]
        if case.naive is not None:
            alts.append(("naive Polars one-liner", sel(case.naive)))
        if external:
            alts += [(label, lambda f=f: f(arr)) for label, f in case.external.items()]  # type: ignore[misc]
            sql = duck_sql(case, cols)
            if con is not None and sql is not None:
                alts.append(("DuckDB", duck.query(con, sql)))
        out += compare_many(case.name, sel(case.ours), alts, repeat, budget=budget)
    return out


def lazy_rows(df: pl.DataFrame, repeat: int) -> list[Row]:
    """Ours against the same math in a lazy query (in-memory engine)."""
    cols = df.columns

    def lazy(f: ExprFn) -> Callable[[], object]:
        # Polars 2.1's default lazy engine runs median/quantile/rank through the
        # streaming engine, ~7x slower in memory: measure the in-memory engine
        # here, and the default engine in engine_table().
        return lambda: df.lazy().select([f(pl.col(c)) for c in cols]).collect(engine="in-memory")

    return [
        compare(f"{c.name}, lazy", lazy(c.ours), "hand-written Polars, same math, lazy", lazy(c.same_math), repeat)
        for c in CASES
    ]


def nan_table(df: pl.DataFrame, repeat: int) -> str:
    cols = df.columns
    lines = [
        "| method | ignore eager | propagate eager | cost eager | ignore lazy | propagate lazy | cost lazy |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("zscore", "minmax", "maxabs", "robust", "mean_range", "unit", "softmax", "quantile"):

        def run(nan: str, lazy: bool, m: str = name) -> Callable[[], object]:
            exprs = [getattr(pl.col(c).norm, m)(nan=nan) for c in cols]
            if lazy:
                return lambda: df.lazy().select(exprs).collect(engine="in-memory")
            return lambda: df.select(exprs)

        ie, pe = best_of(run("ignore", False), repeat), best_of(run("propagate", False), repeat)
        il, pla = best_of(run("ignore", True), repeat), best_of(run("propagate", True), repeat)
        cost_e, cost_l = f"{ie / pe - 1:+.0%}", f"{il / pla - 1:+.0%}"
        lines.append(f"| {name} | {ie:.3f} | {pe:.3f} | {cost_e} | {il:.3f} | {pla:.3f} | {cost_l} |")
    return "\n".join(lines)


#: The foundation issue's targets against scikit-learn's scalers (fit_transform on the same numpy array).
SKLEARN_TARGETS = {"zscore": 8.0, "minmax": 8.0, "maxabs": 8.0, "robust": 5.0}
_SCALERS = {"zscore": "StandardScaler", "minmax": "MinMaxScaler", "maxabs": "MaxAbsScaler", "robust": "RobustScaler"}


def sklearn_target_rows(arr: Array, df: pl.DataFrame, repeat: int) -> list[Row]:
    """Ours in an eager ``select``, a lazy query (default engine) and in memory, each side by side with scikit-learn."""
    cols = df.columns
    out: list[Row] = []
    for name, target in SKLEARN_TARGETS.items():
        exprs = [getattr(pl.col(c).norm, name)() for c in cols]
        scaler = _sk(_SCALERS[name])
        runs: dict[str, Callable[[], object]] = {
            "eager select": lambda exprs=exprs: df.select(exprs),  # type: ignore[misc]
            "lazy, default engine": lambda exprs=exprs: df.lazy().select(exprs).collect(),  # type: ignore[misc]
            "lazy, in-memory engine": lambda exprs=exprs: df.lazy().select(exprs).collect(engine="in-memory"),  # type: ignore[misc]
        }
        for mode, ours in runs.items():
            row = compare(
                f"{name}, {mode}",
                ours,
                f"scikit-learn {_SCALERS[name]}",
                lambda scaler=scaler: scaler(arr),  # type: ignore[misc]
                repeat,
                note=f"target >= {target:.0f}x",
            )
            out.append(row)
    return out


def target_rows(n: int = 10_000_000, repeat: int = 3) -> list[Row]:
    """:func:`sklearn_target_rows` on ``n`` rows x 4 Float64 columns (the report's section)."""
    arr, df = make_data(n)
    return sklearn_target_rows(arr, df, repeat)


def engine_table(df: pl.DataFrame, repeat: int) -> str:
    lines = ["| method | default engine (s) | in-memory engine (s) | ratio |", "|---|---|---|---|"]
    for name in ("zscore", "robust", "quantile"):
        q = df.lazy().select([getattr(pl.col(c).norm, name)() for c in df.columns])
        d = best_of(q.collect, repeat)
        m = best_of(lambda q=q: q.collect(engine="in-memory"), repeat)  # type: ignore[misc]
        lines.append(f"| {name} | {d:.3f} | {m:.3f} | {d / m:.1f}x |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1M rows instead of 10M")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-external", action="store_true", help="only the Polars baselines")
    args = parser.parse_args()
    n = args.rows or (1_000_000 if args.quick else 10_000_000)
    table = rows(n, args.repeat, external=not args.no_external)
    arr, df = make_data(n)
    lazy = lazy_rows(df, args.repeat)
    print(f"\n{n:,} rows x 4 Float64, best of {args.repeat}; polars {pl.__version__}\n")
    print(markdown_table(table + lazy))
    print("\nAgainst scikit-learn's scalers in each engine (the foundation issue's targets)\n")
    print(markdown_table(sklearn_target_rows(arr, df, args.repeat)))
    print("\nNaN handling: ignoring NaN (default) vs propagating it (Polars' semantics)\n")
    print(nan_table(df, args.repeat))
    print("\nLazy queries with Polars' default engine (median/quantile/rank go through the streaming engine)\n")
    print(engine_table(df, args.repeat))


if __name__ == "__main__":
    main()
