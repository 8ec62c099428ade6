"""``polars_norm.fit``: statistics of a frame, a lazy query, files, or a stream of batches.

The source never needs to fit in memory:

* a LazyFrame (or files, scanned lazily) without sketches is fitted by one
  query of flat reductions under Polars' streaming engine (``group_by().agg``
  of sums, counts and extremes: it streams in bounded memory);
* with sketches, the query's result is streamed in batches
  (``LazyFrame.collect_batches``) into :meth:`Accumulator.update`;
* an iterable of DataFrames or Arrow tables/batches is consumed one batch at
  a time.
"""

from __future__ import annotations

import glob as globlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from polars_norm.fitted.accumulator import Accumulator, to_polars
from polars_norm.fitted.sketch import DEFAULT_K
from polars_norm.semantics import is_pandas_frame

__all__ = ["BATCH_ROWS", "FORMATS", "INFER_SCHEMA_LENGTH", "NULL_VALUES", "fit", "input_files", "scan"]

#: Rows per batch when streaming a lazy query into the sketches.
BATCH_ROWS = 1_000_000

#: File suffixes and the Polars scan function for each.
FORMATS: dict[str, str] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".ipc": "ipc",
    ".arrow": "ipc",
    ".feather": "ipc",
    ".csv": "csv",
    ".tsv": "csv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}

#: Spellings read as null in the numeric and boolean columns of CSV input
#: (``"NaN"`` is not one of them: Polars reads it as the float NaN).
NULL_VALUES: tuple[str, ...] = ("", "NA", "N/A", "n/a", "#N/A", "<NA>", "NULL", "null", "None")

#: Rows of CSV or NDJSON input the column dtypes are inferred from.
INFER_SCHEMA_LENGTH = 100_000

Source = pl.DataFrame | pl.LazyFrame | str | Path | Sequence[str | Path] | Iterable[Any]


def _expand(path: str | Path) -> list[Path]:
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in FORMATS)
        if not files:
            msg = f"polars_norm.scan: directory {str(p)!r} holds no {'/'.join(sorted(set(FORMATS.values())))} files"
            raise FileNotFoundError(msg)
        return files
    if any(ch in str(path) for ch in "*?["):
        files = sorted(Path(f) for f in globlib.glob(str(path), recursive=True) if Path(f).is_file())
        if not files:
            msg = f"polars_norm.scan: no file matches {str(path)!r}"
            raise FileNotFoundError(msg)
        return files
    if not p.exists():
        msg = f"polars_norm.scan: no such file: {str(p)!r}"
        raise FileNotFoundError(msg)
    return [p]


def input_files(source: str | Path | Sequence[str | Path]) -> list[Path]:
    """The files :func:`scan` reads: each path, glob or directory expanded, in order.

    Parameters
    ----------
    source
        A path, a glob (``*``, ``?``, ``[``; ``**`` recurses), a directory
        (every file below it with a known suffix, see :data:`FORMATS`), or a
        list of them.

    Returns
    -------
    list of Path
        The files; a glob's and a directory's matches sorted.

    Raises
    ------
    FileNotFoundError
        If a path does not exist or a glob or directory matches nothing.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from polars_norm.fitted.fit import input_files
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for name in ("b.parquet", "a.parquet", "notes.txt"):
    ...         (pathlib.Path(d) / name).touch()
    ...     print([f.name for f in input_files(d)], [f.name for f in input_files(f"{d}/b.*")])
    ['a.parquet', 'b.parquet'] ['b.parquet']
    >>> input_files("no/such/file.csv")
    Traceback (most recent call last):
        ...
    FileNotFoundError: polars_norm.scan: no such file: 'no/such/file.csv'
    """
    paths = [source] if isinstance(source, (str, Path)) else list(source)
    return [f for p in paths for f in _expand(p)]


def _parse_text(column: str, dtype: pl.DataType, nulls: Sequence[str]) -> pl.Expr:
    """A CSV column read as text, parsed into ``dtype``: the ``nulls`` spellings null, anything unparsable an error."""
    text = pl.col(column)
    if nulls:
        text = pl.when(text.is_in(list(nulls))).then(None).otherwise(text)
    if dtype == pl.Boolean:
        parsed = text.str.to_lowercase().replace_strict({"true": True, "false": False}, return_dtype=pl.Boolean)
    else:
        parsed = text.cast(dtype, strict=True)
    return parsed.alias(column)


