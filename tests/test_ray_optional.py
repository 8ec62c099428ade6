"""Ray is optional: the core package never imports it, and polars_norm.ray without it names the extra.

These run in the default suite (no Ray needed).
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest


def test_core_package_does_not_import_ray() -> None:
    code = "import sys, polars_norm; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_import_without_ray_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "ray" or m.startswith(("ray.", "polars_norm.ray"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError, as if not installed
    with pytest.raises(ImportError, match=r"pip install polars-norm\[ray\]"):
        importlib.import_module("polars_norm.ray")
