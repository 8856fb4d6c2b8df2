"""Cohorts: the catalogue (definitions/cohorts.csv, one SQL file each in queries/cohorts/), the
cohort builder, and the counts, trends and pseudonymised lists the Cohorts page shows (queries in
queries/cohorts/members/, run over the members registered on a private cursor).

Every public function takes the user and checks access before touching data
(neighbourhood_health.access): aggregates only for areas the user covers, suppressed for
aggregate-only roles and in every export (neighbourhood_health.suppress); person-level rows only
for INT leads in their own neighbourhoods, and each list view and export is written to the audit
log. A deployment may replace the catalogue with its own `cohorts.csv` in the extracts folder.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pandas as pd

from . import access, audit, suppress
from .contract import CONDITIONS
from .db import QUERIES_DIR, relation_on, run_on

DEFINITIONS = Path(__file__).parent / "definitions"
COLUMNS = ["cohort_id", "name", "pillar", "params", "combines", "description"]
AGE_BANDS = ["Under 1", "1-17", "18-39", "40-64", "65-74", "75-84", "85+"]
FRAILTY_OPTIONS = ["fit", "mild", "moderate", "severe", "not assessed"]
SEGMENTS = ["Healthy well", "Maternal and infant health", "Acutely ill", "Full function but chronic conditions",
            "Stable but serious disability", "Limited reserve and exacerbations",
            "Short period of decline before dying", "Long period of decline before dying (frailty)"]
TREND_EVENTS = {"emergency_admission": "Emergency admissions", "ae_attendance": "A&E attendances"}
LIST_COLUMNS = {
    "person_id": "Pseudonymised ID", "age_band": "Age band", "neighbourhood_name": "Neighbourhood",
    "practice_code": "Practice code", "practice_name": "Practice", "conditions": "Long-term conditions",
    "conditions_count": "Number of LTCs", "frailty": "Frailty (eFI)", "risk_score": "Risk score (%)",
    "segment": "Segment", "emergency_admissions_12m": "Emergency admissions, 12 months",
    "last_emergency_admission": "Last emergency admission", "last_ae_attendance": "Last A&E attendance",
    "last_community_contact": "Last community contact",
}


class CohortError(ValueError):
    """The cohort catalogue is malformed, or a cohort asked for is not in it."""


@dataclass
class Cohort:
    cohort_id: str
    name: str
    pillar: str
    params: dict
    combines: tuple[str, ...]
    description: str


def catalogue_path(extracts_dir: Path | None = None) -> Path:
    own = Path(extracts_dir) / "cohorts.csv" if extracts_dir else None
    return own if own and own.exists() else DEFINITIONS / "cohorts.csv"


def load_cohorts(extracts_dir: Path | None = None) -> dict[str, Cohort]:
    """The catalogue, checked: JSON params, a query file per cohort, known combined cohorts."""
    path = catalogue_path(extracts_dir)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise CohortError(f"{path}: missing column(s) {', '.join(missing)}")
    cohorts, problems = {}, []
    for i, row in table.iterrows():
        where = f"{path.name} row {i + 2} ({row.cohort_id})"
        try:
            params = json.loads(row.params or "{}")
            description = row.description.format(**params)
        except (json.JSONDecodeError, KeyError) as exc:
            problems.append(f"{where}: params must be JSON naming every {{placeholder}} in the description ({exc})")
            continue
        if not (QUERIES_DIR / "cohorts" / f"{row.cohort_id}.sql").exists():
            problems.append(f"{where}: no query file queries/cohorts/{row.cohort_id}.sql")
        combines = tuple(c for c in row.combines.split(";") if c)
        cohorts[row.cohort_id] = Cohort(row.cohort_id, row["name"], row.pillar, params, combines, description)
    for c in cohorts.values():
        for other in c.combines:
            if other not in cohorts or cohorts[other].combines:
                problems.append(f"{path.name} ({c.cohort_id}): combines {other!r}, which is not a simple cohort in the catalogue")
    if problems:
        raise CohortError("\n".join(problems))
    return cohorts


def risk_bands() -> pd.DataFrame:
    return pd.read_csv(DEFINITIONS / "risk_bands.csv")


def condition_mask(conditions) -> int:
    """person_profile's bit mask for these conditions (bit i: CONDITIONS[i]).

    A name not in the contract takes a bit no one has, so "all of these" matches nobody and
    "any of these" ignores it, as matching the names as lists would.
    """
    return sum(1 << (CONDITIONS.index(c) if c in CONDITIONS else len(CONDITIONS)) for c in set(conditions))


@dataclass(frozen=True)
class Filters:
    """The cohort builder's choices. None means "any"; tuples are matched as lists of values."""
    conditions: tuple[str, ...] | None = None
    all_conditions: bool = True          # True: has all the conditions chosen; False: any of them
    min_conditions: int | None = None
    max_conditions: int | None = None
    risk_bands: tuple[str, ...] | None = None
    frailty: tuple[str, ...] | None = None
    age_bands: tuple[str, ...] | None = None
    sexes: tuple[str, ...] | None = None
    ethnicities: tuple[str, ...] | None = None
    imd_quintiles: tuple[int, ...] | None = None
    activity_types: tuple[str, ...] | None = None
    min_events: int | None = None        # events of activity_types in the last 12 months
    low_acuity_only: bool = False

    def params(self) -> dict:
        values = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}
        chosen = values.pop("conditions")
        values["conditions_mask"] = None if chosen is None else condition_mask(chosen)
        bands = values.pop("risk_bands")
        table = risk_bands().set_index("band")
        values["risk_ranges"] = None if bands is None else [
            {"lower": float(table.at[b, "lower"]), "upper": float(table.at[b, "upper"])}
            for b in bands if b in table.index]
        return values


