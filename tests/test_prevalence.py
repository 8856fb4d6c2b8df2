"""prevalence: expected counts by indirect standardisation, O/E with Byars/exact limits, the gap."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neighbourhood_health.measures import prevalence
from neighbourhood_health import stats


def strata() -> pd.DataFrame:
    """app/prevalence_gap_strata: each neighbourhood's eligible residents by stratum, with the
    reference prevalence (no recorded counts)."""
    return pd.DataFrame({
        "measure_id": ["prev_x"] * 4, "condition": ["x"] * 4, "name": ["X: recorded prevalence"] * 4,
        "neighbourhood_code": ["N1", "N1", "N2", "N2"], "neighbourhood_name": ["One", "One", "Two", "Two"],
        "population": [1000.0, 500.0, 100.0, 50.0], "reference_prevalence": [0.05, 0.2, 0.05, 0.2]})


def recorded() -> pd.DataFrame:
    """app/prevalence_recorded: each neighbourhood's register and population as the viewer may see
    them (protected: N2's register of 5 holds a hidden count, so it could be 1–7)."""
    return pd.DataFrame({"measure_id": ["prev_x"] * 2, "neighbourhood_code": ["N1", "N2"],
                         "recorded": [80.0, 5.0], "population": [1500.0, 150.0],
                         "recorded_small": [False, True], "population_small": [False, False]})


def test_expected_is_population_times_reference_rate():
    out = prevalence.neighbourhood_gaps(strata(), recorded()).set_index("neighbourhood_code")
    assert out.loc["N1", "expected"] == pytest.approx(1000 * 0.05 + 500 * 0.2)
    assert out.loc["N2", "expected"] == pytest.approx(100 * 0.05 + 50 * 0.2)
    assert out.loc["N1", "recorded"] == 80 and out.loc["N1", "eligible"] == 1500
    assert out.loc["N1", "expected_prevalence"] == pytest.approx(150 / 1500 * 100)
    assert out.loc["N1", "recorded_prevalence"] == pytest.approx(80 / 1500 * 100)


def test_prevalence_is_of_the_eligible_population_not_the_protected_one():
    shown = recorded().assign(population=[1505.0, 150.0])  # a protected population differs from the exact one
    out = prevalence.neighbourhood_gaps(strata(), shown).set_index("neighbourhood_code").loc["N1"]
    assert out["eligible"] == 1500 and out["recorded_prevalence"] == pytest.approx(80 / 1500 * 100)


def test_gap_limits_are_expected_minus_limits_of_the_recorded_count():
    out = prevalence.neighbourhood_gaps(strata(), recorded()).set_index("neighbourhood_code").loc["N1"]
    ratio = stats.isr(80, 150)
    assert out["ratio"] == pytest.approx(80 / 150)
    assert out["ratio_lower"] == pytest.approx(ratio["lower"][0]) and ratio["method"][0] == "Byars"
    assert out["gap"] == pytest.approx(70)
    assert out["gap_lower"] == pytest.approx(150 - ratio["upper"][0] * 150)
    assert out["gap_upper"] == pytest.approx(150 - ratio["lower"][0] * 150)
    assert out["judgement"] == "fewer recorded than expected"


def test_small_registers_are_suppressed_with_everything_derived():
    out = prevalence.suppressed(prevalence.neighbourhood_gaps(strata(), recorded())).set_index("neighbourhood_code")
    assert out.loc["N2", "suppressed"] and np.isnan(out.loc["N2", "recorded"])
    for col in ("gap", "gap_lower", "ratio", "recorded_prevalence", "gap_per_1000"):
        assert np.isnan(out.loc["N2", col]), col
    assert out.loc["N2", "judgement"] == "not compared"
    assert out.loc["N2", "expected"] == pytest.approx(15)  # expected discloses nobody
    assert not out.loc["N1", "suppressed"]


def test_a_protected_register_of_10_with_a_hidden_count_in_it_is_shown():
    shown = recorded().assign(recorded=[80.0, 10.0])
    out = prevalence.suppressed(prevalence.neighbourhood_gaps(strata(), shown)).set_index("neighbourhood_code")
    assert not out.loc["N2", "suppressed"] and out.loc["N2", "gap"] == pytest.approx(5)


def test_area_totals_add_up_neighbourhoods():
    area = prevalence.area_gaps(strata(), recorded()).iloc[0]
    assert area["expected"] == pytest.approx(165) and area["recorded"] == 85 and area["eligible"] == 1650
    assert area["recorded_small"], "the area's sum holds N2's hidden count"
    assert not prevalence.suppressed(prevalence.area_gaps(strata(), recorded()))["suppressed"].iloc[0]  # 85: shown
    only = prevalence.area_gaps(strata(), recorded(), neighbourhoods=["N2"]).iloc[0]
    assert only["expected"] == pytest.approx(15) and only["recorded"] == 5
    assert prevalence.suppressed(prevalence.area_gaps(strata(), recorded(), neighbourhoods=["N2"]))["suppressed"].iloc[0]
