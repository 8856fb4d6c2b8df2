"""The demo's neighbourhood-team caseloads: who each integrated neighbourhood team took on, and when.

The two service changes the demo models come first (Harrow's child health model takes on infants
with frequent low-acuity A&E use; Camden's frailty team takes on frail residents with repeated
emergency admissions), then the NNHIP wave-one places in North West London, Hillingdon and the
Bi-borough (Kensington and Chelsea with Westminster), from January 2026 with adults of several
long-term conditions at high risk. Each team takes on a share of its borough's members of the
cohort (found here as the cohort's own SQL finds them at build time, with the catalogue's
thresholds), at dates spread from its start to the extract date; some cases close after a few
months. Drawn from a generator of its own, after everything else, so nothing else changes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from neighbourhood_health.pipeline.cohort_catalogue import load_cohorts, window
from neighbourhood_health.pipeline.contract import CONDITIONS

#: borough, cohort taken on from, first day, share of the borough's members taken on
CASELOADS = [
    ("Harrow", "infant_low_acuity_ae", "2025-04-01", 0.6),
    ("Camden", "frail_emergency_admissions", "2025-10-01", 0.5),
    ("Hillingdon", "multimorbid_high_risk", "2026-01-01", 0.3),
    ("Kensington and Chelsea", "multimorbid_high_risk", "2026-01-01", 0.3),
    ("Westminster", "multimorbid_high_risk", "2026-01-01", 0.3),
]


def _members(cohort_id: str, persons: pd.DataFrame, activity: pd.DataFrame, extract_date) -> np.ndarray:
    """Whether each resident is in the cohort at the extract date (queries/cohorts/<cohort_id>.sql)."""
    params = load_cohorts()[cohort_id].params
    when = window(extract_date)

    def recent(event_type: str) -> pd.DataFrame:
        rows = activity[activity["event_type"] == event_type]
        dates = rows["event_date"]
        return rows[(dates > pd.Timestamp(when["window_start"])) & (dates <= pd.Timestamp(when["extract_date"]))]

    if cohort_id == "multimorbid_high_risk":
        conditions = persons[[f"ltc_{c}" for c in CONDITIONS]].sum(axis=1)
        return ((conditions >= params["min_conditions"]) & (persons["risk_score"] >= params["min_risk"])).to_numpy()
    if cohort_id == "frail_emergency_admissions":
        events = recent("emergency_admission")["person_id"].value_counts()
        enough = persons["person_id"].map(events).fillna(0) >= params["min_admissions"]
        return (persons["frailty"].isin(params["frailty"]) & enough).to_numpy()
    if cohort_id == "infant_low_acuity_ae":
        ae = recent("ae_attendance")
        low = ae.loc[ae["low_acuity"].fillna(False).astype(bool), "person_id"].value_counts()
        enough = persons["person_id"].map(low).fillna(0) >= params["min_attendances"]
        return ((persons["age"] <= params["max_age"]) & enough).to_numpy()
    raise ValueError(f"The demo has no caseload model for cohort {cohort_id!r}")


def generate_caseload(persons: pd.DataFrame, activity: pd.DataFrame, lookup: pd.DataFrame,
                      extract_date: pd.Timestamp, rng: np.random.Generator) -> pd.DataFrame:
    """One row per caseload episode: person, neighbourhood team, cohort, start and end dates."""
    where = lookup.set_index("small_area_code").reindex(persons["small_area_code"])
    borough, neighbourhood = where["borough_name"].to_numpy(), where["neighbourhood_code"].to_numpy()
    last = np.datetime64(extract_date.date())
    frames, found = [], {}
    for name, cohort_id, start, share in CASELOADS:
        if cohort_id not in found:
            found[cohort_id] = _members(cohort_id, persons, activity, extract_date)
        chosen = np.flatnonzero(found[cohort_id] & (borough == name))
        chosen = chosen[rng.random(len(chosen)) < share]
        # An infant is taken on after birth: no earlier than a year before the extract date.
        first = max(np.datetime64(start), last - np.timedelta64(330, "D")) if cohort_id == "infant_low_acuity_ae" \
            else np.datetime64(start)
        span = int((last - first) / np.timedelta64(1, "D"))
        opened = first + np.floor(rng.random(len(chosen)) ** 0.8 * span).astype("timedelta64[D]")
        closes = rng.random(len(chosen)) < 0.3
        closed = opened + (60 + np.floor(rng.random(len(chosen)) * 210)).astype("timedelta64[D]")
        closed = np.where(closes & (closed <= last), closed, np.datetime64("NaT"))
        frames.append(pd.DataFrame({
            "person_id": persons["person_id"].to_numpy()[chosen], "neighbourhood_code": neighbourhood[chosen],
            "cohort_id": cohort_id, "start_date": opened, "end_date": closed,
            "team": f"{name} integrated neighbourhood team",
        }))
    caseload = pd.concat(frames, ignore_index=True)
    return caseload.sort_values(["neighbourhood_code", "start_date", "person_id"], ignore_index=True)