def _scan_csv(
    names: list[str],
    separator: str,
    null_values: Sequence[str],
    infer_schema_length: int | None,
    schema_overrides: Mapping[str, Any] | None,
) -> pl.LazyFrame:
    """CSV files with inferred dtypes, the null spellings applied to the typed columns only."""
    schema = pl.scan_csv(
        names,
        separator=separator,
        null_values=list(null_values) or None,
        infer_schema_length=infer_schema_length,
        schema_overrides=dict(schema_overrides or {}) or None,
    ).collect_schema()
    text = pl.scan_csv(names, separator=separator, infer_schema=False)
    typed = [_parse_text(n, d, null_values) for n, d in schema.items() if d != pl.String]
    return text.with_columns(typed) if typed else text


def scan(
    source: str | Path | Sequence[str | Path],
    *,
    null_values: Sequence[str] | None = NULL_VALUES,
    infer_schema_length: int | None = INFER_SCHEMA_LENGTH,
    schema_overrides: Mapping[str, Any] | None = None,
) -> pl.LazyFrame:
    """Scan files lazily: a path, a glob, a directory, or a list of them.

    The format comes from the suffix (Parquet ``.parquet``/``.pq``, IPC
    ``.ipc``/``.arrow``/``.feather``, CSV ``.csv``/``.tsv``, NDJSON
    ``.ndjson``/``.jsonl``); all files must share one format.

    Parameters
    ----------
    source
        A path, glob or directory, or a list of them.
    null_values
        CSV only: the spellings read as null in numeric and boolean columns
        (default :data:`NULL_VALUES`: ``""``, ``NA``, ``N/A``, ``n/a``,
        ``#N/A``, ``<NA>``, ``NULL``, ``null``, ``None``; ``NaN`` stays the
        float NaN). Text columns are passed through exactly as written (an
        empty field is null, as always in Polars).
    infer_schema_length
        CSV and NDJSON: the rows the dtypes are inferred from (default
        :data:`INFER_SCHEMA_LENGTH`, 100,000); ``None`` reads the whole
        file first (slow: the inference is a pass of its own over every row,
        before the data is read, with the whole file mapped into memory).
    schema_overrides
        CSV and NDJSON: ``{column: dtype}`` taking precedence over
        inference, e.g. ``{"price": pl.Float64, "zip": pl.String}``.

    Returns
    -------
    LazyFrame
        The files' rows. For CSV the dtypes are inferred when ``scan`` is
        called (with the null spellings counted as null, so ``NA`` does not
        make a numeric column text); the columns are then read as text and
        each typed column parsed, so a value that does not parse as the
        inferred dtype is an error when the query runs, never a silent null.

    Raises
    ------
    FileNotFoundError
        If a path does not exist or a glob or directory matches nothing.
    ValueError
        For an unknown suffix, a mix of formats, or ``schema_overrides`` with
        Parquet or IPC files (which carry their own schema).

    Examples
    --------
    ``NA`` is null in the numeric column, text in the text column:

    >>> import pathlib, tempfile
    >>> import polars as pl
    >>> from polars_norm.fitted.fit import scan
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = pathlib.Path(d) / "a.csv"
    ...     pl.DataFrame({"x": [1.5, None], "s": ["NA", "b"]}).write_csv(path, null_value="NA")
    ...     print(path.read_text().split())
    ...     print(scan(path).collect())
    ['x,s', '1.5,NA', 'NA,b']
    shape: (2, 2)
    ┌──────┬─────┐
    │ x    ┆ s   │
    │ ---  ┆ --- │
    │ f64  ┆ str │
    ╞══════╪═════╡
    │ 1.5  ┆ NA  │
    │ null ┆ b   │
    └──────┴─────┘
    """
    files = input_files(source)
    kinds = set()
    for f in files:
        kind = FORMATS.get(f.suffix.lower())
        if kind is None:
            msg = f"polars_norm.scan: cannot tell the format of {str(f)!r} (known suffixes: {', '.join(FORMATS)})"
            raise ValueError(msg)
        kinds.add(kind)
    if len(kinds) > 1:
        msg = f"polars_norm.scan: the files mix formats {sorted(kinds)}; pass one format at a time"
        raise ValueError(msg)
    names = [str(f) for f in files]
    kind = kinds.pop()
    if kind in ("parquet", "ipc") and schema_overrides:
        msg = f"polars_norm.scan: schema_overrides applies to CSV and NDJSON input; {kind} files carry their schema"
        raise ValueError(msg)
    if kind == "parquet":
        return pl.scan_parquet(names)
    if kind == "ipc":
        return pl.scan_ipc(names)
    if kind == "ndjson":
        overrides = dict(schema_overrides or {}) or None
        return pl.scan_ndjson(names, infer_schema_length=infer_schema_length, schema_overrides=overrides)
    separator = "\t" if all(f.suffix.lower() == ".tsv" for f in files) else ","
    return _scan_csv(names, separator, tuple(null_values or ()), infer_schema_length, schema_overrides)


