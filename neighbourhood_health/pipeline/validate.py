"""Check a folder of extracts (and its geography) against the data contract.

Every problem names the file, the column and what is wrong, with example rows, so an analyst can
fix the extract. Nothing is modified: files are only read. Schema problems are found first; row
checks (queries/validate/*.sql) run only on tables whose schema is sound, and cross-table checks
only when all the tables they join are sound.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from neighbourhood_health.pipeline import contract
from neighbourhood_health.pipeline.catalogue import load_measures
from neighbourhood_health.pipeline.contract_files import with_optional_columns
from neighbourhood_health.pipeline.problems import Problem
from neighbourhood_health.store import bind, new_connection, run_on, sql_text

KIND_OF = {
    "VARCHAR": "string", "BOOLEAN": "boolean", "DATE": "date",
    "TINYINT": "integer", "SMALLINT": "integer", "INTEGER": "integer", "BIGINT": "integer",
    "UTINYINT": "integer", "USMALLINT": "integer", "UINTEGER": "integer", "UBIGINT": "integer",
    "HUGEINT": "integer", "FLOAT": "number", "DOUBLE": "number",
}
ACCEPTS = {"number": {"number", "integer"}, "date": {"date"}, "integer": {"integer"},
           "string": {"string"}, "boolean": {"boolean"}}
CROSS_CHECKS = {"references": ("persons", "activity", "practices", "aggregate_measures", "area_lookup",
                               "deprivation", "reference_prevalence")}


@dataclass
class Report:
    extracts_dir: Path
    geo_dir: Path
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)   # table → rows, for the sound ones
    extract_date: str | None = None

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


def _open(con, table: contract.Table, path: Path, report: Report):
    """Open one file as a relation, or record why it cannot be read."""
    try:
        if path.suffix == ".csv":
            rel = con.sql("SELECT *, row_number() OVER () - 1 AS file_row_number "
                          "FROM read_csv($path, header = true, all_varchar = false)", params={"path": str(path)})
        else:
            rel = con.sql("SELECT * FROM read_parquet($path, file_row_number = true)", params={"path": str(path)})
        rel.columns  # forces the file to be read far enough to know its schema
        return rel
    except duckdb.Error as exc:
        report.problems.append(Problem(path.name, "", f"cannot be read as {path.suffix[1:]}: {exc}"))
        return None


def _check_schema(table: contract.Table, rel, report: Report) -> bool:
    types = dict(zip(rel.columns, map(_kind, rel.types)))
    sound = True
    for col in table.columns:
        if col.name not in types:
            if col.required:
                report.problems.append(Problem(table.file, col.name, f"required column is missing ({col.kind} expected)"))
                sound = False
            continue
        if types[col.name] == "string" and col.kind != "string" and table.file.endswith(".csv"):
            report.problems.append(Problem(table.file, col.name, f"expected {col.kind} values, found text"))
            sound = False
        elif types[col.name] not in ACCEPTS[col.kind] and types[col.name] != "null":
            report.problems.append(Problem(table.file, col.name, f"expected {col.kind}, found {types[col.name]}"))
            sound = False
    return sound


def _row_problems(con, query: str, file_of: dict[str, str], params: dict, report: Report) -> None:
    """Run one check file (its failing rows become the view `failures`) and summarise it."""
    sql = sql_text(query)
    con.sql(sql, params=bind(query, sql, params)).create_view("failures", replace=True)
    for row in run_on(con, "validate/summarise").itertuples(index=False):
        if row.n_rows:
            report.problems.append(Problem(file_of.get(row.table_name, row.table_name), row.column_name,
                                           row.problem, int(row.n_rows), row.examples or "", row.severity,
                                           bool(row.personal), row.example_rows or ""))


def validate_folder(extracts_dir: Path, geo_dir: Path, catalogue: pd.DataFrame | None = None) -> Report:
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
    sound = set()
    for table in contract.TABLES:
        path = (extracts_dir if table.folder == "extracts" else geo_dir) / table.file
        if not path.exists():
            report.problems.append(Problem(table.file, "", f"required file is missing from {path.parent}"))
            continue
        rel = _open(con, table, path, report)
        if rel is None or not _check_schema(table, rel, report):
            continue
        with_optional_columns(con, table, rel).create_view(table.name)
        report.tables[table.name] = con.view(table.name).aggregate("count(*)").fetchall()[0][0]
        sound.add(table.name)
    if catalogue is None:
        catalogue = load_measures(extracts_dir)
    params = {"extract_date": pd.Timestamp(report.extract_date or "2100-01-01").date(),
              "measure_ids": list(catalogue["measure_id"]), "conditions": contract.CONDITIONS,
              "event_types": contract.EVENT_TYPES, "ethnic_groups": contract.ETHNIC_GROUPS,
              "frailty": contract.FRAILTY, "sexes": contract.SEXES}
    file_of = {t.name: t.file for t in contract.TABLES}
    for name in sorted(sound):
        _row_problems(con, f"validate/{name}", file_of, params, report)
    for query, needs in CROSS_CHECKS.items():
        if set(needs) <= sound:
            _row_problems(con, f"validate/{query}", file_of, params, report)
    from neighbourhood_health.pipeline.geo import check_boundaries
    report.problems += check_boundaries(geo_dir, con if "area_lookup" in sound else None)
    return report
