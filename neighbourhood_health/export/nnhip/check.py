"""Read a submission (ours or another place's) as the programme does, and say what is wrong with it.

The Strategy Unit's ingestion (`R/data_ingest.R`, repo The-Strategy-Unit/nnhip_index_and_scorecard)
reads the Instructions sheet's "Project Name" and "Submission Period" rows, the SubmissionTemplate
sheet's header rows 4–5 and the metric rows below them, taking each formula's cached result. The
problems and their severities are those of its example files (`R/tests/input/README.md`): Fail for
a missing sheet, a missing or unexpected place name, an unexpected submission period, a missing
demographic column or metric row, a missing value, text where a count is expected and a file
that is not a spreadsheet; Alert for a decimal where a count is expected and for .xls, .xlsm or
.ods in place of .xlsx.
"*" is the ingestion's suppression marker: it is read as no value, with an Alert.
"""
from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .layout import (FIGURE_COLUMNS, HEADER_ROWS, INSTRUCTIONS, PERIOD_CELL, PERIOD_LABEL, PROJECT_CELL,
                     PROJECT_LABEL, SUBMISSION, TOTAL, Column, Layout, Metric, header_text, layout, month_of, squish)

FAIL, ALERT = "Fail", "Alert"
SUPPRESSED = "*"
READABLE = {".xlsx": None, ".xlsm": ALERT}


@dataclass(frozen=True)
class Problem:
    severity: str  # Fail or Alert, as the programme's README grades it
    rule: str      # the README's words: "missing sheet", "unexpected place name", ...
    message: str   # names the sheet, the cell, row or column, and the value

    def __str__(self) -> str:
        return f"{self.severity}: {self.rule}: {self.message}"


@dataclass
class SubmissionCheck:
    path: Path
    project_name: str | None = None
    month: str | None = None
    problems: list[Problem] = field(default_factory=list)
    #: row_key, breakdown, category, count, cohort (nullable integers: "*" is read as no value);
    #: None when the file fails.
    figures: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return not self.fails

    @property
    def fails(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == FAIL]

    @property
    def alerts(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ALERT]

    def add(self, severity: str, rule: str, message: str) -> None:
        self.problems.append(Problem(severity, rule, message))

    def as_text(self) -> str:
        head = (f"{self.path.name}: {self.project_name or 'no project name'}, {self.month or 'no period'}: "
                + ("passes" if self.ok else "fails") + f" ({len(self.fails)} fail, {len(self.alerts)} alert)")
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


def read_submission(path) -> SubmissionCheck:
    """Read the submission at `path`: its project, month, figures and every problem found."""
    check, lay = SubmissionCheck(Path(path)), layout()
    book = _open(check)
    if book is None:
        return check
    for name in (INSTRUCTIONS, SUBMISSION):
        if name not in book.sheetnames:
            check.add(FAIL, "missing sheet", f"the workbook has no sheet named {name!r} (it has {book.sheetnames})")
    if INSTRUCTIONS in book.sheetnames:
        _read_instructions(book[INSTRUCTIONS], check, lay)
    if SUBMISSION in book.sheetnames:
        figures = _read_template(book[SUBMISSION], check, lay)
        check.figures = figures if check.ok else None
    return check


def _open(check: SubmissionCheck):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException
    suffix = check.path.suffix.lower()
    if suffix not in READABLE:
        check.add(ALERT if suffix in (".xls", ".ods") else FAIL, "unexpected file type",
                  f"{check.path.name} is a {suffix or 'suffix-less'} file; the programme expects .xlsx")
    elif READABLE[suffix]:
        check.add(READABLE[suffix], "unexpected file type", f"{check.path.name} is {suffix}; the programme expects .xlsx")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # openpyxl drops the drop-down lists it cannot read
            return load_workbook(check.path, data_only=True)  # cached results, as readxl reads them
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, InvalidFileException) as exc:
        check.add(FAIL, "unreadable file", f"{check.path.name} cannot be read as an Excel workbook ({exc})")
        return None


def _read_instructions(sheet, check: SubmissionCheck, lay: Layout) -> None:
    """The values beside "Project Name" and "Submission Period" in column A (B6 and B7)."""
    found = {squish(row[0].value): row[1] for row in sheet.iter_rows(max_col=2) if squish(row[0].value)}
    project = found.get(PROJECT_LABEL) or sheet[PROJECT_CELL]
    period = found.get(PERIOD_LABEL) or sheet[PERIOD_CELL]
    where = f"{INSTRUCTIONS}!{project.coordinate}"
    name = squish(project.value)
    if not name:
        check.add(FAIL, "missing place name", f"{where} (Project Name) is empty")
    elif lay.project(name) is None:
        check.add(FAIL, "unexpected place name", f"{where} holds {project.value!r}, which is not one of the "
                  f"{len(lay.projects)} project names in the template's Lookups sheet")
    else:
        check.project_name = lay.project(name)
    where = f"{INSTRUCTIONS}!{period.coordinate}"
    month = month_of(period.value)
    if period.value is None or squish(period.value) == "":
        check.add(FAIL, "missing submission period", f"{where} (Submission Period) is empty")
    elif month not in lay.months:
        check.add(FAIL, "unexpected submission period", f"{where} holds {_shown(period.value)} (month {month or 'unknown'}), "
                  f"not one of the template's submission periods {lay.months[0]} to {lay.months[-1]}")
    else:
        check.month = month


