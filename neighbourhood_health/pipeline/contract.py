"""The data contract: which files a deployment provides and the columns each must carry.

Types are families, so that an extract written by any tool passes when its values fit:
"string", "integer", "number" (integer or floating), "boolean", "date" (date or timestamp).
"""
from __future__ import annotations

from dataclasses import dataclass

CONDITIONS = ["hypertension", "diabetes", "copd", "asthma", "chd", "heart_failure",
              "atrial_fibrillation", "ckd", "depression", "smi", "dementia", "cancer", "obesity",
              "learning_disability"]
EVENT_TYPES = ["ae_attendance", "emergency_admission", "elective_admission", "outpatient", "community_contact"]
ETHNIC_GROUPS = ["Asian", "Black", "Mixed", "White", "Other", "Unknown"]
FRAILTY = ["fit", "mild", "moderate", "severe"]
SEXES = ["F", "M"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    file: str
    folder: str            # "extracts" or "geo"
    columns: tuple[Column, ...]
    description: str


PERSONS = Table("persons", "persons.parquet", "extracts", (
    Column("person_id", "string", description="pseudonymised identifier, unique"),
    Column("small_area_code", "string", description="LSOA 2021 (or synthetic Z01…) code of residence"),
    Column("practice_code", "string", description="registered GP practice, in practices.parquet"),
    Column("age", "integer", description="age in whole years at the extract date, 0–120"),
    Column("sex", "string", description="F or M"),
    Column("ethnicity", "string", description="Asian, Black, Mixed, White, Other or Unknown"),
    *(Column(f"ltc_{c}", "boolean", description=f"{c.replace('_', ' ')} recorded") for c in CONDITIONS),
    Column("frailty", "string", required=False, description="eFI category fit/mild/moderate/severe; empty under 65"),
    Column("risk_score", "number", description="predicted 12-month emergency admission risk, 0–100"),
    Column("segment", "string", description="Bridges to Health population segment"),
    Column("bp_systolic", "number", required=False, description="latest systolic blood pressure, mmHg"),
    Column("bp_diastolic", "number", required=False, description="latest diastolic blood pressure, mmHg"),
    Column("bp_date", "date", required=False, description="date of the latest blood pressure"),
    Column("hba1c", "number", required=False, description="latest HbA1c, mmol/mol"),
    Column("hba1c_date", "date", required=False, description="date of the latest HbA1c"),
    Column("smi_health_check_date", "date", required=False, description="latest SMI physical health check"),
    Column("housebound", "boolean", description="housebound flag"),
    Column("lives_alone", "boolean", description="lives alone flag"),
), "One row per registered person.")

ACTIVITY = Table("activity", "activity.parquet", "extracts", (
    Column("person_id", "string", description="in persons.parquet"),
    Column("event_date", "date", description="date of the event, not after the extract date"),
    Column("event_type", "string", description=", ".join(EVENT_TYPES)),
    Column("low_acuity", "boolean", required=False, description="A&E attendances: low acuity"),
), "One row per dated event.")

PRACTICES = Table("practices", "practices.parquet", "extracts", (
    Column("practice_code", "string", description="unique"),
    Column("practice_name", "string"),
    Column("neighbourhood_code", "string", description="the neighbourhood the practice belongs to"),
), "GP practices.")

AGGREGATES = Table("aggregate_measures", "aggregate_measures.parquet", "extracts", (
    Column("measure_id", "string", description="a measure of the catalogue"),
    Column("area_code", "string", description="neighbourhood code"),
    Column("period", "date", description="first day of the month (or survey period) the values cover"),
    Column("numerator", "number", description="count, 0 or more"),
    Column("denominator", "number", description="count, 0 or more, not below the numerator"),
), "Measures that arrive aggregated: area × period × numerator × denominator.")

REFERENCE = Table("reference_prevalence", "reference_prevalence.parquet", "extracts", (
    Column("condition", "string", description="one of the 14 conditions"),
    Column("age_band", "string", description="0-4 … 85-89, 90+"),
    Column("sex", "string", description="F or M"),
    Column("imd_quintile", "integer", description="1 (most deprived) to 5"),
    Column("prevalence", "number", description="expected prevalence, a proportion 0–1"),
), "Reference (modelled) prevalence used for expected counts.")

LOOKUP = Table("area_lookup", "area_lookup.csv", "geo", (
    Column("small_area_code", "string"), Column("small_area_name", "string"),
    Column("neighbourhood_code", "string"), Column("neighbourhood_name", "string"),
    Column("place_code", "string"), Column("place_name", "string"),
    Column("icb_code", "string"), Column("icb_name", "string"),
), "Small area → neighbourhood → place → integrated care board.")

DEPRIVATION = Table("deprivation", "deprivation.csv", "geo", (
    Column("small_area_code", "string"),
    Column("imd_score", "number", required=False),
    Column("imd_decile", "integer", description="national IMD decile, 1 = most deprived"),
), "Small-area deprivation.")

TABLES = (PERSONS, ACTIVITY, PRACTICES, AGGREGATES, REFERENCE, LOOKUP, DEPRIVATION)
BOUNDARY_FILE = "small_areas"  # small_areas.parquet / .gpkg / .geojson / .shp in the geo folder
