"""The measures scorecard (neighbourhood_health.measures.scorecard): judgements against the parent, suppression,
targets and the spine chart's scaling, checked against the statistics module on the parquet marts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neighbourhood_health.measures import scorecard
from neighbourhood_health import stats
from neighbourhood_health.privacy.disclosure import THRESHOLD

from test_trends import area_code, marts


def test_target_met_honours_polarity():
    rows = pd.DataFrame({"polarity": ["higher_is_better", "higher_is_better", "lower_is_better", "no_judgement",
                                      "higher_is_better", "higher_is_better"],
                         "value": [80.0, 70.0, 3.0, 50.0, np.nan, 50.0],
                         "target": [77.0, 77.0, 5.0, 40.0, 77.0, np.nan]})
    assert scorecard.target_met(rows).tolist() == ["Met", "Not met", "Met", "No target", "–", "No target"]


def test_small_counts_are_suppressed_and_not_judged():
    """Hidden where a figure holds a hidden count and its protected value is 0 or 5: a 5 or a 0 made
    of hidden cells is hidden, a 10 made of them is shown, an exact 0 is shown and judged."""
    rows = pd.DataFrame({"numerator": [5.0, 500.0, 0.0, 0.0, 10.0], "value": [1.0, 2.0, 0.0, 0.0, 1.5],
                         "lower": [0.5, 1.5, 0.0, 0.0, 1.0], "upper": [2.0, 2.5, 0.1, 0.1, 2.0],
                         "lower_998": [0.4, 1.4, 0.0, 0.0, 0.9], "upper_998": [2.1, 2.6, 0.2, 0.2, 2.1],
                         "parent_numerator": [900.0, 5.0, 900.0, 900.0, 900.0], "parent_value": [1.1, 2.1, 1.0, 1.0, 1.1],
                         "parent_lower": [1.0, 2.0, 0.9, 0.9, 1.0], "parent_upper": [1.2, 2.2, 1.1, 1.1, 1.2],
                         "significance": ["similar", "worse", "better", "better", "similar"],
                         "significance_998": ["similar"] * 5,
                         # as a query of queries/app gives them: which protected figures hold a hidden count
                         "numerator_small": [True, False, False, True, True],
                         "parent_numerator_small": [False, True, False, False, False]})
    out = scorecard.suppress(rows)
    assert out["suppressed"].tolist() == [True, False, False, True, False]
    assert out.loc[0, ["numerator", "value", "lower", "upper"]].isna().all()
    assert out.loc[3, ["numerator", "value", "lower", "upper"]].isna().all()
    assert np.isnan(out.loc[1, "parent_value"]) and out.loc[1, "value"] == 2.0
    assert out.loc[4, "numerator"] == 10.0 and out.loc[4, "value"] == 1.5
    assert out["significance"].tolist() == ["not compared", "not compared", "better", "not compared", "similar"]


def test_spine_puts_the_benchmark_at_the_centre_and_better_to_the_right():
    rows = pd.DataFrame({"measure_id": ["low", "high"], "name": ["A", "B"], "family": "f",
                         "polarity": ["lower_is_better", "higher_is_better"], "unit": "%",
                         "value": [30.0, 30.0], "parent_value": [40.0, 40.0], "significance": "better"})
    values = [10.0, 20.0, 30.0, 40.0, 60.0]
    peers = pd.DataFrame({"measure_id": np.repeat(["low", "high"], 5), "polarity": "x", "method": "proportion",
                          "multiplier": 100.0, "numerator": values * 2, "denominator": 100.0,
                          "area_code": [f"P{i}" for i in range(10)], "area_name": "peer",
                          "numerator_small": False, "denominator_small": False})
    spine = scorecard.spine(rows, peers).set_index("measure_id")
    q25, q75 = np.percentile(values, [25, 75])
    low, high = spine.loc["low"], spine.loc["high"]
    assert (low["worst"], low["best"], low["q25"], low["q75"]) == (60.0, 10.0, q25, q75)
    assert (high["worst"], high["best"]) == (10.0, 60.0)
    # furthest from the benchmark (40) is 10, 30 away: scale 30; lower is better so 10 sits at +1
    assert low["pos_best"] == pytest.approx(1.0) and low["pos_worst"] == pytest.approx(-20 / 30)
    assert low["pos_value"] == pytest.approx(10 / 30) and high["pos_value"] == pytest.approx(-10 / 30)
    assert high["pos_best"] == pytest.approx(20 / 30) and high["pos_worst"] == pytest.approx(-1.0)


def independent_latest(cfg, code: str, protected: bool = False) -> pd.DataFrame:
    """Each measure over its latest 12 months, straight from the parquet marts, with stats intervals.

    `protected`: as an aggregate-only viewer sees it, from the sums of the protected cells
    (p_numerator, p_denominator), with `hidden` where the rule hides the figure (a hidden count in
    it and its protected value 0 or 5); otherwise exact, `hidden` never."""
    values = marts(cfg, "measure_values")
    values["period"] = pd.to_datetime(values["period"])
    last = values.groupby("measure_id")["period"].transform("max")
    window = values[values["period"] > last - pd.DateOffset(months=12)]
    num, den = ("p_numerator", "p_denominator") if protected else ("numerator", "denominator")
    sums = window[window.area_code == code].groupby("measure_id").agg(
        numerator=(num, "sum"), denominator=(den, "sum"), exact_numerator=("numerator", "sum"),
        numerator_small=("numerator_small", "any"), denominator_small=("denominator_small", "any"))
    out = marts(cfg, "measures").set_index("measure_id").join(sums)
    out["hidden"] = protected & ((out["numerator_small"] & (out["numerator"] < 7.5))
                                 | (out["denominator_small"] & (out["denominator"] < 7.5)))
    for measure_id, m in out.iterrows():
        ci = (stats.rate(m.numerator, m.denominator, multiplier=m.multiplier) if m.method == "rate"
              else stats.proportion(m.numerator, m.denominator, multiplier=m.multiplier))
        out.loc[measure_id, ["value", "lower", "upper"]] = ci[["value", "lower", "upper"]].iloc[0].to_numpy()
    return out


def test_scorecard_matches_stats_on_the_marts(demo_cfg, demo_db):
    """An aggregate-only viewer's scorecard: statistics of the protected counts, hidden where the
    rule hides, judged against the parent's protected figures; no exact small count shown."""
    areas = marts(demo_cfg, "areas")
    harrow = area_code(demo_cfg, "Harrow", "place")
    code = areas.loc[areas.parent_code == harrow, "area_code"].sort_values().iloc[0]
    rows = scorecard.scorecard(demo_db.run("app/measure_latest", exact_areas=[], area_code=code),
                               demo_db.run("app/measure_series", exact_areas=[], area_code=code)).set_index("measure_id")
    area, parent = independent_latest(demo_cfg, code, protected=True), independent_latest(demo_cfg, harrow, protected=True)
    expected = stats.compare(area["value"], area["lower"], area["upper"], parent["value"], area["polarity"])
    small = area["hidden"]
    assert small.any(), "the demo data has hidden figures in this neighbourhood"
    assert rows["suppressed"].to_dict() == small.to_dict()
    shown = ~small
    np.testing.assert_allclose(rows.loc[shown[shown].index, ["numerator", "value", "lower", "upper"]],
                               area.loc[shown, ["numerator", "value", "lower", "upper"]], rtol=1e-9)
    assert (rows["numerator"].dropna() % 5 == 0).all(), "protected counts only"
    assert rows.loc[small[small].index, ["numerator", "value"]].isna().all().all()
    judged = shown & ~parent["hidden"]
    assert rows["significance"].to_dict() == expected.where(judged, "not compared").to_dict()
    labels = {"One period only", "Common cause variation", *scorecard.trends.VARIATION_LABEL.values(),
              scorecard.trends.NO_VARIATION, f"Latest month hidden (1–{THRESHOLD})", f"Latest period hidden (1–{THRESHOLD})"}
    compared = rows["trend"].str.fullmatch(r"(Better than|Worse than|Similar to) [A-Z][a-z]{2} \d{4}")
    too_few = rows["trend"].str.fullmatch(r"Too few months shown for SPC \(\d+\)")
    assert set(rows.loc[~(compared | too_few), "trend"]) <= labels


