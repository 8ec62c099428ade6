"""The ``polars-norm`` command line: fit, transform, normalize, describe, demo.

::

    polars-norm fit INPUT... -o stats.json [--columns C...] [--by K...] [--no-quantiles]
    polars-norm transform INPUT... --stats stats.json -o OUTPUT [--method M | --method COL=M ...]
    polars-norm normalize INPUT... -o OUTPUT [--method zscore] [--by K...] [--save-stats stats.json]
    polars-norm describe stats.json
    polars-norm demo

Inputs are Parquet, IPC, CSV/TSV or NDJSON files, globs or directories (see
:func:`polars_norm.fitting.scan`); the output format comes from its suffix.
Both passes stream in bounded memory: the fit is one pass of flat
reductions, the transform applies the fitted statistics as literals (or a
lookup in the small per-group statistics frame) and sinks the result into a
temporary file that is renamed onto the output only when complete.

Exit status: 0 on success, 1 for a data error (missing or corrupt file,
unknown or non-numeric column, empty input, unreadable statistics file), 2
for a usage error (bad arguments, unknown method, an output that exists or is
an input), 130/143 when interrupted by ``SIGINT``/``SIGTERM``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from polars_norm import __version__, progress
from polars_norm.accumulator import Accumulator
from polars_norm.fitted import METHODS, resolve_method
from polars_norm.fitting import fit, input_files, scan
from polars_norm.sinks import OUTPUT_FORMATS, OutputError, atomic_path, check_output
from polars_norm.statsfile import StatsFileError

__all__ = ["main"]

EXIT_DATA = 1
EXIT_USAGE = 2
_SKETCH_METHODS = {"robust", "quantile"}
_DATA_ERRORS = (OSError, pl.exceptions.PolarsError, StatsFileError, TypeError, ValueError, NotImplementedError)


class UsageError(Exception):
    """Arguments that cannot work together (exit status 2)."""


# --------------------------------------------------------------------------
# argument helpers
# --------------------------------------------------------------------------
def _names(values: Sequence[str] | None) -> list[str] | None:
    """``--columns a b`` and ``--columns a,b`` alike; ``None`` when not given."""
    if not values:
        return None
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def _option(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        msg = f"--option {text!r}: expected KEY=VALUE, e.g. ddof=0 or feature_range=[-1,1]"
        raise UsageError(msg)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), tuple(value) if isinstance(value, list) else value


Spec = tuple[str, dict[str, Any]]


def _plan(args: argparse.Namespace) -> tuple[Spec | None, dict[str, Spec]]:
    """The default method and the per-column methods, each with the options it accepts, validated.

    ``--option`` values go to every chosen method that has that option; an
    option no chosen method has, an unknown method or a bad value is a
    ``UsageError``.
    """
    default, per_column = None, {}
    for item in (m.strip() for v in args.method or ["zscore"] for m in v.split(",")):
        column, sep, name = item.rpartition("=")
        if sep:
            per_column[column] = name
        else:
            default = name
    options = dict(_option(o) for o in args.option or [])
    specs: dict[str, Spec] = {}
    try:
        for name in {default, *per_column.values()} - {None}:
            own = {k: v for k, v in options.items() if k in METHODS.get(str(name), {})}
            specs[str(name)] = (str(name), own)
            resolve_method(str(name), own, "cli")
    except ValueError as exc:
        raise UsageError(str(exc).removeprefix("polars_norm.cli: ")) from exc
    unused = set(options).difference(*(opts for _, opts in specs.values()))
    if unused:
        msg = f"--option {sorted(unused)[0]} applies to none of the methods {sorted(specs)}"
        raise UsageError(msg)
    return (specs[default] if default else None), {c: specs[n] for c, n in per_column.items()}


def _methods(default: Spec | None, per_column: dict[str, Spec], columns: Sequence[str]) -> dict[str, Spec]:
    plan: dict[str, Spec] = dict.fromkeys(columns, default) if default is not None else {}
    plan.update(per_column)
    return plan


# --------------------------------------------------------------------------
# the passes
# --------------------------------------------------------------------------
def _show(args: argparse.Namespace) -> bool:
    return not args.quiet and sys.stderr.isatty()


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text, file=sys.stderr)


def _inputs(args: argparse.Namespace) -> tuple[list[Path], int]:
    files = input_files(args.inputs)
    return files, sum(f.stat().st_size for f in files)


def _fit_pass(args: argparse.Namespace, files: list[Path], total: int, quantiles: bool, label: str) -> Accumulator:
    def job() -> Accumulator:
        return fit(files, _names(args.columns), by=_names(args.by), quantiles=quantiles, sketch_k=args.sketch_k)

    acc = progress.run(job, label=label, total_bytes=total, show=_show(args))
    if not acc.columns:
        msg = "no numeric columns to fit in the input"
        raise ValueError(msg)
    state = acc.state.filter(pl.col("column") == acc.columns[0])
    if state.select(pl.sum_horizontal("count", "null_count", "nan_count").sum()).item() == 0:
        msg = f"empty input: no rows in {', '.join(map(str, files))}"
        raise ValueError(msg)
    return acc


def _transform_pass(args: argparse.Namespace, acc: Accumulator, files: list[Path], total: int, label: str) -> None:
    default, per_column = _plan(args)
    columns = _names(args.columns) or list(acc.columns)
    lazy = acc.transform(scan(files), _methods(default, per_column, columns), unseen=args.unseen)
    assert isinstance(lazy, pl.LazyFrame)
    output = Path(args.output)
    writer = OUTPUT_FORMATS[output.suffix.lower()]
    with atomic_path(output) as tmp:
        progress.run(lambda: writer(lazy, tmp), label=label, total_bytes=total, show=_show(args))
    _say(args, f"wrote {output}")


# --------------------------------------------------------------------------
# subcommands
# --------------------------------------------------------------------------
def cmd_fit(args: argparse.Namespace) -> int:
    files, total = _inputs(args)
    check_output(args.output, files, overwrite=args.overwrite, formats=[".json"])
    acc = _fit_pass(args, files, total, not args.no_quantiles, "fit")
    acc.save(args.output)
    _say(args, f"fitted {len(acc.columns)} column(s) of {len(files)} file(s); wrote {args.output}")
    return 0


def cmd_transform(args: argparse.Namespace) -> int:
    files, total = _inputs(args)
    stats = Path(args.stats)
    check_output(args.output, [*files, stats], overwrite=args.overwrite)
    _plan(args)
    acc = Accumulator.load(stats)
    _transform_pass(args, acc, files, total, "transform")
    return 0


def cmd_normalize(args: argparse.Namespace) -> int:
    files, total = _inputs(args)
    check_output(args.output, files, overwrite=args.overwrite)
    if args.save_stats:
        check_output(args.save_stats, files, overwrite=args.overwrite, formats=[".json"])
    default, per_column = _plan(args)
    if per_column and not args.columns and default is None:
        args.columns = list(per_column)
    quantiles = any(spec[0] in _SKETCH_METHODS for spec in [default, *per_column.values()] if spec)
    acc = _fit_pass(args, files, total, quantiles, "pass 1/2: fit")
    if args.save_stats:
        acc.save(args.save_stats)
    _transform_pass(args, acc, files, total, "pass 2/2: transform")
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    acc = Accumulator.load(args.stats)
    frame = acc.to_frame(ddof=args.ddof)
    by = f", by {list(acc.by)}" if acc.by else ""
    print(f"{args.stats}: {len(acc.columns)} column(s){by}, quantile sketches: {'yes' if acc.quantiles else 'no'}")
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=250, tbl_hide_dataframe_shape=True):
        print(frame)
    return 0


def demo_data(rows: int = 600) -> pl.DataFrame:
    """The demo's dataset: readings of three sensors with their own offsets and scales, a few nulls."""
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
def _common(p: argparse.ArgumentParser, *, output: bool = True) -> None:
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, globs or directories")
    if output:
        p.add_argument("-o", "--output", required=True, help="output file (format from its suffix)")
        p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.add_argument("--columns", nargs="+", metavar="C", help="columns (default: every numeric column)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or messages")


