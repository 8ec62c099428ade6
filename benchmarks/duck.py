"""DuckDB as an alternative (optional: ``pip install -e ".[bench]"``).

The data is loaded into a native DuckDB table before any timing, and every
timed query ends with its result as a Polars DataFrame (``.pl()``), as ours
does. Global statistics are written the faster of the two usual ways: an
aggregate subquery cross-joined onto the rows (``FROM t, (SELECT AVG(x) ...)``),
about 1.7x faster in DuckDB than the window form ``AVG(x) OVER ()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

__all__ = ["available", "connect", "query", "select", "version"]


def available() -> bool:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return False
    return True


def version() -> str:
    try:
        import duckdb
    except ImportError:
        return "not installed"
    return str(duckdb.__version__)


def connect(df: pl.DataFrame, name: str = "t") -> Any | None:
    """A DuckDB connection holding ``df`` as the native table ``name``; None without DuckDB."""
    if not available():
        return None
    import duckdb

    con = duckdb.connect()
    con.register("source_frame", df.to_arrow())
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM source_frame")
    con.unregister("source_frame")
    return con


def query(con: Any, sql: str) -> Callable[[], pl.DataFrame]:
    """A timed call: run ``sql`` and fetch the result as a Polars DataFrame."""
    return lambda: con.sql(sql).pl()


def select(columns: Sequence[str], template: str, source: str = "t") -> str:
    """``SELECT template(c) AS c, ... FROM source`` with ``{c}`` replaced by each column name."""
    items = ", ".join(f"{template.format(c=c)} AS {c}" for c in columns)
    return f"SELECT {items} FROM {source}"
