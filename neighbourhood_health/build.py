"""Turn validated extracts into the marts the app reads, with DuckDB.

Marts are written to a temporary folder beside the live one and swapped in atomically, so the
running app never sees a half-built set. The extracts are only read. Person-level data stays in
the extracts folder for cohort drill-down; pages read the marts.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from .atomic import staged_dir
from .catalogue import load_measures
from .config import Settings
from .db import bind, new_connection, register_parquet, sql_text
from .geo import build_layers
from .validate import validate_folder

MART_TABLES = {
    "measure_small_area": "measure_id VARCHAR, small_area_code VARCHAR, period DATE, numerator DOUBLE, denominator DOUBLE",
    "measure_breakdown": ("measure_id VARCHAR, neighbourhood_code VARCHAR, imd_decile INTEGER, sex VARCHAR, "
                          "age_band VARCHAR, ethnicity VARCHAR, numerator DOUBLE, denominator DOUBLE"),
}


class BuildError(RuntimeError):
    """The extracts cannot be built: the message lists every problem found."""


def _execute(con, name: str, **params) -> None:
    sql = sql_text(name)
    con.execute(sql, bind(name, sql, params))


def _open_extracts(con, cfg: Settings) -> None:
    for name in ("persons", "activity", "practices", "aggregate_measures", "reference_prevalence"):
        register_parquet(con, name, cfg.extracts_dir / f"{name}.parquet")
    for name in ("area_lookup", "deprivation"):
        con.sql("SELECT * FROM read_csv($path, header = true)",
                params={"path": str(cfg.geo_dir / f"{name}.csv")}).create_view(name)


def build_marts(cfg: Settings, progress=lambda f, m: None) -> dict[str, int]:
    progress(0.02, "Validating extracts")
    report = validate_folder(cfg.extracts_dir, cfg.geo_dir)
    if not report.ok:
        raise BuildError(report.as_text())
    catalogue = load_measures(cfg.extracts_dir)
    extract_date = pd.Timestamp(report.extract_date)
    dates = {"extract_date": extract_date.date(),
             "extract_month": extract_date.to_period("M").to_timestamp().date(),
             "first_month": (extract_date.to_period("M") - 35).to_timestamp().date(),
             "window_start": (extract_date - pd.DateOffset(months=12)).date()}

    con = new_connection()
    _open_extracts(con, cfg)
    _execute(con, "build/person_conditions")
    _execute(con, "build/small_areas")
    for table, columns in MART_TABLES.items():
        con.execute(f"CREATE TEMP TABLE {table} ({columns})")  # our own constant names, no values
    person_measures = catalogue[catalogue["query"] != ""]
    for i, m in enumerate(person_measures.itertuples()):
        progress(0.1 + 0.7 * i / len(person_measures), f"Measure {m.measure_id}")
        params = {**dates, **json.loads(m.query_params or "{}")}
        sql = sql_text(f"measures/{m.query}")
        con.sql(sql, params=bind(m.query, sql, params)).create_view("measure_rows", replace=True)
        _execute(con, "build/locate_measure_rows")
        for step in ("build/measure_small_area", "build/measure_breakdown"):
            _execute(con, step, measure_id=m.measure_id, method=m.method, **dates)

    progress(0.85, "Writing marts")
    with staged_dir(cfg.marts_dir) as out:
        tables = {
            "areas": con.sql(sql_text("build/areas")),
            "small_areas": con.table("small_areas"),
            "measure_values": con.sql(sql_text("build/measure_values")),
            "measure_breakdown": con.table("measure_breakdown"),
        }
        counts = {}
        for name, rel in tables.items():
            rel.write_parquet(str(out / f"{name}.parquet"))
            counts[name] = rel.aggregate("count(*)").fetchall()[0][0]
        catalogue.to_parquet(out / "measures.parquet", index=False)
        progress(0.92, "Drawing map layers")
        lookup = con.table("small_areas").df()
        for level, layer in build_layers(cfg.geo_dir, lookup).items():
            layer.to_parquet(out / f"geo_{level}.parquet")
        shutil.copy(cfg.extracts_dir / "manifest.json", out / "manifest.json")
        (out / "validation.json").write_text(json.dumps(
            {"extract_date": report.extract_date, "tables": report.tables,
             "problems": report.as_frame().to_dict(orient="records")}, indent=2, default=str))
    progress(1.0, "Marts ready")
    return counts
