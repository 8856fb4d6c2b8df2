"""The package's layers (docs/architecture.md) hold: imports point down, only the app layer imports
Streamlit, no folder has an import cycle, and modules stay small enough to read whole."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
MAX_LINES = 420


def lint(where: Path) -> subprocess.CompletedProcess:
    if not LINT.exists():
        pytest.fail(f"{LINT} is missing: import-linter is pinned in requirements-dev.txt")
    return subprocess.run([str(LINT), str(where / "pyproject.toml"), "--no-cache"], cwd=where,
                          env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=300)


def test_the_import_contracts_are_kept():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module, line, expect", [
    ("stats/spc.py", "from neighbourhood_health.app import cache", "neighbourhood_health.stats.spc -> neighbourhood_health.app.cache"),
    ("measures/trends.py", "import streamlit", "neighbourhood_health.measures.trends -> streamlit"),
    ("pipeline/build.py", "from neighbourhood_health.measures import cohorts", "neighbourhood_health.pipeline.build -> neighbourhood_health.measures.cohorts"),
    ("privacy/access.py", "from neighbourhood_health.privacy import audit", "No cycles are allowed in neighbourhood_health.privacy"),
])
def test_a_deliberate_violation_breaks_a_contract(tmp_path, module, line, expect):
    shutil.copytree(ROOT / "neighbourhood_health", tmp_path / "neighbourhood_health",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / "neighbourhood_health" / module
    target.write_text(target.read_text() + f"\n{line}  # deliberate\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    assert expect in " ".join(result.stdout.split()).replace("-> ", "-> "), result.stdout


def test_pages_and_the_entry_point_import_no_pipeline_internals():
    """Pages lay out what readers return: they never reach the build, validation or the store directly."""
    offenders = []
    for path in [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and (
                    node.module.startswith(("neighbourhood_health.pipeline.build", "neighbourhood_health.pipeline.engines",
                                            "neighbourhood_health.store"))):
                offenders.append(f"{path.name}: from {node.module}")
    assert not offenders


def test_no_module_is_too_long_to_read_whole():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "neighbourhood_health").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"
