"""SPC series logic (neighbourhood_health.measures.trends): rules, icons and plain words, on synthetic series
with known shifts and on the demo's Harrow child health model."""
from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from neighbourhood_health import stats
from neighbourhood_health.measures import trends
from neighbourhood_health.privacy import disclosure
from neighbourhood_health.stats import seasonal

NOISE = [3, -2, 4, -4, 1, -1, 2, -3, 0, 3, -2, 4, -4, 1, -1, 2, -3, 0, -2, 3]


def series(values, polarity="lower_is_better", target=None, start="2024-01-01") -> pd.DataFrame:
    """A one-measure monthly rate series whose values are the numerators (denominator 1,000 per 1,000)."""
    n = len(values)
    return pd.DataFrame({
        "measure_id": "test", "name": "Test measure", "family": "Population health outcomes", "family_order": 0,
        "polarity": polarity, "unit": "per 1,000 per year", "method": "rate", "multiplier": 1000.0,
        "target": np.nan if target is None else float(target),
        "period": pd.date_range(start, periods=n, freq="MS"), "numerator": [float(v) for v in values],
        "denominator": 1000.0,
        # as a query of queries/app gives exact figures: no figure holds a hidden count
        "numerator_small": False, "denominator_small": False})


def test_shift_below_the_mean_is_improvement_when_lower_is_better():
    values = [100 + e for e in NOISE] + [95, 96, 94, 95, 96, 94, 95, 96]
    rows = trends.monthly_values(series(values))
    np.testing.assert_allclose(rows["value"], values)
    result = trends.spc_for(rows)
    expected = stats.spc(values, polarity="lower_is_better")
    assert result.mean == pytest.approx(expected.mean) and result.upl == pytest.approx(expected.upl)
    assert result.variation_icon == expected.variation_icon == "improvement_low"
    assert result.points["rule"].iloc[-1] == "shift"
    assert trends.describe(result, "Test measure", "per 1,000 per year") == (
        "Test measure: special cause improvement — the latest 8 months are all below the mean.")


def test_fixed_baseline_judges_later_months_against_the_earlier_process():
    values = [100 + e for e in NOISE] + [95, 96, 94, 95, 96, 94, 95, 96]
    rows = trends.monthly_values(series(values))
    result = trends.spc_for(rows, baseline=20)
    assert result.mean == pytest.approx(np.mean(values[:20]))
    assert result.mean == pytest.approx(stats.spc(values, baseline=20, polarity="lower_is_better").mean)
    assert trends.points_before(rows["period"], "2025-09-01") == 20


def test_point_above_the_upper_limit_is_concern_when_lower_is_better():
    values = [100 + e for e in NOISE] + [140]
    result = trends.spc_for(trends.monthly_values(series(values)))
    assert result.variation_icon == "concern_high"
    assert trends.describe(result, "Test measure", "per 1,000 per year") == (
        "Test measure: special cause concern — the latest month (September 2025, 140.0 per 1,000 per year) "
        "is above the upper process limit.")


def test_seven_rising_months_are_a_trend_and_improvement_when_higher_is_better():
    values = [100 + e for e in NOISE] + [96, 97, 98, 99, 100, 101, 102]
    result = trends.spc_for(trends.monthly_values(series(values, polarity="higher_is_better")))
    assert "trend" in result.points["rule"].iloc[-1].split(",")
    assert result.variation_icon == "improvement_high"
    assert "the latest 7 months have each been higher than the month before" in trends.explain(result, "%")


def test_assurance_and_the_icon_summary():
    values = [100 + e for e in NOISE]
    summary = trends.icon_summary(series(values, polarity="higher_is_better", target=50))
    row = summary.iloc[0]
    assert row["variation_icon"] == "common_cause" and row["assurance_icon"] == "consistently_passes"
    assert row["meaning"] == "No sign of change"
    short = trends.icon_summary(series(values[:5]))
    assert pd.isna(short["variation_icon"].iloc[0]) and short["meaning"].iloc[0] == "Too few points for SPC (5)"


