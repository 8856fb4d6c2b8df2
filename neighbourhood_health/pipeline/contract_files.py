"""Finding and reading the contract's files as relations: shared by validation, both build engines
and the app.

An extract is `<name>.parquet` or, as analysts export from their warehouses, `<name>.csv`; both
at once is an error (validation says so), never a silent choice. A contract CSV may leave out
optional columns; they are added as typed NULLs so the checks and the build SQL can name them
whichever columns the file has.
"""
from __future__ import annotations

from pathlib import Path

from neighbourhood_health.pipeline import contract, csv_files
from neighbourhood_health.store import register_parquet

#: The extracts the app itself asks of (the Cohorts page's lists and trends); the rest only the build reads.
APP_EXTRACTS = (contract.PERSONS, contract.ACTIVITY, contract.PRACTICES)


def accepted_names(table: contract.Table) -> list[str]:
    """The file names that may hold `table`: its own, and for a parquet extract the CSV of that name."""
    if table.folder == "extracts" and table.file.endswith(".parquet"):
        return [table.file, f"{Path(table.file).stem}.csv"]
    return [table.file]


def files_of(folder: Path, table: contract.Table) -> list[Path]:
    """The files in `folder` holding `table`: none, one, or (an error) both its parquet and its CSV."""
    return [Path(folder) / name for name in accepted_names(table) if (Path(folder) / name).exists()]


def read_contract_csv(con, name: str, path: Path):
    """A CSV of the contract as a relation typed by the contract, absent optional columns as NULLs."""
    table = next(t for t in contract.TABLES if t.name == name)
    return with_optional_columns(con, table, csv_files.typed(table, csv_files.read_text(con, path)))


def register_extracts(con, extracts_dir: Path) -> None:
    """The extracts the app asks of as views, from parquet or CSV (a parquet wins while validation
    reports the pair, so that adding a CSV beside it changes nothing until the next build), with
    absent optional columns as NULLs (an activity extract from before the national codes)."""
    for table in APP_EXTRACTS:
        found = files_of(extracts_dir, table)
        if not found:
            continue
        if found[0].suffix == ".parquet":
            register_parquet(con, f"{table.name}_file", found[0])
            with_optional_columns(con, table, con.view(f"{table.name}_file")).create_view(table.name)
        else:
            read_contract_csv(con, table.name, found[0]).create_view(table.name)


def with_optional_columns(con, table: contract.Table, rel):
    """Add absent optional columns as typed NULLs so the row checks can name them."""
    missing = [c for c in table.columns if c.name not in rel.columns]
    for col in missing:
        rel = rel.project(f"*, CAST(NULL AS {csv_files.SQL_TYPE[col.kind]}) AS {col.name}")
    return rel
