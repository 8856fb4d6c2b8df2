"""Readers of the Trends page (measures.trends): which measures are offered, the baseline choices
and the small multiples, on synthetic monthly series."""
from __future__ import annotations

import numpy as np
import pandas as pd

from neighbourhood_health.measures import trends


def series(measure_id, numerators, area="A1", name=None, start="2024-01-01", exact=False) -> pd.DataFrame:
    """Monthly rows as app/measure_series gives them. Protected (the default): a month of 5 or 0 is
    taken to hold a hidden count (`numerator_small`), as a protected 5 or a 0 made of hidden cells
    would; exact (`exact`, an INT lead's own area): no month holds one, whatever its count."""
    n = len(numerators)
    small = [not exact and v in (0, 5) for v in numerators]
    return pd.DataFrame({
        "measure_id": measure_id, "name": name or f"Measure {measure_id}", "family": "F", "family_order": 0,
        "polarity": "lower_is_better", "unit": "per 1,000 per year", "method": "rate", "multiplier": 1000.0,
        "target": np.nan, "area_code": area, "area_name": f"Area {area}",
        "period": pd.date_range(start, periods=n, freq="MS"), "numerator": [float(v) for v in numerators],
        "denominator": 1000.0, "numerator_small": small, "denominator_small": False})


BIG = [100, 103, 98, 101, 99, 102, 97, 100, 104, 96, 101, 99, 100, 102, 98, 101, 99, 100, 103, 97]


def test_offered_series_leaves_out_short_series_and_names_the_too_hidden():
    raw = pd.concat([series("a", BIG), series("b", [50] * 8 + [5] * 6),  # 14 months, 6 hidden: 8 shown
                     series("c", [50] * 5)], ignore_index=True)            # too short whoever looks
    monthly, too_hidden = trends.offered_series(raw)
    assert list(monthly["measure_id"].unique()) == ["a"]
    assert too_hidden == ["Measure b"]
    assert not monthly["suppressed"].any()
    exact_raw = pd.concat([series("a", BIG, exact=True), series("b", [50] * 8 + [3] * 6, exact=True),
                           series("c", [50] * 5, exact=True)], ignore_index=True)
    exact, none_hidden = trends.offered_series(exact_raw)
    assert list(exact["measure_id"].unique()) == ["a", "b"] and none_hidden == []
    assert not exact["suppressed"].any() and (exact.loc[exact.measure_id == "b", "numerator"] == 3).sum() == 6
    expected = trends.hide_small_months(trends.monthly_values(raw))
    pd.testing.assert_frame_equal(monthly, expected[expected.measure_id == "a"])


def test_a_protected_month_of_10_with_a_hidden_count_in_it_is_shown():
    rows = trends.hide_small_months(trends.monthly_values(
        series("a", [10, 5, 0, 0]).assign(numerator_small=[True, True, True, False])))
    assert rows["suppressed"].tolist() == [False, True, True, False]   # 0 of hidden cells is hidden, a true 0 is not
    assert rows["value"].iloc[0] == 10.0 and rows["value"].iloc[3] == 0.0


def test_baseline_choices_need_two_shown_months_before_a_change_and_some_after():
    rows = trends.hide_small_months(trends.monthly_values(series("a", [5, 0, 5] + BIG[3:])))  # first 3 hidden
    assert rows["suppressed"].sum() == 3
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
    """Each child area as the query gives it: C3 exact (an INT lead's own) in one, protected in the other."""
    exact_c3 = pd.concat([series("a", BIG, area="B2"), series("a", BIG, area="A1"),
                          series("a", [3] * 10 + BIG[:10], area="C3", exact=True)], ignore_index=True)
    shown, results, left_out = trends.facets(exact_c3, baseline=12)
    assert list(shown) == ["Area A1", "Area B2", "Area C3"]           # sorted by name
    assert not shown["Area C3"]["suppressed"].any()                   # exact there
    assert [name for name, _ in results] == ["Area A1", "Area B2", "Area C3"] and left_out == []
    expected = trends.spc_for(shown["Area A1"], 12)
    assert results[0][1].mean == expected.mean and results[0][1].upl == expected.upl
    protected = pd.concat([series("a", BIG, area="B2"), series("a", BIG, area="A1"),
                           series("a", [5] * 10 + BIG[:10], area="C3")], ignore_index=True)
    shown, results, left_out = trends.facets(protected)
    assert shown["Area C3"]["suppressed"].sum() == 10
    assert [name for name, _ in results] == ["Area A1", "Area B2"] and left_out == ["Area C3"]
