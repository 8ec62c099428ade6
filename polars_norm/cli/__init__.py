"""The ``polars-norm`` command line: fit, transform, normalize, window, describe, demo.

::

    polars-norm fit INPUT... -o stats.json [--columns C...] [--by K...] [--no-quantiles] [--norm-orders P...]
    polars-norm transform INPUT... --stats stats.json -o OUTPUT [--method M | --method COL=M ...] [-O KEY=VALUE]
    polars-norm normalize INPUT... -o OUTPUT [--method zscore] [--by K...] [--save-stats stats.json]
    polars-norm window INPUT... -o OUTPUT --method M [--window-size N] [--by TS] [--partition-by K...] [--state F]
    polars-norm describe stats.json [--ddof N]
    polars-norm demo

Inputs are Parquet, IPC, CSV/TSV or NDJSON files, globs or directories (see
:func:`polars_norm.fitted.fit.scan`); the output format comes from its suffix.
Both passes stream in bounded memory: the fit is one pass of flat
reductions, the transform applies the fitted statistics as literals (or a
lookup in the small per-group statistics frame) and sinks the result into a
temporary file that is renamed onto the output only when complete.
``normalize --save-stats`` renames the statistics into place only after the
output, so a failed run leaves neither.

CSV and NDJSON dtypes are inferred from the first ``--infer-schema-length``
rows (default 100,000; ``all`` reads the whole file first), CSV with the
null spellings of :data:`polars_norm.fitted.fit.NULL_VALUES` (``NA``, ``N/A``,
``NULL``, ``None``...; ``--null-value`` replaces them) read as null in
numeric columns; ``--schema-override COL=DTYPE`` sets a column's dtype. The
columns to normalize that are inferred as integers are read as Float64 (what
they become anyway), so a fraction past the inferred rows does not fail.
Both passes read with the same options. A column named by ``--columns`` or
``--method COL=M`` must be numeric; without ``--columns`` every numeric
column is taken and the others are named on stderr (``note: ...``).

Every argument is checked before the data is read: the ranges of
``--sketch-k`` (8 to 65535), ``--ddof`` (>= 0) and ``--norm-orders`` (> 0),
``-O`` values (``inf``, ``Infinity``, ``-inf`` are numbers), names given
twice or both as a column and a ``--by`` key, and, right after loading the
statistics file, methods it cannot serve (``unit`` with an order ``p`` it
lacks, ``robust``/``quantile`` without sketches). ``normalize`` fits the
norm orders its ``unit`` methods need; ``fit --norm-orders`` keeps others.

Exit status: 0 on success, 1 for a data error (missing or corrupt file,
unknown or non-numeric column, a value that does not parse as its column's
dtype, empty input, unreadable statistics file), 2 for a usage error (bad
arguments, unknown method or option, an option the input format or the
statistics file cannot serve, an output that exists or is an input),
130/143 when interrupted by ``SIGINT``/``SIGTERM``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from polars_norm import __version__
from polars_norm.cli.arguments import (
    UsageError,
    add_input_arguments,
    add_method_arguments,
    ddof,
    norm_order,
    sketch_k,
)
from polars_norm.cli.commands import cmd_describe, cmd_fit, cmd_normalize, cmd_transform
from polars_norm.cli.window import add_window_arguments, cmd_window
from polars_norm.fitted.statsfile import StatsFileError
from polars_norm.io import progress
from polars_norm.io.sinks import OutputError

__all__ = ["main"]

EXIT_DATA = 1
EXIT_USAGE = 2
_DATA_ERRORS = (OSError, pl.exceptions.PolarsError, StatsFileError, TypeError, ValueError, NotImplementedError)


def demo_data(rows: int = 600) -> pl.DataFrame:
    """The demo's dataset: readings of three sensors with their own offsets and scales, a few nulls.

    Deterministic (no random numbers), so the demo prints the same every time.

    Parameters
    ----------
    rows
        The number of readings.

    Returns
    -------
    pl.DataFrame
        Columns ``sensor`` (String), ``temperature`` and ``humidity`` (Float64).

    Examples
    --------
    >>> demo_data(6)
    shape: (6, 3)
    ┌────────┬─────────────┬──────────┐
    │ sensor ┆ temperature ┆ humidity │
    │ ---    ┆ ---         ┆ ---      │
    │ str    ┆ f64         ┆ f64      │
    ╞════════╪═════════════╪══════════╡
    │ north  ┆ 15.0        ┆ 25.0     │
    │ south  ┆ 51.76       ┆ 52.57    │
    │ east   ┆ -3.31       ┆ 50.14    │
    │ north  ┆ 22.57       ┆ 47.71    │
    │ south  ┆ 42.04       ┆ 45.28    │
    │ east   ┆ -4.525      ┆ 42.85    │
    └────────┴─────────────┴──────────┘
    """
    i = pl.int_range(rows)
    wave = ((i * 7919) % 1000).cast(pl.Float64) / 1000.0 - 0.5  # deterministic, no RNG
    k = (i % 3).cast(pl.UInt32)
    return pl.select(
        sensor=pl.lit(pl.Series(["north", "south", "east"])).gather(k),
        temperature=pl.lit(pl.Series([20.0, 35.0, -5.0])).gather(k)
        + pl.lit(pl.Series([1.0, 4.0, 0.5])).gather(k) * wave * 10.0,
        humidity=pl.when(i % 50 == 7).then(None).otherwise(40.0 + 30.0 * wave),
    )


def cmd_demo(args: argparse.Namespace) -> int:
    """``polars-norm demo``: run fit, describe and transform on a small generated dataset.

    The files live in a temporary directory removed at the end; the output
    shows each command and ends with a check that the per-sensor z-scores
    have mean 0 and standard deviation 1.

    Parameters
    ----------
    args
        The parsed arguments (none are used).

    Returns
    -------
    int
        The exit status, 0.

    Examples
    --------
    >>> cmd_demo(build_parser().parse_args(["demo"]))  # doctest: +ELLIPSIS
    demo: readings.parquet, 600 readings of 3 sensors (generated)
    ...
    """
    with tempfile.TemporaryDirectory(prefix="polars-norm-demo-") as tmp:
        data, stats, out = Path(tmp, "readings.parquet"), Path(tmp, "stats.json"), Path(tmp, "normalized.parquet")
        demo_data().write_parquet(data)
        print(f"demo: {data.name}, 600 readings of 3 sensors (generated)\n")
        print(f"$ polars-norm fit {data.name} --by sensor -o {stats.name}")
        main(["fit", str(data), "--by", "sensor", "-o", str(stats), "--quiet"])
        print(f"$ polars-norm describe {stats.name}")
        main(["describe", str(stats)])
        print(f"\n$ polars-norm transform {data.name} --stats {stats.name} --method zscore -o {out.name}")
        main(["transform", str(data), "--stats", str(stats), "--method", "zscore", "-o", str(out), "--quiet"])
        result = pl.read_parquet(out)
        print(result.head(6))
        check = result.group_by("sensor", maintain_order=True).agg(
            pl.col("temperature").mean().round(12).alias("mean_z"), pl.col("temperature").std().alias("std_z")
        )
        print("\nper-sensor z-scores have mean 0 and standard deviation 1:")
        print(check)
    return 0


# --------------------------------------------------------------------------
# the parser
# --------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The ``argparse`` parser of the command line, one subcommand per ``cmd_*`` function.

    Each subparser sets ``func`` to its ``cmd_*`` function, which :func:`main`
    calls. Argument values are checked by their ``type`` functions, so a bad
    value exits with status 2 before any data is read.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> args = build_parser().parse_args(["describe", "stats.json", "--ddof", "0"])
    >>> args.command, args.stats, args.ddof, args.func is cmd_describe
    ('describe', 'stats.json', 0, True)
    """
    parser = argparse.ArgumentParser(
        prog="polars-norm", description="Fit normalization statistics out of core and apply them."
    )
    parser.add_argument("--version", action="version", version=f"polars-norm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("fit", help="fit statistics into a JSON stats file")
    add_input_arguments(p)
    p.add_argument("--by", nargs="+", metavar="K", help="group key column(s)")
    p.add_argument("--no-quantiles", action="store_true", help="skip the quantile sketches (faster)")
    p.add_argument("--sketch-k", type=sketch_k, default=800, help="KLL sketch accuracy parameter, 8 to 65535")
    p.add_argument(
        "--norm-orders",
        type=norm_order,
        nargs="+",
        metavar="P",
        help="Lp norm orders to fit for the unit method (default 1 2; the max norm is always fitted)",
    )
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("transform", help="apply a stats file to inputs")
    add_input_arguments(p)
    p.add_argument("--stats", required=True, help="stats file written by `fit`")
    add_method_arguments(p)
    p.set_defaults(func=cmd_transform)

    p = sub.add_parser("normalize", help="fit, then transform, in two streaming passes")
    add_input_arguments(p)
    p.add_argument("--by", nargs="+", metavar="K", help="group key column(s)")
    p.add_argument("--save-stats", metavar="PATH", help="also write the fitted statistics")
    p.add_argument("--sketch-k", type=sketch_k, default=800, help="KLL sketch accuracy parameter, 8 to 65535")
    add_method_arguments(p)
    p.set_defaults(func=cmd_normalize)

    p = sub.add_parser("window", help="a window method batch by batch, its state carried across files and runs")
    add_window_arguments(p)
    p.set_defaults(func=cmd_window)

    p = sub.add_parser("describe", help="print the statistics of a stats file")
    p.add_argument("stats", help="stats file written by `fit`")
    p.add_argument("--ddof", type=ddof, default=1, help="delta degrees of freedom of std and var (>= 0)")
    p.set_defaults(func=cmd_describe)

    p = sub.add_parser("demo", help="run fit, describe and transform on a small generated dataset")
    p.set_defaults(func=cmd_demo)
    return parser


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    if isinstance(exc, FileNotFoundError) and exc.filename:
        text = f"no such file: {exc.filename}"
    if isinstance(exc, pl.exceptions.PolarsError) and ("conversion from `str`" in text or "cannot parse" in text):
        text += " (CSV/NDJSON dtypes are inferred from the first rows: see --infer-schema-length, --schema-override)"
    return text.removeprefix("polars_norm.")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv
        The arguments, without the program name; None reads ``sys.argv``.

    Returns
    -------
    int
        0 on success, 1 for a data error, 2 for a usage error (the message is
        printed on stderr). An interrupt ends the process at once with status
        130 (``SIGINT``) or 143 (``SIGTERM``); argparse's own errors raise
        ``SystemExit(2)``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"x": [1.0, 2.0, 3.0]}).write_parquet(d / "in.parquet")
    >>> main(["normalize", str(d / "in.parquet"), "-o", str(d / "out.parquet"), "-q"])
    0
    >>> main(["normalize", str(d / "in.parquet"), "-o", str(d / "out.parquet"), "-q"])
    2
    >>> main(["describe", str(d / "missing.json")])
    1
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    if threading.current_thread() is threading.main_thread():
        progress.handle_sigterm()
    try:
        return func(args)
    except KeyboardInterrupt as exc:  # the temporary output is already removed
        print("polars-norm: interrupted", file=sys.stderr)
        sys.stderr.flush()
        os._exit(143 if isinstance(exc, progress.Interrupted) else 130)  # abandon the Polars worker thread
    except (UsageError, OutputError) as exc:
        print(f"polars-norm {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except _DATA_ERRORS as exc:
        print(f"polars-norm {args.command}: error: {_first_line(exc)}", file=sys.stderr)
        return EXIT_DATA


def run() -> None:
    """Console-script entry point: :func:`main` on ``sys.argv``, its status passed to ``sys.exit``.

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch("sys.argv", ["polars-norm", "--version"]):
    ...     run()
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    sys.exit(main())
