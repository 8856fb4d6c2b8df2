"""Readers of the Trends page (measures.trends): which measures are offered, the baseline choices
and the small multiples, on synthetic monthly series."""
from __future__ import annotations

import numpy as np
import pandas as pd

from neighbourhood_health.measures import trends


def series(measure_id, numerators, area="A1", name=None, start="2024-01-01") -> pd.DataFrame:
    n = len(numerators)
    return pd.DataFrame({
        "measure_id": measure_id, "name": name or f"Measure {measure_id}", "family": "F", "family_order": 0,
        "polarity": "lower_is_better", "unit": "per 1,000 per year", "method": "rate", "multiplier": 1000.0,
        "target": np.nan, "area_code": area, "area_name": f"Area {area}",
        "period": pd.date_range(start, periods=n, freq="MS"), "numerator": [float(v) for v in numerators],
        "denominator": 1000.0})


BIG = [100, 103, 98, 101, 99, 102, 97, 100, 104, 96, 101, 99, 100, 102, 98, 101, 99, 100, 103, 97]


def test_offered_series_leaves_out_short_series_and_names_the_too_hidden():
    raw = pd.concat([series("a", BIG), series("b", [50] * 8 + [3] * 6),  # 14 months, 6 hidden: 8 shown
                     series("c", [50] * 5)], ignore_index=True)            # too short whoever looks
    monthly, too_hidden = trends.offered_series(raw, exact=False)
    assert list(monthly["measure_id"].unique()) == ["a"]
    assert too_hidden == ["Measure b"]
    assert not monthly["suppressed"].any()
    exact, none_hidden = trends.offered_series(raw, exact=True)
    assert list(exact["measure_id"].unique()) == ["a", "b"] and none_hidden == []
    expected = trends.hide_small_months(trends.monthly_values(raw))
    pd.testing.assert_frame_equal(monthly, expected[expected.measure_id == "a"])


def test_baseline_choices_need_two_shown_months_before_a_change_and_some_after():
    rows = trends.hide_small_months(trends.monthly_values(series("a", [3, 4, 5] + BIG[3:])))  # first 3 hidden
    event = lambda date, label: {"date": pd.Timestamp(date), "label": label, "place": "P"}
    choices = trends.baseline_choices(rows, [
        event("2024-11-01", "Late"),      # 10 months before, 7 shown: offered
        event("2024-05-01", "Early"),     # 4 months before, 1 shown: not offered
        event("2024-06-01", "Just"),      # 5 months before, 2 shown: offered
        event("2030-01-01", "After"),     # every month before it: nothing left to judge
    ])
    assert choices == {trends.ALL_POINTS: None, "The 10 months before “Late”": 10,
                       "The 5 months before “Just”": 5, trends.FIXED: "fixed"}
    assert list(choices)[0] == "All points" and list(choices)[-1] == "A fixed number of months"
    assert trends.fixed_baseline_default(rows) == 12 and trends.fixed_baseline_default(rows.iloc[:5]) == 5


def test_facets_hide_per_area_and_use_the_chosen_baseline():
    children = pd.concat([series("a", BIG, area="B2"), series("a", BIG, area="A1"),
                          series("a", [3] * 10 + BIG[:10], area="C3")], ignore_index=True)
    shown, results, left_out = trends.facets(children, lambda code: code == "C3", baseline=12)
    assert list(shown) == ["Area A1", "Area B2", "Area C3"]           # sorted by name
    assert not shown["Area C3"]["suppressed"].any()                   # exact there
    assert [name for name, _ in results] == ["Area A1", "Area B2", "Area C3"] and left_out == []
    expected = trends.spc_for(shown["Area A1"], 12)
    assert results[0][1].mean == expected.mean and results[0][1].upl == expected.upl
    shown, results, left_out = trends.facets(children, lambda code: False)
    assert shown["Area C3"]["suppressed"].sum() == 10
    assert [name for name, _ in results] == ["Area A1", "Area B2"] and left_out == ["Area C3"]
