"""The marts build on Spark: the same SQL (translated by sqlglot) writes the same marts as DuckDB."""
from __future__ import annotations

import dataclasses
import os
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

# Both come from requirements-spark.txt, not requirements.txt: without them every test here skips,
# saying so, rather than failing to import (translate imports sqlglot; the Spark engine, pyspark).
pytest.importorskip("pyspark", reason="pyspark is not installed: pip install -r requirements-spark.txt")
pytest.importorskip("sqlglot", reason="sqlglot is not installed: pip install -r requirements-spark.txt")

from neighbourhood_health.pipeline.build import MARTS, build_marts
from neighbourhood_health.config import QUERIES_DIR
from neighbourhood_health.store import Database, parameters, sql_text
from neighbourhood_health.pipeline.engines.translate import TranslationError, for_spark, to_spark

# build/protect/ always runs on DuckDB, over the parquet either engine wrote (pipeline/protect.py).
BUILD_QUERIES = sorted(p.relative_to(QUERIES_DIR).with_suffix("").as_posix() for folder in ("build", "measures")
                       for p in (QUERIES_DIR / folder).rglob("*.sql") if "protect" not in p.parts)
MART_NAMES = [m.name for m in MARTS] + ["measures"]


def _java_missing() -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") or (java_home and Path(java_home, "bin", "java").exists()):
        return None
    return "Java is not installed: Spark local mode needs Java 17+ (apt-get install -y openjdk-17-jre-headless)"


@pytest.mark.parametrize("name", BUILD_QUERIES)
def test_every_build_query_translates_with_its_named_parameters(name):
    spark_sql = for_spark(name)
    markers = set(re.findall(r"(?<![\w:]):([A-Za-z_]\w*)", spark_sql))
    assert markers == parameters(sql_text(name)), "each $param becomes a :param that Spark binds"
    assert "$" not in spark_sql


@pytest.mark.parametrize("sql, construct", [
    ("SELECT person_id, COLUMNS('^ltc_') FROM persons", "COLUMNS"),
    ("SELECT person_id FROM persons WHERE age > $1", r"parameter \$1 is not named"),
    ("SELECT bespoke_duckdb_macro(age) FROM persons", r"function bespoke_duckdb_macro\(\)"),
    ("INSERT INTO located_rows SELECT * FROM persons", "found INSERT"),
])
def test_untranslatable_sql_fails_naming_the_file_and_construct(sql, construct):
    with pytest.raises(TranslationError, match=r"queries/measures/new_measure\.sql cannot be translated") as err:
        to_spark("measures/new_measure", sql)
    assert re.search(construct, str(err.value))


def test_cli_passes_engine_master_and_conf(monkeypatch):
    import neighbourhood_health.pipeline.build as build
    from neighbourhood_health.__main__ import main
    seen = {}
    monkeypatch.setattr(build, "build_marts", lambda cfg, progress, **kw: seen.update(kw) or {})
    assert main(["build", "--engine", "spark", "--master", "spark://head:7077",
                 "--conf", "spark.executor.memory=8g"]) == 0
    assert seen == {"engine": "spark", "master": "spark://head:7077", "conf": {"spark.executor.memory": "8g"}}
    assert main(["build"]) == 0 and seen["engine"] == "duckdb"


# --- the same marts from both engines (Spark in local mode; skipped where Java is missing) ---

@pytest.fixture(scope="module")
def spark():
    if reason := _java_missing():
        pytest.skip(reason)
    from neighbourhood_health.pipeline.engines.spark import spark_session
    # A short-lived JVM: the C1 compiler alone spends a third of the CPU time C2 would on these small builds.
    session = spark_session("local[2]", {"spark.sql.shuffle.partitions": "4", "spark.ui.enabled": "false",
                                         "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1"})
    yield session
    session.stop()


def test_spark_binds_dates_lists_and_flags_as_values(spark):
    from neighbourhood_health.pipeline.engines.spark import _literal
    params = {"day": date(2026, 1, 31), "codes": ["E01000001", "E01000002"], "flag": True, "text": "x' OR 1=1 --"}
    row = spark.sql("SELECT :day + 1 AS next_day, array_contains(:codes, 'E01000002') AS listed, NOT :flag AS off, "
                    ":text AS text", args={k: _literal(v) for k, v in params.items()}).first()
    assert row.asDict() == {"next_day": date(2026, 2, 1), "listed": True, "off": False, "text": "x' OR 1=1 --"}


