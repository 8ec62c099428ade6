"""The ``>>>`` examples on the documentation pages run, as the docstrings' examples do."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"

#: Hand-written pages with examples (generated pages, such as the benchmark report, have none).
PAGES = ["index.md", "axes.md", "sklearn.md", "windows-out-of-core.md"]


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page: str) -> None:
    result = doctest.testfile(
        str(DOCS / page),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted > 0, f"docs/{page} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in docs/{page} failed (see stdout)"
