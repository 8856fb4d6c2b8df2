"""AppTests of the Trends and Measures scorecard pages and the Overview's "What changed": the figures
shown must be what the statistics module gives on the same marts, computed here independently."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from apptest import assert_clean, open_app
from data_copy import copy_demo, point_app_at
from neighbourhood_health import stats
from neighbourhood_health.measures import trends
from neighbourhood_health.measures.indicators import SIGNIFICANCE_LABEL
from neighbourhood_health.privacy.disclosure import SUPPRESSED, THRESHOLD
from neighbourhood_health.measures.trends import VARIATION_LABEL

from test_scorecard import independent_latest
from test_trends import SEASONAL, area_code, independent_protected_series, independent_series, judged, marts


def numbers(text: str) -> list[float]:
    """The figures in a formatted cell such as '968.7 (658.1 to 1,375.1)' or '12.5%'."""
    return [float(x.replace(",", "")) for x in re.findall(r"-?[\d,]+\.?\d*", text)]


def figure(at, key: str) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id)
    return json.loads(chart.proto.spec)


def trace(spec: dict, name: str) -> list[dict]:
    return [t for t in spec["data"] if t.get("name") == name]


def hidden_months(cfg, measure_id: str, code: str) -> np.ndarray:
    """True for the months (in period order) an aggregate-only viewer does not see: protected, with a
    hidden count in the numerator or denominator and a protected value of 0 or 5."""
    return independent_protected_series(cfg, measure_id, code)[3]


def marts_with_exact_protected_figures(cfg, root) -> "Path":
    """A copy of the demo's data whose protected columns hold the exact figures (and no figure is
    flagged as holding a hidden count): every viewer sees the exact months. For checking the page's
    statistics on a known change that, at test scale, no viewer is shown (a place's months are
    protected for every role, and Harrow's infant months are mostly hidden)."""
    data = copy_demo(cfg, root)
    for part in (data / "marts" / "measure_values.parquet").rglob("*.parquet"):
        frame = pd.read_parquet(part)
        frame = frame.assign(p_numerator=frame.numerator, p_denominator=frame.denominator,
                             numerator_small=False, denominator_small=False)
        frame.to_parquet(part, index=False)
    return data


def test_trends_chart_shows_the_stats_limits_of_the_months_shown(demo_env):
    """As the demo's default viewer (an INT lead who does not cover Harrow): the place's protected
    months, the mean and limits from those shown, the service change offered as a baseline."""
    harrow = area_code(demo_env, "Harrow", "place")
    periods, values, measure, hidden = independent_protected_series(demo_env, "emergency_admissions", harrow)
    at = open_app(area=harrow, page="trends.py")
    at.selectbox(key="trend_measure").set_value("emergency_admissions").run()
    assert_clean(at)
    values = judged(demo_env, "emergency_admissions", periods, values)   # as the page judges it
    shown = ~hidden
    assert shown.sum() >= trends.MIN_POINTS
    expected = stats.spc(values[shown], periods[shown], polarity=measure["polarity"])
    spec = figure(at, "spc_chart")
    assert trace(spec, "Mean")[0]["y"] == pytest.approx([expected.mean] * 2)
    assert sorted(t["y"][0] for t in trace(spec, "Process limits")) == pytest.approx([expected.lpl, expected.upl])
    assert f"Variation: {VARIATION_LABEL[expected.variation_icon]}" in [c.value for c in at.caption]

    before = int((periods < pd.Timestamp("2025-04-01")).sum())
    option = next(o for o in at.radio(key="trend_baseline").options if "Harrow child health model" in o)
    at.radio(key="trend_baseline").set_value(option).run()
    assert_clean(at)
    rebased = stats.spc(values[shown], periods[shown], polarity=measure["polarity"],
                        baseline=int(shown[:before].sum()))
    spec = figure(at, "spc_chart")
    assert trace(spec, "Mean")[0]["y"] == pytest.approx([rebased.mean] * 2)
    assert any(a.get("text") == "Harrow child health model launched" for a in spec["layout"]["annotations"])
    assert len(figure(at, "spc_facets")["layout"]["annotations"]) >= 3  # one title per neighbourhood


def test_trends_chart_finds_the_harrow_change_on_exact_months(demo_cfg, tmp_path, monkeypatch):
    """The page's SPC and its words on the demo's known change (Harrow's child health model cut
    infants' low-acuity A&E attendances), on marts whose figures every viewer sees exact."""
    point_app_at(monkeypatch, marts_with_exact_protected_figures(demo_cfg, tmp_path), demo_cfg.geo_dir)
    demo_env = demo_cfg
    harrow = area_code(demo_env, "Harrow", "place")
    periods, values, measure = independent_series(demo_env, "infant_low_acuity_ae", harrow)
    at = open_app(area=harrow, page="trends.py")
    at.selectbox(key="trend_measure").set_value("infant_low_acuity_ae").run()
    assert_clean(at)

    expected = stats.spc(values, periods, polarity="lower_is_better")
    spec = figure(at, "spc_chart")
    assert trace(spec, "Mean")[0]["y"] == pytest.approx([expected.mean] * 2)
    assert sorted(t["y"][0] for t in trace(spec, "Process limits")) == pytest.approx([expected.lpl, expected.upl])
    shown = {name: len(trace(spec, name)[0]["x"]) for name in ("Common cause", "Special cause improvement",
                                                               "Special cause concern") if trace(spec, name)}
    kinds = expected.points["special_cause"].value_counts()
    assert shown == {label: kinds[k] for k, label in (("common", "Common cause"), ("improvement",
                     "Special cause improvement"), ("concern", "Special cause concern")) if k in kinds}
    assert f"Variation: {VARIATION_LABEL[expected.variation_icon]}" in [c.value for c in at.caption]

    # limits from the months before the service change in the manifest: special cause improvement
    before = int((periods < pd.Timestamp("2025-04-01")).sum())
    option = next(o for o in at.radio(key="trend_baseline").options if "Harrow child health model" in o)
    at.radio(key="trend_baseline").set_value(option).run()
    assert_clean(at)
    rebased = stats.spc(values, periods, polarity="lower_is_better", baseline=before)
    assert rebased.variation_icon == "improvement_low"
    spec = figure(at, "spc_chart")
    assert trace(spec, "Mean")[0]["y"] == pytest.approx([rebased.mean] * 2)
    assert "Variation: Special cause improvement (lower)" in [c.value for c in at.caption]
    assert "below the mean" in at.subheader[0].value
    assert any(a.get("text") == "Harrow child health model launched" for a in spec["layout"]["annotations"])
    assert len(figure(at, "spc_facets")["layout"]["annotations"]) >= 3  # one title per neighbourhood


def test_a_measure_with_too_few_months_left_to_show_is_not_offered(demo_env):
    """The demo's default viewer (an INT lead) does not cover Harrow: its months of 1–7 are hidden."""
    harrow = area_code(demo_env, "Harrow", "place")
    hidden = hidden_months(demo_env, "infant_low_acuity_ae", harrow)
    assert (~hidden).sum() < trends.MIN_POINTS <= len(hidden)  # protected months that could be 1–7
    at = open_app(area=harrow, page="trends.py")
    assert_clean(at)
    assert "infant_low_acuity_ae" not in at.selectbox(key="trend_measure").options
    name = marts(demo_env, "measures").set_index("measure_id").loc["infant_low_acuity_ae", "name"]
    assert any(c.value.startswith("Not offered:") and name in c.value for c in at.caption)


def test_icon_summary_lists_every_measure_with_its_stats_variation(demo_env):
    """As the default viewer, who does not cover Harrow: icons from the months shown, judged as the page
    judges them (seasonally adjusted where the measure is seasonal)."""
    harrow = area_code(demo_env, "Harrow", "place")
    at = open_app(area=harrow, page="trends.py")
    assert_clean(at)
    table = at.dataframe[0].value.set_index("Measure")
    measures = marts(demo_env, "measures")
    assert sorted(table.index) == sorted(measures["name"])
    some_hidden = 0
    for measure in measures.itertuples():
        periods, values, _, hidden = independent_protected_series(demo_env, measure.measure_id, harrow)
        some_hidden += hidden.any()
        assert (table.loc[measure.name, "Value"] == SUPPRESSED) == hidden[-1], measure.name
        if (~hidden).sum() < 12:
            assert table.loc[measure.name, "Variation (latest month)"] == "–"
            continue
        result = stats.spc(judged(demo_env, measure.measure_id, periods, values)[~hidden], periods[~hidden],
                            polarity=measure.polarity, target=measure.target)  # as the page judges it
        label = VARIATION_LABEL[result.variation_icon] if result.mr_bar > 0 else "–"
        assert table.loc[measure.name, "Variation (latest month)"] == label, measure.name
    assert some_hidden, "Harrow has months that could be 1–7 at test scale"


def test_scorecard_table_matches_stats_and_filters_by_life_stage(demo_env):
    areas = marts(demo_env, "areas")
    harrow = area_code(demo_env, "Harrow", "place")
    code = areas.loc[areas.parent_code == harrow, "area_code"].sort_values().iloc[0]
    at = open_app(area=code, page="scorecard.py")
    assert_clean(at)
    assert list(at.session_state["demo_areas"]) == [code], "the default INT lead covers this neighbourhood"
    shown = pd.concat([d.value for d in at.dataframe])
    # the lead's own neighbourhood exact (small counts included); its place, Harrow, protected
    area, parent = independent_latest(demo_env, code), independent_latest(demo_env, harrow, protected=True)
    judged = stats.compare(area["value"], area["lower"], area["upper"], parent["value"], area["polarity"])
    assert len(shown) == len(area)
    assert area.numerator.between(1, THRESHOLD).any(), "the lead sees small counts here"
    for measure_id, m in area.iterrows():
        row = shown[shown["Measure"] == (m["name"] if m.unit == "%" else f"{m['name']} ({m.unit})")].iloc[0]
        assert row["Value (95% interval)"] != SUPPRESSED
        assert numbers(row["Value (95% interval)"]) == pytest.approx([m.value, m.lower, m.upper], abs=0.051)
        assert numbers(row["Numerator / denominator"])[0] == pytest.approx(m.numerator, abs=0.5)
        if parent.loc[measure_id, "hidden"]:
            assert row["Benchmark"] == "–" and row["Compared"] == "Not compared"
            continue
        assert numbers(row["Benchmark"]) == pytest.approx([parent.loc[measure_id, "value"]], abs=0.051)
        assert row["Compared"] == SIGNIFICANCE_LABEL[judged[measure_id]], measure_id
    assert len(at.get("plotly_chart")) == len(at.dataframe)  # a spine chart under each family's table

    at.multiselect(key="score_stages").set_value(["start"]).run()
    assert_clean(at)
    names = set(pd.concat([d.value for d in at.dataframe])["Measure"])
    starts = marts(demo_env, "measures").query("life_stage == 'start'")
    assert names == {f"{n} ({u})" if u != "%" else n for n, u in zip(starts["name"], starts["unit"])}


KIND = {"improvement": "special cause improvement", "concern": "special cause concern",
        "neutral": "special cause variation"}


def independent_changes(cfg, code: str) -> dict[str, str]:
    """Measure name -> kind of special cause in its latest month, on the protected months shown to a
    viewer who does not see this area exact (a place or an ICB: every viewer), those that could be
    1–7 hidden, worked out from the parquet marts."""
    changed = {}
    for measure in marts(cfg, "measures").itertuples():
        periods, values, _, hidden = independent_protected_series(cfg, measure.measure_id, code)
        shown = ~hidden & np.isfinite(values)
        if shown.sum() >= trends.MIN_POINTS:
            result = stats.spc(judged(cfg, measure.measure_id, periods, values)[shown], periods[shown],
                               polarity=measure.polarity, target=measure.target)
            if result.variation_icon != "common_cause" and result.mr_bar > 0:
                changed[measure.name] = KIND[result.variation_icon.split("_")[0]]
    return changed


@pytest.mark.parametrize("something_changed", [True, False], ids=["changed", "unchanged"])
def test_overview_says_what_changed(demo_env, something_changed):
    """Both branches: one sentence per measure with special cause, or the explicit "no change"
    message, never an empty or stale section. Which places and ICBs show a change in their protected
    months depends on the data folder's key, so the first area (ICBs, then places) in each case is used."""
    areas = marts(demo_env, "areas")
    candidates = pd.concat([areas[areas.area_level == level].sort_values("area_name") for level in ("icb", "place")])
    found = ((c, changes) for c in candidates.area_code for changes in [independent_changes(demo_env, c)]
             if bool(changes) == something_changed)
    code, expected = next(found, (None, None))
    assert code is not None, f"no ICB or place has {'a' if something_changed else 'no'} change to test"
    at = open_app(area=code)
    assert_clean(at)
    headers = [h.value for h in at.header]
    assert "What changed" in headers
    section = [m.value for m in at.markdown if m.value.startswith("- ") or m.value.startswith("No monthly")]
    assert len(section) == 1, section
    if not expected:
        assert section[0] == "No monthly measure shows special cause variation in its latest month."
        return
    lines = section[0].splitlines()
    assert all(line.startswith("- ") and line.endswith(".") for line in lines), lines
    said = {name.removesuffix(SEASONAL): "special cause" + rest
            for name, _, rest in (line[2:].partition(": special cause") for line in lines)}
    assert sorted(said) == sorted(expected)
    for measure, sentence in said.items():
        assert sentence.startswith(expected[measure]), (measure, sentence)


def test_a_choice_made_for_another_area_falls_back_to_the_default(demo_env):
    """Baseline and peer choices depend on the area (its events, its level): a choice left over from
    another area (session state) must fall back to the default, not break the page."""
    at = open_app(area=area_code(demo_env, "Barnet", "place"))
    at.session_state["trend_baseline"] = "The 17 months before “Harrow child health model launched”"
    at.switch_page("views/trends.py").run()
    assert_clean(at)
    assert at.title[0].value.endswith("in Barnet")
    assert at.radio(key="trend_baseline").options == ["All points", "A fixed number of months"]
    assert at.radio(key="trend_baseline").value == "All points"

    at = open_app(area=area_code(demo_env, "North Central London (synthetic)", "icb"))
    at.session_state["score_peers"] = "Places in North Central London (synthetic)"
    at.switch_page("views/scorecard.py").run()
    assert_clean(at)
    assert at.radio(key="score_peers").options == ["All integrated care boards"]
    assert at.title[0].value.startswith("North Central London (synthetic):")
