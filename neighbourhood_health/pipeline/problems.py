"""A problem found in an input file: which file, which column, what is wrong, example rows."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Problem:
    file: str
    column: str
    problem: str
    rows: int = 0
    examples: str = ""
    severity: str = "error"

    def as_text(self) -> str:
        where = f"{self.file}" + (f", column {self.column}" if self.column else "")
        rows = f" ({self.rows:,} rows, e.g. {self.examples})" if self.rows else ""
        return f"{self.severity.upper()}: {where}: {self.problem}{rows}"
