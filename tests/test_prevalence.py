"""prevalence: expected counts by indirect standardisation, O/E with Byars/exact limits, the gap."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neighbourhood_health.measures import prevalence
from neighbourhood_health import stats


def strata() -> pd.DataFrame:
    return pd.DataFrame({
        "measure_id": ["prev_x"] * 4, "condition": ["x"] * 4, "name": ["X: recorded prevalence"] * 4,
        "neighbourhood_code": ["N1", "N1", "N2", "N2"], "neighbourhood_name": ["One", "One", "Two", "Two"],
        "recorded": [30.0, 50.0, 3.0, 2.0], "population": [1000.0, 500.0, 100.0, 50.0],
        "reference_prevalence": [0.05, 0.2, 0.05, 0.2]})


def test_expected_is_population_times_reference_rate():
    out = prevalence.neighbourhood_gaps(strata()).set_index("neighbourhood_code")
    assert out.loc["N1", "expected"] == pytest.approx(1000 * 0.05 + 500 * 0.2)
    assert out.loc["N2", "expected"] == pytest.approx(100 * 0.05 + 50 * 0.2)
    assert out.loc["N1", "recorded"] == 80 and out.loc["N1", "population"] == 1500
    assert out.loc["N1", "expected_prevalence"] == pytest.approx(150 / 1500 * 100)


def test_gap_limits_are_expected_minus_limits_of_the_recorded_count():
    out = prevalence.neighbourhood_gaps(strata()).set_index("neighbourhood_code").loc["N1"]
    ratio = stats.isr(80, 150)
    assert out["ratio"] == pytest.approx(80 / 150)
    assert out["ratio_lower"] == pytest.approx(ratio["lower"][0]) and ratio["method"][0] == "Byars"
    assert out["gap"] == pytest.approx(70)
    assert out["gap_lower"] == pytest.approx(150 - ratio["upper"][0] * 150)
    assert out["gap_upper"] == pytest.approx(150 - ratio["lower"][0] * 150)
    assert out["judgement"] == "fewer recorded than expected"


def test_small_registers_are_suppressed_with_everything_derived():
    out = prevalence.suppressed(prevalence.neighbourhood_gaps(strata())).set_index("neighbourhood_code")
    assert out.loc["N2", "suppressed"] and np.isnan(out.loc["N2", "recorded"])
    for col in ("gap", "gap_lower", "ratio", "recorded_prevalence", "gap_per_1000"):
        assert np.isnan(out.loc["N2", col]), col
    assert out.loc["N2", "judgement"] == "not compared"
    assert out.loc["N2", "expected"] == pytest.approx(15)  # expected discloses nobody
    assert not out.loc["N1", "suppressed"]


def test_area_totals_add_up_neighbourhoods():
    area = prevalence.area_gaps(strata()).iloc[0]
    assert area["expected"] == pytest.approx(165) and area["recorded"] == 85
    only = prevalence.area_gaps(strata(), neighbourhoods=["N2"]).iloc[0]
    assert only["expected"] == pytest.approx(15)
