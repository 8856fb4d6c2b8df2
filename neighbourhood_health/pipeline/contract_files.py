"""Reading the contract's files as relations: shared by validation and both build engines.

A contract CSV (area_lookup, deprivation) may leave out optional columns; they are added as typed
NULLs so the checks and the build SQL can name them whichever columns the file has.
"""
from __future__ import annotations

from pathlib import Path

from neighbourhood_health.pipeline import contract


def read_contract_csv(con, name: str, path: Path):
    """A CSV of the contract (area_lookup, deprivation) as a relation, absent optional columns as NULLs."""
    rel = con.sql("SELECT * FROM read_csv($path, header = true)", params={"path": str(path)})
    table = next(t for t in contract.TABLES if t.name == name)
    return with_optional_columns(con, table, rel)


def with_optional_columns(con, table: contract.Table, rel):
    """Add absent optional columns as typed NULLs so the row checks can name them."""
    missing = [c for c in table.columns if c.name not in rel.columns]
    sql_type = {"string": "VARCHAR", "number": "DOUBLE", "integer": "BIGINT", "boolean": "BOOLEAN", "date": "DATE"}
    for col in missing:
        rel = rel.project(f"*, CAST(NULL AS {sql_type[col.kind]}) AS {col.name}")
    return rel
