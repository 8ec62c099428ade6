"""The benchmark runner's report (benchmarks/report.py, timing.py) on made-up rows, and one tiny run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, ModuleType]:
    # the benchmark modules import each other by plain name, as when run as scripts
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import report
    import timing

    return report, timing


def test_ratio_is_alternative_over_ours(bench: tuple[ModuleType, ModuleType]) -> None:
    _, timing = bench
    assert timing.Row("z", 0.5, "sklearn", 2.0).ratio == 4.0
    assert timing.Row("z", 2.0, "numpy", 0.5).ratio == 0.25


def test_markdown_table_escapes_pipes_and_shows_notes(bench: tuple[ModuleType, ModuleType]) -> None:
    _, timing = bench
    rows = [timing.Row("x / max|x|", 0.25, "numpy", 0.5), timing.Row("b", 12.0, "pandas", 3.0, note="target >= 2x")]
    lines = timing.markdown_table(rows).splitlines()
    assert lines[0].endswith("| note |")
    assert lines[2] == r"| x / max\|x\| | 0.250 | numpy | 0.500 | 2.00x |  |"
    assert lines[3] == "| b | 12.0 | pandas | 3.000 | 0.25x | target >= 2x |"
    assert "note" not in timing.markdown_table(rows[:1])
    tiny = timing.markdown_table([timing.Row("t", 0.00042, "numpy", 0.0021)]).splitlines()[2]
    assert tiny == "| t | 0.00042 | numpy | 0.0021 | 5.00x |"


def test_compare_times_both_sides_in_turns(bench: tuple[ModuleType, ModuleType]) -> None:
    _, timing = bench
    calls: list[str] = []

    def fast() -> None:
        calls.append("ours")

    def slow() -> None:
        calls.append("alt")
        time.sleep(0.02)

    row = timing.compare("case", fast, "slow one", slow, repeat=3, verbose=False)
    assert calls == ["ours", "alt", "alt", "ours", "ours", "alt"]  # who goes first rotates
    assert row.alt_s >= 0.02 > row.ours_s
    assert row.ratio > 1
    # the budget stops new rounds, never a side within a round
    calls.clear()
    timing.compare("case", fast, "slow one", slow, repeat=5, budget=0.0, verbose=False)
    assert calls == ["ours", "alt"]


def test_compare_many_runs_each_once_per_round(bench: tuple[ModuleType, ModuleType]) -> None:
    _, timing = bench
    calls: list[str] = []
    alts = [(name, lambda name=name: calls.append(name)) for name in ("a", "b")]
    rows = timing.compare_many("case", lambda: calls.append("ours"), alts, repeat=2, verbose=False)
    assert calls == ["ours", "a", "b", "a", "b", "ours"]  # once each a round, the first rotating
    assert [r.alternative for r in rows] == ["a", "b"]
    assert len({r.ours_s for r in rows}) == 1


def test_summary_groups_outside_libraries(bench: tuple[ModuleType, ModuleType]) -> None:
    report, timing = bench
    rows = [
        timing.Row("z", 1.0, "scikit-learn StandardScaler", 10.0),
        timing.Row("m", 1.0, "scikit-learn MinMaxScaler", 2.0),
        timing.Row("m", 1.0, "scikit-learn RobustScaler", 4.0),
        timing.Row("z", 1.0, "DuckDB", 0.5),
        timing.Row("z", 1.0, "hand-written Polars, same math", 0.9),
        timing.Row("q", 2.0, "scipy `rankdata`", 3.0),
    ]
    assert report.family("hand-written Polars, same math") is None
    table = report.summary_table(rows)
    assert "| scikit-learn | 3 | 4.00x | 2.00x | 10.00x |" in table
    assert "| DuckDB | 1 | 0.50x | 0.50x | 0.50x |" in table
    assert "| numpy / scipy | 1 | 1.50x |" in table
    assert "pandas" not in table  # no pandas rows, no pandas line


def test_render_names_machine_versions_and_sections(bench: tuple[ModuleType, ModuleType]) -> None:
    report, timing = bench
    machine = report.Machine(cores=2, cpu="Test CPU", load_start=(0.5, 0.25, 0.125))
    machine.finish()
    sections = [report.Section("Column-wise", "10 rows.", [timing.Row("zscore", 1.0, "numpy", 3.0)], 1.5)]
    text = report.render(sections, machine, command="python benchmarks/run.py --quick", size="quick", seconds=90)
    assert text.startswith("# Benchmarks\n")
    assert "`python benchmarks/run.py --quick` (quick size, 1.5 min)" in text
    assert "| cores (`os.cpu_count()`) | 2 |" in text
    assert "| CPU | Test CPU |" in text
    assert "| load average (1 / 5 / 15 min) at start | 0.50 / 0.25 / 0.12 |" in text
    for package in ("polars", "numpy", "pandas", "scikit-learn", "duckdb", "pyarrow"):
        assert f"\n| {package} | " in text
    assert "## Column-wise\n\n10 rows. (2 s)\n" in text
    assert "| zscore | 1.000 | numpy | 3.000 | 3.00x |" in text


def test_smoke_run_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    cmd = [sys.executable, str(BENCHMARKS / "run.py"), "--smoke", "--only", "vectors", "--output", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "## Embedding vectors" in text
    assert "| vector_unit, lazy |" in text
    assert "Column-wise" not in text  # --only
