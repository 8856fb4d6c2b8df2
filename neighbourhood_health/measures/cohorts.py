"""Cohorts: the catalogue (definitions/cohorts.csv, one SQL file each in queries/cohorts/), the
cohort builder, and the counts, trends and pseudonymised lists the Cohorts page shows (queries in
queries/cohorts/members/, run over the members registered on a private cursor).

Every public function takes the user and checks access before touching data
(neighbourhood_health.privacy.access): aggregates only for areas the user covers, exact only where
the viewer may see exact figures (an INT lead in their own neighbourhoods) and protected elsewhere,
on the page and in its exports alike (neighbourhood_health.privacy.disclosure: each neighbourhood's
cells are protected, and an area's figures are their sums); the builder, whose definitions could be
subtracted from one another, only where counts are exact; person-level rows only for INT leads in
their own neighbourhoods, and each list view and export is written to the audit log. A deployment may replace the catalogue with its own `cohorts.csv` in the extracts folder.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pandas as pd

from neighbourhood_health.privacy import access, audit, disclosure
from neighbourhood_health.privacy.disclosure import TOTAL
from neighbourhood_health.pipeline.cohort_catalogue import (TREND_EVENTS, Cohort, CohortError, load_cohorts,  # noqa: F401
                                                             risk_bands, window)
from neighbourhood_health.pipeline.contract import CONDITIONS
from neighbourhood_health.store import QUERIES_DIR, relation_on, run_on

AGE_BANDS = ["Under 1", "1-17", "18-39", "40-64", "65-74", "75-84", "85+"]
FRAILTY_OPTIONS = ["fit", "mild", "moderate", "severe", "not assessed"]
SEGMENTS = ["Healthy well", "Maternal and infant health", "Acutely ill", "Full function but chronic conditions",
            "Stable but serious disability", "Limited reserve and exacerbations",
            "Short period of decline before dying", "Long period of decline before dying (frailty)"]
LIST_COLUMNS = {
    "person_id": "Pseudonymised ID", "age_band": "Age band", "neighbourhood_name": "Neighbourhood",
    "practice_code": "Practice code", "practice_name": "Practice", "conditions": "Long-term conditions",
    "conditions_count": "Number of LTCs", "frailty": "Frailty (eFI)", "risk_score": "Risk score (%)",
    "segment": "Segment", "emergency_admissions_12m": "Emergency admissions, 12 months",
    "last_emergency_admission": "Last emergency admission", "last_ae_attendance": "Last A&E attendance",
    "last_community_contact": "Last community contact",
}


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
    """A catalogue cohort's exact counts are read once per area of an open Database
    (`Database.remember`), then copied to each caller: the Cohorts page and the board pack both
    ask for every cohort."""
    if isinstance(definition, Filters):
        return _read_counts(db, definition, area_code)
    table, population = db.remember(("cohort_counts", definition, area_code),
                                    lambda: _read_counts(db, definition, area_code))
    return table.copy(), population.copy()


def _read_counts(db, definition: Definition, area_code: str) -> tuple[pd.DataFrame, pd.Series]:
    with _with_members(db, definition) as cur:
        rows = run_on(cur, "cohorts/members/counts", area_code=area_code, segments=SEGMENTS)
    table = rows.pivot_table(index="neighbourhood_name", columns="segment", values="people",
                             aggfunc="sum", fill_value=0)
    order = [s for s in SEGMENTS if s in table.columns] + sorted(set(table.columns) - set(SEGMENTS))
    table = table[order].rename_axis(index="Neighbourhood", columns="Segment")
    population = rows.drop_duplicates("neighbourhood_name").set_index("neighbourhood_name")["population"]
    population.loc[TOTAL] = population.sum()
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
        return self.table.loc[TOTAL, TOTAL]


def counts(db, user: access.User, definition: Definition, area_code: str) -> CohortCounts:
    """Members by neighbourhood and segment: exact where the viewer may see exact figures, else
    each neighbourhood's cells protected and the totals their sums (the same cells in an ICB's,
    a place's and a neighbourhood's table)."""
    access.require_aggregates(db, user, area_code)
    exact = access.exact_figures(db, user, area_code)
    _builder_allowed(definition, exact)
    raw, population = _raw_counts(db, definition, area_code)
    if exact:
        return CohortCounts(disclosure.with_totals(raw), population, False)
    table = disclosure.protect_table(raw, _secret(db), f"cohort|{_cohort(db, definition).cohort_id}")
    return CohortCounts(table, population, True)


def _secret(db) -> str:
    return disclosure.key(Path(db.marts_dir).parent)


def builder_allowed(db, user: access.User, area_code: str) -> bool:
    """The builder counts only where the viewer sees exact figures: protected counts of definitions
    that differ by one filter could be subtracted from one another."""
    return access.exact_figures(db, user, area_code)


def _builder_allowed(definition: Definition, exact: bool) -> None:
    if isinstance(definition, Filters) and not exact:
        raise access.AccessDenied("The cohort builder counts only where you may see exact figures (an INT lead "
                                  "in their own neighbourhoods): counts of definitions that differ by one filter "
                                  "could otherwise be subtracted to reveal small numbers")


def per_thousand(count, population):
    """People per 1,000 registered residents: count / population × 1,000 (NaN where the count is hidden).

    `count` is one number with its population, or a Series by neighbourhood (and Total) with the
    population Series of `CohortCounts`, matched on the index. The Cohorts page and the board pack
    both use this, so their rates agree."""
    if isinstance(count, pd.Series):
        population = population.reindex(count.index)
    return count / population * 1000


def total_per_thousand(result: CohortCounts) -> float:
    """The whole area's people per 1,000 registered residents (NaN when its total is hidden)."""
    return per_thousand(result.total, result.population[TOTAL])


