"""Fixtures of the command-line tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """A temporary directory deleted after the test (pytest keeps tmp_path: GBs here)."""
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)