def fit(
    source: Source,
    columns: str | Sequence[str] | None = None,
    *,
    by: str | Sequence[str] | None = None,
    quantiles: bool = True,
    sketch_k: int = DEFAULT_K,
    norm_orders: Sequence[float] = (1.0, 2.0),
    batch_rows: int = BATCH_ROWS,
) -> Accumulator:
    """Fit normalization statistics: moments, extremes, norms and quantile sketches.

    Parameters
    ----------
    source
        A DataFrame; a LazyFrame (fitted under the streaming engine in
        bounded memory); a pandas DataFrame or an Arrow table (converted
        through Arrow); a file path, glob or directory of Parquet, IPC, CSV
        or NDJSON files (see :func:`scan`); or an iterable of DataFrames or
        Arrow tables / record batches (one batch in memory at a time).
    columns
        Columns to fit; default every numeric column except the ``by`` keys.
    by
        Group key column(s) for per-group statistics.
    quantiles
        Keep KLL quantile sketches (needed by the ``robust`` and ``quantile``
        methods). ``False`` fits only moments, extremes and norms, with no sketch to feed.
    sketch_k
        KLL accuracy parameter (default 800: rank error within 0.5%).
    norm_orders
        The Lp norm orders to keep for the ``unit`` method.
    batch_rows
        Rows per batch when a lazy source is streamed into the sketches.

    Returns
    -------
    Accumulator
        Mergeable statistics; apply them with :meth:`Accumulator.transform`.

    Raises
    ------
    ColumnNotFoundError
        A requested column or by key does not exist.
    TypeError
        A requested column is not numeric, or the source is of an unknown type.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm
    >>> train = pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    >>> acc = polars_norm.fit(train)
    >>> acc.to_frame().select("column", "count", "mean", "min", "max", "median")
    shape: (1, 6)
    ┌────────┬───────┬──────┬─────┬─────┬────────┐
    │ column ┆ count ┆ mean ┆ min ┆ max ┆ median │
    │ ---    ┆ ---   ┆ ---  ┆ --- ┆ --- ┆ ---    │
    │ str    ┆ i64   ┆ f64  ┆ f64 ┆ f64 ┆ f64    │
    ╞════════╪═══════╪══════╪═════╪═════╪════════╡
    │ x      ┆ 4     ┆ 2.5  ┆ 1.0 ┆ 4.0 ┆ 3.0    │
    └────────┴───────┴──────┴─────┴─────┴────────┘
    >>> acc.transform(pl.DataFrame({"x": [2.5, 4.0]}), "minmax")
    shape: (2, 1)
    ┌─────┐
    │ x   │
    │ --- │
    │ f64 │
    ╞═════╡
    │ 0.5 │
    │ 1.0 │
    └─────┘
    """
    acc = Accumulator(columns, by=by, quantiles=quantiles, sketch_k=sketch_k, norm_orders=norm_orders)
    if isinstance(source, pl.DataFrame):
        acc.bind(source.schema, "fit")
        if not quantiles:
            return acc.update_lazy(source.lazy(), batch_rows=batch_rows)
        return acc.update(source)
    if isinstance(source, pl.LazyFrame):
        return acc.update_lazy(source, batch_rows=batch_rows)
    if isinstance(source, (str, Path)) or (
        isinstance(source, Sequence) and source and all(isinstance(s, (str, Path)) for s in source)
    ):
        return acc.update_lazy(scan(source), batch_rows=batch_rows)
    if isinstance(source, (pa.Table, pa.RecordBatch)) or is_pandas_frame(source):
        return acc.update(to_polars(source, "fit"))
    if isinstance(source, Iterable) and not isinstance(source, (str, bytes, Mapping)):
        for i, batch in enumerate(source):
            if not isinstance(batch, (pl.DataFrame, pa.Table, pa.RecordBatch)) and not is_pandas_frame(batch):
                msg = (
                    f"polars_norm.fit: batch {i} of the iterable source is a {type(batch).__qualname__}; "
                    "an iterable source must yield polars DataFrames, Arrow tables or record batches, "
                    "or pandas DataFrames"
                )
                raise TypeError(msg)
            acc.update(to_polars(batch, "fit"))
        if not acc.is_bound:
            msg = "polars_norm.fit: the iterable held no batches; cannot tell which columns to fit"
            raise ValueError(msg)
        return acc
    msg = (
        f"polars_norm.fit: cannot fit a {type(source).__module__}.{type(source).__qualname__}; expected a polars "
        "DataFrame or LazyFrame, a pandas DataFrame, an Arrow table, a file path, glob or directory (or a list "
        "of them), or an iterable of batches"
    )
    raise TypeError(msg)
