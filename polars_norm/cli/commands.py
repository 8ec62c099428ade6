"""The subcommands ``fit``, ``transform``, ``normalize`` and ``describe``, and the streaming passes they share.

Each ``cmd_*`` function takes the parsed arguments, raises
:class:`polars_norm.cli.arguments.UsageError` or a data error, and returns
the exit status 0; :func:`polars_norm.cli.main` maps the errors to 2 and 1.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import polars as pl

from polars_norm.cli.arguments import UsageError, say, show, split_names
from polars_norm.cli.inputs import input_paths, read_options, source
from polars_norm.cli.plan import (
    SKETCH_METHODS,
    Spec,
    check_fitted,
    check_names,
    column_methods,
    plan_methods,
    specs_of,
    unit_orders,
)
from polars_norm.fitted.accumulator import Accumulator
from polars_norm.fitted.fit import fit
from polars_norm.fitted.keys import common_key_dtype
from polars_norm.io import progress
from polars_norm.io.sinks import OUTPUT_FORMATS, atomic_path, check_output

__all__ = ["cmd_describe", "cmd_fit", "cmd_normalize", "cmd_transform"]

_DEFAULT_ORDERS = (1.0, 2.0)


def _fit_pass(
    args: argparse.Namespace,
    lf: pl.LazyFrame,
    columns: list[str],
    total: int,
    quantiles: bool,
    orders: Sequence[float],
    label: str,
) -> Accumulator:
    if not columns:
        msg = "no numeric columns to fit in the input"
        raise ValueError(msg)
    by = split_names(args.by)

    def job() -> Accumulator:
        return fit(lf, columns, by=by, quantiles=quantiles, sketch_k=args.sketch_k, norm_orders=orders)

    acc = progress.run(job, label=label, total_bytes=total, show=show(args))
    state = acc.state.filter(pl.col("column") == acc.columns[0])
    if state.select(pl.sum_horizontal("count", "null_count", "nan_count").sum()).item() == 0:
        msg = f"empty input: no rows in {', '.join(map(str, args.inputs))}"
        raise ValueError(msg)
    return acc


def _transform_pass(
    args: argparse.Namespace, acc: Accumulator, lf: pl.LazyFrame, plan: dict[str, Spec], total: int, label: str
) -> None:
    schema = lf.collect_schema()
    for key in acc.by:
        if key in schema:
            try:
                common_key_dtype(key, acc.state.schema[key], schema[key], "transform")
            except TypeError as exc:
                msg = f"{exc}; read the input with --schema-override {key}={acc.state.schema[key]} to match"
                raise TypeError(msg) from exc
    lazy = acc.transform(lf, plan, unseen=args.unseen)
    assert isinstance(lazy, pl.LazyFrame)
    output = Path(args.output)
    writer = OUTPUT_FORMATS[output.suffix.lower()]
    with atomic_path(output) as tmp:
        progress.run(lambda: writer(lazy, tmp), label=label, total_bytes=total, show=show(args))
    say(args, f"wrote {output}")


def cmd_fit(args: argparse.Namespace) -> int:
    """``polars-norm fit``: fit statistics of the inputs into a JSON statistics file.

    One streaming pass of flat reductions (per group with ``--by``), with
    quantile sketches unless ``--no-quantiles``; the file is written
    atomically.

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
    >>> pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, 5.0]}).write_parquet(d / "in.parquet")
    >>> args = build_parser().parse_args(["fit", str(d / "in.parquet"), "--by", "g", "-o", str(d / "s.json"), "-q"])
    >>> cmd_fit(args), (d / "s.json").exists()
    (0, True)
    """
    check_names(args, {})
    orders = tuple(dict.fromkeys(p for p in args.norm_orders or _DEFAULT_ORDERS if math.isfinite(p)))
    files, total = input_paths(args)
    check_output(args.output, files, overwrite=args.overwrite, formats=[".json"])
    read = read_options(args, files)
    lf, columns = source(args, files, read, split_names(args.columns), (), "not fitted")
    acc = _fit_pass(args, lf, columns, total, not args.no_quantiles, orders, "fit")
    acc.save(args.output)  # atomic: a temporary file renamed into place
    say(args, f"fitted {len(acc.columns)} column(s) of {len(files)} file(s); wrote {args.output}")
    return 0


def cmd_transform(args: argparse.Namespace) -> int:
    """``polars-norm transform``: apply a statistics file to the inputs and write the output.

    The fitted statistics enter the query as literals (or a lookup in the
    per-group statistics), so the transform streams in bounded memory; the
    output is renamed into place only when complete.

    Parameters
    ----------
    args
        The parsed arguments (:func:`polars_norm.cli.build_parser`).

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    ValueError
        If a column to transform was not fitted (exit status 1 from :func:`polars_norm.cli.main`).

    Examples
    --------
    >>> from polars_norm.cli import build_parser, main
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"x": [1.0, 2.0, 3.0]}).write_parquet(d / "in.parquet")
    >>> main(["fit", str(d / "in.parquet"), "-o", str(d / "s.json"), "-q"])
    0
    >>> args = build_parser().parse_args(
    ...     ["transform", str(d / "in.parquet"), "--stats", str(d / "s.json"), "-o", str(d / "out.parquet"), "-q"]
    ... )
    >>> cmd_transform(args), pl.read_parquet(d / "out.parquet")["x"].to_list()
    (0, [-1.0, 0.0, 1.0])
    """
    default, per_column = plan_methods(args)
    check_names(args, per_column)
    files, total = input_paths(args)
    stats = Path(args.stats)
    check_output(args.output, [*files, stats], overwrite=args.overwrite)
    read = read_options(args, files)
    acc = Accumulator.load(stats)
    check_fitted(acc, specs_of(default, per_column), stats)
    plan = column_methods(default, per_column, split_names(args.columns) or list(acc.columns))
    for column in plan:
        if column not in acc.columns:
            msg = f"column {column!r} was not fitted; fitted columns: {list(acc.columns)}"
            raise ValueError(msg)
    lf, _ = source(args, files, read, list(plan), (), "")
    _transform_pass(args, acc, lf, plan, total, "transform")
    return 0


def cmd_normalize(args: argparse.Namespace) -> int:
    """``polars-norm normalize``: fit, then transform, in two streaming passes.

    With ``--save-stats`` the fitted statistics are also written, renamed
    into place only after the output, so a failed run leaves neither.

    Parameters
    ----------
    args
        The parsed arguments (:func:`polars_norm.cli.build_parser`).

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    UsageError
        If ``--save-stats`` names the output.

    Examples
    --------
    >>> from polars_norm.cli import build_parser
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"x": [2.0, 4.0, 6.0]}).write_parquet(d / "in.parquet")
    >>> args = build_parser().parse_args(
    ...     ["normalize", str(d / "in.parquet"), "--method", "minmax", "-o", str(d / "out.csv"), "-q"]
    ... )
    >>> cmd_normalize(args), pl.read_csv(d / "out.csv")["x"].to_list()
    (0, [0.0, 0.5, 1.0])
    """
    default, per_column = plan_methods(args)
    check_names(args, per_column)
    if args.save_stats and Path(args.save_stats).resolve() == Path(args.output).resolve():
        msg = f"--save-stats {args.save_stats} is also the output"
        raise UsageError(msg)
    files, total = input_paths(args)
    check_output(args.output, files, overwrite=args.overwrite)
    if args.save_stats:
        check_output(args.save_stats, files, overwrite=args.overwrite, formats=[".json"])
    read = read_options(args, files)
    specs = specs_of(default, per_column)
    quantiles = any(name in SKETCH_METHODS for name, _ in specs)
    orders = tuple(dict.fromkeys([*_DEFAULT_ORDERS, *unit_orders(specs)]))
    columns = split_names(args.columns)
    if columns is None and default is None:
        columns = list(per_column)
    lf, chosen = source(args, files, read, columns, list(per_column), "left unnormalized")
    acc = _fit_pass(args, lf, chosen, total, quantiles, orders, "pass 1/2: fit")
    with ExitStack() as stack:  # the statistics are renamed into place only after the output
        if args.save_stats:
            acc.save(stack.enter_context(atomic_path(args.save_stats)))
        _transform_pass(args, acc, lf, column_methods(default, per_column, chosen), total, "pass 2/2: transform")
    if args.save_stats:
        say(args, f"wrote {args.save_stats}")
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    """``polars-norm describe``: print the statistics of a statistics file.

    Prints a header line (columns, group keys, whether quantile sketches are
    stored) and :meth:`polars_norm.Accumulator.to_frame` as a table.

    Parameters
    ----------
    args
        The parsed arguments (:func:`polars_norm.cli.build_parser`).

    Returns
    -------
    int
        The exit status, 0.

    Examples
    --------
    >>> from polars_norm.cli import build_parser, main
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"x": [1.0, 2.0, 3.0]}).write_parquet(d / "in.parquet")
    >>> main(["fit", str(d / "in.parquet"), "-o", str(d / "s.json"), "-q", "--no-quantiles"])
    0
    >>> cmd_describe(build_parser().parse_args(["describe", str(d / "s.json")]))  # doctest: +ELLIPSIS
    /...s.json: 1 column(s), quantile sketches: no
    ...
    """
    acc = Accumulator.load(args.stats)
    frame = acc.to_frame(ddof=args.ddof)
    by = f", by {list(acc.by)}" if acc.by else ""
    print(f"{args.stats}: {len(acc.columns)} column(s){by}, quantile sketches: {'yes' if acc.quantiles else 'no'}")
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=250, tbl_hide_dataframe_shape=True):
        print(frame)
    return 0
