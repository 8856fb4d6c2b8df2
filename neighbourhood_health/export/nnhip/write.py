"""Fill the programme's template: the shipped file with its cells set, nothing else changed.

The workbook is edited at the level of its XML parts rather than loaded and saved by openpyxl,
which would drop the template's drop-down lists (Excel's x14 data validations on B6 and B7) and
rewrite its styles. Every formula is kept, and each is given the value Excel would compute as its
cached result, because the programme's ingestion (readxl) reads cached results and would
otherwise see the cohort rows and rates as missing.
"""
from __future__ import annotations

import datetime as dt
import os
import uuid
import zipfile
from pathlib import Path, PurePosixPath

import pandas as pd
from lxml import etree

from neighbourhood_health.privacy.disclosure import ROUND_TO

from .layout import EXCEL_EPOCH, FIGURE_COLUMNS, INSTRUCTIONS, PERIOD_CELL, PROJECT_CELL, ROW_KEYS, SINGLE_ROW, \
    SUBMISSION, TEMPLATE, Layout, layout, month_of
from .protect import is_protected, protect_figures

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"m": MAIN}


def write_submission(figures: pd.DataFrame, project_name: str, month: str, path, *, protected: bool,
                     secret: str | None = None) -> Path:
    """Write `figures` (row_key, breakdown, category, count, cohort) for one project and month
    into a copy of the template at `path`, atomically.

    `protected` says what the figures are: True for protected figures (sums of protected cells,
    as the readers give an aggregate viewer), written as they are; False for exact counts, which
    are protected here with `secret` (the data folder's key, `privacy.disclosure.key`). The
    submission is always protected: see the package docstring."""
    lay = layout()
    project, period = check_project(project_name, lay), check_month(month, lay)
    grid = tidy(figures, lay)
    if protected:
        written = [*grid["count"], *grid.loc[~grid["row_key"].isin(SINGLE_ROW), "cohort"]]
        if not is_protected(written):
            raise ValueError(f"figures said to be protected hold counts that are not multiples of {ROUND_TO}: "
                             "pass protected=False with the key to protect exact figures")
    elif secret is None:
        raise ValueError("exact figures need the privacy key (privacy.disclosure.key) to be protected")
    else:
        grid = protect_figures(grid, secret, f"nnhip|{project}|{period}")
    return _write(_parts(grid, project, period, lay), Path(path))


def check_project(name: str, lay: Layout | None = None) -> str:
    lay = lay or layout()
    project = lay.project(name)
    if project is None:
        raise ValueError(f"Unknown NNHIP project name {name!r}: use one of the {len(lay.projects)} project names "
                         "in the template's Lookups sheet (column A)")
    return project


def check_month(month, lay: Layout | None = None) -> str:
    lay = lay or layout()
    period = month_of(month)
    if period not in lay.months:
        raise ValueError(f"Unknown submission period {month!r}: use a month (YYYY-MM) from the template's Lookups "
                         f"sheet (column C), {lay.months[0]} to {lay.months[-1]}")
    return period


