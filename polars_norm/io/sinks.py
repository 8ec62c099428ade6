"""Writing a lazy query to a file: the format from the suffix, atomically.

The query is sunk (``sink_parquet``, ``sink_ipc``, ``sink_csv``,
``sink_ndjson``: Polars' streaming engine, bounded memory) into a temporary
file inside a hidden temporary directory next to the target, and renamed onto
the target only when it is complete. On any failure or interrupt the
temporary directory is removed, so no partial output is ever visible under
the target's name. (A process killed with ``SIGKILL`` cannot clean up; it
leaves the hidden ``.polars-norm-*`` directory, never a partial target.)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import polars as pl

__all__ = ["OUTPUT_FORMATS", "OutputError", "atomic_path", "check_output", "sink"]

Writer = Callable[[pl.LazyFrame, Path], None]

#: Output suffixes and how each is written.
OUTPUT_FORMATS: dict[str, Writer] = {
    ".parquet": lambda lf, p: lf.sink_parquet(p),
    ".pq": lambda lf, p: lf.sink_parquet(p),
    ".ipc": lambda lf, p: lf.sink_ipc(p),
    ".arrow": lambda lf, p: lf.sink_ipc(p),
    ".feather": lambda lf, p: lf.sink_ipc(p),
    ".csv": lambda lf, p: lf.sink_csv(p, check_extension=False),
    ".tsv": lambda lf, p: lf.sink_csv(p, separator="\t", check_extension=False),
    ".ndjson": lambda lf, p: lf.sink_ndjson(p, check_extension=False),
    ".jsonl": lambda lf, p: lf.sink_ndjson(p, check_extension=False),
}


class OutputError(ValueError):
    """An output path that must not be written: an input, an existing file, an unknown format.

    A ``ValueError``; the command line reports its message and exits with
    status 2.

    Examples
    --------
    >>> check_output("out.xlsx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    polars_norm.io.sinks.OutputError: cannot tell the output format of 'out.xlsx' (known suffixes: .parquet, .pq, ...)
    """


def check_output(
    target: str | Path, inputs: Sequence[Path] = (), *, overwrite: bool = False, formats: Sequence[str] | None = None
) -> Path:
    """Check that ``target`` may be written; return it as a ``Path``.

    Parameters
    ----------
    target
        The output path.
    inputs
        The input files, which must not be overwritten.
    overwrite
        Allow replacing an existing file.
    formats
        The allowed suffixes (default: the keys of :data:`OUTPUT_FORMATS`).

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    OutputError
        If the suffix is not one of ``formats`` (default: :data:`OUTPUT_FORMATS`),
        the target is one of ``inputs``, the target is a directory, or it
        exists and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_output(d / "out.parquet") == d / "out.parquet"
    True
    >>> (d / "out.parquet").write_bytes(b"")
    0
    >>> check_output(d / "out.parquet")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    polars_norm.io.sinks.OutputError: output '...out.parquet' exists; pass --overwrite to replace it
    """
    path = Path(target)
    allowed = list(OUTPUT_FORMATS) if formats is None else list(formats)
    if path.suffix.lower() not in allowed:
        msg = f"cannot tell the output format of {str(path)!r} (known suffixes: {', '.join(allowed)})"
        raise OutputError(msg)
    if path.exists():
        if any(path.resolve() == f.resolve() for f in inputs):
            msg = f"refusing to overwrite the input file {str(path)!r}"
            raise OutputError(msg)
        if path.is_dir():
            msg = f"output {str(path)!r} is a directory"
            raise OutputError(msg)
        if not overwrite:
            msg = f"output {str(path)!r} exists; pass --overwrite to replace it"
            raise OutputError(msg)
    elif not path.parent.is_dir():
        msg = f"the directory of the output {str(path)!r} does not exist"
        raise OutputError(msg)
    return path


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it onto ``target`` if the block succeeds.

    The temporary file lives in a hidden directory in the target's
    directory (same file system, so the rename is atomic). The directory is
    removed whatever happens, including ``KeyboardInterrupt``.

    Parameters
    ----------
    target
        The final path.

    Yields
    ------
    Path
        The temporary path to write.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "out.txt") as tmp:
    ...     _ = tmp.write_text("done")
    >>> sorted(p.name for p in d.iterdir())
    ['out.txt']
    """
    target = Path(target)
    tmpdir = Path(tempfile.mkdtemp(prefix=f".polars-norm-{target.name}-", dir=target.parent))
    try:
        tmp = tmpdir / target.name
        yield tmp
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def sink(lf: pl.LazyFrame, target: str | Path) -> None:
    """Stream ``lf`` into ``target`` (format from the suffix), atomically.

    Parameters
    ----------
    lf
        The query to write; it runs on Polars' streaming engine.
    target
        The output path; its suffix (a key of :data:`OUTPUT_FORMATS`) chooses
        the writer. Check it first with :func:`check_output`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> sink(pl.LazyFrame({"x": [1, 2]}), d / "out.csv")
    >>> print((d / "out.csv").read_text(), end="")
    x
    1
    2
    """
    target = Path(target)
    writer = OUTPUT_FORMATS[target.suffix.lower()]
    with atomic_path(target) as tmp:
        writer(lf, tmp)
