"""Window normalization batch by batch: :class:`WindowNormalizer` carries each group's window state across batches.

Polars cannot keep state between batches: an expression sees one morsel or
the whole column. A :class:`WindowNormalizer` applies one window method of
polars_norm to batches in row order (daily files, micro-batches from a
queue), per group, and carries what the next batch needs: the trailing rows
of each group's window for the rolling methods
(:mod:`polars_norm.batches.carry`), the running moments for the
expanding and EWM ones (:mod:`polars_norm.batches.recursions`).
Normalizing batch 1, batch 2, ... gives the values, to rounding, of
normalizing their concatenation in one query. The state saves to a
versioned, checksummed JSON file (:mod:`polars_norm.batches.state`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from polars_norm.batches.methods import canonical_options, method_spec, options_from_json
from polars_norm.batches.state import (
    FORMAT,
    VERSION,
    NormalizerState,
    WindowStateError,
    check_compatible,
    read_document,
    state_from_document,
    to_document,
)
from polars_norm.batches.step import step
from polars_norm.fitted.statsfile_codec import checksum
from polars_norm.io.sinks import atomic_path

__all__ = ["WindowNormalizer"]


def _names(value: str | Sequence[str] | None, param: str) -> tuple[str, ...]:
    if value is None:
        return ()
    names = (value,) if isinstance(value, str) else tuple(value)
    if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        msg = f"polars_norm.WindowNormalizer: {param}={value!r} must be a column name or distinct column names"
        raise ValueError(msg)
    return names


class WindowNormalizer:
    """Apply a window method batch by batch, per group, carrying the window state from batch to batch.

    Parameters
    ----------
    method
        One of ``rolling_zscore``, ``rolling_minmax``, ``rolling_robust``,
        ``rolling_maxabs``, their ``_by`` forms, ``expanding_zscore``,
        ``expanding_minmax``, ``expanding_maxabs``, ``ewm_zscore``,
        ``ewm_zscore_by``.
    columns
        The column(s) to normalize.
    partition_by
        Group columns: each group has its own windows, as with
        ``.over(partition_by)``. A group first seen in a later batch starts
        fresh; null keys form their own group.
    **options
        The method's keyword options (``window_size=``, ``lag=``, ...; for
        the ``_by`` methods ``by=`` names the time column), checked now by
        building the method's expression, so a bad option raises the
        method's own error. ``center=True`` is refused: a centered window
        needs rows after the batch.

    Notes
    -----
    Normalizing batch 1, batch 2, ... equals, to rounding, normalizing their
    concatenation in one query, ``pl.col(c).norm.<method>(...)`` (with
    ``.over(partition_by)``), for every method and option. Rolling methods
    compute each batch with that very expression over the group's carried
    rows and the batch; expanding and EWM methods carry their moments. The
    time-based methods need ``by`` non-decreasing within each group across
    batches, without nulls: a batch that breaks this is refused, naming the
    column, the group and the value, and the state is left as it was (as
    after any refused batch). A ``rolling_*_by`` window that holds its own
    instant (``closed="right"`` or ``"both"`` without ``lag``) holds every
    row at that instant, the later ones too (Polars' semantics), so there
    the rows of one instant of a group must come in one batch: a batch
    starting at its group's previous last ``by`` value is refused as well.
    The state holds at most a window of rows (or a few moments) per group
    and column: memory does not grow with the data.

    "To rounding": the z-scores see the same pilot as the one query (the
    group's first finite value, carried in the state), but Polars' rolling
    kernels update their sums as rows enter and leave a window, so a
    window's result keeps some rounding of rows that left it, and a batch
    restarts those sums from its carried rows. The two agree to the
    method's own rounding: about 1e-9 relative or better on data whose
    windows are not tiny next to earlier values, less where the method
    itself is that inaccurate.

    Examples
    --------
    >>> import polars as pl
    >>> import polars_norm as pn
    >>> norm = pn.WindowNormalizer("rolling_zscore", "x", partition_by="g", window_size=3, min_samples=2)
    >>> day1 = pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 2.0, 5.0]})
    >>> day2 = pl.DataFrame({"g": ["b", "a", "a"], "x": [7.0, 4.0, 4.0]})
    >>> norm.transform(day1)["x"].round(6).to_list()
    [None, 0.707107, None]
    >>> norm.transform(day2)["x"].round(6).to_list()
    [0.707107, 1.091089, 0.57735]
    >>> both = pl.concat([day1, day2])
    >>> both.select(pl.col("x").norm.rolling_zscore(3, min_samples=2).over("g")).tail(3)["x"].round(6).to_list()
    [0.707107, 1.091089, 0.57735]
    """

    def __init__(
        self,
        method: str,
        columns: str | Sequence[str],
        *,
        partition_by: str | Sequence[str] | None = None,
        **options: Any,
    ) -> None:
        self._spec = method_spec(method, options)
        self._columns = _names(columns, "columns")
        self._partition_by = _names(partition_by, "partition_by")
        if not self._columns:
            msg = "polars_norm.WindowNormalizer: give at least one column to normalize"
            raise ValueError(msg)
        read = [*self._columns, *self._partition_by, *([self._spec.by] if self._spec.by else [])]
        if len(set(read)) != len(read):
            msg = (
                f"polars_norm.WindowNormalizer: columns={list(self._columns)}, partition_by="
                f"{list(self._partition_by)} and by={self._spec.by!r} must not share a column"
            )
            raise ValueError(msg)
        self._state = NormalizerState()

    # ------------------------------------------------------------------ configuration
    @property
    def method(self) -> str:
        """The window method.

        Examples
        --------
        >>> WindowNormalizer("expanding_minmax", "x").method
        'expanding_minmax'
        """
        return self._spec.name

    @property
    def columns(self) -> tuple[str, ...]:
        """The normalized columns.

        Examples
        --------
        >>> WindowNormalizer("expanding_minmax", ["x", "y"]).columns
        ('x', 'y')
        """
        return self._columns

    @property
    def partition_by(self) -> tuple[str, ...]:
        """The group columns (empty without groups).

        Examples
        --------
        >>> WindowNormalizer("expanding_minmax", "x", partition_by="g").partition_by
        ('g',)
        """
        return self._partition_by

    @property
    def options(self) -> dict[str, Any]:
        """The method's options, every one with its value (defaults included).

        Examples
        --------
        >>> WindowNormalizer("rolling_maxabs", "x", window_size=4).options["min_samples"] is None
        True
        """
        return dict(self._spec.options)

    def _config(self) -> dict[str, Any]:
        return {
            "method": self._spec.name,
            "columns": list(self._columns),
            "partition_by": list(self._partition_by),
            "options": canonical_options(self._spec.options),
        }

    def __repr__(self) -> str:
        """The constructor call of this normalizer.

        Examples
        --------
        >>> WindowNormalizer("ewm_zscore", "x", alpha=0.5)  # doctest: +ELLIPSIS
        WindowNormalizer('ewm_zscore', ('x',), partition_by=(), com=None, span=None, half_life=None, alpha=0.5, ...)
        """
        options = ", ".join(f"{k}={v!r}" for k, v in self._spec.options.items())
        return f"WindowNormalizer({self.method!r}, {self._columns!r}, partition_by={self._partition_by!r}, {options})"

    # ------------------------------------------------------------------ batches
    def transform(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Normalize the next batch and carry its windows on to the next one.

        Parameters
        ----------
        batch
            The next rows, in order: the columns, ``partition_by`` and
            ``by`` columns at least, of the first batch's dtypes.

        Returns
        -------
        pl.DataFrame
            ``batch`` with each of the columns replaced by its normalized
            values (the method's dtype: Float32 stays Float32, others
            Float64), the other columns untouched, the rows in order.

        Raises
        ------
        ValueError
            A missing column, another dtype than in the first batch, or a
            ``by`` value before the previous one of its group (or null);
            nothing is changed then.

        Examples
        --------
        >>> import polars as pl
        >>> norm = WindowNormalizer("expanding_minmax", "x")
        >>> norm.transform(pl.DataFrame({"x": [2.0, 4.0]}))["x"].to_list()
        [0.0, 1.0]
        >>> norm.transform(pl.DataFrame({"x": [3.0]}))["x"].to_list()
        [0.5]
        """
        outputs, self._state = step(self._spec, self._columns, self._partition_by, self._state, batch)
        return batch.with_columns(outputs)

    def transform_batches(self, batches: Iterable[pl.DataFrame]) -> Iterator[pl.DataFrame]:
        """Normalize batches in order, lazily: each is transformed when the iterator reaches it.

        Parameters
        ----------
        batches
            The batches, in row order.

        Yields
        ------
        pl.DataFrame
            Each batch normalized, as :meth:`transform` returns it.

        Examples
        --------
        >>> import polars as pl
        >>> norm = WindowNormalizer("rolling_maxabs", "x", window_size=2, min_samples=1)
        >>> frames = [pl.DataFrame({"x": [1.0, -4.0]}), pl.DataFrame({"x": [2.0]})]
        >>> [f["x"].to_list() for f in norm.transform_batches(frames)]
        [[1.0, -1.0], [0.5]]
        """
        for batch in batches:
            yield self.transform(batch)

    # ------------------------------------------------------------------ state
    def to_state(self) -> dict[str, Any]:
        """The configuration and state as a JSON document (what :meth:`save` writes).

        Returns
        -------
        dict
            The document of :mod:`polars_norm.batches.state`, checksum included.

        Examples
        --------
        >>> import polars as pl
        >>> norm = WindowNormalizer("rolling_maxabs", "x", window_size=2)
        >>> _ = norm.transform(pl.DataFrame({"x": [1.0, 2.0, float("nan")]}))
        >>> norm.to_state()["state"]["rows"]
        {'group': [0, 0], 'x': [2.0, 'nan']}
        """
        return to_document(self._config(), self._state)

    @classmethod
    def from_state(cls, state: dict[str, Any], *, where: str = "from_state") -> WindowNormalizer:
        """A normalizer from a document of :meth:`to_state` (checksum checked).

        Parameters
        ----------
        state
            The document.
        where
            The caller, for messages.

        Returns
        -------
        WindowNormalizer

        Raises
        ------
        WindowStateError
            A document of another format or version, modified, or malformed.

        Examples
        --------
        >>> import polars as pl
        >>> norm = WindowNormalizer("rolling_maxabs", "x", window_size=2)
        >>> _ = norm.transform(pl.DataFrame({"x": [1.0, 4.0]}))
        >>> WindowNormalizer.from_state(norm.to_state()).transform(pl.DataFrame({"x": [2.0]}))["x"].to_list()
        [0.5]
        """
        prefix = f"polars_norm.WindowNormalizer.{where}:"
        if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("version") != VERSION:
            msg = f"{prefix} not a window state document of format {FORMAT!r} version {VERSION}"
            raise WindowStateError(msg)
        if state.get("checksum") != checksum(state):
            msg = f"{prefix} the document was modified: its checksum does not match its content"
            raise WindowStateError(msg)
        try:
            norm = cls(
                state["method"],
                state["columns"],
                partition_by=state["partition_by"],
                **options_from_json(state["options"]),
            )
            norm._state = state_from_document(state, piloted=norm._spec.piloted, by=norm._spec.by)
        except (KeyError, TypeError, ValueError, IndexError, pl.exceptions.PolarsError) as exc:
            msg = f"{prefix} the document is malformed ({type(exc).__name__}: {exc})"
            raise WindowStateError(msg) from exc
        return norm

    def save(self, path: str | Path) -> None:
        """Write the state to ``path`` as JSON, atomically (a temporary file renamed into place).

        Parameters
        ----------
        path
            The file; a reader never sees it half written.

        Examples
        --------
        >>> import json, pathlib, tempfile
        >>> import polars as pl
        >>> norm = WindowNormalizer("rolling_maxabs", "x", window_size=2)
        >>> with tempfile.TemporaryDirectory() as d:
        ...     norm.save(pathlib.Path(d) / "state.json")
        ...     json.loads((pathlib.Path(d) / "state.json").read_text())["format"]
        'polars-norm-window-state'
        """
        doc = self.to_state()
        with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1, allow_nan=False)
            fh.write("\n")

    def restore(self, path: str | Path) -> None:
        """Load a state saved by a normalizer of the same configuration into this one.

        Parameters
        ----------
        path
            A file written by :meth:`save`.

        Raises
        ------
        WindowStateError
            (a ``ValueError``) a file for another method, column set,
            ``partition_by`` or option, of another format version, modified
            (checksum) or malformed; the message names what differs, and this
            normalizer's state is unchanged.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import polars as pl
        >>> a = WindowNormalizer("rolling_maxabs", "x", window_size=2)
        >>> _ = a.transform(pl.DataFrame({"x": [1.0, 4.0]}))
        >>> b = WindowNormalizer("rolling_maxabs", "x", window_size=2)
        >>> with tempfile.TemporaryDirectory() as d:
        ...     a.save(pathlib.Path(d) / "state.json")
        ...     b.restore(pathlib.Path(d) / "state.json")
        >>> b.transform(pl.DataFrame({"x": [2.0]}))["x"].to_list()
        [0.5]
        """
        doc = read_document(path, "WindowNormalizer.restore")
        check_compatible(doc, self._config(), path)
        try:
            loaded = WindowNormalizer.from_state(doc, where="restore")
        except WindowStateError as exc:
            msg = f"{exc} (file {str(path)!r})"
            raise WindowStateError(msg) from exc
        self._state = loaded._state

    @classmethod
    def load(cls, path: str | Path) -> WindowNormalizer:
        """A normalizer built from a state file alone (its method, columns, options and state).

        Parameters
        ----------
        path
            A file written by :meth:`save`.

        Returns
        -------
        WindowNormalizer

        Raises
        ------
        WindowStateError
            A file of another format or version, modified or malformed.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import polars as pl
        >>> a = WindowNormalizer("rolling_minmax", "x", window_size=3, min_samples=1)
        >>> _ = a.transform(pl.DataFrame({"x": [1.0, 5.0]}))
        >>> with tempfile.TemporaryDirectory() as d:
        ...     a.save(pathlib.Path(d) / "state.json")
        ...     b = WindowNormalizer.load(pathlib.Path(d) / "state.json")
        >>> b.transform(pl.DataFrame({"x": [3.0]}))["x"].to_list()
        [0.5]
        """
        doc = read_document(path, "WindowNormalizer.load")
        try:
            return cls.from_state(doc, where="load")
        except WindowStateError as exc:
            msg = f"{exc} (file {str(path)!r})"
            raise WindowStateError(msg) from exc
