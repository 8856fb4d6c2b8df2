"""The seasonal view of Trends: on the demo (scale 0.1, the protected figures a board member sees), a
region's winter peaks are special cause as recorded and common cause once seasonally adjusted, where
nothing changed; Harrow's child health model is still found in its exact months (an INT lead's view
of its own area: at this scale the rounding of protected months is as large as the change)."""
from __future__ import annotations

import warnings

import pytest

from apptest import assert_clean, open_app
from neighbourhood_health.measures import trends
from neighbourhood_health.privacy import disclosure
from neighbourhood_health.stats import seasonal
from test_trends import marts
from neighbourhood_health.store import Database


@pytest.fixture(scope="module")
def board(evaluation_demo):
    db = Database(evaluation_demo.marts_dir, evaluation_demo.extracts_dir)
    run = disclosure.for_viewer(db.run, [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        factors = trends.seasonal_factors_for(run)
    return run, factors, run("app/areas").set_index("area_name")["area_code"]


def _months(run, code: str, measure_id: str):
    rows, _ = trends.offered_series(run("app/measure_series", area_code=code))
    return rows[rows["measure_id"] == measure_id].reset_index(drop=True)


def test_seasonal_measures_are_the_activity_that_peaks_in_winter(board):
    _, factors, _ = board
    assert {"emergency_admissions", "ae_attendances"} <= set(factors)
    assert "elective_admissions" not in factors and "rtt_18_weeks" not in factors    # planted without seasons
    winter, summer = factors["emergency_admissions"].factors[[12, 1]], factors["emergency_admissions"].factors[[6, 7]]
    assert winter.min() > 1.05 > 0.95 > summer.max()


def test_winter_peaks_are_common_cause_once_adjusted_where_nothing_changed(board):
    run, factors, codes = board
    rows = _months(run, codes["North West London (synthetic)"], "emergency_admissions")   # no change planted in admissions
    recorded = trends.spc_for(rows)
    assert (recorded.points["special_cause"] != "common").any()
    assert recorded.variation_icon != "common_cause"
    adjusted = trends.spc_for(trends.seasonally_adjusted(rows, factors["emergency_admissions"]))
    assert (adjusted.points["special_cause"] == "common").all() and adjusted.variation_icon == "common_cause"


def test_the_seasonal_view_still_flags_harrows_change(board, evaluation_demo):
    run, factors, codes = board
    harrow = codes["Harrow"]
    exact = marts(evaluation_demo, "measure_values").query("area_code == @harrow and measure_id == 'infant_low_acuity_ae'")
    catalogue = marts(evaluation_demo, "measures").query("measure_id == 'infant_low_acuity_ae'")
    rows = trends.monthly_values(exact[["measure_id", "period", "numerator", "denominator"]].merge(
        catalogue, on="measure_id").assign(numerator_small=False, denominator_small=False))
    # Infants' months are too few at this scale for the F test to call them seasonal, so the page reads
    # them as recorded; adjusting them by the whole extract's month-of-year factors anyway must not hide
    # the change (the factors come from every area, so they cannot absorb Harrow's step).
    whole = _months(run, "ALL", "infant_low_acuity_ae")
    found = factors.get("infant_low_acuity_ae") or seasonal.seasonal_factors(whole["value"], whole["period"])
    before = trends.points_before(rows["period"], "2025-04-01")
    adjusted = trends.spc_for(trends.seasonally_adjusted(rows, found), before)
    assert trends.variation(adjusted) == "improvement_low"
    after = adjusted.points[adjusted.points["period"] >= "2025-04-01"]
    assert (after["special_cause"] == "improvement").mean() > 0.5


def test_trends_page_headline_says_which_view_it_reads(evaluation_demo, monkeypatch, board):
    _, _, codes = board
    for name, value in {"NHD_DATA_DIR": evaluation_demo.data_dir, "NHD_GEO_DIR": evaluation_demo.geo_dir,
                        "NHD_AUTO_DEMO": "0", "NHD_DEMO_GEOGRAPHY": "voronoi"}.items():
        monkeypatch.setenv(name, str(value))
    at = open_app(codes["North West London (synthetic)"], "trends.py", role="board")
    assert_clean(at)
    at.selectbox(key="trend_measure").set_value("emergency_admissions").run()
    assert at.subheader[0].value.startswith("Seasonally adjusted: Common cause variation")
    assert any("This measure is seasonal" in c.value for c in at.caption)
    at.radio(key="trend_view").set_value("As recorded").run()
    assert_clean(at)
    assert at.subheader[0].value.startswith("As recorded: special cause")
    at.switch_page("views/overview.py").run()
    changed = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert not any(line.startswith("- Emergency admissions") for line in "\n".join(changed).splitlines())
