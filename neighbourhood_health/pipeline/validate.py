"""Check a folder of extracts (and its geography) against the data contract.

Every problem names the file, the column and what is wrong, with example rows, so an analyst can
fix the extract. Nothing is modified: files are only read. Schema problems are found first; row
checks (queries/validate/*.sql) run only on tables whose schema is sound, and cross-table checks
only when all the tables they join are sound.

A CSV (the geography lookups, or an extract given as `<name>.csv`) is read as text and each value
checked against its column's kind, naming its line (`pipeline/csv_files.py`). Once sound it is
typed into a parquet copy in a staging folder, never beside the inputs, which the row checks read
and the build then reads too: what was checked is what is built, on either engine, and a large
CSV is parsed twice rather than once for every check.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from duckdb import ColumnExpression

from neighbourhood_health.pipeline import contract, csv_files, national_codes
from neighbourhood_health.pipeline.catalogue import load_measures
from neighbourhood_health.pipeline.cohort_catalogue import load_cohorts
from neighbourhood_health.pipeline.contract_files import accepted_names, files_of, with_optional_columns
from neighbourhood_health.pipeline.problems import Problem
from neighbourhood_health.store import QueryError, bind, new_connection, run_on, sql_text

KIND_OF = {
    "VARCHAR": "string", "BOOLEAN": "boolean", "DATE": "date",
    "TINYINT": "integer", "SMALLINT": "integer", "INTEGER": "integer", "BIGINT": "integer",
    "UTINYINT": "integer", "USMALLINT": "integer", "UINTEGER": "integer", "UBIGINT": "integer",
    "HUGEINT": "integer", "FLOAT": "number", "DOUBLE": "number",
}
ACCEPTS = {"number": {"number", "integer"}, "date": {"date"}, "integer": {"integer"},
           "string": {"string"}, "boolean": {"boolean"}}
CROSS_CHECKS = {"references": ("persons", "activity", "practices", "aggregate_measures", "area_lookup",
                               "deprivation", "reference_prevalence"),
                "caseload_references": ("persons", "caseload", "area_lookup")}


@dataclass
class Report:
    extracts_dir: Path
    geo_dir: Path
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)   # table → rows, for the sound ones
    extract_date: str | None = None
    # table → the parquet to build from, for the sound ones: the file itself, or a CSV's typed copy
    # in the staging folder (gone once validate_folder returns, unless the caller gave the folder)
    sources: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def as_text(self) -> str:
        head = f"Validated {self.extracts_dir} and {self.geo_dir}: "
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        lines = [head + (f"{errors} error(s), {warnings} warning(s)" if self.problems else "no problems")]
        lines += [f"  {name}: {rows:,} rows" for name, rows in self.tables.items()]
        lines += [p.as_text() for p in self.problems]
        return "\n".join(lines)

    def as_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.__dict__ for p in self.problems],
                            columns=["file", "column", "problem", "rows", "examples", "severity",
                                     "personal", "example_rows"])


def _kind(duck_type) -> str:
    name = str(duck_type).split("(")[0]
    if name.startswith("TIMESTAMP"):
        return "date"
    if name.startswith("DECIMAL"):
        return "number"
    return KIND_OF.get(name, name.lower())


def _source(folder: Path, table: contract.Table, report: Report) -> Path | None:
    """The one file holding `table`, or None with the reason: missing, or a parquet and a CSV both."""
    found = files_of(folder, table)
    if not found and table.optional:
        return None
    if not found:
        either = f" ({' or '.join(accepted_names(table))})" if len(accepted_names(table)) > 1 else ""
        report.problems.append(Problem(table.file, "", f"required file is missing from {folder}{either}"))
    elif len(found) > 1:
        report.problems.append(Problem(found[1].name, "", f"both {found[0].name} and {found[1].name} are in {folder}: "
                                                          "keep one, so that it is clear which to read"))
    return found[0] if len(found) == 1 else None


def _open(con, table: contract.Table, path: Path, report: Report, staging: Path):
    """Open one file as a relation, or record why it cannot be read."""
    if path.suffix == ".csv":
        return _open_csv(con, table, path, report, staging)
    try:
        rel = con.sql("SELECT * FROM read_parquet($path, file_row_number = true)", params={"path": str(path)})
        rel.columns  # forces the file to be read far enough to know its schema
    except duckdb.Error as exc:
        report.problems.append(Problem(path.name, "", f"cannot be read as parquet: {exc}"))
        return None
    if not _check_schema(table, path.name, rel, report):
        return None
    report.sources[table.name] = path
    return rel


def _open_csv(con, table: contract.Table, path: Path, report: Report, staging: Path):
    """A CSV checked as text, then typed into `staging` and opened from there, its rows numbered as lines."""
    problem = csv_files.file_problem(path)
    if problem:
        report.problems.append(Problem(path.name, "", problem))
        return None
    staged = staging / f"{table.name}.parquet"
    try:
        text = csv_files.read_text(con, path)
        problem = csv_files.dialect_problem(text.columns)
        if problem:
            report.problems.append(Problem(path.name, "", problem))
            return None
        if not _check_schema(table, path.name, text, report, kinds=False):
            return None
        checks = csv_files.checked_columns(table, text.columns)
        if checks["columns"]:
            cells = text.select(*map(ColumnExpression, ["file_row_number", *checks["columns"]]))
            cells.create_view("csv_cells", replace=True)
            if _row_problems(con, "validate/csv_values", {table.name: path.name}, checks, report):
                return None
        csv_files.typed(table, text).write_parquet(str(staged))
    except (duckdb.Error, QueryError) as exc:  # a CSV is read whole by the checks: its errors come late
        report.problems.append(Problem(path.name, "", csv_files.unreadable(path, exc.__cause__ or exc)))
        return None
    report.sources[table.name] = staged
    return con.sql("SELECT * REPLACE (file_row_number + 2 AS file_row_number) "
                   "FROM read_parquet($path, file_row_number = true)", params={"path": str(staged)})


def _check_schema(table: contract.Table, file: str, rel, report: Report, kinds: bool = True) -> bool:
    """Required columns present and, unless the file is text (`kinds=False`), of their kinds."""
    types = dict(zip(rel.columns, map(_kind, rel.types)))
    sound = True
    for col in table.columns:
        if col.name not in types:
            if col.required:
                report.problems.append(Problem(file, col.name, f"required column is missing ({col.kind} expected)"))
                sound = False
            continue
        if kinds and types[col.name] not in ACCEPTS[col.kind] and types[col.name] != "null":
            report.problems.append(Problem(file, col.name, f"expected {col.kind}, found {types[col.name]}"))
            sound = False
    return sound


def _row_problems(con, query: str, file_of: dict[str, str], params: dict, report: Report) -> int:
    """Run one check file (its failing rows become the view `failures`), summarise it, count its errors."""
    sql = sql_text(query)
    con.sql(sql, params=bind(query, sql, params)).create_view("failures", replace=True)
    csv_tables = [name for name, file in file_of.items() if file.endswith(".csv")]
    errors = 0
    for row in run_on(con, "validate/summarise", csv_tables=csv_tables).itertuples(index=False):
        if row.n_rows:
            report.problems.append(Problem(file_of.get(row.table_name, row.table_name), row.column_name,
                                           row.problem, int(row.n_rows), row.examples or "", row.severity,
                                           bool(row.personal), row.example_rows or ""))
            errors += row.severity == "error"
    return errors


def validate_folder(extracts_dir: Path, geo_dir: Path, catalogue: pd.DataFrame | None = None,
                    staging: Path | None = None) -> Report:
    """Check both folders; CSVs are typed into `staging` (a private temporary folder when None)."""
    if staging is None:
        with tempfile.TemporaryDirectory(prefix="nhd-validate-") as folder:
            return validate_folder(extracts_dir, geo_dir, catalogue, Path(folder))
    extracts_dir, geo_dir = Path(extracts_dir), Path(geo_dir)
    report = Report(extracts_dir, geo_dir)
    con = new_connection()
    manifest = extracts_dir / "manifest.json"
    try:
        report.extract_date = json.loads(manifest.read_text())["extract_date"]
        pd.Timestamp(report.extract_date)
    except FileNotFoundError:
        report.problems.append(Problem("manifest.json", "", "missing: it must give the extract_date"))
    except (KeyError, ValueError) as exc:
        report.problems.append(Problem("manifest.json", "extract_date", f"missing or not a date ({exc})"))
        report.extract_date = None
    sound, file_of = set(), {t.name: t.file for t in contract.TABLES}
    for table in contract.TABLES:
        path = _source(extracts_dir if table.folder == "extracts" else geo_dir, table, report)
        if path is None:
            continue
        file_of[table.name] = path.name
        rel = _open(con, table, path, report, Path(staging))
        if rel is None:
            continue
        with_optional_columns(con, table, rel).create_view(table.name)
        report.tables[table.name] = con.view(table.name).aggregate("count(*)").fetchall()[0][0]
        sound.add(table.name)
    if catalogue is None:
        catalogue = load_measures(extracts_dir)
    params = {"extract_date": pd.Timestamp(report.extract_date or "2100-01-01").date(),
              "measure_ids": list(catalogue["measure_id"]), "conditions": contract.CONDITIONS,
              "event_types": contract.ALL_EVENT_TYPES, "ethnic_groups": contract.ETHNIC_GROUPS,
              "frailty": contract.FRAILTY, "sexes": contract.SEXES,
              "cohort_ids": list(load_cohorts(extracts_dir)), **national_codes.validation_lists()}
    for name in sorted(sound):
        _row_problems(con, f"validate/{name}", file_of, params, report)
    for query, needs in CROSS_CHECKS.items():
        if set(needs) <= sound:
            _row_problems(con, f"validate/{query}", file_of, params, report)
    from neighbourhood_health.pipeline.geo import check_boundaries
    report.problems += check_boundaries(geo_dir, con if "area_lookup" in sound else None)
    return report
