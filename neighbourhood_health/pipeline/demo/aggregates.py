"""Measures that arrive already aggregated: waiting-time standards and experience surveys.

One row per measure × neighbourhood × period with a numerator and a denominator, as the real
sources publish them (RTT, DM01 diagnostics, A&E 4-hour, GP Patient Survey, NHS Staff Survey
and workforce returns). Performance is worse in more deprived neighbourhoods and drifts over time.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from neighbourhood_health.pipeline.demo.activity import month_starts

# measure_id, yearly cadence?, base proportion, deprivation effect, drift per year, winter dip,
# denominator per 1,000 residents per period
AGGREGATE_MEASURES = [
    ("rtt_18_weeks", False, 0.60, -0.05, 0.010, 0.00, 9.0),
    ("diagnostics_6_weeks", False, 0.80, -0.04, 0.015, 0.03, 1.6),
    ("ae_4_hours", False, 0.75, -0.04, 0.008, 0.05, None),       # denominator: residents' A&E attendances
    ("gpps_good_experience", True, 0.72, -0.08, -0.010, 0.00, 6.0),
    ("gpps_confidence_managing", True, 0.76, -0.06, 0.000, 0.00, 3.0),
    ("staff_sickness_absence", False, 0.045, 0.010, -0.002, -0.010, 45.0),
    ("staff_turnover", False, 0.011, 0.002, -0.001, 0.00, 2.2),
    ("fft_positive", False, 0.90, -0.03, 0.002, 0.00, 4.0),
]


def generate_aggregates(lookup: pd.DataFrame, deprivation: pd.DataFrame, persons: pd.DataFrame,
                        activity: pd.DataFrame, extract_date: pd.Timestamp,
                        rng: np.random.Generator) -> pd.DataFrame:
    months = month_starts(extract_date)
    areas = lookup.merge(deprivation, on="small_area_code")
    pop = persons.groupby("small_area_code").size().rename("pop")
    areas = areas.join(pop, on="small_area_code")
    areas["dep"] = (10 - areas["imd_decile"]) / 9
    nb = areas.groupby("neighbourhood_code").apply(
        lambda g: pd.Series({"pop": g["pop"].sum(), "dep": np.average(g["dep"], weights=g["pop"])}),
        include_groups=False)
    nb["effect"] = rng.normal(0, 0.025, len(nb))

    ae = activity[activity["event_type"] == "ae_attendance"]
    person_nb = persons[["person_id", "small_area_code"]].merge(
        lookup[["small_area_code", "neighbourhood_code"]], on="small_area_code")
    ae = ae.merge(person_nb[["person_id", "neighbourhood_code"]], on="person_id")
    ae_counts = ae.groupby(["neighbourhood_code", ae["event_date"].dt.to_period("M").dt.to_timestamp()]).size()

    rows = []
    for measure, yearly, base, dep_eff, drift, winter, per_1000 in AGGREGATE_MEASURES:
        periods = months[months.month == 7] if yearly else months
        for code, area in nb.iterrows():
            years = (periods - months[0]).days.to_numpy() / 365.25
            is_winter = np.isin(periods.month, [12, 1, 2])
            p = base + dep_eff * (area["dep"] - 0.5) * 2 + drift * years - winter * is_winter + area["effect"] * base
            p = np.clip(p, 0.001, 0.999)
            if per_1000 is None:
                den = ae_counts.reindex([(code, t) for t in periods]).fillna(0).to_numpy().astype(int)
            else:
                den = rng.poisson(area["pop"] / 1000 * per_1000, len(periods))
            num = rng.binomial(den, p)
            for t, x, m in zip(periods, num, den):
                rows.append((measure, code, t, int(x), int(m)))
    out = pd.DataFrame(rows, columns=["measure_id", "area_code", "period", "numerator", "denominator"])
    out["period"] = pd.to_datetime(out["period"]).dt.date
    return out
