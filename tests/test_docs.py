"""The documentation states what the code does."""
from __future__ import annotations

import re

from neighbourhood_health.pipeline import contract
from neighbourhood_health.config import PROJECT_ROOT


def test_data_contract_documents_every_column():
    text = (PROJECT_ROOT / "docs" / "data-contract.md").read_text()
    for table in contract.TABLES:
        assert table.file in text
        for col in table.columns:
            assert f"`{col.name}`" in text, f"{table.file}: {col.name} undocumented"


def test_readme_test_command_is_what_ci_runs():
    readme = (PROJECT_ROOT / "README.md").read_text()
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    command = re.search(r"```(?:bash|sh)?\n(\./scripts/test[^\n]*)\n```", readme)
    assert command, "README must show the test command"
    assert command.group(1) in ci
