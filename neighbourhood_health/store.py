"""DuckDB access: open a connection over the marts and extracts, run a named query file.

Questions live in `queries/<folder>/<name>.sql` and take named parameters (`$area_code`); values
are always bound, never pasted into SQL. One connection is shared per process and each call runs
on its own cursor, which DuckDB makes safe across Streamlit's script threads.
"""
from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from neighbourhood_health.config import QUERIES_DIR

_PARAM = re.compile(r"(?<![\w$])\$([A-Za-z_][A-Za-z0-9_]*)")
# Marts small enough to hold in memory for speed; the rest stay as views over their parquet files
# (person_profile and cohort_membership hold a row per resident or member: sorted by area, they are
# read a few row groups at a time, faster than from memory and without the memory).
IN_MEMORY_MARTS = {"areas", "small_areas", "measures", "measure_values", "measure_breakdown", "breakdown_values",
                   "prevalence_strata", "cohort_activity", "nnhip_monthly"}


class QueryError(RuntimeError):
    """A named query failed: the message names the query file and the problem."""


@lru_cache(maxsize=None)
def sql_text(name: str) -> str:
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise QueryError(f"No query named {name!r}: {path} does not exist")
    return path.read_text()


def parameters(sql: str) -> set[str]:
    """Names of the $parameters a query uses (comments and strings aside, which ours avoid)."""
    without_comments = re.sub(r"--[^\n]*", "", sql)
    return set(_PARAM.findall(without_comments))


def bind(name: str, sql: str, params: dict) -> dict:
    needed = parameters(sql)
    missing = needed - params.keys()
    if missing:
        raise QueryError(f"Query {name!r} needs parameter(s) {', '.join(sorted(missing))}")
    return {k: v for k, v in params.items() if k in needed}


# Callables told of every query run (name, bound parameters, seconds): the benchmark listens here.
observers: list = []


def run_on(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql on con with bound named parameters; return a DataFrame."""
    sql = sql_text(name)
    bound = bind(name, sql, params)
    start = time.perf_counter()
    try:
        result = con.execute(sql, bound).df()
    except duckdb.Error as exc:
        raise QueryError(f"Query {name!r} failed: {exc}") from exc
    for observer in observers:
        observer(name, bound, time.perf_counter() - start)
    return result


def relation_on(con: duckdb.DuckDBPyConnection, name: str, **params) -> duckdb.DuckDBPyRelation:
    """queries/<name>.sql with bound parameters as a lazy relation, run only by the query that reads it.

    Registered on a private cursor (`cursor.register`), it is planned together with that query, so
    filters and joins reach the parquet scan beneath it instead of a materialised frame.
    """
    sql = sql_text(name)
    try:
        return con.sql(sql, params=bind(name, sql, params))
    except duckdb.Error as exc:
        raise QueryError(f"Query {name!r} failed: {exc}") from exc


def new_connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def register_parquet(con, view: str, path: Path, file_row_number: bool = False) -> None:
    """Expose one parquet file as a view; the path is bound, the view name is ours."""
    rel = con.sql("SELECT * FROM read_parquet($path, file_row_number = $frn)",
                  params={"path": str(path), "frn": file_row_number})
    rel.create_view(view)


def register_parquet_extracts(con, extracts_dir: Path) -> None:
    """The extracts the app asks of (persons, activity, practices) as views over their parquet files."""
    for name in ("persons", "activity", "practices"):
        path = Path(extracts_dir) / f"{name}.parquet"
        if path.exists():
            register_parquet(con, name, path)


class Database:
    """The app's connection: marts in memory, person-level extracts as views.

    `open_extracts(con, extracts_dir)` registers the extracts; by default their parquet files. The
    app passes `pipeline.contract_files.register_extracts`, which reads CSV extracts too (typed by
    the contract, which this layer does not know).
    """

    def __init__(self, marts_dir: Path, extracts_dir: Path, open_extracts=register_parquet_extracts):
        self.marts_dir = Path(marts_dir)
        self.extracts_dir = Path(extracts_dir)
        self._con = new_connection()
        self._lock = threading.Lock()
        self._memo: dict = {}
        for path in sorted(self.marts_dir.glob("*.parquet")):
            name = path.stem
            if name.startswith("geo_"):
                continue  # boundaries are read by geopandas, not SQL
            # A folder is a partitioned mart (measure_values.parquet/icb_code=…/year=…/): one table again.
            files = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
            rel = self._con.sql("SELECT * FROM read_parquet($path, hive_partitioning = false)", params={"path": files})
            if name in IN_MEMORY_MARTS:
                rel.create(name)
            else:
                rel.create_view(name)
        open_extracts(self._con, self.extracts_dir)

    def remember(self, key: tuple, compute):
        """`compute()`, worked out once per `key` while this Database is open: the marts are
        read-only, so an answer cannot change under it (`access.lineage`, cohort counts: a page
        asks the same of an area many times per run)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def run(self, name: str, **params) -> pd.DataFrame:
        with self.cursor() as cursor:
            return run_on(cursor, name, **params)

    @contextmanager
    def cursor(self):
        """A cursor of its own, closed afterwards: frames registered on it stay private to the caller."""
        with self._lock:
            cursor = self._con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
