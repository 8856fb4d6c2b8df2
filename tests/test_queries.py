"""Every app and cohort query file runs on small demo data with bound parameters and returns the
columns its callers read: a renamed or dropped column fails here, not on a page."""
from __future__ import annotations

import pandas as pd
import pytest

from neighbourhood_health.measures import cohorts
from neighbourhood_health.config import QUERIES_DIR
from neighbourhood_health.store import QueryError, parameters, sql_text

APP_QUERIES = sorted(p.relative_to(QUERIES_DIR).with_suffix("").as_posix()
                     for folder in ("app", "cohorts") for p in (QUERIES_DIR / folder).glob("*.sql"))


# The columns each query returns, in order, as its SELECT lists them (queries/app, queries/cohorts).
MEASURE = ["measure_id", "name", "family", "family_order"]
# Beside every protected figure: whether a hidden count is among the cells it sums (privacy.disclosure).
SMALL = ["numerator_small", "denominator_small"]
PARENT_SMALL = ["parent_numerator_small", "parent_denominator_small"]
EXPECTED_COLUMNS = {
    "app/area_lineage": ["area_code", "area_name", "area_level", "neighbourhood_code", "place_code", "icb_code"],
    "app/areas": ["area_code", "area_name", "area_level", "parent_code", "icb_code", "place_code",
                  "neighbourhood_code", "population"],
    "app/cohort_activity_trend": ["neighbourhood_code", "month", "event_type", "events"],
    "app/data_summary": ["measure_id", "name", "family", "first_period", "last_period", "periods"],
    "app/evaluation_covariates": ["neighbourhood_code", "population", "imd_score", "imd_decile", "share_under_18",
                                  "share_65_plus"],
    "app/evaluation_panel": ["neighbourhood_code", "neighbourhood_name", "place_code", "icb_code", "period",
                             "numerator", "denominator", "p_numerator", "p_denominator", *SMALL, "exact"],
    "app/inequality_breakdown": ["dimension", "category", "numerator", "denominator", *SMALL],
    "app/measure_latest": [*MEASURE, "pillar", "life_stage", "polarity", "unit", "method", "multiplier",
                           "target", "source", "definition", "numerator", "denominator", *SMALL, "first_period",
                           "last_period", "parent_numerator", "parent_denominator", *PARENT_SMALL],
    "app/measure_catalogue": ["measure_id", "name", "family", "pillar", "life_stage", "polarity", "unit", "method",
                              "multiplier", "target", "definition"],
    "app/measure_peers": ["measure_id", "polarity", "method", "multiplier", "area_code", "area_name",
                          "numerator", "denominator", *SMALL],
    "app/measure_series": [*MEASURE, "pillar", "life_stage", "polarity", "unit", "method", "multiplier",
                           "target", "definition", "area_code", "period", "numerator", "denominator", *SMALL],
    "app/measure_series_children": ["area_code", "area_name", "measure_id", "name", "polarity", "unit",
                                    "method", "multiplier", "target", "period", "numerator", "denominator", *SMALL],
    "app/measure_within_area": ["area_code", "area_name", "parent_code", "numerator", "denominator", *SMALL,
                                "first_period", "last_period", "parent_numerator", "parent_denominator", *PARENT_SMALL,
                                "measure_id", "name", "polarity", "unit", "method", "multiplier"],
    "app/nnhip_areas": ["area_code", "area_name", "members", "members_small", "count", "count_small"],
    "app/nnhip_series": ["month", "row_key", "population", "count", "count_small"],
    "app/place_view_measures": [*MEASURE, "polarity", "unit", "method", "multiplier", "target", "source",
                                "definition", "person_level"],
    "app/prevalence_gap_strata": ["measure_id", "condition", "name", "neighbourhood_code", "neighbourhood_name",
                                  "imd_quintile", "sex", "age_band", "population", "reference_prevalence"],
    "app/prevalence_recorded": ["measure_id", "neighbourhood_code", "recorded", "population", "recorded_small",
                                "population_small"],
    # A cohort is a set of people: cohorts.py joins its members on person_id alone.
    **{name: ["person_id"] for name in APP_QUERIES if name.startswith("cohorts/") and name != "cohorts/core20_any"},
}
NOT_RUN_HERE = {
    "app/audit_log": "reads audit files, not marts: tests/test_audit.py runs it on real records",
    "cohorts/core20_any": "runs on the union of the other cohorts: tests/test_cohorts.py runs it",
}


def test_every_query_has_expected_columns():
    """A new query file must say what it returns, or be listed as run elsewhere."""
    assert sorted([*EXPECTED_COLUMNS, *NOT_RUN_HERE]) == APP_QUERIES


@pytest.fixture(scope="module")
def sample(demo_db):
    """A plausible value for every parameter a page query takes, drawn from the demo data."""
    areas = demo_db.run("app/areas").sort_values("area_code")
    icb = areas[areas.area_level == "icb"].area_code.iloc[0]
    place = areas[(areas.area_level == "place") & (areas.parent_code == icb)].area_code.iloc[0]
    values = {"exact_areas": [], "area_code": place, "scope_code": icb, "icb_code": icb, "parent_code": place,
              "measure_id": "emergency_admissions", "level": "neighbourhood", "area_level": "neighbourhood",
              "cohort_id": "rising_risk", "row_key": "O6_gp", "event_types": list(cohorts.TREND_EVENTS),
              **cohorts.dates(demo_db), **cohorts.Filters(min_conditions=2).params()}
    return values


def _params(name, sample):
    own = {}
    if name.startswith("cohorts/"):
        own = cohorts.load_cohorts()[name.split("/", 1)[1]].params
    wanted = parameters(sql_text(name))
    missing = wanted - sample.keys() - own.keys()
    assert not missing, f"{name}: add a sample value for {missing}"
    return {k: own.get(k, sample.get(k)) for k in wanted}


@pytest.mark.parametrize("name", APP_QUERIES)
def test_query_returns_its_columns(demo_db, sample, name):
    if name in NOT_RUN_HERE:
        pytest.skip(NOT_RUN_HERE[name])
    result = demo_db.run(name, **_params(name, sample))
    assert isinstance(result, pd.DataFrame)
    assert list(result.columns) == EXPECTED_COLUMNS[name]
    assert len(result) > 0, "the sample parameters pick rows on the demo data"


def test_area_code_is_bound_not_pasted(demo_db):
    hostile = "ALL' OR 1=1; DROP TABLE areas; --"
    result = demo_db.run("app/measure_latest", area_code=hostile, exact_areas=[hostile])
    assert result["numerator"].isna().all()
    assert len(demo_db.run("app/areas")) > 0, "areas table still there"


def test_missing_parameter_is_a_clear_error(demo_db):
    with pytest.raises(QueryError, match="needs parameter.*area_code"):
        demo_db.run("app/measure_latest")
