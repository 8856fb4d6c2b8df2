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
#: Appointments in general practice: accepted in the activity extract and counted by the NNHIP
#: scorecard only (the dashboard's measures, cohorts and trends count EVENT_TYPES).
GP_APPOINTMENT = "gp_appointment"
ALL_EVENT_TYPES = [*EVENT_TYPES, GP_APPOINTMENT]
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
    optional: bool = False  # a file a deployment may leave out; what reads it then finds no rows


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
    Column("event_date", "date", description="date of the event (of admission, for an admission), "
                                              "not after the extract date"),
    Column("event_type", "string", description=", ".join(ALL_EVENT_TYPES)),
    Column("low_acuity", "boolean", required=False, description="A&E attendances: low acuity"),
    # The national datasets' own codes (pipeline/national_codes.py), for the NNHIP scorecard.
    Column("ae_department_type", "string", required=False,
           description="A&E (ECDS EMERGENCY CARE DEPARTMENT TYPE): 01 type 1 … 05 same day emergency care"),
    Column("ae_arrival_mode", "string", required=False,
           description="A&E (ECDS EMERGENCY CARE ARRIVAL MODE, SNOMED CT), e.g. 1048031000000100 emergency road ambulance"),
    Column("ae_acuity", "string", required=False,
           description="A&E (ECDS EMERGENCY CARE ACUITY, SNOMED CT), e.g. 1064891000000107 immediate resuscitation"),
    Column("admission_method", "string", required=False,
           description="admissions (SUS APC ADMISSION METHOD CODE): 11–13 elective, 21–2D emergency, 31–32 maternity, 81–89 other"),
    Column("admission_date", "date", required=False, description="admissions: start of the hospital spell"),
    Column("discharge_date", "date", required=False,
           description="admissions: end of the spell; empty while the patient is in hospital"),
    Column("treatment_function", "string", required=False,
           description="admissions (SUS APC TREATMENT FUNCTION CODE of the spell's last episode), three digits"),
    Column("first_attendance", "string", required=False,
           description="outpatients (SUS OP FIRST ATTENDANCE): 1 or 3 first, 2 or 4 follow-up, 5 clock stop"),
    Column("attended_code", "string", required=False,
           description="outpatients and community contacts (ATTENDED OR DID NOT ATTEND): 5 or 6 attended, 3 did not attend, …"),
    Column("main_specialty", "string", required=False,
           description="outpatients (SUS OP MAIN SPECIALTY CODE), three digits; 560, 950 and 960 are not consultant-led"),
    Column("primary_procedure", "string", required=False,
           description="outpatients (SUS OP PRIMARY PROCEDURE, OPCS-4), e.g. W401; empty when none"),
    Column("gp_appointment_status", "string", required=False, description="GP appointments: Attended, DNA or Unknown"),
    Column("gp_staff_role", "string", required=False, description="GP appointments (SDS role group): GP, Other Practice staff or Unknown"),
    Column("gp_service_setting", "string", required=False,
           description="GP appointments: General Practice, Primary Care Network, Extended Access Provision, Other or Unmapped"),
    Column("gp_appointment_mode", "string", required=False,
           description="GP appointments: Face-to-Face, Home Visit, Telephone, Video Conference/Online or Unknown"),
), "One row per dated event; an admission is one hospital spell.")

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

CASELOAD = Table("caseload", "caseload.parquet", "extracts", (
    Column("person_id", "string", description="in persons.parquet"),
    Column("neighbourhood_code", "string", description="the neighbourhood whose team holds the case, in area_lookup.csv"),
    Column("cohort_id", "string", description="the cohort of the catalogue the person was taken on from"),
    Column("start_date", "date", description="the day the team took the case on, not after the extract date"),
    Column("end_date", "date", required=False, description="the day the case closed; empty while it is open"),
    Column("team", "string", required=False, description="the team's own name or code"),
), "Optional. One row per neighbourhood-team caseload episode (the NNHIP caseload).", optional=True)

TABLES = (PERSONS, ACTIVITY, PRACTICES, AGGREGATES, REFERENCE, LOOKUP, DEPRIVATION, CASELOAD)
BOUNDARY_FILE = "small_areas"  # small_areas.parquet / .gpkg / .geojson / .shp in the geo folder