def test_zero_width_limits_say_nothing_changed():
    values = [0] * 14 + [1] + [0] * 15
    result = trends.spc_for(trends.monthly_values(series(values)))
    assert result.mr_bar == 0 and result.variation_icon == "improvement_low"  # what stats alone says
    assert trends.variation(result) is None
    assert trends.describe(result, "Test measure", "%") is None
    assert trends.icon_summary(series(values))["meaning"].iloc[0] == trends.NO_VARIATION


def test_recent_trend_of_annual_surveys_compares_with_the_previous_survey():
    rows = series([500, 520, 600], polarity="higher_is_better", start="2024-07-01")
    rows["period"] = pd.to_datetime(["2024-07-01", "2025-07-01", "2026-07-01"])
    rows[["method", "multiplier", "unit"]] = ["proportion", 100.0, "%"]
    values = trends.monthly_values(rows)
    judged = stats.compare(values["value"].iloc[-1], values["lower"].iloc[-1], values["upper"].iloc[-1],
                           values["value"].iloc[-2], "higher_is_better")[0]
    assert judged == "better"
    assert trends.recent_trend(values) == (None, "Better than Jul 2025")
    assert trends.recent_trend(values.iloc[:1]) == (None, "One period only")


# ---- on the demo data -------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _read(path: str) -> pd.DataFrame:
    return pd.read_parquet(path)


def marts(cfg, name: str) -> pd.DataFrame:
    """A mart read straight from its parquet file (cached per test session; callers get a copy)."""
    return _read(str(cfg.marts_dir / f"{name}.parquet")).copy()


def area_code(cfg, name: str, level: str) -> str:
    areas = marts(cfg, "areas")
    return areas.loc[(areas.area_name == name) & (areas.area_level == level), "area_code"].item()


def independent_series(cfg, measure_id: str, code: str) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """Monthly values straight from the parquet marts: numerator / denominator × multiplier."""
    values = _read(str(cfg.marts_dir / "measure_values.parquet"))
    measure = marts(cfg, "measures").set_index("measure_id").loc[measure_id]
    rows = values[(values.measure_id == measure_id) & (values.area_code == code)].sort_values("period")
    return pd.to_datetime(rows["period"]), (rows["numerator"] / rows["denominator"] * measure["multiplier"]).to_numpy(), measure


def independent_protected_series(cfg, measure_id: str, code: str) -> tuple[pd.Series, np.ndarray, pd.Series, np.ndarray]:
    """Monthly values as an aggregate-only viewer sees them, straight from the parquet marts: the
    protected numerator / protected denominator × multiplier, and which months are hidden (a hidden
    cell in the numerator or denominator, and its protected value 0 or 5)."""
    values = _read(str(cfg.marts_dir / "measure_values.parquet"))
    measure = marts(cfg, "measures").set_index("measure_id").loc[measure_id]
    rows = values[(values.measure_id == measure_id) & (values.area_code == code)].sort_values("period")
    hidden = ((rows["numerator_small"] & (rows["p_numerator"] < 7.5))
              | (rows["denominator_small"] & (rows["p_denominator"] < 7.5))).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = (rows["p_numerator"] / rows["p_denominator"] * measure["multiplier"]).to_numpy()
    return pd.to_datetime(rows["period"]), rates, measure, hidden


def independent_seasonal(cfg) -> dict:
    """Measure id -> month-of-year factors, for the measures the pages judge seasonally adjusted: those
    whose whole-extract protected months (read here from the parquet marts) have significant
    month-of-year effects (`stats.seasonal`, the method tested in test_stats_evaluation)."""
    out = {}
    for measure_id in marts(cfg, "measures")["measure_id"]:
        periods, values, _, _ = independent_protected_series(cfg, measure_id, "ALL")
        found = seasonal.seasonal_factors(values, periods)
        if found is not None and found.seasonal:
            out[measure_id] = found
    return out


def judged(cfg, measure_id: str, periods, values) -> np.ndarray:
    """The values the pages' SPC judges: seasonally adjusted for a seasonal measure, as recorded otherwise."""
    found = independent_seasonal(cfg).get(measure_id)
    return np.asarray(values, dtype=float) if found is None else found.adjust(values, periods)


SEASONAL = " (seasonally adjusted)"


