"""The ``window`` subcommand: a window method applied batch by batch, its state carried across files and runs.

::

    polars-norm window INPUT... -o OUTPUT --method rolling_zscore --window-size 100
        [--columns C...] [--by TS] [--partition-by K...] [--lag] [--state state.json] [method options]

The inputs are read in the given order, batch by batch (Polars' streaming
engine), and each batch goes through one
:class:`~polars_norm.WindowNormalizer`, which carries every group's window
from batch to batch; the normalized batches are sunk into the output, so
memory is bounded by the windows and the number of groups, not by the data.
The output is written as by the other subcommands: its format from its
suffix, in a temporary file renamed into place only when complete, never
over an input nor (without ``--overwrite``) over an existing file.

Only the method options the user gives are passed, so each method's own
defaults apply; an option the method does not take is a usage error naming
both. With ``--state FILE`` the run resumes from the file if it exists
(:meth:`~polars_norm.WindowNormalizer.restore`: a file for another method,
window, column set or partition is refused) and the new state replaces it
right after the output is renamed into place; a run that fails writes
neither.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from polars.io.plugins import register_io_source

from polars_norm.batches.methods import METHODS, method_spec
from polars_norm.batches.normalizer import WindowNormalizer
from polars_norm.cli.arguments import UsageError, add_input_arguments, ddof, once, say, show, split_names
from polars_norm.cli.inputs import input_paths, read_options, source
from polars_norm.fitted.fit import scan
from polars_norm.io import progress
from polars_norm.io.sinks import OUTPUT_FORMATS, OutputError, atomic_path, check_output

__all__ = ["FLAGS", "add_window_arguments", "cmd_window", "window_options"]

#: Each option of the window methods and its command-line flag (the argparse ``dest`` is the option's name).
FLAGS: dict[str, str] = {
    "window_size": "--window-size",
    "by": "--by",
    "min_samples": "--min-samples",
    "ddof": "--ddof",
    "lag": "--lag",
    "nan": "--nan",
    "closed": "--closed",
    "weights": "--weights",
    "feature_range": "--feature-range",
    "quantile_range": "--quantile-range",
    "com": "--com",
    "span": "--span",
    "half_life": "--half-life",
    "alpha": "--alpha",
    "adjust": "--adjust/--no-adjust",
    "bias": "--bias",
    "ignore_nulls": "--ignore-nulls",
}


def add_window_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``polars-norm window``: the inputs and output, the method and its options.

    Every method option defaults to ``None`` (not given), so that only the
    options the user gives reach the method.

    Parameters
    ----------
    p
        The subcommand's parser.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_window_arguments(p)
    >>> args = p.parse_args(["in.parquet", "-o", "o.parquet", "--method", "ewm_zscore", "--span", "10", "--no-adjust"])
    >>> args.span, args.adjust, args.lag, args.window_size
    (10.0, False, None, None)
    """
    add_input_arguments(p)
    for action in p._actions:
        if action.dest == "columns":
            action.help = "columns to normalize (default: every floating column but --by and --partition-by)"
    p.add_argument("--method", required=True, choices=list(METHODS), metavar="M", help=", ".join(METHODS))
    p.add_argument("--window-size", metavar="N|DURATION", help="rows (rolling_*), or a duration such as 1h (*_by)")
    p.add_argument("--by", metavar="TS", help="the time column of the *_by methods")
    p.add_argument("--partition-by", nargs="+", metavar="K", help="group column(s): one window per group")
    p.add_argument("--state", metavar="FILE", help="resume from FILE if it exists; write the new state there")
    p.add_argument("--min-samples", type=int, metavar="N", help="values a window needs for a result")
    p.add_argument("--ddof", type=ddof, metavar="N", help="delta degrees of freedom of the std (>= 0)")
    p.add_argument("--lag", action="store_true", default=None, help="normalize by the window before each row")
    p.add_argument("--nan", choices=["ignore", "propagate"], help="NaN policy")
    p.add_argument("--closed", choices=["left", "right", "both", "none"], help="*_by: the window's closed end(s)")
    p.add_argument("--weights", type=float, nargs="+", metavar="W", help="rolling_zscore: window weights")
    p.add_argument("--feature-range", type=float, nargs=2, metavar=("LOW", "HIGH"), help="*_minmax: output range")
    p.add_argument("--quantile-range", type=float, nargs=2, metavar=("LOW", "HIGH"), help="*_robust: quantiles")
    p.add_argument("--com", type=float, help="ewm_zscore: center of mass")
    p.add_argument("--span", type=float, help="ewm_zscore: span")
    p.add_argument("--half-life", metavar="H", help="ewm_zscore: half-life; ewm_zscore_by: a duration such as 1d")
    p.add_argument("--alpha", type=float, help="ewm_zscore: smoothing factor")
    p.add_argument("--adjust", action=argparse.BooleanOptionalAction, help="ewm_zscore: adjusted weights")
    p.add_argument("--bias", action="store_true", default=None, help="ewm_*: the biased (population) std")
    p.add_argument("--ignore-nulls", action="store_true", default=None, help="ewm_zscore: weights skip nulls")


