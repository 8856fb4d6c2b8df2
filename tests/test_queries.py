"""Every app and cohort query file runs on small demo data with bound parameters."""
from __future__ import annotations

import pandas as pd
import pytest

from neighbourhood_health.measures import cohorts
from neighbourhood_health.config import QUERIES_DIR
from neighbourhood_health.store import QueryError, parameters, sql_text

APP_QUERIES = sorted(p.relative_to(QUERIES_DIR).with_suffix("").as_posix()
                     for folder in ("app", "cohorts") for p in (QUERIES_DIR / folder).glob("*.sql"))


@pytest.fixture(scope="module")
def sample(demo_db):
    """A plausible value for every parameter a page query takes, drawn from the demo data."""
    areas = demo_db.run("app/areas").sort_values("area_code")
    icb = areas[areas.area_level == "icb"].area_code.iloc[0]
    place = areas[(areas.area_level == "place") & (areas.parent_code == icb)].area_code.iloc[0]
    values = {"area_code": place, "scope_code": icb, "icb_code": icb, "parent_code": place,
              "measure_id": "emergency_admissions", "level": "neighbourhood", "area_level": "neighbourhood",
              "cohort_id": "rising_risk", "event_types": list(cohorts.TREND_EVENTS),
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
def test_query_runs(demo_db, sample, name):
    if name == "app/audit_log":
        pytest.skip("reads audit files, not marts: tests/test_audit.py runs it on real records")
    if name == "cohorts/core20_any":
        pytest.skip("runs on the union of the other cohorts: tests/test_cohorts.py runs it")
    result = demo_db.run(name, **_params(name, sample))
    assert isinstance(result, pd.DataFrame) and len(result.columns) > 0


def test_area_code_is_bound_not_pasted(demo_db):
    hostile = "ALL' OR 1=1; DROP TABLE areas; --"
    result = demo_db.run("app/measure_latest", area_code=hostile)
    assert result["numerator"].isna().all()
    assert len(demo_db.run("app/areas")) > 0, "areas table still there"


def test_missing_parameter_is_a_clear_error(demo_db):
    with pytest.raises(QueryError, match="needs parameter.*area_code"):
        demo_db.run("app/measure_latest")
