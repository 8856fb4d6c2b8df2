"""Where the marts build runs: DuckDB (embedded, the default) or Spark (where the data lives).

The build's SQL is written once, in DuckDB's dialect, as plain SELECTs in `queries/build/` and
`queries/measures/`; an engine runs a named query with bound `$params` and owns what happens to
the result (a table, a view, rows appended, a parquet mart). `build.py` holds the one
orchestration both engines share.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

import pandas as pd

ENGINES = ("duckdb", "spark")


class Engine(Protocol):
    def register_parquet(self, view: str, path: Path) -> None:
        """Expose one parquet extract (or a CSV extract's typed copy, see build.py) as a view."""

    def register_csv(self, view: str, path: Path) -> None:
        """Expose one CSV (geography lookups) as a view, typed by the contract (`contract_files`)."""

    def create_table(self, table: str, query: str, params: dict) -> None:
        """Materialise queries/<query>.sql as `table`, replacing any table of that name."""

    def create_view(self, view: str, query: str, params: dict) -> None:
        """Define `view` as queries/<query>.sql with bound parameters, replacing any view of that name."""

    def create_empty(self, table: str, columns: str) -> None:
        """An empty table of `columns` ("name TYPE, …", types both engines know) to append to."""

    def append(self, table: str, query: str, params: dict) -> None:
        """Add the rows of queries/<query>.sql to `table`, matching columns by position."""

    def write_parquet(self, source: str, path: Path, order_by: tuple[str, ...],
                      partition_by: tuple[str, ...] = ()) -> int:
        """Write table or view `source` to `path` sorted by `order_by`; return its row count.

        Without `partition_by`, one parquet file. With it, a folder of hive partitions
        (`path/icb_code=…/year=…/*.parquet`) whose files hold the other columns.
        """

    def to_pandas(self, table: str) -> pd.DataFrame:
        """A small table, brought to Python (the geography step needs the small-area lookup)."""

    def close(self) -> None:
        """Drop what this build made; a shared Spark session is left running for its owner."""


def open_engine(name: str, master: str | None = None, conf: dict[str, str] | None = None) -> Engine:
    if name == "duckdb":
        if master or conf:
            raise ValueError("--master and --conf are Spark options; the duckdb engine runs in this process")
        from neighbourhood_health.pipeline.engines.duckdb import DuckDBEngine
        return DuckDBEngine()
    if name == "spark":
        from neighbourhood_health.pipeline.engines.spark import SparkEngine, spark_session
        return SparkEngine(spark_session(master or "local[*]", conf or {}), owned=True)
    raise ValueError(f"Unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