def neighbourhood_summary(result: CohortCounts) -> pd.DataFrame:
    """People, people per 1,000 and registered residents by neighbourhood, and for the Total."""
    people = result.table[TOTAL]
    return pd.DataFrame({"People": people, "Per 1,000 residents": per_thousand(people, result.population),
                         "Registered residents": result.population.reindex(people.index)})


def activity_trend(db, user: access.User, definition: Definition, area_code: str) -> pd.DataFrame:
    """Monthly emergency admissions and A&E attendances of today's members over the last 12 months:
    exact where the viewer may see exact figures, else each neighbourhood's months protected and summed."""
    access.require_aggregates(db, user, area_code)
    exact = access.exact_figures(db, user, area_code)
    _builder_allowed(definition, exact)
    if isinstance(definition, Filters):
        with _with_members(db, definition) as cur:
            rows = run_on(cur, "cohorts/members/activity_trend", area_code=area_code,
                          event_types=list(TREND_EVENTS), **dates(db))
    else:
        cohort_id = _cohort(db, definition).cohort_id
        cells = db.run("app/cohort_activity_trend", cohort_id=cohort_id, area_code=area_code,
                       event_types=list(TREND_EVENTS), **dates(db))
        if exact:
            rows = cells.groupby(["month", "event_type"], sort=False, as_index=False)["events"].sum()
        else:
            rows = disclosure.protect_series(cells, ["neighbourhood_code", "month", "event_type"],
                                             ["month", "event_type"], "events", _secret(db),
                                             f"cohort_trend|{cohort_id}")
    rows["event_type"] = rows["event_type"].map(TREND_EVENTS)
    return rows


def export_counts_csv(db, user: access.User, definition: Definition, area_code: str, audit_dir: Path) -> bytes:
    """The neighbourhood × segment table as CSV, as the page shows it to this viewer; audited."""
    table = counts(db, user, definition, area_code).table
    audit.record(audit_dir, user, "export_counts", area_code, describe(db, definition), len(table))
    shown = table.map(lambda v: disclosure.SUPPRESSED if pd.isna(v) else f"{v:.0f}")
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
