"""The distributed engine: the same build SQL, translated by sqlglot, on Apache Spark.

Extracts are read where they are (`spark.read.parquet`; a CSV extract from its typed parquet copy
in the build's staging folder); the geography CSVs are small and are read on the driver by
DuckDB, so that both engines type them alike, by the contract (`contract_files`). Marts
small enough for one machine are collected to the driver as Arrow and written as one file, as
DuckDB writes them; partitioned marts (measure_values) are written by the executors, one file
per partition. Paths are handed to Spark as file:// URIs: on a cluster the data folder must be
mounted at the same path on the driver and the executors.
"""
from __future__ import annotations

import datetime as dt
import warnings
from functools import reduce
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from neighbourhood_health.pipeline.contract_files import read_contract_csv
from neighbourhood_health.store import QueryError, bind, new_connection, sql_text
from neighbourhood_health.pipeline.engines.translate import for_spark

# pyspark warns on first use that it does not fully support pandas 3; data here moves as Arrow
# (createDataFrame from Arrow tables, toArrow), never through pyspark's pandas conversions.
warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)

LOCAL_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "8",   # the default 200 is for clusters; AQE coalesces further
    "spark.driver.memory": "4g",
}
ALWAYS = {
    "spark.app.name": "neighbourhood-health-build",
    "spark.sql.session.timeZone": "UTC",   # dates are dates: no shift between driver and executors
    "spark.ui.showConsoleProgress": "false",  # the build draws its own progress bar
}


def spark_session(master: str = "local[*]", conf: dict[str, str] | None = None) -> SparkSession:
    """A session on `master` (local mode by default); `conf` overrides our defaults."""
    settings = {**(LOCAL_DEFAULTS if master.startswith("local") else {}), **ALWAYS, **(conf or {})}
    builder = SparkSession.builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    if master.startswith("local"):
        session.sparkContext.setLogLevel("ERROR")  # one machine: Spark's warnings are about clusters
    return session


def _literal(value):
    """A parameter value as Spark binds it: lists become arrays; dates, numbers, text stay as they are."""
    if isinstance(value, (list, tuple)):
        return F.array(*(F.lit(v) for v in value))
    if isinstance(value, (str, bool, int, float, dt.date)) or value is None:
        return value
    raise QueryError(f"cannot bind a {type(value).__name__} parameter on Spark")


def _uri(path: Path) -> str:
    return Path(path).resolve().as_uri()


def _plain_strings(table: pa.Table) -> pa.Table:
    """Spark hands large_string/string_view columns to Arrow; DuckDB writes string: match it."""
    fields = [pa.field(f.name, pa.string(), f.nullable) if pa.types.is_large_string(f.type)
              or pa.types.is_string_view(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields))


class SparkEngine:
    def __init__(self, spark: SparkSession, owned: bool = False):
        self.spark = spark
        self.owned = owned
        self._views: set[str] = set()
        self._tables: dict[str, DataFrame] = {}        # materialised by create_table
        self._parts: dict[str, list[DataFrame]] = {}   # appended to, one checkpointed part per query run
        self._parallelism = spark.sparkContext.defaultParallelism

    def _df(self, query: str, params: dict) -> DataFrame:
        """queries/<query>.sql, translated, with bound parameters; analysed now so errors name the file."""
        sql = for_spark(query)
        args = {k: _literal(v) for k, v in bind(query, sql_text(query), params).items()}
        try:
            df = self.spark.sql(sql, args=args or None)
            df.schema
        except PySparkException as exc:
            raise QueryError(f"queries/{query}.sql failed on Spark (translated by sqlglot): {exc}") from exc
        return df

    def _register(self, view: str, df: DataFrame) -> None:
        df.createOrReplaceTempView(view)
        self._views.add(view)

    def register_parquet(self, view: str, path: Path) -> None:
        self._register(view, self.spark.read.parquet(_uri(path)))

    def register_csv(self, view: str, path: Path) -> None:
        con = new_connection()
        try:
            table = read_contract_csv(con, view, path).to_arrow_table()
        finally:
            con.close()
        self._register(view, self.spark.createDataFrame(_plain_strings(table)))

    def create_table(self, table: str, query: str, params: dict) -> None:
        old = self._tables.get(table)
        self._tables[table] = self._df(query, params).cache()  # filled by the first query that reads it
        self._register(table, self._tables[table])
        if old is not None:
            old.unpersist()

    def create_view(self, view: str, query: str, params: dict) -> None:
        self._register(view, self._df(query, params))

    def create_empty(self, table: str, columns: str) -> None:
        self._parts[table] = [self.spark.createDataFrame([], schema=columns)]
        self._register(table, self._parts[table][0])

    def append(self, table: str, query: str, params: dict) -> None:
        parts = self._parts[table]
        target = parts[0].schema
        rows = self._df(query, params)
        if len(rows.columns) != len(target):
            raise QueryError(f"queries/{query}.sql returns {len(rows.columns)} columns; table {table} has {len(target)}")
        rows = rows.select(*(F.col(f"`{c}`").cast(f.dataType).alias(f.name) for c, f in zip(rows.columns, target)))
        parts.append(rows.localCheckpoint())  # cut the lineage: the union of all parts stays a small plan
        whole = reduce(DataFrame.unionByName, parts)
        self._register(table, whole.coalesce(min(whole.rdd.getNumPartitions(), self._parallelism)))

    def write_parquet(self, source: str, path: Path, order_by: tuple[str, ...],
                      partition_by: tuple[str, ...] = ()) -> int:
        df = self.spark.table(source)
        if not partition_by:
            table = _plain_strings(df.orderBy(*(F.col(c).asc_nulls_last() for c in order_by)).toArrow())
            pq.write_table(table, str(path))
            return table.num_rows
        (df.repartition(*partition_by)
           .sortWithinPartitions(*(F.col(c).asc_nulls_last() for c in partition_by + order_by))
           .write.partitionBy(*partition_by).parquet(_uri(path)))
        return ds.dataset(str(path), format="parquet").count_rows()  # from the footers: no second pass

    def to_pandas(self, table: str) -> pd.DataFrame:
        return self.spark.table(table).toArrow().to_pandas()

    def close(self) -> None:
        for view in self._views:
            self.spark.catalog.dropTempView(view)
        for df in [*self._tables.values(), *(p for parts in self._parts.values() for p in parts)]:
            df.unpersist()
        if self.owned:
            self.spark.stop()
