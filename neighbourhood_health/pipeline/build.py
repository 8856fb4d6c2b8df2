"""Turn validated extracts into the marts the app reads, on DuckDB (default) or Spark.

One orchestration for both engines (neighbourhood_health/engines): the build's SQL is written
once, in queries/build (layered as staging, intermediate and marts: queries/build/README.md) and
queries/measures, and each engine runs it where the data lives.
Marts are written to a temporary folder beside the live one and swapped in atomically, so the
running app never sees a half-built set. The extracts are only read: a CSV extract is built from
the typed parquet copy that validation wrote to a staging folder in the data folder (removed
afterwards), so both engines read parquet, typed once by the contract, and build exactly what was
checked. The staging folder is not /tmp because Spark's executors must see it, as they see the
marts. Pages read the marts. Two
marts are person-level (person_profile and cohort_membership, for the Cohorts page's counts and
pseudonymised list), and the access-checked functions of `cohorts` alone read them.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from neighbourhood_health.pipeline import contract, national_codes
from neighbourhood_health.pipeline.atomic import staged_dir
from neighbourhood_health.pipeline.catalogue import load_measures
from neighbourhood_health.pipeline.cohort_catalogue import TREND_EVENTS, load_cohorts, window
from neighbourhood_health.config import Settings
from neighbourhood_health.pipeline.engines import Engine, open_engine
from neighbourhood_health.pipeline.geo import build_layers
from neighbourhood_health.pipeline.protect import protect_marts
from neighbourhood_health.pipeline.validate import validate_folder
from neighbourhood_health.pipeline.contract_files import with_optional_columns
from neighbourhood_health.privacy import disclosure
from neighbourhood_health.store import new_connection

# Tables the measure loop appends to, each from its query, with types both engines name alike
# (STRING is DuckDB's VARCHAR). measure_small_area is a working table that the measure_values
# mart sums; measure_breakdown is written as a mart as it stands.
APPENDED = {
    "measure_small_area": ("build/intermediate/measure_small_area",
                           "measure_id STRING, small_area_code STRING, period DATE, "
                           "numerator DOUBLE, denominator DOUBLE"),
    "measure_breakdown": ("build/marts/measure_breakdown",
                          "measure_id STRING, neighbourhood_code STRING, imd_decile INTEGER, sex STRING, "
                          "age_band STRING, ethnicity STRING, numerator DOUBLE, denominator DOUBLE"),
}
MEMBERSHIP = "cohort_id STRING, person_id STRING, small_area_code STRING, neighbourhood_code STRING, segment STRING"
CASELOAD = "person_id STRING, neighbourhood_code STRING, cohort_id STRING, start_date DATE, end_date DATE, team STRING"


@dataclass(frozen=True)
class Mart:
    name: str
    order_by: tuple[str, ...]                 # a stable order, so both engines write the same rows alike
    query: str | None = None                  # queries/<query>.sql; None: the build table of that name
    partition_by: tuple[str, ...] = ()        # hive partitions: a folder `<name>.parquet/` read in parts
    protected: bool = False                   # written by protect.protect_marts, not by the engine


MARTS = (
    Mart("areas", ("area_level", "area_name", "area_code"), "build/marts/areas"),
    Mart("small_areas", ("small_area_code",)),
    Mart("measure_values", ("measure_id", "area_level", "area_code", "period"), "build/marts/measure_values",
         partition_by=("icb_code", "year")),
    Mart("measure_breakdown", ("measure_id", "neighbourhood_code", "imd_decile", "sex", "age_band", "ethnicity")),
    Mart("prevalence_strata", ("measure_id", "neighbourhood_code", "imd_quintile", "sex", "age_band"),
         "build/marts/prevalence_strata"),
    # Written by `protect.protect_marts` after the others, from measure_breakdown.
    Mart("breakdown_values", ("measure_id", "neighbourhood_code", "dimension", "category"), protected=True),
    Mart("reference_prevalence", ("condition", "imd_quintile", "sex", "age_band"), "build/marts/reference_prevalence"),
    # Person-level, for the Cohorts page: sorted by area so that one neighbourhood is a few row groups.
    Mart("person_profile", ("neighbourhood_code", "small_area_code", "person_id")),
    Mart("cohort_membership", ("cohort_id", "neighbourhood_code", "small_area_code", "person_id")),
    Mart("cohort_activity", ("cohort_id", "neighbourhood_code", "small_area_code", "month", "event_type")),
    # The NNHIP scorecard (docs/data-contract.md): the caseload episodes (person-level, for the
    # submission) and each cohort's monthly cells, given their protected figures by protect_marts.
    Mart("caseload", ("neighbourhood_code", "person_id", "start_date", "cohort_id"), "build/marts/caseload"),
    Mart("nnhip_monthly", ("cohort_id", "neighbourhood_code", "row_key", "population", "month"),
         "build/marts/nnhip_monthly"),
)


class BuildError(RuntimeError):
    """The extracts cannot be built: the message lists every problem found."""


def _open_extracts(engine: Engine, cfg: Settings, sources: dict[str, Path]) -> None:
    """The extracts as validation found them (`Report.sources`: a parquet, or a CSV's typed copy);
    the optional caseload, when there is none, as an empty table."""
    for name in ("persons", "activity", "practices", "aggregate_measures", "reference_prevalence"):
        engine.register_parquet(name, sources[name])
    if "caseload" in sources:
        engine.register_parquet("caseload", sources["caseload"])
    else:
        engine.create_empty("caseload", CASELOAD)
    for name in ("area_lookup", "deprivation"):
        engine.register_csv(name, cfg.geo_dir / f"{name}.csv")


def _with_optional_columns(sources: dict[str, Path], staging: Path) -> dict[str, Path]:
    """Sources in which every optional column of the contract exists: a parquet extract that leaves
    some out (an activity extract from before the national codes, say) is copied to `staging`
    with them as typed NULLs, so that both engines' SQL can name them. Complete files are read
    where they are."""
    con = new_connection()
    try:
        out = dict(sources)
        for table in contract.TABLES:
            path = sources.get(table.name)
            if path is None or path.suffix != ".parquet":
                continue
            rel = con.sql("SELECT * FROM read_parquet($path)", params={"path": str(path)})
            if all(c.name in rel.columns for c in table.columns):
                continue
            out[table.name] = staging / f"{table.name}.complete.parquet"
            with_optional_columns(con, table, rel).write_parquet(str(out[table.name]))
        return out
    finally:
        con.close()


def _nnhip_rows(engine: Engine, dates: dict) -> None:
    """The NNHIP scorecard's events and caseload months over the series' 36 months (nnhip_monthly)."""
    months = pd.date_range(dates["series_start"], dates["extract_month"], freq="MS")
    engine.create_table("nnhip_events", "nnhip/events",
                        {"first_month": dates["series_start"], "next_month": (months[-1] + pd.offsets.MonthBegin()).date(),
                         **national_codes.counting_rules()})
    engine.create_table("nnhip_caseload", "nnhip/caseload_months", {"months": [m.date() for m in months]})


def _measure_rows(engine: Engine, catalogue: pd.DataFrame, dates: dict, progress) -> None:
    """Each person-level measure's rows, located and aggregated into the appended tables."""
    for table, (_, columns) in APPENDED.items():
        engine.create_empty(table, columns)
    person_measures = catalogue[catalogue["query"] != ""]
    for i, m in enumerate(person_measures.itertuples()):
        progress(0.1 + 0.65 * i / len(person_measures), f"Measure {m.measure_id}")
        engine.create_view("measure_rows", f"measures/{m.query}", {**dates, **json.loads(m.query_params or "{}")})
        engine.create_table("located_rows", "build/intermediate/locate_measure_rows", {})
        for table, (query, _) in APPENDED.items():
            engine.append(table, query, {"measure_id": m.measure_id, "method": m.method, **dates})


def _cohort_rows(engine: Engine, cfg: Settings, extract_date, progress) -> None:
    """Each catalogue cohort's members, their recent activity, and everyone's builder profile.

    Done once here, so that the Cohorts page counts from narrow marts instead of scanning the
    person and activity extracts on every view (issue 9: seconds per count at London scale).
    """
    when = window(extract_date)
    engine.create_table("person_profile", "build/marts/person_profile", when)
    engine.create_empty("cohort_membership", MEMBERSHIP)
    catalogue = load_cohorts(cfg.extracts_dir)
    for i, cohort in enumerate(sorted(catalogue.values(), key=lambda c: bool(c.combines))):  # combined ones last
        progress(0.8 + 0.05 * i / len(catalogue), f"Cohort {cohort.cohort_id}")
        if cohort.combines:
            engine.create_view("candidates", "build/intermediate/cohort_candidates",
                               {"combines": list(cohort.combines)})
        engine.create_view("cohort_rows", f"cohorts/{cohort.cohort_id}", {**when, **cohort.params})
        engine.append("cohort_membership", "build/marts/cohort_membership", {"cohort_id": cohort.cohort_id})
    engine.create_table("cohort_activity", "build/marts/cohort_activity", {**when, "event_types": list(TREND_EVENTS)})


def _write_marts(engine: Engine, out) -> dict[str, int]:
    counts = {}
    for mart in MARTS:
        if mart.protected:
            continue
        source = mart.name
        if mart.query:
            source = f"{mart.name}_mart"
            engine.create_view(source, mart.query, {})
        counts[mart.name] = engine.write_parquet(source, out / f"{mart.name}.parquet", mart.order_by, mart.partition_by)
    return counts


def build_marts(cfg: Settings, progress=lambda f, m: None, engine: str | Engine = "duckdb",
                master: str | None = None, conf: dict[str, str] | None = None) -> dict[str, int]:
    """Validate the extracts and build the marts; `engine` is "duckdb", "spark" or an open Engine."""
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=cfg.data_dir) as staging:
        return _build(cfg, Path(staging), progress, engine, master, conf)


