"""Every app query file runs on small demo data with bound parameters."""
from __future__ import annotations

import datetime as dt

import pytest

from neighbourhood_health.config import QUERIES_DIR
from neighbourhood_health.db import QueryError, parameters, sql_text

# A plausible value for every parameter name a page query takes.
SAMPLE = {
    "area_code": "ALL", "measure_id": "emergency_admissions", "extract_date": dt.date(2026, 10, 31),
    "window_start": dt.date(2025, 10, 31), "baseline": 12,
}
APP_QUERIES = sorted(p.relative_to(QUERIES_DIR).with_suffix("").as_posix()
                     for folder in ("app", "cohorts") for p in (QUERIES_DIR / folder).glob("*.sql"))


def _sample(demo_db, name):
    params = {}
    for key in parameters(sql_text(name)):
        if key not in SAMPLE:
            pytest.skip(f"{name}: no sample value for ${key}; its own tests run it")
        params[key] = SAMPLE[key]
    return params


@pytest.mark.parametrize("name", APP_QUERIES)
def test_query_runs(demo_db, name):
    result = demo_db.run(name, **_sample(demo_db, name))
    assert len(result.columns) > 0


def test_area_code_is_bound_not_pasted(demo_db):
    hostile = "ALL' OR 1=1; DROP TABLE areas; --"
    result = demo_db.run("app/measure_latest", area_code=hostile)
    assert result["numerator"].isna().all()
    assert len(demo_db.run("app/areas")) > 0, "areas table still there"


def test_missing_parameter_is_a_clear_error(demo_db):
    with pytest.raises(QueryError, match="needs parameter.*area_code"):
        demo_db.run("app/measure_latest")