def window_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options given for ``args.method``, as its keyword arguments; checked before any data is read.

    Parameters
    ----------
    args
        The parsed arguments.

    Returns
    -------
    dict
        The method's keyword options, only those given (``--by`` as ``by=``).

    Raises
    ------
    UsageError
        An option the method does not take (the message names the option,
        the method and the options it takes), a required option missing, a
        window size that is not a number of rows for a row-count method, or
        a value the method refuses.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_window_arguments(p)
    >>> io = ["in.parquet", "-o", "out.parquet"]
    >>> window_options(p.parse_args([*io, "--method", "rolling_zscore", "--window-size", "5", "--lag"]))
    {'window_size': 5, 'lag': True}
    >>> window_options(p.parse_args([*io, "--method", "expanding_zscore", "--span", "3"]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    polars_norm.cli.arguments.UsageError: --span does not apply to --method expanding_zscore (its options: ...)
    """
    method: str = args.method
    function, kind = METHODS[method]
    params = [name for name in inspect.signature(function).parameters if name in FLAGS]
    given = {name: getattr(args, name) for name in FLAGS if getattr(args, name) is not None}
    for name in given:
        if name not in params:
            takes = ", ".join(FLAGS[n] for n in params)
            msg = f"{FLAGS[name].split('/')[0]} does not apply to --method {method} (its options: {takes})"
            raise UsageError(msg)
    for name, param in inspect.signature(function).parameters.items():
        if name in FLAGS and param.default is inspect.Parameter.empty and name not in given:
            msg = f"--method {method} needs {FLAGS[name]}"
            raise UsageError(msg)
    size = given.get("window_size")
    if size is not None and kind == "rows":
        try:
            given["window_size"] = int(size)
        except ValueError:
            msg = f"--window-size {size}: {method} takes a number of rows (the *_by methods take a duration)"
            raise UsageError(msg) from None
    half_life = given.get("half_life")
    if half_life is not None and method == "ewm_zscore":
        try:
            given["half_life"] = float(half_life)
        except ValueError:
            msg = f"--half-life {half_life}: ewm_zscore takes a number (ewm_zscore_by takes a duration)"
            raise UsageError(msg) from None
    for name in ("feature_range", "quantile_range", "weights"):
        if name in given:
            given[name] = tuple(given[name])
    try:
        method_spec(method, given)  # the method's own checks of its values
    except ValueError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        msg = first.removeprefix("polars_norm.WindowNormalizer: ").removeprefix("polars_norm.")
        raise UsageError(msg) from exc
    return given


def _check_names(args: argparse.Namespace, schema: pl.Schema) -> list[str]:
    """The columns to normalize; the group and time columns checked against ``schema``."""
    columns, partition = split_names(args.columns), split_names(args.partition_by) or []
    keys = [*partition, *([args.by] if args.by else [])]
    for name in keys:
        if name not in schema:
            msg = f"column {name!r} not found; available columns: {schema.names()}"
            raise pl.exceptions.ColumnNotFoundError(msg)
    if columns is not None:
        return columns
    candidates = [(n, d) for n, d in schema.items() if n not in keys]
    skipped = [f"{n} ({d})" for n, d in candidates if not d.is_float()]
    if skipped:
        say(args, f"polars-norm window: note: non-floating column(s) left unnormalized: {', '.join(skipped)}")
    chosen = [n for n, d in candidates if d.is_float()]
    if not chosen:
        msg = "no floating columns to normalize in the input; name them with --columns"
        raise ValueError(msg)
    return chosen


def _check_paths(args: argparse.Namespace, files: list[Path]) -> None:
    """The output may be written and the state file is neither the output nor an input."""
    check_output(args.output, files, overwrite=args.overwrite)
    if args.state is None:
        return
    state = Path(args.state)
    if state.resolve() == Path(args.output).resolve():
        msg = f"--state {args.state} is also the output"
        raise UsageError(msg)
    if any(state.resolve() == f.resolve() for f in files):
        msg = f"refusing to overwrite the input file {args.state!r} with the state"
        raise OutputError(msg)
    if state.is_dir() or not state.parent.is_dir():
        msg = f"--state {args.state}: {'is a directory' if state.is_dir() else 'its directory does not exist'}"
        raise OutputError(msg)


def _whole_instants(batches: Iterable[pl.DataFrame], by: str | None, rows: list[int]) -> Iterator[pl.DataFrame]:
    """``batches`` regrouped so that no batch ends inside a run of equal ``by`` values.

    Polars cuts its batches anywhere, but a time window that sees its own
    instant gives every row of that instant the whole instant, so
    :class:`WindowNormalizer` refuses a batch that starts where a group's
    previous batch ended. The trailing run of the last ``by`` value moves to
    the next batch (the rest of the file comes in order, so that run is the
    only instant a cut can split when the file is sorted by ``by``). The
    height of each batch read is appended to ``rows`` (the progress bar's).

    Examples
    --------
    >>> parts = [pl.DataFrame({"t": [1, 2, 2]}), pl.DataFrame({"t": [2, 3]})]
    >>> [b["t"].to_list() for b in _whole_instants(parts, "t", [])]
    [[1], [2, 2, 2], [3]]
    """
    pending: pl.DataFrame | None = None
    for batch in batches:
        rows.append(batch.height)
        if by is None:
            yield batch
            continue
        if pending is not None:
            batch, pending = pl.concat([pending, batch]), None
        if batch.height == 0:
            continue
        column = batch[by]
        last = column[-1]
        same = (column.is_null() if last is None else (column == last).fill_null(False)).to_numpy()
        others = np.flatnonzero(~same)
        cut = int(others[-1]) + 1 if others.size else 0
        pending = batch.slice(cut)
        if cut:
            yield batch.slice(0, cut)
    if pending is not None:
        yield pending


def _normalized(lf: pl.LazyFrame, norm: WindowNormalizer, errors: list[BaseException], rows: list[int]) -> pl.LazyFrame:
    """``lf``'s batches through ``norm``, as a lazy frame a sink pulls batch by batch.

    The exception a batch raises is appended to ``errors`` (Polars reports it wrapped), and the
    height of each batch read to ``rows``.
    """
    schema = lf.collect_schema()
    function, _ = METHODS[norm.method]
    empty = pl.DataFrame(schema=schema).with_columns(function(pl.col(c), **norm.options) for c in norm.columns)

    def batches(
        with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None, batch_size: int | None
    ) -> Iterator[pl.DataFrame]:
        left = n_rows
        try:
            for batch in _whole_instants(lf.collect_batches(), norm.options.get("by"), rows):
                out = norm.transform(batch)
                if predicate is not None:
                    out = out.filter(predicate)
                if with_columns is not None:
                    out = out.select(with_columns)
                if left is not None:
                    out, left = out.head(left), left - min(left, out.height)
                yield out
                if left == 0:
                    return
        except Exception as exc:  # reported as it is, not as Polars wraps it
            errors.append(exc)
            raise

    return register_io_source(batches, schema=empty.schema, validate_schema=True)


def cmd_window(args: argparse.Namespace) -> int:
    """``polars-norm window``: normalize the inputs with a window method, batch by batch, in bounded memory.

    Parameters
    ----------
    args
        The parsed arguments (:func:`polars_norm.cli.build_parser`).

    Returns
    -------
    int
        The exit status, 0 (errors are raised, and :func:`polars_norm.cli.main` maps them to 1
        or 2).

    Examples
    --------
    >>> from polars_norm.cli import build_parser
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"x": [1.0, 2.0, 4.0]}).write_parquet(d / "day1.parquet")
    >>> pl.DataFrame({"x": [8.0, 2.0]}).write_parquet(d / "day2.parquet")
    >>> def window(day):
    ...     argv = ["window", str(d / f"{day}.parquet"), "-o", str(d / f"{day}_out.parquet"), "-q"]
    ...     argv += ["--method", "rolling_maxabs", "--window-size", "2", "--state", str(d / "state.json")]
    ...     return cmd_window(build_parser().parse_args(argv))
    >>> window("day1"), pl.read_parquet(d / "day1_out.parquet")["x"].to_list()
    (0, [None, 1.0, 1.0])
    >>> window("day2"), pl.read_parquet(d / "day2_out.parquet")["x"].to_list()
    (0, [1.0, 0.25])
    """
    options = window_options(args)
    columns, partition = split_names(args.columns), split_names(args.partition_by) or []
    once(columns or [], "--columns")
    once(partition, "--partition-by")
    for name in [*partition, *([args.by] if args.by else [])]:
        if name in (columns or []):
            msg = f"{'--by' if name == args.by else '--partition-by'} {name} is also named by --columns"
            raise UsageError(msg)
    if args.by is not None and args.by in partition:
        msg = f"--by {args.by} is also named by --partition-by"
        raise UsageError(msg)
    files, total = input_paths(args)
    _check_paths(args, files)
    read = read_options(args, files)
    chosen = _check_names(args, scan(files, **read).collect_schema())
    lf, _ = source(args, files, read, chosen, (), "")
    norm = WindowNormalizer(args.method, chosen, partition_by=partition or None, **options)
    state = Path(args.state) if args.state is not None else None
    if state is not None and state.exists():
        norm.restore(state)  # a state for another normalizer is refused, naming what differs
    errors: list[BaseException] = []
    rows: list[int] = []
    lazy = _normalized(lf, norm, errors, rows)
    output = Path(args.output)
    writer = OUTPUT_FORMATS[output.suffix.lower()]
    with ExitStack() as stack:  # the state is renamed into place right after the output, or not at all
        state_tmp = stack.enter_context(atomic_path(state)) if state is not None else None
        with atomic_path(output) as tmp:
            try:
                progress.run(lambda: writer(lazy, tmp), label="window", total_bytes=total, show=show(args))
            except pl.exceptions.PolarsError:
                if errors:
                    raise errors[0] from None
                raise
            if not sum(rows):
                msg = f"empty input: no rows in {', '.join(map(str, args.inputs))}"
                raise ValueError(msg)
            if state_tmp is not None:
                norm.save(state_tmp)
    say(args, f"wrote {output}" + (f" and the state {state}" if state is not None else ""))
    return 0