Definition = str | Filters   # a catalogue cohort_id, or the builder's filters


def describe(db, definition: Definition) -> dict:
    """What the audit log records: the cohort and its thresholds, or the builder's filters."""
    if isinstance(definition, Filters):
        return {"builder": {k: v for k, v in asdict(definition).items()}}
    cohort = _cohort(db, definition)
    return {"cohort_id": cohort.cohort_id, "name": cohort.name, "params": cohort.params}


def window(extract_date) -> dict:
    """Windows from the extract date: the 12 months to it, and the last 12 complete months.

    The build uses the same windows for the cohort marts, so the two cannot disagree.
    """
    extract = pd.Timestamp(extract_date)
    last = extract.to_period("M") if extract.is_month_end else extract.to_period("M") - 1
    return {"extract_date": extract.date(), "window_start": (extract - pd.DateOffset(months=12)).date(),
            "first_month": (last - 11).to_timestamp().date(), "last_month": last.to_timestamp().date(),
            "next_month": (last + 1).to_timestamp().date()}


def dates(db) -> dict:
    return window(json.loads((Path(db.marts_dir) / "manifest.json").read_text())["extract_date"])


# --- Members (unchecked, internal) ------------------------------------------------------------

def _cohort(db, cohort_id: str) -> Cohort:
    cohorts = load_cohorts(db.extracts_dir)
    if cohort_id not in cohorts:
        raise CohortError(f"No cohort {cohort_id!r} in the catalogue")
    return cohorts[cohort_id]


def _members(db, cur, definition: Definition) -> duckdb.DuckDBPyRelation:
    """The definition's people (person_id, small_area_code, neighbourhood_code, segment), not yet read.

    Catalogue cohorts were found when the marts were built (cohort_membership); the builder's
    filters run over the narrow person_profile mart.
    """
    if isinstance(definition, Filters):
        return relation_on(cur, "cohorts/members/builder", **definition.params())
    return relation_on(cur, "cohorts/members/catalogue", cohort_id=_cohort(db, definition).cohort_id)


@contextmanager
def _with_members(db, definition: Definition):
    """A private cursor on which `cohort_members` is the definition's people."""
    with db.cursor() as cur:
        cur.register("cohort_members", _members(db, cur, definition))
        yield cur


def _raw_counts(db, definition: Definition, area_code: str) -> tuple[pd.DataFrame, pd.Series]:
    with _with_members(db, definition) as cur:
        rows = run_on(cur, "cohorts/members/counts", area_code=area_code, segments=SEGMENTS)
    table = rows.pivot_table(index="neighbourhood_name", columns="segment", values="people",
                             aggfunc="sum", fill_value=0)
    order = [s for s in SEGMENTS if s in table.columns] + sorted(set(table.columns) - set(SEGMENTS))
    table = table[order].rename_axis(index="Neighbourhood", columns="Segment")
    population = rows.drop_duplicates("neighbourhood_name").set_index("neighbourhood_name")["population"]
    population.loc[suppress.TOTAL] = population.sum()
    return table, population.rename_axis("Neighbourhood")


