"""A problem found in an input file: which file, which column, what is wrong, example rows.

`for_viewer` is the same list for someone who may not see person-level values or the server's
folders: personal examples give their rows only, and paths become the file's name in its folder.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pandas as pd

from neighbourhood_health.config import DEFINITIONS_DIR, PROJECT_ROOT

#: The columns a page shows, in order.
COLUMNS = ["file", "column", "problem", "rows", "examples", "severity"]
#: An absolute path left in a message (a folder not configured here, say): it is shown by its last part.
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/\\-])/[^\s'\"`,;()\[\]<>]+")


@dataclass
class Problem:
    file: str
    column: str
    problem: str
    rows: int = 0
    examples: str = ""
    severity: str = "error"
    personal: bool = False   # the examples are person IDs, or values from a person's record that are not codes
    example_rows: str = ""   # the same example rows without their values

    def as_text(self) -> str:
        where = f"{self.file}" + (f", column {self.column}" if self.column else "")
        rows = f" ({self.rows:,} rows, e.g. {self.examples})" if self.rows else ""
        return f"{self.severity.upper()}: {where}: {self.problem}{rows}"


def server_folders(cfg) -> dict[str, str]:
    """Each folder the server keeps data in (as configured and as resolved) → the words to name it by."""
    named = {cfg.extracts_dir: "the extracts folder", cfg.geo_dir: "the geography folder",
             cfg.marts_dir: "the marts folder", cfg.audit_dir: "the audit folder", cfg.data_dir: "the data folder",
             DEFINITIONS_DIR: "the definitions folder", PROJECT_ROOT: "the app folder"}
    folders = {}
    for folder, words in named.items():
        for form in (str(folder), os.path.realpath(folder)):
            folders.setdefault(form.rstrip("/"), words)
    return folders


def hide_paths(text: str, folders: dict[str, str]) -> str:
    """`text` with no server path in it: a file in a known folder by its name there (`activity.parquet`),
    the folder itself in words (`the extracts folder`), any other absolute path by its last part."""
    for folder in sorted(folders, key=len, reverse=True):
        text = text.replace(folder + "/", "")
        text = re.sub(re.escape(folder) + r"(?![\w.-])", folders[folder], text)
    return ABSOLUTE_PATH.sub(lambda m: os.path.basename(m.group().rstrip("/")) or "a server folder", text)


def for_viewer(problems: pd.DataFrame, person_level: bool, folders: dict[str, str] | None) -> pd.DataFrame:
    """The validation results one viewer may see, in `COLUMNS`.

    Without `person_level`, a personal example shows its row numbers only: which rows, columns and
    codes are wrong stays clear, whose record it is does not. Results written before checks said
    which examples are personal count as personal. With `folders` (`server_folders`), every path
    is hidden (`hide_paths`); with None, paths are shown as they are.
    """
    shown = problems.reindex(columns=COLUMNS + ["personal", "example_rows"])
    if not person_level:
        personal = shown["personal"].astype("boolean").fillna(True).astype(bool)
        shown["examples"] = shown["examples"].where(~personal, shown["example_rows"].astype(object).fillna(""))
    if folders is not None:
        for column in ("file", "column", "problem", "examples"):
            shown[column] = shown[column].fillna("").astype(str).map(lambda text: hide_paths(text, folders))
    return shown[COLUMNS].reset_index(drop=True)
