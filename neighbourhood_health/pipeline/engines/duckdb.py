"""The embedded engine: the build's SQL runs as written, in one in-process DuckDB connection."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
from duckdb import ColumnExpression, ConstantExpression

from neighbourhood_health.pipeline.contract_files import read_contract_csv
from neighbourhood_health.store import bind, new_connection, register_parquet, sql_text

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _ident(name: str) -> str:
    """A table name of ours, checked before it is placed in a statement (values are always bound)."""
    if not _NAME.match(name):
        raise ValueError(f"not a table name: {name!r}")
    return name


class DuckDBEngine:
    def __init__(self, con: duckdb.DuckDBPyConnection | None = None):
        self.con = con or new_connection()

    def _bound(self, query: str, params: dict) -> tuple[str, dict]:
        sql = sql_text(query)
        return sql, bind(query, sql, params)

    def register_parquet(self, view: str, path: Path) -> None:
        register_parquet(self.con, view, path)

    def register_csv(self, view: str, path: Path) -> None:
        read_contract_csv(self.con, view, path).create_view(view)

    def create_table(self, table: str, query: str, params: dict) -> None:
        sql, bound = self._bound(query, params)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {_ident(table)} AS\n{sql}", bound)

    def create_view(self, view: str, query: str, params: dict) -> None:
        sql, bound = self._bound(query, params)
        self.con.sql(sql, params=bound).create_view(view, replace=True)

    def create_empty(self, table: str, columns: str) -> None:
        self.con.execute(f"CREATE TEMP TABLE {_ident(table)} ({columns})")  # our own constant columns

    def append(self, table: str, query: str, params: dict) -> None:
        sql, bound = self._bound(query, params)
        self.con.sql(sql, params=bound).insert_into(_ident(table))

    def write_parquet(self, source: str, path: Path, order_by: tuple[str, ...],
                      partition_by: tuple[str, ...] = ()) -> int:
        if partition_by:
            return self._write_parts(source, Path(path), order_by, partition_by)
        rel = self.con.table(source).order(", ".join(map(_ident, order_by)))
        rel.write_parquet(str(path))
        return rel.count("*").fetchall()[0][0]

    def _write_parts(self, source: str, path: Path, order_by: tuple[str, ...], partition_by: tuple[str, ...]) -> int:
        """One sorted file per partition: DuckDB's own PARTITION_BY write does not keep row order."""
        sorted_name = _ident(f"{source}_sorted")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {sorted_name} AS "
                         f"FROM {_ident(source)} ORDER BY {', '.join(map(_ident, partition_by + order_by))}")
        whole = self.con.table(sorted_name)
        rest = ", ".join(_ident(c) for c in whole.columns if c not in partition_by)
        keys = ", ".join(map(_ident, partition_by))
        for values in whole.project(keys).distinct().order(keys).fetchall():
            if None in values:
                raise ValueError(f"{source}: a row has no value for partition column(s) {keys}")
            part, folder = whole, path
            for column, value in zip(partition_by, values):
                part = part.filter(ColumnExpression(column) == ConstantExpression(value))
                folder = folder / f"{column}={value}"
            folder.mkdir(parents=True)
            part.project(rest).write_parquet(str(folder / "data_0.parquet"))
        rows = whole.count("*").fetchall()[0][0]
        self.con.execute(f"DROP TABLE {sorted_name}")
        return rows

    def to_pandas(self, table: str) -> pd.DataFrame:
        return self.con.table(table).df()

    def close(self) -> None:
        self.con.close()