def _raw_list(db, definition: Definition, area_code: str) -> pd.DataFrame:
    with _with_members(db, definition) as cur:
        return run_on(cur, "cohorts/members/pseudonymised_list", area_code=area_code, condition_names=CONDITIONS)


# --- Aggregates -------------------------------------------------------------------------------

@dataclass
class CohortCounts:
    table: pd.DataFrame       # neighbourhood × segment with totals; NaN where hidden
    population: pd.Series     # registered residents per neighbourhood, and Total
    protected: bool           # suppression (and any rounding) applied

    @property
    def total(self) -> float:
        return self.table.loc[suppress.TOTAL, suppress.TOTAL]


def counts(db, user: access.User, definition: Definition, area_code: str, round_to: int = 0) -> CohortCounts:
    """Members by neighbourhood and segment; protected for aggregate-only roles.

    Each table is protected on its own. A flexible builder still lets someone subtract the counts
    of two overlapping definitions; where that matters, set NHD_ROUND_TO=5 as well.
    """
    access.require_aggregates(db, user, area_code)
    raw, population = _raw_counts(db, definition, area_code)
    if access.aggregate_only(user):
        return CohortCounts(suppress.protect_table(raw, round_to), population, True)
    return CohortCounts(suppress.with_totals(raw), population, False)


def activity_trend(db, user: access.User, definition: Definition, area_code: str,
                   round_to: int = 0) -> pd.DataFrame:
    """Monthly emergency admissions and A&E attendances of today's members over the last 12 months."""
    access.require_aggregates(db, user, area_code)
    if isinstance(definition, Filters):
        with _with_members(db, definition) as cur:
            rows = run_on(cur, "cohorts/members/activity_trend", area_code=area_code,
                          event_types=list(TREND_EVENTS), **dates(db))
    else:
        rows = db.run("app/cohort_activity_trend", cohort_id=_cohort(db, definition).cohort_id,
                      area_code=area_code, event_types=list(TREND_EVENTS), **dates(db))
    rows["event_type"] = rows["event_type"].map(TREND_EVENTS)
    if access.aggregate_only(user):
        rows["events"] = suppress.protect_counts(rows["events"], round_to).to_numpy()
    return rows


def export_counts_csv(db, user: access.User, definition: Definition, area_code: str,
                      audit_dir: Path, round_to: int = 0) -> bytes:
    """The neighbourhood × segment table as CSV, always protected whoever exports it."""
    access.require_aggregates(db, user, area_code)
    raw, _ = _raw_counts(db, definition, area_code)
    table = suppress.protect_table(raw, round_to)
    audit.record(audit_dir, user, "export_counts", area_code, describe(db, definition), len(table))
    shown = table.map(lambda v: suppress.SUPPRESSED if pd.isna(v) else f"{v:.0f}")
    return shown.to_csv().encode("utf-8")


# --- Person-level rows ------------------------------------------------------------------------

def _checked_list(db, user: access.User, definition: Definition, area_code: str, audit_dir: Path) -> pd.DataFrame:
    try:
        access.require_person_level(db, user, area_code)
    except access.AccessDenied:
        audit.record(audit_dir, user, "refused", area_code, describe(db, definition), 0)
        raise
    rows = _raw_list(db, definition, area_code)
    outside = set(rows["neighbourhood_code"]) - set(user.areas)
    if outside:  # defence in depth: the SQL's area filter and the check above should make this impossible
        raise access.AccessDenied(f"Rows outside {user.name}'s neighbourhoods were returned; none shown")
    return rows[list(LIST_COLUMNS)].rename(columns=LIST_COLUMNS)  # only the listed columns ever leave


def person_list(db, user: access.User, definition: Definition, area_code: str, audit_dir: Path) -> pd.DataFrame:
    """The pseudonymised list for one of the user's neighbourhoods; one audit record per call."""
    rows = _checked_list(db, user, definition, area_code, audit_dir)
    audit.record(audit_dir, user, "list_view", area_code, describe(db, definition), len(rows))
    return rows


def export_list_csv(db, user: access.User, definition: Definition, area_code: str, audit_dir: Path) -> bytes:
    """The pseudonymised list as CSV; one audit record per call."""
    rows = _checked_list(db, user, definition, area_code, audit_dir)
    audit.record(audit_dir, user, "export_list", area_code, describe(db, definition), len(rows))
    return rows.to_csv(index=False).encode("utf-8")