def _build(cfg: Settings, staging: Path, progress, engine, master, conf) -> dict[str, int]:
    progress(0.02, "Validating extracts")
    report = validate_folder(cfg.extracts_dir, cfg.geo_dir, staging=staging)
    if not report.ok:
        raise BuildError(report.as_text())
    catalogue = load_measures(cfg.extracts_dir)
    extract_date = pd.Timestamp(report.extract_date)
    dates = {"extract_date": extract_date.date(),
             "extract_month": extract_date.to_period("M").to_timestamp().date(),
             "series_start": (extract_date.to_period("M") - 35).to_timestamp().date(),
             "window_start": (extract_date - pd.DateOffset(months=12)).date()}

    eng = open_engine(engine, master, conf) if isinstance(engine, str) else engine
    try:
        progress(0.05, "Opening extracts")
        _open_extracts(eng, cfg, _with_optional_columns(report.sources, staging))
        eng.create_table("person_conditions", "build/intermediate/person_conditions", {})
        eng.create_table("small_areas", "build/intermediate/small_areas", {})
        _measure_rows(eng, catalogue, dates, progress)
        _cohort_rows(eng, cfg, extract_date, progress)
        progress(0.85, "NNHIP scorecard")
        _nnhip_rows(eng, dates)

        progress(0.86, "Writing marts")
        with staged_dir(cfg.marts_dir) as out:
            counts = _write_marts(eng, out)
            catalogue.to_parquet(out / "measures.parquet", index=False)
            progress(0.9, "Protecting small numbers")
            values = next(m for m in MARTS if m.name == "measure_values")
            protect_marts(out, disclosure.key(cfg.data_dir), {m.name: m.order_by for m in MARTS}, values.partition_by)
            progress(0.92, "Drawing map layers")
            lookup = eng.to_pandas("small_areas")
            for level, layer in build_layers(cfg.geo_dir, lookup).items():
                layer.to_parquet(out / f"geo_{level}.parquet")
            shutil.copy(cfg.extracts_dir / "manifest.json", out / "manifest.json")
            (out / "validation.json").write_text(json.dumps(
                {"extract_date": report.extract_date, "tables": report.tables,
                 "problems": report.as_frame().to_dict(orient="records")}, indent=2, default=str))
    finally:
        if eng is not engine:
            eng.close()
    progress(1.0, "Marts ready")
    return counts
