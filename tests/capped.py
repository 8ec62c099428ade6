"""Commands run under an address-space cap: the out-of-core tests of the command line.

Address space is not memory: ``python -m polars_norm`` (polars, pyarrow, numpy,
datasketches) needs about 1 GiB of it just to start and run a tiny streaming query
(OpenBLAS and glibc reserve address space per thread, hence ``LEAN_ENV``), and
Polars maps each Parquet file whole to read its footer, so inputs come as many small
files. ``AS_CAP`` is 1.25 GiB; each test calibrates its own input against it.
"""

from __future__ import annotations

import os
import resource
import subprocess
from collections.abc import Mapping

AS_CAP = 1280 << 20
LEAN_ENV = {"OPENBLAS_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}


def run_capped(cmd: list[str], *, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``cmd`` in a child limited to ``AS_CAP`` of address space, with ``LEAN_ENV`` (and ``env``) set."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (AS_CAP, AS_CAP))

    full = dict(os.environ, **LEAN_ENV, **(env or {}))
    return subprocess.run(cmd, preexec_fn=cap, env=full, capture_output=True, text=True, timeout=300)