def test_events_for_each_level(demo_cfg, demo_db):
    tree = demo_db.run("app/areas")
    changes = json.loads((demo_cfg.marts_dir / "manifest.json").read_text())["service_changes"]
    harrow = area_code(demo_cfg, "Harrow", "place")
    neighbourhood = tree.loc[tree.parent_code == harrow, "area_code"].iloc[0]
    labels = lambda code: [e["label"] for e in trends.events_for(code, tree, changes)]
    assert labels(harrow) == labels(neighbourhood) == ["Harrow child health model launched"]
    assert labels(tree.loc[harrow == tree.area_code, "icb_code"].item()) == ["Harrow child health model launched"]
    assert labels(area_code(demo_cfg, "Camden", "place")) == ["Camden frailty team launched"]
    assert labels(area_code(demo_cfg, "Barnet", "place")) == []


def test_harrow_child_health_model_shows_as_special_cause_improvement(demo_cfg, demo_db):
    """Limits from the months before the April 2025 launch: the later months sit below the old mean.

    On the exact months (an INT lead's view of its own area; a place's exact months are those of
    the marts): the statistic, not the protection, is the point here."""
    harrow = area_code(demo_cfg, "Harrow", "place")
    periods, values, measure = independent_series(demo_cfg, "infant_low_acuity_ae", harrow)
    before = int((periods < pd.Timestamp("2025-04-01")).sum())
    expected = stats.spc(values, periods, polarity=measure["polarity"], baseline=before)
    assert expected.variation_icon == "improvement_low"

    exact = marts(demo_cfg, "measure_values").query("area_code == @harrow and measure_id == 'infant_low_acuity_ae'")
    catalogue = marts(demo_cfg, "measures").query("measure_id == 'infant_low_acuity_ae'")
    exact = exact[["measure_id", "period", "numerator", "denominator"]].merge(catalogue, on="measure_id").assign(
        numerator_small=False, denominator_small=False)
    rows = trends.monthly_values(exact)
    assert trends.points_before(rows["period"], "2025-04-01") == before
    result = trends.spc_for(trends.hide_small_months(rows), before)
    np.testing.assert_allclose(rows["value"], values)
    assert (result.mean, result.lpl, result.upl) == pytest.approx((expected.mean, expected.lpl, expected.upl))
    assert trends.variation(result) == "improvement_low"
    assert "below the mean" in trends.explain(result, measure["unit"])

    # What an aggregate-only viewer is given: the protected months, those that could be 1–7 hidden.
    periods, protected, _, hidden = independent_protected_series(demo_cfg, "infant_low_acuity_ae", harrow)
    series_ = demo_db.run("app/measure_series", exact_areas=[], area_code=harrow)
    shown = trends.hide_small_months(trends.monthly_values(series_[series_.measure_id == "infant_low_acuity_ae"]))
    assert shown["suppressed"].to_list() == hidden.tolist()
    np.testing.assert_allclose(shown["value"], np.where(hidden, np.nan, protected))


def test_what_changed_lists_exactly_the_measures_with_special_cause(demo_cfg, demo_db):
    """On the months shown to an aggregate-only viewer: protected, those that could be 1–7 hidden
    (test_trends_suppression), the SPC from the months shown."""
    code = area_code(demo_cfg, "North West London (synthetic)", "icb")
    measures = marts(demo_cfg, "measures").set_index("measure_id")
    expected = []
    for measure_id, measure in measures.iterrows():
        periods, values, _, hidden = independent_protected_series(demo_cfg, measure_id, code)
        shown = ~hidden & np.isfinite(values)
        if shown.sum() >= trends.MIN_POINTS:
            result = stats.spc(judged(demo_cfg, measure_id, periods, values)[shown], periods[shown],
                               polarity=measure["polarity"], target=measure["target"])
            if result.variation_icon != "common_cause" and result.mr_bar > 0:
                expected.append(measure["name"])
    sentences = trends.what_changed(code, disclosure.for_viewer(demo_db.run, []))
    assert sorted(s.split(": special cause")[0].removesuffix(SEASONAL) for s in sentences) == sorted(expected)
    assert all(" — " in s and s.endswith(".") for s in sentences)
