"""Dated activity for the synthetic residents over 36 months.

Counts per person are Poisson with yearly rates driven by age, conditions, frailty and deprivation;
dates are then thinned month by month for winter seasonality, a slow rise in A&E use and two
dated service changes whose effect the Trends page should find:
- Harrow's child health model (April 2025) cuts low-acuity A&E attendances of under-fives by a third;
- Camden's frailty team (October 2025) cuts emergency admissions of moderately or severely frail
  residents by a fifth.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MONTHS = 36
SERVICE_CHANGES = [
    {"place": "Harrow", "date": "2025-04-01", "label": "Harrow child health model launched", "rate_ratio": 0.66,
     "affects": "low-acuity A&E attendances of children under five"},
    {"place": "Camden", "date": "2025-10-01", "label": "Camden frailty team launched", "rate_ratio": 0.8,
     "affects": "emergency admissions of moderately or severely frail residents"},
]


def month_starts(extract_date: pd.Timestamp) -> pd.DatetimeIndex:
    last = extract_date.to_period("M").to_timestamp()
    return pd.date_range(end=last, periods=MONTHS, freq="MS")


def _yearly_rates(persons: pd.DataFrame, d: dict) -> dict[str, np.ndarray]:
    age = persons["age"].to_numpy()
    n_ltc = d["n_true"]
    frail = d["frailty"]
    mod = (frail == "moderate").astype(float)
    sev = (frail == "severe").astype(float)
    dep = d["dep"]
    return {
        "ae_attendance": (0.22 + 1.1 * d["hazard"] + 0.9 * (age == 0) + 0.35 * ((age >= 1) & (age < 5))
                          + 0.08 * ((age >= 16) & (age < 30))) * (1 + 0.45 * dep),
        "emergency_admission": 0.95 * d["hazard"],
        "elective_admission": 0.03 + 0.0018 * age + 0.03 * n_ltc,
        "outpatient": 0.45 + 0.014 * age + 0.25 * n_ltc,
        "community_contact": (age >= 50) * (0.02 * n_ltc + 1.5 * mod + 4.0 * sev + 3.0 * d["housebound"]),
    }


def generate_activity(persons: pd.DataFrame, drivers: dict, extract_date: pd.Timestamp,
                      rng: np.random.Generator, person_index: bool = False) -> pd.DataFrame:
    """The events, sorted by date. With `person_index`, a column of each event's row in `persons`,
    for the national codes drawn afterwards (`demo.national`) to look people up by."""
    months = month_starts(extract_date)
    month_no = months.month.to_numpy()
    season = 1 + 0.12 * np.cos(2 * np.pi * (month_no - 1) / 12)      # winter peak
    ae_trend = 1 + 0.03 * np.arange(MONTHS) / 12                       # 3% a year more A&E
    place = drivers["place"]
    age = persons["age"].to_numpy()
    frail = drivers["frailty"]
    frames = []
    for kind, rate in _yearly_rates(persons, drivers).items():
        ceiling = 1.3
        counts = rng.poisson(rate * MONTHS / 12 * ceiling)
        who = np.repeat(np.arange(len(persons)), counts)
        m = rng.integers(0, MONTHS, len(who))
        keep = np.ones(len(who))
        low_acuity = np.zeros(len(who), dtype=bool)
        if kind in ("ae_attendance", "emergency_admission"):
            keep *= season[m]
        if kind == "ae_attendance":
            keep *= ae_trend[m]
            p_low = np.where(age[who] < 5, 0.55, 0.35) - 0.2 * np.isin(frail[who], ["moderate", "severe"])
            low_acuity = rng.random(len(who)) < p_low
            after = months[m] >= pd.Timestamp(SERVICE_CHANGES[0]["date"])
            keep *= np.where((place[who] == SERVICE_CHANGES[0]["place"]) & after & (age[who] < 5) & low_acuity,
                             SERVICE_CHANGES[0]["rate_ratio"], 1.0)
        if kind == "emergency_admission":
            after = months[m] >= pd.Timestamp(SERVICE_CHANGES[1]["date"])
            frail_who = np.isin(frail[who], ["moderate", "severe"])
            keep *= np.where((place[who] == SERVICE_CHANGES[1]["place"]) & after & frail_who,
                             SERVICE_CHANGES[1]["rate_ratio"], 1.0)
        accepted = rng.random(len(who)) < keep / ceiling
        who, m, low_acuity = who[accepted], m[accepted], low_acuity[accepted]
        days_in = months[m].days_in_month.to_numpy()
        day = np.floor(rng.random(len(who)) * days_in).astype("timedelta64[D]")
        frames.append(pd.DataFrame({
            **({"person_index": who} if person_index else {}),
            "person_id": persons["person_id"].to_numpy()[who],
            "event_date": (months[m].to_numpy().astype("datetime64[D]") + day),
            "event_type": kind,
            "low_acuity": np.where(kind == "ae_attendance", low_acuity, None) if kind == "ae_attendance" else None,
        }))
    activity = pd.concat(frames, ignore_index=True)
    activity["event_type"] = activity["event_type"].astype("category")
    activity["low_acuity"] = activity["low_acuity"].astype("boolean")
    return activity.sort_values("event_date", kind="stable", ignore_index=True)
