"""CI runs every example: each ``examples/*.py`` in its own process must exit 0, in time, leaving no files.

Every example asserts its own sanity property, so exit status 0 means it
computed what it says. An example whose optional dependency is missing is
skipped, naming the dependency.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
# example -> the optional packages it needs (and the extra that installs them)
OPTIONAL = {"ray_fit_transform.py": (("ray",), "pip install -e '.[ray]'")}
# Ray keeps its session directory (logs, sockets) under the temporary directory by design.
LEAVES_TEMP_FILES = {"ray_fit_transform.py"}
# The issue asks for under 30 s on 2 cores; the timeout leaves room for a loaded CI machine.
TIMEOUT_S = 150


def test_there_are_examples() -> None:
    names = {p.name for p in SCRIPTS}
    assert {
        "quickstart.py",
        "lazy_chain.py",
        "ratings_per_rater.py",
        "sensor_anomalies.py",
        "embeddings_cosine.py",
        "fit_transform_parquet.py",
    } <= names


def _missing(packages: tuple[str, ...]) -> list[str]:
    missing = []
    for name in packages:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def _param(script: Path) -> object:
    """Examples that start Ray carry the ``ray`` marker (deselected by default, run by CI's Ray step)."""
    packages, _ = OPTIONAL.get(script.name, ((), ""))
    marks = [pytest.mark.ray] if "ray" in packages else []
    return pytest.param(script, marks=marks, id=script.name)


@pytest.mark.parametrize("script", [_param(p) for p in SCRIPTS])
def test_example_runs(script: Path, tmp_path: Path) -> None:
    packages, install = OPTIONAL.get(script.name, ((), ""))
    missing = _missing(packages)
    if missing:
        pytest.skip(f"{script.name} needs {', '.join(missing)} (not installed; {install})")
    cwd, tmp = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), PYTHONUNBUFFERED="1")
    # Ray's socket paths under its session directory must fit AF_UNIX's 107 bytes, which tmp_path does not leave:
    # RAY_TMPDIR puts the session directory in a short temporary directory, removed afterwards
    ray_tmp = tempfile.mkdtemp(prefix="ray-") if script.name in LEAVES_TEMP_FILES else None
    if ray_tmp is not None:
        env["RAY_TMPDIR"] = ray_tmp
    try:
        command = [sys.executable, str(script)]
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    finally:
        if ray_tmp is not None:
            shutil.rmtree(ray_tmp, ignore_errors=True)
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert proc.stdout.strip(), f"{script.name} printed nothing"
    assert not list(cwd.iterdir()), f"{script.name} left files in its working directory"
    if script.name not in LEAVES_TEMP_FILES:
        assert not list(tmp.iterdir()), f"{script.name} left temporary files: {list(tmp.iterdir())}"
