"""Expected prevalence by indirect standardisation, and the gap between expected and recorded.

Expected count E = Σ eligible population × reference prevalence, over IMD quintile × sex × age
band (`stats.expected_counts`). The eligible population is each recorded-prevalence measure's own
denominator, so its age limits apply to expected and recorded alike. The ratio recorded/expected
O/E has exact Poisson (O < 10) or Byars limits (`stats.isr`): E comes from a reference table and is
treated as fixed, all uncertainty is in the recorded count. The gap E − O estimates how many
people are not yet diagnosed; its limits are E − (the limits of O), i.e. E × (1 − limits of O/E).
Expected counts come only from the reference table, never from anyone's true status.
"""
from __future__ import annotations

import pandas as pd

from neighbourhood_health import stats
from neighbourhood_health.privacy import disclosure

KEYS = ["measure_id", "condition", "name"]
DERIVED = ("recorded_prevalence", "ratio", "ratio_lower", "ratio_upper", "gap", "gap_lower", "gap_upper",
           "gap_per_1000")
RECORDED = ["recorded", "population", "recorded_small", "population_small"]


def expected_by_group(strata: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Eligible population and expected count per group of `by` columns (rows of app/prevalence_gap_strata)."""
    strata = strata.reset_index(drop=True)
    grouped = strata.groupby(by, sort=False)
    codes = grouped.ngroup()
    expected = stats.expected_counts(strata["population"], strata["reference_prevalence"], groups=codes)
    totals = grouped.agg(eligible=("population", "sum")).reset_index()
    totals["group"] = range(len(totals))  # ngroup numbers groups in the order groupby lists them
    return totals.merge(expected[["group", "expected", "note"]], on="group").drop(columns="group")


def with_gaps(frame: pd.DataFrame, conf: float = 0.95) -> pd.DataFrame:
    """Add prevalences (%), O/E with limits, the gap E − O with limits, and a judgement.

    `recorded` is the count the viewer may see (app/prevalence_recorded, protected unless exact);
    `expected` and `eligible` (the residents the register covers: a count of residents by age, not
    of anyone's condition, published as the area's population is) come from the population strata."""
    out = frame.reset_index(drop=True).copy()
    ratio = stats.isr(out["recorded"], out["expected"], conf=conf)
    out["recorded_prevalence"] = out["recorded"] / out["eligible"] * 100
    out["expected_prevalence"] = out["expected"] / out["eligible"] * 100
    out["ratio"], out["ratio_lower"], out["ratio_upper"] = ratio["value"], ratio["lower"], ratio["upper"]
    out["gap"] = out["expected"] - out["recorded"]
    out["gap_lower"] = out["expected"] * (1 - out["ratio_upper"])
    out["gap_upper"] = out["expected"] * (1 - out["ratio_lower"])
    out["gap_per_1000"] = out["gap"] / out["eligible"] * 1000
    out["judgement"] = "similar"
    out.loc[out["ratio_upper"] < 1, "judgement"] = "fewer recorded than expected"
    out.loc[out["ratio_lower"] > 1, "judgement"] = "more recorded than expected"
    out.loc[out["ratio"].isna(), "judgement"] = "not compared"
    return out


def suppressed(frame: pd.DataFrame) -> pd.DataFrame:
    """Blank recorded counts that could be 1–7 and everything derived from them (the gap gives the count back)."""
    out = disclosure.hide(frame, numerator="recorded", denominator="population", derived=DERIVED)
    out.loc[out["suppressed"], "judgement"] = "not compared"
    return out


def _recorded_by_neighbourhood(strata: pd.DataFrame, recorded: pd.DataFrame) -> pd.DataFrame:
    groups = expected_by_group(strata, KEYS + ["neighbourhood_code", "neighbourhood_name"])
    return groups.merge(recorded[["measure_id", "neighbourhood_code", *RECORDED]],
                        on=["measure_id", "neighbourhood_code"], how="left")


def neighbourhood_gaps(strata: pd.DataFrame, recorded: pd.DataFrame) -> pd.DataFrame:
    """One row per condition × neighbourhood, with expected counts, O/E and the gap.

    `strata` and `recorded` are app/prevalence_gap_strata and app/prevalence_recorded for one scope."""
    return with_gaps(_recorded_by_neighbourhood(strata, recorded))


def area_gaps(strata: pd.DataFrame, recorded: pd.DataFrame, neighbourhoods: list[str] | None = None) -> pd.DataFrame:
    """One row per condition for the whole area (or for the listed neighbourhoods): expected from
    all their strata, recorded the sum of the neighbourhoods' figures as the viewer sees them."""
    if neighbourhoods is not None:
        strata = strata[strata["neighbourhood_code"].isin(neighbourhoods)]
        recorded = recorded[recorded["neighbourhood_code"].isin(neighbourhoods)]
    summed = recorded.groupby("measure_id", sort=False).agg(
        recorded=("recorded", "sum"), population=("population", "sum"), recorded_small=("recorded_small", "any"),
        population_small=("population_small", "any")).reset_index()
    return with_gaps(expected_by_group(strata, KEYS).merge(summed, on="measure_id", how="left"))
