"""Root pytest set-up: keep Ray out of the default run.

Everything under ``polars_norm/ray`` (its doctests), ``tests/test_ray.py``
and the Ray example's test carry the ``ray`` marker, which the default
``addopts`` deselects; without Ray installed, ``polars_norm/ray`` is not even
imported. ``python -m pytest -m ray tests/test_ray.py polars_norm/ray`` runs
them, on one local Ray cluster started once per session (``ray_cluster``).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_RAY_DIR = Path(__file__).parent / "polars_norm" / "ray"

collect_ignore = [] if importlib.util.find_spec("ray") is not None else ["polars_norm/ray"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _RAY_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.ray)


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[Any]:
    """A local 2-CPU Ray cluster for the whole session (about 5 s to start)."""
    import ray
    import ray.data

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="warning")
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    yield ray
    ray.shutdown()


@pytest.fixture(autouse=True)
def _ray_for_ray_doctests(request: pytest.FixtureRequest) -> None:
    """The doctests of ``polars_norm/ray`` get the session's cluster (tests ask for ``ray_cluster`` themselves)."""
    if _RAY_DIR in Path(str(request.node.path)).parents:
        request.getfixturevalue("ray_cluster")
