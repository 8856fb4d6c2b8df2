"""The page questions answered two ways: ours (DuckDB over marts) and a typical Streamlit app's
(pandas over the same parquet extracts, loaded into memory once, as st.cache_data would hold them).

Each question checks that both ways give the same numerators and denominators before timing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from neighbourhood_health.measures import cohorts, indicators
from neighbourhood_health.pipeline.contract import CONDITIONS

MEASURE = "emergency_admissions"


@dataclass
class Question:
    title: str
    ours: Callable
    pandas: Callable
    check: Callable


def load(cfg) -> dict:
    """What a typical app would cache: the extracts and lookups as DataFrames."""
    ext = cfg.extracts_dir
    lookup = pd.read_csv(cfg.geo_dir / "area_lookup.csv")
    deprivation = pd.read_csv(cfg.geo_dir / "deprivation.csv")
    manifest = json.loads((ext / "manifest.json").read_text())
    extract = pd.Timestamp(manifest["extract_date"])
    return {"persons": pd.read_parquet(ext / "persons.parquet"),
            "activity": pd.read_parquet(ext / "activity.parquet"),
            "lookup": lookup, "deprivation": deprivation,
            "window_start": extract.to_period("M").to_timestamp() - pd.DateOffset(months=11),
            "extract": extract}


def _residents(f, code, level="place"):
    persons = f["persons"].merge(f["lookup"][["small_area_code", "neighbourhood_code", "place_code"]],
                                 on="small_area_code")
    return persons[persons[f"{level}_code"] == code]


def _events(f, residents):
    a = f["activity"]
    a = a[(a.event_type == "emergency_admission") & (pd.to_datetime(a.event_date) >= f["window_start"])]
    return a[a.person_id.isin(residents.person_id)].merge(residents, on="person_id")


def _everywhere(database) -> list[str]:
    """Every neighbourhood: exact figures everywhere, so ours can be checked against pandas' exact sums
    (the protected ones cost the same: the same rows, the other columns)."""
    areas = database.run("app/areas")
    return list(areas.loc[areas["area_level"] == "neighbourhood", "area_code"])


def _with_rates(frame):
    frame = frame.assign(method="rate", multiplier=1000.0)
    return indicators.with_intervals(frame)


# 1. A measure by neighbourhood, with intervals (Map, Inequalities funnel)
def by_neighbourhood_ours(database, areas):
    frame = database.run("app/measure_within_area", exact_areas=_everywhere(database), measure_id=MEASURE,
                         level="neighbourhood",
                         scope_code=areas["place"])
    return _with_rates(frame[["area_code", "numerator", "denominator"]])


def by_neighbourhood_pandas(f, areas):
    residents = _residents(f, areas["place"])
    events = _events(f, residents).groupby("neighbourhood_code").size().rename("numerator")
    pop = residents.groupby("neighbourhood_code").size().rename("denominator")
    frame = pd.concat([events, pop], axis=1).fillna(0).reset_index(names="area_code")
    return _with_rates(frame)


# 2. A measure by deprivation decile (Inequalities)
def by_decile_ours(database, areas):
    frame = database.run("app/inequality_breakdown", exact_areas=_everywhere(database), measure_id=MEASURE,
                         scope_code=areas["place"])
    frame = frame[frame.dimension == "imd_decile"].rename(columns={"category": "imd_decile"})
    frame["imd_decile"] = frame.imd_decile.astype(int)
    return _with_rates(frame[["imd_decile", "numerator", "denominator"]])


def by_decile_pandas(f, areas):
    residents = _residents(f, areas["place"]).merge(f["deprivation"], on="small_area_code")
    events = _events(f, residents).groupby("imd_decile").size().rename("numerator")
    pop = residents.groupby("imd_decile").size().rename("denominator")
    frame = pd.concat([events, pop], axis=1).fillna(0).reset_index(names="imd_decile")
    return _with_rates(frame)


# 3. A monthly series (Trends), for a neighbourhood: exact figures go to an INT lead for their own
# neighbourhoods only, so a place's series is always the protected one and pandas' exact sums are
# compared with a neighbourhood's.
def series_ours(database, areas):
    frame = database.run("app/measure_series", exact_areas=_everywhere(database), area_code=areas["neighbourhood"])
    frame = frame[frame.measure_id == MEASURE]
    return _with_rates(frame[["period", "numerator", "denominator"]].assign(period=lambda d: pd.to_datetime(d.period)))


def series_pandas(f, areas):
    residents = _residents(f, areas["neighbourhood"], "neighbourhood")
    a = f["activity"]
    a = a[(a.event_type == "emergency_admission") & a.person_id.isin(residents.person_id)]
    months = pd.to_datetime(a.event_date).dt.to_period("M").dt.to_timestamp()
    counts = months.value_counts().sort_index()
    full = pd.date_range(end=f["extract"].to_period("M").to_timestamp(), periods=36, freq="MS")
    frame = pd.DataFrame({"period": full, "numerator": counts.reindex(full, fill_value=0).to_numpy(),
                          "denominator": len(residents) / 12.0})
    return _with_rates(frame)


# 4. Cohort builder counts with several filters (Cohorts): any of hypertension or diabetes, two or
# more LTCs, rising or high risk, 65 and over, an emergency admission in the last 12 months.
FILTERS = cohorts.Filters(conditions=("hypertension", "diabetes"), all_conditions=False, min_conditions=2,
                          risk_bands=("rising", "high"), age_bands=("65-74", "75-84", "85+"),
                          activity_types=("emergency_admission",), min_events=1)


def cohort_counts_ours(database, areas):
    """The builder's exact count for a place (what it counts before any protection; the page offers
    the builder only in an INT lead's own neighbourhoods, but the counting is the same)."""
    table, _ = cohorts._raw_counts(database, FILTERS, areas["place"])
    cells = table.stack()
    return cells[cells > 0].rename("numerator").reset_index().assign(denominator=1.0)


