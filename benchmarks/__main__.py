"""``python -m benchmarks [--quick | --smoke] [--output PATH]``: the same as ``python benchmarks/run.py``."""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> int:
    # The modules import each other by their plain names (``import timing``), as
    # they do when run as scripts (``python benchmarks/bench_fit.py``).
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import run

    return int(run.main())


if __name__ == "__main__":
    raise SystemExit(main())
