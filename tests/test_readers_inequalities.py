"""Readers of the Inequalities page (measures.inequalities): area average, group extremes, the
breakdown table and the neighbourhood funnel, on small frames and on the demo data."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from neighbourhood_health.measures import inequalities
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE

RATE = pd.Series({"measure_id": "m", "name": "Test", "method": "rate", "multiplier": 1000.0,
                  "polarity": "lower_is_better", "unit": "per 1,000 per year"})


def test_area_average_is_pooled_from_the_protected_counts_hidden_groups_included():
    """The average sums every group's protected count, a hidden one's too: a sum of protected cells
    gives back no hidden count, so a hidden group no longer blanks the average."""
    sexes = pd.DataFrame({"dimension": "sex", "category": ["F", "M"], "numerator": [30.0, 50.0],
                          "denominator": [1000.0, 3000.0], "numerator_small": False, "denominator_small": False})
    shown = inequalities.breakdown(sexes, RATE)
    assert inequalities.area_average(shown, RATE) == 80 / 4000 * 1000
    hidden = inequalities.breakdown(sexes.assign(numerator=[30.0, 5.0], numerator_small=[False, True]), RATE)
    assert hidden["suppressed"].tolist() == [False, True] and np.isnan(hidden["numerator"].iloc[1])
    assert inequalities.area_average(hidden, RATE) == 35 / 4000 * 1000
    assert inequalities.area_average(shown.iloc[:0], RATE) is None


def test_extremes_and_breakdown_table():
    part = pd.DataFrame({"label": ["A", "B", "C"], "value": [2.0, np.nan, 5.0], "lower": 1.0, "upper": 6.0,
                         "numerator": [20.0, np.nan, 50.0], "denominator": 1000.0,
                         "suppressed": [False, True, False]})
    assert inequalities.extremes(part) == {"highest": ("C", 5.0), "lowest": ("A", 2.0)}
    assert inequalities.extremes(part.iloc[:2]) is None
    table = inequalities.breakdown_table(part, "Group", "%")
    assert list(table.columns) == ["Group", "Value (%)", "Lower 95%", "Upper 95%", "Numerator", "Denominator", "Note"]
    assert list(table["Note"]) == ["", f"Not shown: could be {HIDDEN_RANGE} events", ""]
    assert inequalities.denominator_label(RATE) == "Person-years (registered residents over 12 months)"
    assert inequalities.denominator_label(RATE.copy().replace("rate", "proportion")) == "Denominator (people)"


def rows() -> pd.DataFrame:
    return pd.DataFrame({
        "area_code": ["N1", "N2", "N3", "N4", "N5"], "area_name": ["One", "Two", "Three", "Four", "Five"],
        "parent_code": ["P1", "P1", "P2", "P2", "P2"],
        "numerator": [100.0, 300.0, 5.0, 110.0, 95.0], "denominator": [10000.0, 10000.0, 1000.0, 10000.0, 10000.0],
        "parent_numerator": 420.0, "parent_denominator": 40000.0,
        # as app/measure_within_area gives them: Three's protected 5 holds a hidden count
        "numerator_small": [False, False, True, False, False], "denominator_small": False})


def test_neighbourhood_funnel_suppresses_first_and_names_what_it_hides():
    place = inequalities.neighbourhood_funnel(rows(), RATE, SimpleNamespace(code="P2", level="place"))
    assert place.hidden == ["Three"]
    assert list(place.points["area_name"]) == ["One", "Two", "Four", "Five"]
    assert place.benchmark == 420 / 40000 * 1000
    assert place.chosen == {"N3", "N4", "N5"}  # a hidden neighbourhood is still the place's
    assert place.outside_labels == ["Two (worse)"]
    assert list(place.outside["area_name"]) == ["Two"]
    points, limits, benchmark = inequalities.funnel(rows().drop(index=2), RATE)
    pd.testing.assert_frame_equal(place.points.drop(columns="suppressed"), points)  # as on the page before
    pd.testing.assert_frame_equal(place.limits, limits)
    table = place.table("per 1,000 per year", "The ICB")
    assert list(table["Neighbourhood"]) == ["Two", "Four", "One", "Five"]
    assert list(table["Against The ICB"])[0] == "Worse (outside 99.8% limits)"
    assert inequalities.neighbourhood_funnel(rows(), RATE, SimpleNamespace(code="N1", level="neighbourhood")).chosen == {"N1"}
    assert inequalities.neighbourhood_funnel(rows(), RATE, SimpleNamespace(code="I", level="icb")).chosen == set()


def test_readers_on_the_demo_data_match_pandas(demo_db):
    tree = demo_db.run("app/areas")
    icb = tree[tree.area_level == "icb"].sort_values("area_name").iloc[0]
    place = tree[(tree.area_level == "place") & (tree.icb_code == icb.area_code)].iloc[0]
    measure = demo_db.run("app/place_view_measures").set_index("measure_id").loc["emergency_admissions"]
    measure["measure_id"] = "emergency_admissions"
    bd = inequalities.breakdown(demo_db.run("app/inequality_breakdown", exact_areas=[], measure_id="emergency_admissions",
                                            scope_code=place.area_code), measure)
    by = inequalities.by_dimension(bd)
    assert set(by) == set(inequalities.DIMENSIONS) and sum(map(len, by.values())) == len(bd)
    sexes = bd[bd.dimension == "sex"]
    expected = (sexes.value_unsuppressed * sexes.denominator).sum() / sexes.denominator.sum()
    assert inequalities.area_average(by["sex"], measure) == pytest.approx(expected)
    protected = bd.numerator.dropna()
    assert len(protected) and (protected % 5 == 0).all(), "sums of protected cells"
    system = demo_db.run("app/measure_within_area", exact_areas=[], measure_id="emergency_admissions", scope_code=icb.area_code,
                         level="neighbourhood")
    fun = inequalities.neighbourhood_funnel(system, measure, SimpleNamespace(code=place.area_code, level="place"))
    assert fun.chosen == set(system.loc[system.parent_code == place.area_code, "area_code"])
    small = ((system.numerator_small & (system.numerator < 7.5))
             | (system.denominator_small & (system.denominator < 7.5)))
    assert sorted(fun.hidden) == sorted(system.loc[small, "area_name"])
    assert len(fun.points) == int((~small & (system.denominator > 0)).sum())
    assert np.allclose(fun.points.value, fun.points.numerator / fun.points.denominator * 1000)
