"""The layout of the programme's template, read from the copy shipped beside this module.

`template.xlsx` is the National Neighbourhood Health Implementation Programme's draft data
collection template v0.2, byte for byte (The Strategy Unit, MIT licence; NOTICE). Its rows,
header texts, project names and months are read from it, so they cannot drift from the file we
fill; only which row holds which of our row keys is written down here.
"""
from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TEMPLATE = Path(__file__).with_name("template.xlsx")
INSTRUCTIONS, SUBMISSION, LOOKUPS = "Instructions", "SubmissionTemplate", "Lookups"
#: The labels in column A of Instructions whose column B the programme reads (B6 and B7).
PROJECT_LABEL, PERIOD_LABEL = "Project Name", "Submission Period"
PROJECT_CELL, PERIOD_CELL = "B6", "B7"
HEADER_ROWS = (4, 5)
TOTAL = "Total"
BREAKDOWNS = (TOTAL, "Age Group", "Ethnic Group", "Deprivation Quintile")
FIGURE_COLUMNS = ["row_key", "breakdown", "category", "count", "cohort"]
EXCEL_EPOCH = dt.date(1899, 12, 30)

#: Our row keys and the template row of each metric's count. Each metric is three rows (count,
#: "Number of patients in the cohort", rate per 1,000) except the caseload, which is one.
COUNT_ROWS = {
    "O1_new": 6, "O1_followup": 9, "O1_procedures": 12, "O2_los0": 15, "O2_los1": 18,
    "O3_beddays": 21, "O4_cat1": 24, "O4_cat2": 27, "O4_cat3": 30, "O4_cat4": 33,
    "O5_type1": 36, "O5_other": 39, "O6_gp": 42, "O6_community": 45, "P1_caseload": 48,
}
ROW_KEYS = tuple(COUNT_ROWS)
SINGLE_ROW = {"P1_caseload"}
#: Count texts the programme also accepts (its legitimate_values.xlsx and example files give the
#: rate's wording on these two count rows).
ALSO_COUNT_TEXT = {
    "O3_beddays": ("Number of inpatient bed days per 1,000 patients in the cohort",),
    "O6_gp": ("Number of appointments in general practice and Primary Care Networks per 1,000 patients in the cohort",),
}
#: Header texts also read as the template's: v0.2 says 85+ after 70-79 where the programme's
#: legitimate values and its valid examples say 80+ (the band is everyone aged 80 and over).
ALSO_HEADER = {"85+": ("80+",)}


def squish(text) -> str:
    """Text as the programme compares it (stringr::str_squish): inner runs of space made one."""
    return re.sub(r"\s+", " ", "" if text is None else str(text)).strip()


@dataclass(frozen=True)
class Metric:
    row_key: str
    metric_id: str
    metric_type: str
    count_row: int
    count_text: str
    cohort_row: int | None
    rate_row: int | None

    @property
    def count_texts(self) -> set[str]:
        return {squish(t).casefold() for t in (self.count_text, *ALSO_COUNT_TEXT.get(self.row_key, ()))}


@dataclass(frozen=True)
class Column:
    breakdown: str
    category: str
    letter: str
    index: int  # 1-based, as openpyxl counts

    @property
    def header_texts(self) -> set[str]:
        return {squish(t).casefold() for t in (self.category, *ALSO_HEADER.get(self.category, ()))}


@dataclass(frozen=True)
class Layout:
    metrics: tuple[Metric, ...]
    columns: tuple[Column, ...]
    projects: tuple[str, ...]
    months: tuple[str, ...]  # "YYYY-MM"

    def metric(self, row_key: str) -> Metric:
        return next(m for m in self.metrics if m.row_key == row_key)

    def project(self, name: str) -> str | None:
        """The Lookups spelling of a project name (compared without surrounding space), or None."""
        return next((p for p in self.projects if p.strip() == squish(name)), None)


def header_text(value) -> str:
    """A header cell as text: the deprivation quintiles are the numbers 1 to 5 in the template."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return squish(value)


@lru_cache(maxsize=1)
def layout() -> Layout:
    """The template's metric rows, demographic columns and lookups."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl cannot read the drop-down lists; we only read
        book = load_workbook(TEMPLATE)
    sheet = book[SUBMISSION]
    metrics = []
    for key, row in COUNT_ROWS.items():
        single = key in SINGLE_ROW
        metrics.append(Metric(key, sheet.cell(row, 1).value, sheet.cell(row, 2).value, row,
                              squish(sheet.cell(row, 3).value), None if single else row + 1,
                              None if single else row + 2))
    columns, group = [], None
    for index in range(4, sheet.max_column + 1):
        group = squish(sheet.cell(HEADER_ROWS[0], index).value) or group
        category = TOTAL if group == TOTAL else header_text(sheet.cell(HEADER_ROWS[1], index).value)
        columns.append(Column(group, category, get_column_letter(index), index))
    lookups = book[LOOKUPS]
    projects = tuple(v for (v,) in lookups.iter_rows(min_row=2, min_col=1, max_col=1, values_only=True) if v)
    months = tuple(v.strftime("%Y-%m") for (v,) in lookups.iter_rows(min_row=2, min_col=3, max_col=3, values_only=True)
                   if isinstance(v, dt.datetime))
    return Layout(tuple(metrics), tuple(columns), projects, months)


def month_of(value) -> str | None:
    """A submission period as "YYYY-MM": a date, an Excel serial day (as the programme converts it)
    or text such as "2026-03" or "2026-03-01"; None when it is none of these."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (EXCEL_EPOCH + dt.timedelta(days=int(value))).strftime("%Y-%m")
    text = squish(value)
    if re.fullmatch(r"\d{4,6}", text):
        return month_of(int(text))
    match = re.fullmatch(r"(\d{4})-(\d{2})(-\d{2})?", text)
    return f"{match[1]}-{match[2]}" if match and 1 <= int(match[2]) <= 12 else None
