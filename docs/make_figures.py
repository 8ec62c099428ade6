"""Make the figures of the docs: ``python docs/make_figures.py [--output docs/img]``.

``which-normalization.png``: one skewed, outlier-heavy column (lognormal plus a
few large outliers, fixed seed) under each normalization, as a grid of
histograms, every transform computed by polars_norm. The Box-Cox and
Yeo-Johnson powers are the maximum-likelihood ones, found by a grid search
over the profile log-likelihood, also computed with polars_norm.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import polars as pl

import polars_norm as pn

SEED = 6
ROWS = 2000
OUTLIERS = 12
BULK = "#3b6ea8"
OUTLIER = "#d9480f"


def skewed_column() -> pl.DataFrame:
    """Lognormal(0, 0.75) values, then ``OUTLIERS`` values 15 to 60 times the median; flagged."""
    rng = np.random.default_rng(SEED)
    bulk = rng.lognormal(mean=0.0, sigma=0.75, size=ROWS - OUTLIERS)
    outliers = rng.uniform(15.0, 60.0, size=OUTLIERS)
    return pl.DataFrame(
        {
            "x": np.concatenate([bulk, outliers]),
            "outlier": np.arange(ROWS) >= ROWS - OUTLIERS,
        }
    )


def mle_lambda(df: pl.DataFrame, method: str) -> float:
    """The power maximizing the profile log-likelihood (as in scipy / scikit-learn), on a 0.01 grid.

    ``llf(l) = (l - 1) * sum(log-Jacobian) - n / 2 * log(var(transform(x, l)))``,
    with ``log x`` (Box-Cox) or ``sign(x) log1p(|x|)`` (Yeo-Johnson) as the
    log-Jacobian term; every variance in one query.
    """
    grid = [round(v, 2) for v in np.arange(-2.0, 3.0 + 1e-9, 0.01)]
    x = pl.col("x")
    transform = pn.box_cox if method == "box_cox" else pn.yeo_johnson
    jacobian = x.log().sum() if method == "box_cox" else (x.sign() * x.abs().log1p()).sum()
    row = df.select(
        jacobian.alias("jacobian"),
        *(transform(x, lmbda).var(ddof=0).alias(str(i)) for i, lmbda in enumerate(grid)),
    ).row(0, named=True)
    n = df.height
    llf = [(lmbda - 1.0) * row["jacobian"] - n / 2.0 * math.log(row[str(i)]) for i, lmbda in enumerate(grid)]
    return grid[int(np.argmax(llf))]


def transforms(df: pl.DataFrame) -> list[tuple[str, str, pl.Series]]:
    """(title, call, values) for the original column and every method."""
    lam_bc = mle_lambda(df, "box_cox")
    lam_yj = mle_lambda(df, "yeo_johnson")
    x = pl.col("x")
    specs: list[tuple[str, str, pl.Expr]] = [
        ("before", "the original column", x),
        ("z-score", "zscore()", x.norm.zscore()),
        ("min-max", "minmax()", x.norm.minmax()),
        ("max-abs", "maxabs()", x.norm.maxabs()),
        ("robust", "robust()", x.norm.robust()),
        ("quantile, uniform", "quantile()", x.norm.quantile()),
        ("quantile, normal (rank-gauss)", 'quantile(output="normal")', x.norm.quantile(output="normal")),
        ("Box-Cox, then z-score", f"box_cox({lam_bc:g}).norm.zscore()", x.norm.box_cox(lam_bc).norm.zscore()),
        (
            "Yeo-Johnson, then z-score",
            f"yeo_johnson({lam_yj:g}).norm.zscore()",
            x.norm.yeo_johnson(lam_yj).norm.zscore(),
        ),
        ("unit L2 norm", "unit()", x.norm.unit()),
    ]
    out = df.select(e.alias(str(i)) for i, (_, _, e) in enumerate(specs))
    return [(title, call, out.to_series(i)) for i, (title, call, _) in enumerate(specs)]


def which_normalization(path: Path) -> None:
    df = skewed_column()
    is_outlier = df["outlier"].to_numpy()
    panels = transforms(df)
    fig, axes = plt.subplots(2, 5, figsize=(17, 7.2), layout="constrained")
    for ax, (title, call, values) in zip(axes.flat, panels, strict=True):
        v = values.to_numpy()
        bulk, extreme = v[~is_outlier], v[is_outlier]
        counts, _, _ = ax.hist(bulk, bins=60, range=(v.min(), v.max()), color=BULK)
        ax.set_ylim(0, counts.max() * 1.4)  # headroom for the note
        ax.plot(extreme, np.zeros_like(extreme), "|", color=OUTLIER, markersize=18, markeredgewidth=2)
        lo, hi = np.quantile(bulk, [0.01, 0.99])
        ax.set_title(f"{title}\n{call}", fontsize=11)
        ax.text(
            0.97,
            0.95,
            f"middle 98% of bulk: [{lo:.3g}, {hi:.3g}]\noutliers: [{extreme.min():.3g}, {extreme.max():.3g}]",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=9,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#bbbbbb"},
        )
        ax.tick_params(labelsize=8)
        ax.set_yticks([])
    fig.suptitle(
        f"One skewed column (lognormal, n={ROWS - OUTLIERS}, blue) with {OUTLIERS} outliers (orange ticks), "
        "under each normalization",
        fontsize=13,
    )
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "img", help="directory for the PNGs")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / "which-normalization.png"
    which_normalization(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