def test_scorecard_trend_says_nothing_of_a_hidden_month(demo_cfg, demo_db):
    """Months that could be 1–7 (protected, with a hidden cell in them, and 0 or 5) are left out of
    the trend's SPC, and a hidden latest month is not described."""
    areas = marts(demo_cfg, "areas")
    series_by_area = {code: demo_db.run("app/measure_series", exact_areas=[], area_code=code)
                      for code in areas.loc[areas.area_level == "neighbourhood", "area_code"]}
    seen_hidden_latest, seen_hidden_inside = False, False
    for code, series in series_by_area.items():
        monthly = scorecard.trends.monthly_values(series)
        rows = scorecard.scorecard(demo_db.run("app/measure_latest", exact_areas=[], area_code=code), series).set_index("measure_id")
        for measure_id, part in monthly.groupby("measure_id"):
            small = ((part["numerator_small"] & (part["numerator"] < 7.5))
                     | (part["denominator_small"] & (part["denominator"] < 7.5))).to_numpy()
            if len(part) >= scorecard.trends.MIN_POINTS and small[-1]:
                assert rows.loc[measure_id, "trend"] == f"Latest month hidden (1–{THRESHOLD})"
                assert pd.isna(rows.loc[measure_id, "trend_icon"])
                seen_hidden_latest = True
            elif small.any() and scorecard.trends.has_series(part[~small]):
                shown = part[~small]
                icon = scorecard.trends.variation(stats.spc(shown["value"].to_numpy(), shown["period"].to_numpy(),
                                                            polarity=shown["polarity"].iloc[0],
                                                            target=scorecard.trends._target(shown)))
                got = rows.loc[measure_id, "trend_icon"]
                assert (pd.isna(got) and icon is None) or got == icon, (code, measure_id)
                seen_hidden_inside = True
    assert seen_hidden_latest and seen_hidden_inside, "the demo data exercises both"