def _method_args(p: argparse.ArgumentParser) -> None:
    names = ", ".join(METHODS)
    p.add_argument("--method", action="append", metavar="M", help=f"{names}; or COL=M per column (default zscore)")
    p.add_argument("-O", "--option", action="append", metavar="KEY=VALUE", help="method option, e.g. ddof=0")
    p.add_argument("--unseen", choices=["null", "global", "raise"], default="null", help="groups not seen in fit")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="polars-norm", description="Fit normalization statistics out of core and apply them."
    )
    parser.add_argument("--version", action="version", version=f"polars-norm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("fit", help="fit statistics into a JSON stats file")
    _common(p)
    p.add_argument("--by", nargs="+", metavar="K", help="group key column(s)")
    p.add_argument("--no-quantiles", action="store_true", help="skip the quantile sketches (faster)")
    p.add_argument("--sketch-k", type=int, default=800, help="KLL sketch accuracy parameter")
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("transform", help="apply a stats file to inputs")
    _common(p)
    p.add_argument("--stats", required=True, help="stats file written by `fit`")
    _method_args(p)
    p.set_defaults(func=cmd_transform)

    p = sub.add_parser("normalize", help="fit, then transform, in two streaming passes")
    _common(p)
    p.add_argument("--by", nargs="+", metavar="K", help="group key column(s)")
    p.add_argument("--save-stats", metavar="PATH", help="also write the fitted statistics")
    p.add_argument("--sketch-k", type=int, default=800, help="KLL sketch accuracy parameter")
    _method_args(p)
    p.set_defaults(func=cmd_normalize)

    p = sub.add_parser("describe", help="print the statistics of a stats file")
    p.add_argument("stats", help="stats file written by `fit`")
    p.add_argument("--ddof", type=int, default=1, help="delta degrees of freedom of std and var")
    p.set_defaults(func=cmd_describe)

    p = sub.add_parser("demo", help="run fit, describe and transform on a small generated dataset")
    p.set_defaults(func=cmd_demo)
    return parser


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    if isinstance(exc, FileNotFoundError) and exc.filename:
        text = f"no such file: {exc.filename}"
    return text.removeprefix("polars_norm.")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
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
    """Console-script entry point."""
    sys.exit(main())