def _read_template(sheet, check: SubmissionCheck, lay: Layout) -> pd.DataFrame:
    columns = _columns(sheet, check, lay)
    blocks = _blocks(sheet, check, lay)
    rows = []
    cohort_block = blocks.get(lay.metrics[0].row_key)
    for metric in lay.metrics:
        row = blocks.get(metric.row_key)
        if row is None:
            continue
        cohort_row = row + 1 if metric.cohort_row else (cohort_block + 1 if cohort_block else None)
        for col, index in columns.items():
            count = _count(sheet, row, index, metric, col, check)
            cohort = _count(sheet, cohort_row, index, metric, col, check, report=bool(metric.cohort_row)) \
                if cohort_row else None
            rows.append((metric.row_key, col.breakdown, col.category, count, cohort))
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS).astype({"count": "Int64", "cohort": "Int64"})


def _columns(sheet, check: SubmissionCheck, lay: Layout) -> dict[Column, int]:
    """The template's demographic columns found in header rows 4–5 (group filled rightwards, as
    the programme's get_submissiontemplate_header does), by their column in this file."""
    found, group = {}, None
    for index in range(4, sheet.max_column + 1):
        group = squish(sheet.cell(HEADER_ROWS[0], index).value) or group
        text = TOTAL if group == TOTAL else header_text(sheet.cell(HEADER_ROWS[1], index).value)
        found.setdefault((group, text.casefold()), index)
    columns = {}
    for col in lay.columns:
        index = next((found[(col.breakdown, t)] for t in col.header_texts if (col.breakdown, t) in found), None)
        if index is None:
            check.add(FAIL, "missing data column", f"{SUBMISSION} rows 4–5 have no column {col.breakdown} "
                      f"{col.category!r}" + ("" if col.breakdown == TOTAL else f" (the template's column {col.letter})"))
        else:
            columns[col] = index
    return columns


def _blocks(sheet, check: SubmissionCheck, lay: Layout) -> dict[str, int]:
    """Each metric's count row in this file: a row with a metric id in column A, named by its id
    and its text in column C (or, when the text is unexpected, by its place among the id's rows)."""
    found: dict[str, int] = {}
    seen: dict[str, int] = {}
    for row in range(HEADER_ROWS[1] + 1, sheet.max_row + 1):
        metric_id = squish(sheet.cell(row, 1).value)
        if not metric_id:
            continue
        same = [m for m in lay.metrics if m.metric_id == metric_id]
        text = squish(sheet.cell(row, 3).value).casefold()
        metric = next((m for m in same if text in m.count_texts), None)
        if metric is None and seen.get(metric_id, 0) < len(same):
            metric = same[seen.get(metric_id, 0)]
            check.add(ALERT, "unexpected metric text", f"{SUBMISSION}!C{row} holds {sheet.cell(row, 3).value!r} "
                      f"for {metric_id}; read as {metric.count_text!r}")
        seen[metric_id] = seen.get(metric_id, 0) + 1
        if metric is not None and metric.row_key not in found:
            found[metric.row_key] = row
    for metric in lay.metrics:
        if metric.row_key not in found:
            check.add(FAIL, "missing metric row", f"{SUBMISSION} has no {metric.metric_id} row "
                      f"{metric.count_text!r} (the template's row {metric.count_row})")
    return found


def _count(sheet, row: int, index: int, metric: Metric, col: Column, check: SubmissionCheck,
           report: bool = True):
    """One count or cohort cell as a whole number; the problems it has, once per cell."""
    cell = sheet.cell(row, index)
    value = cell.value
    figure = "count" if row == metric.count_row else "cohort"
    what = f"{SUBMISSION}!{cell.coordinate} ({metric.row_key} {figure}, {col.breakdown} {col.category})"
    if isinstance(value, str) and squish(value) not in ("", SUPPRESSED):
        try:
            value = float(value.replace(",", ""))
        except ValueError:
            _report(check, report, FAIL, "incorrect data type", f"{what} holds text {cell.value!r} where a count is expected")
            return None
    if value is None or (isinstance(value, str) and squish(value) == ""):
        _report(check, report, FAIL, "missing values", f"{what} is empty")
        return None
    if value == SUPPRESSED or (isinstance(value, str) and squish(value) == SUPPRESSED):
        _report(check, report, ALERT, "suppressed value", f"{what} holds {SUPPRESSED!r}: the programme reads it as no value")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _report(check, report, FAIL, "incorrect data type", f"{what} holds {cell.value!r} where a count is expected")
        return None
    if value < 0:
        _report(check, report, FAIL, "incorrect data type", f"{what} holds {value!r}, a negative count")
        return None
    if not float(value).is_integer():
        _report(check, report, ALERT, "unexpected data type", f"{what} holds {value!r}, a decimal where a count is expected")
        return None
    return int(value)


def _report(check: SubmissionCheck, report: bool, *problem) -> None:
    if report:
        check.add(*problem)


def _shown(value) -> str:
    return repr(value.date().isoformat()) if hasattr(value, "date") else repr(value)