def tidy(figures: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """The figures checked against the template: every row key and column once, whole counts,
    one cohort per column (the template's cohort rows repeat the first metric's)."""
    missing = [c for c in FIGURE_COLUMNS if c not in figures.columns]
    if missing:
        raise ValueError(f"figures lack column(s) {', '.join(missing)}")
    frame = figures[FIGURE_COLUMNS].astype({"row_key": str, "breakdown": str, "category": str})
    wanted = pd.MultiIndex.from_tuples([(k, c.breakdown, c.category) for k in ROW_KEYS for c in lay.columns])
    given = pd.MultiIndex.from_frame(frame[["row_key", "breakdown", "category"]])
    problems = [f"{len(wanted.difference(given))} cell(s) missing, e.g. {list(wanted.difference(given)[:3])}"] \
        if len(wanted.difference(given)) else []
    if len(given.difference(wanted)):
        problems.append(f"cell(s) not in the template, e.g. {list(given.difference(wanted)[:3])}")
    if given.duplicated().any():
        problems.append(f"cell(s) given twice, e.g. {list(given[given.duplicated()][:3])}")
    if problems:
        raise ValueError("figures do not fit the template: " + "; ".join(problems))
    for col in ("count", "cohort"):
        values = pd.to_numeric(frame[col], errors="coerce")
        if values.isna().any() or (values != values.round()).any() or (values < 0).any():
            raise ValueError(f"figures' {col} must be whole numbers of 0 or more")
        frame[col] = values.astype("int64")
    frame = frame.set_index(["row_key", "breakdown", "category"]).loc[wanted].reset_index()
    frame.columns = FIGURE_COLUMNS
    with_cohort = frame[~frame["row_key"].isin(SINGLE_ROW)]  # the caseload has no cohort row
    if with_cohort.groupby(["breakdown", "category"], sort=False)["cohort"].nunique().gt(1).any():
        raise ValueError("figures give different cohorts for one column: the template has one cohort per column")
    return frame


def _parts(grid: pd.DataFrame, project: str, period: str, lay: Layout) -> dict[str, bytes]:
    """The two changed worksheets' XML."""
    with zipfile.ZipFile(TEMPLATE) as book:
        paths = _sheet_paths(book)
        instructions = etree.fromstring(book.read(paths[INSTRUCTIONS]))
        submission = etree.fromstring(book.read(paths[SUBMISSION]))
    serial = (dt.date.fromisoformat(period + "-01") - EXCEL_EPOCH).days
    cells = _cells(instructions)
    _set_text(cells[PROJECT_CELL], project)
    _set_value(cells[PERIOD_CELL], serial)
    cells = _cells(submission)
    _set_value(cells["B1"], project, text=True)
    _set_value(cells["B2"], serial)
    values = grid.set_index(["row_key", "breakdown", "category"])
    for metric in lay.metrics:
        for col in lay.columns:
            count, cohort = values.loc[(metric.row_key, col.breakdown, col.category)]
            _set_value(cells[f"{col.letter}{metric.count_row}"], int(count))
            if metric.cohort_row:
                _set_value(cells[f"{col.letter}{metric.cohort_row}"], int(cohort))
                _set_value(cells[f"{col.letter}{metric.rate_row}"], count / cohort * 1000 if cohort else 0)
    return {paths[INSTRUCTIONS]: _xml(instructions), paths[SUBMISSION]: _xml(submission)}


def _sheet_paths(book: zipfile.ZipFile) -> dict[str, str]:
    workbook = etree.fromstring(book.read("xl/workbook.xml"))
    rels = etree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    return {s.get("name"): str(PurePosixPath("xl") / targets[s.get(f"{{{REL}}}id")].lstrip("/").removeprefix("xl/"))
            for s in workbook.iterfind("m:sheets/m:sheet", NS)}


def _cells(sheet) -> dict[str, etree._Element]:
    return {c.get("r"): c for c in sheet.iterfind("m:sheetData/m:row/m:c", NS)}


def _set_value(cell, value, text: bool = False) -> None:
    """A number (or a formula's text result) in a cell; a formula stays, its cached value set."""
    formula = cell.find("m:f", NS)
    for child in list(cell):
        if child is not formula:
            cell.remove(child)
    cell.attrib.pop("t", None)
    if text:
        cell.set("t", "str")
    etree.SubElement(cell, f"{{{MAIN}}}v").text = value if text else _number(value)


def _set_text(cell, value: str) -> None:
    for child in list(cell):
        cell.remove(child)
    cell.set("t", "inlineStr")
    t = etree.SubElement(etree.SubElement(cell, f"{{{MAIN}}}is"), f"{{{MAIN}}}t")
    t.text = value
    if value != value.strip():
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _number(value) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _xml(root) -> bytes:
    """A part as Excel writes one: its declaration, then the element."""
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + etree.tostring(root, encoding="UTF-8")


def _write(parts: dict[str, bytes], path: Path) -> Path:
    """The template's parts, the changed ones replaced, into a file beside `path` and then moved
    over it, so a reader never sees half a workbook and a failure leaves `path` as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    try:
        with zipfile.ZipFile(TEMPLATE) as source, zipfile.ZipFile(partial, "x", zipfile.ZIP_DEFLATED) as out:
            for info in source.infolist():
                out.writestr(info, parts.get(info.filename) or source.read(info), zipfile.ZIP_DEFLATED)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path