@pytest.fixture(scope="module")
def twin_marts(demo_cfg, spark, tmp_path_factory):
    """The demo extracts built twice, once per engine, each from its own copy."""
    from neighbourhood_health.pipeline.engines.spark import SparkEngine
    built = {}
    for name, engine in (("duckdb", "duckdb"), ("spark", SparkEngine(spark))):
        root = tmp_path_factory.mktemp(f"marts_{name}")
        cfg = dataclasses.replace(demo_cfg, data_dir=root / "data", geo_dir=root / "geo")
        shutil.copytree(demo_cfg.extracts_dir, cfg.extracts_dir)
        shutil.copytree(demo_cfg.geo_dir, cfg.geo_dir)
        shutil.copy(demo_cfg.data_dir / "privacy.key", cfg.data_dir / "privacy.key")  # one key, as one deployment
        counts = build_marts(cfg, engine=engine)
        built[name] = (cfg, counts, Database(cfg.marts_dir, cfg.extracts_dir))
    return built


def _rows(db: Database, table: str) -> pd.DataFrame:
    with db.cursor() as cur:
        return cur.table(table).df()


@pytest.mark.parametrize("mart", MART_NAMES)
def test_spark_writes_the_same_mart_as_duckdb(twin_marts, mart):
    (_, duck_counts, duck), (_, spark_counts, spark) = twin_marts["duckdb"], twin_marts["spark"]
    with duck.cursor() as a, spark.cursor() as b:
        types = [a.sql(f"DESCRIBE {mart}").fetchall(), b.sql(f"DESCRIBE {mart}").fetchall()]
    assert [t[:2] for t in types[1]] == [t[:2] for t in types[0]], "same columns, same types (DATE, DOUBLE, …)"
    expect, got = _rows(duck, mart), _rows(spark, mart)
    assert len(got) == len(expect) > 0 and duck_counts.get(mart) == spark_counts.get(mart)
    # Row by row in the order written (no sorting here): both engines write a stable order.
    pd.testing.assert_frame_equal(got, expect, check_exact=False, rtol=0, atol=1e-9)


def test_measure_values_are_written_in_parts_by_icb_and_year(twin_marts):
    parts = {}
    for name, (cfg, _, _) in twin_marts.items():
        folder = cfg.marts_dir / "measure_values.parquet"
        parts[name] = sorted(str(p.relative_to(folder)) for p in folder.glob("icb_code=*/year=*"))
    assert parts["spark"] == parts["duckdb"] and "icb_code=ALL/year=2026" in parts["duckdb"]
    cfg, _, db = twin_marts["spark"]
    icb = next(p for p in parts["spark"] if "ALL" not in p).split("/")[0].split("=")[1]
    one_icb = duckdb.sql("SELECT * FROM read_parquet($path, hive_partitioning = true)",
                         params={"path": str(cfg.marts_dir / "measure_values.parquet" / f"icb_code={icb}" / "**" / "*.parquet")}).df()
    areas = _rows(db, "areas")
    in_icb = set(areas.loc[areas.icb_code == icb, "area_code"])
    assert set(one_icb.area_code) == in_icb & set(_rows(db, "measure_values").area_code), \
        "an ICB's part holds every row of its areas and nothing else"
    assert (one_icb.year == pd.to_datetime(one_icb.period).dt.year).all()


def test_the_app_answers_the_same_from_spark_marts(twin_marts):
    duck, spark = twin_marts["duckdb"][2], twin_marts["spark"][2]
    areas = _rows(duck, "areas")
    nb = areas[areas.area_level == "neighbourhood"].area_code.min()
    icb = areas.set_index("area_code").icb_code[nb]
    for query, params in (("app/measure_latest", {"area_code": nb, "exact_areas": []}),
                          ("app/measure_within_area", {"measure_id": "emergency_admissions",
                                                       "level": "neighbourhood", "scope_code": icb, "exact_areas": []})):
        expect, got = duck.run(query, **params), spark.run(query, **params)
        assert len(expect) > 0
        pd.testing.assert_frame_equal(got, expect, check_exact=False, rtol=0, atol=1e-9)