def cohort_counts_pandas(f, areas):
    residents = _residents(f, areas["place"])
    a = f["activity"]
    start = f["extract"] - pd.DateOffset(months=12)
    dates = pd.to_datetime(a.event_date)
    recent = a[(a.event_type == "emergency_admission") & (dates > start) & (dates <= f["extract"])]
    admissions = recent.groupby("person_id").size().reindex(residents.person_id, fill_value=0).to_numpy()
    ltcs = residents[[f"ltc_{c}" for c in CONDITIONS]].fillna(False).sum(axis=1)
    bands = cohorts.risk_bands().set_index("band").loc[list(FILTERS.risk_bands)]
    in_band = np.zeros(len(residents), dtype=bool)
    for band in bands.itertuples():
        in_band |= ((residents.risk_score >= band.lower) & (residents.risk_score < band.upper)).to_numpy()
    chosen = residents[(residents.ltc_hypertension.fillna(False) | residents.ltc_diabetes.fillna(False))
                       & (ltcs >= 2) & in_band & (residents.age >= 65) & (admissions >= 1)]
    names = f["lookup"].drop_duplicates("neighbourhood_code").set_index("neighbourhood_code")["neighbourhood_name"]
    cells = chosen.assign(Neighbourhood=chosen.neighbourhood_code.map(names)).groupby(["Neighbourhood", "segment"]).size()
    return cells.rename("numerator").rename_axis(["Neighbourhood", "Segment"]).reset_index().assign(denominator=1.0)


def _same_cells(ours, theirs):
    key = ["Neighbourhood", "Segment"]
    a, b = (f.set_index(key).numerator.astype(int).sort_index() for f in (ours, theirs))
    return bool(a.sum() > 0 and a.equals(b))


def same(key):
    def check(ours, theirs):
        a = ours.sort_values(key).reset_index(drop=True)
        b = theirs.sort_values(key).reset_index(drop=True)
        return bool(len(a) == len(b) and np.allclose(a.numerator, b.numerator)
                    and np.allclose(a.denominator, b.denominator))
    return check


QUESTIONS = [
    Question("Emergency admissions by neighbourhood, with 95% CIs", by_neighbourhood_ours, by_neighbourhood_pandas,
             same("area_code")),
    Question("Emergency admissions by deprivation decile", by_decile_ours, by_decile_pandas, same("imd_decile")),
    Question("Emergency admissions, monthly series for a neighbourhood", series_ours, series_pandas, same("period")),
    Question("Cohort builder counts, five filters, by neighbourhood and segment", cohort_counts_ours,
             cohort_counts_pandas, _same_cells),
]
