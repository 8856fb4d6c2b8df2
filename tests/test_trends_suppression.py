"""Small-number protection on the Trends page: every viewer who may not see an area's exact figures
(aggregate-only roles, and INT leads outside their own neighbourhoods) is given protected months
(sums of protected small-area months), and the months that could be 1–7 are hidden and left out of
the SPC; an INT lead sees their own neighbourhood exactly."""
from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apptest import assert_clean
from neighbourhood_health.privacy import access, disclosure
from neighbourhood_health import stats
from neighbourhood_health.measures import trends
from neighbourhood_health.config import PROJECT_ROOT
from neighbourhood_health.privacy.disclosure import SUPPRESSED, THRESHOLD

from test_trends import independent_protected_series, independent_series, marts, series

MEASURE = "emergency_admissions"


def small(numerators) -> np.ndarray:
    numerators = np.asarray(numerators, dtype=float)
    return (numerators >= 1) & (numerators <= THRESHOLD)


# ---- data layer ------------------------------------------------------------------------------

SMALL_SERIES = [40, 3, 38, 0, 41, 7, 44, 39, 1, 42, 37, 43, 40, 8, 36, 45, 6, 41, 39, 44]
#: The same months protected, as a protected query gives them: each a multiple of 5, and whether a
#: count of 1–7 is among its cells. Hidden: a 5 or a 0 with such a count in it (months 1, 5, 8, 16);
#: shown: a true 0 (month 3) and a 10 that holds one (month 13).
PROTECTED = [40, 5, 40, 0, 40, 5, 45, 40, 0, 40, 35, 45, 40, 10, 35, 45, 5, 40, 40, 45]
HOLDS_SMALL = [False, True, False, False, False, True, False, False, True, False,
               False, False, False, True, False, False, True, False, False, False]
HIDDEN = np.array([1, 5, 8, 16])


def protected(values=PROTECTED, holds_small=HOLDS_SMALL) -> pd.DataFrame:
    return series(values).assign(numerator_small=holds_small)


def test_protect_hides_months_that_could_be_1_to_7_unless_exact():
    rows = trends.monthly_values(protected())
    hidden = np.isin(np.arange(len(PROTECTED)), HIDDEN)
    shown = trends.hide_small_months(rows)
    assert shown["suppressed"].tolist() == hidden.tolist()
    for col in ("numerator", "value", "lower", "upper"):
        assert shown.loc[hidden, col].isna().all(), col
        np.testing.assert_allclose(shown.loc[~hidden, col], rows.loc[~hidden, col])
    assert shown.loc[3, "value"] == 0 and shown.loc[13, "value"] == 10  # a true 0, and a 10 holding a small count
    exact = trends.hide_small_months(trends.monthly_values(series(SMALL_SERIES)))  # exact rows: no *_small
    assert not exact["suppressed"].any()
    np.testing.assert_allclose(exact["value"], SMALL_SERIES)


def test_spc_of_a_protected_series_does_not_depend_on_the_hidden_months():
    """Mean and limits come from the months shown only: change the hidden months (still 0 or 5 with
    a small count in them) and nothing published changes, so nothing published can give them back."""
    hidden = np.isin(np.arange(len(PROTECTED)), HIDDEN)
    visible = np.array(PROTECTED, dtype=float)[~hidden]
    result = trends.spc_for(trends.hide_small_months(trends.monthly_values(protected())))
    expected = stats.spc(visible, polarity="lower_is_better")
    assert (result.mean, result.lpl, result.upl) == pytest.approx((expected.mean, expected.lpl, expected.upl))
    assert len(result.points) == (~hidden).sum() and not any("missing" in n for n in result.notes)

    other = [5 - v if h else v for v, h in zip(PROTECTED, hidden)]  # 5 ↔ 0
    again = trends.spc_for(trends.hide_small_months(trends.monthly_values(protected(other))))
    assert (again.mean, again.mr_bar, again.variation_icon) == (result.mean, result.mr_bar, result.variation_icon)
    pd.testing.assert_frame_equal(again.points, result.points)
    # with every month (the exact view) the mean does move: this is what hiding prevents
    changed = [7 if small(v) else v for v in SMALL_SERIES]
    exact = [trends.spc_for(trends.monthly_values(series(v))).mean for v in (SMALL_SERIES, changed)]
    assert exact[0] != pytest.approx(exact[1])


def test_a_baseline_counts_months_and_uses_the_months_shown_in_it():
    rows = trends.hide_small_months(trends.monthly_values(protected()))
    result = trends.spc_for(rows, baseline=10)  # 10 months, of which 7 are shown
    first_ten = np.array(PROTECTED[:10], dtype=float)
    assert result.mean == pytest.approx(np.delete(first_ten, HIDDEN[:3]).mean())


def test_icon_summary_hides_a_latest_month_that_could_be_1_to_7():
    values = PROTECTED[:-1] + [140, 5]  # the latest month is hidden, the one before is an outlier
    summary = trends.icon_summary(protected(values, HOLDS_SMALL[:-1] + [False, True])).iloc[0]
    assert summary["latest_hidden"] and pd.isna(summary["latest_value"])
    assert summary["variation_icon"] == "concern_high"  # the latest month shown
    exact = trends.icon_summary(series(SMALL_SERIES[:-1] + [140, 5])).iloc[0]
    assert not exact["latest_hidden"] and exact["latest_value"] == 5


def user(role: str, *areas: str) -> access.User:
    return access.User(f"{role}@example.nhs.uk", role, role, areas)


@pytest.fixture(scope="module")
def chosen(demo_cfg):
    """A neighbourhood whose protected monthly emergency admissions have months that could be 1–7
    (the latest among them) and still at least 12 months to show, and its place: the demo at test
    scale has many."""
    areas = marts(demo_cfg, "areas").set_index("area_code")
    fit = {}
    for code in areas.index[areas.area_level == "neighbourhood"]:
        hidden = independent_protected_series(demo_cfg, MEASURE, code)[3]
        if hidden.sum() >= 3 and len(hidden) - hidden.sum() >= trends.MIN_POINTS and hidden[-1]:
            fit[code] = hidden.sum()
    assert fit, "the demo data no longer exercises hiding on the Trends page"
    code = max(fit, key=fit.get)
    return code, areas.loc[code, "parent_code"]


def test_exact_only_for_an_int_lead_in_their_own_neighbourhood(demo_cfg, demo_db, chosen):
    code, place = chosen
    siblings = demo_db.run("app/areas").query("parent_code == @place and area_code != @code").area_code
    lead = user("int_lead", code)
    assert trends.exact_for(demo_db, lead, code)
    assert not trends.exact_for(demo_db, lead, siblings.iloc[0])
    assert not trends.exact_for(demo_db, lead, place)
    for someone in (user("board", place), user("place_md", place), user("analyst", "ALL"), user("board", "ALL"),
                    user("superuser", "ALL"), None):
        assert not trends.exact_for(demo_db, someone, code), someone
    assert disclosure.exact_areas(lead, synthetic=True) == [code]
    assert disclosure.exact_areas(user("place_md", place), synthetic=True) == []

    def months(exact_areas):
        raw = demo_db.run("app/measure_series", exact_areas=exact_areas, area_code=code)
        return trends.hide_small_months(trends.monthly_values(raw[raw.measure_id == MEASURE]))

    periods, values, _, hidden = independent_protected_series(demo_cfg, MEASURE, code)
    for viewer in ([], [siblings.iloc[0]]):
        shown = months(viewer)  # a place MD's, or a lead of another neighbourhood's: protected
        assert shown["suppressed"].tolist() == hidden.tolist()
        np.testing.assert_allclose(shown["value"], np.where(hidden, np.nan, values))
    exact = months(disclosure.exact_areas(lead, synthetic=True))
    _, exact_values, _ = independent_series(demo_cfg, MEASURE, code)
    assert not exact["suppressed"].any()
    np.testing.assert_allclose(exact["value"], exact_values)


def test_what_changed_quotes_no_hidden_month(demo_cfg, demo_db):
    """The Overview's "What changed" names the latest month's value when it is outside the limits:
    at test scale some such months have 1–7 events, and only the exact view (an INT lead's own
    neighbourhood) may quote them; a protected view never quotes a month it hides."""
    areas = marts(demo_cfg, "areas")
    measures = marts(demo_cfg, "measures").set_index("name")
    quoted = {True: 0, False: 0}
    quoted_hidden = {True: 0, False: 0}
    for code, level in areas.loc[areas.area_level.isin(["place", "neighbourhood"]), ["area_code", "area_level"]].itertuples(index=False):
        views = [False] + ([True] if level == "neighbourhood" else [])  # a place is never exact
        for exact in views:
            run = disclosure.for_viewer(demo_db.run, [code] if exact else [])
            for sentence in trends.what_changed(code, run):
                if "the latest month (" not in sentence:
                    continue
                name, rest = sentence.split(": special cause", 1)
                name = name.removesuffix(" (seasonally adjusted)")
                month = pd.Timestamp(rest.split("the latest month (", 1)[1].split(",")[0])
                measure_id = measures.loc[name, "measure_id"]
                periods, _, _, hidden = independent_protected_series(demo_cfg, measure_id, code)
                raw = marts(demo_cfg, "measure_values").query("measure_id == @measure_id and area_code == @code")
                exact_month = raw[pd.to_datetime(raw.period) == month]
                quoted[exact] += 1
                if exact:
                    quoted_hidden[True] += int(small(exact_month["numerator"]).any())
                else:
                    quoted_hidden[False] += int(hidden[list(periods).index(month)])
    assert quoted[False] > 0, "protected views quote months, so the check means something"
    assert quoted_hidden[False] == 0
    assert quoted_hidden[True] > 0, "the exact view quotes small months, so the protected check means something"


# ---- the page ------------------------------------------------------------------------------

def open_trends(role: str, area: str) -> AppTest:
    """The Trends page on `area` as the demo role switcher's `role` (areas: the role's default there)."""
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["area"] = area
    at.session_state["demo_role"] = role
    at.run()
    assert_clean(at)
    at.switch_page("views/trends.py").run()
    assert_clean(at)
    at.selectbox(key="trend_measure").set_value(MEASURE).run()
    assert_clean(at)
    if "trend_view" in [r.key for r in at.radio]:   # a seasonal measure: the privacy checks read the months as recorded
        at.radio(key="trend_view").set_value("As recorded").run()
        assert_clean(at)
    return at


def spec(at, key: str) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id)
    return json.loads(chart.proto.spec)


def decoded(values) -> list:
    """A plotly JSON array: plain, or typed ({"dtype", "bdata"})."""
    if isinstance(values, dict) and "bdata" in values:
        return [float(v) for v in np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])]
    return [v for v in values if isinstance(v, (int, float))]


def numbers(figure: dict) -> list[float]:
    return [v for t in figure["data"] for v in decoded(t.get("y", []))]


def markers(figure: dict, axis: str | None = None) -> list[float]:
    """The values drawn as points (one trace per kind of special cause), optionally on one subplot."""
    return sorted(v for t in figure["data"] if t.get("mode") == "markers" and (axis is None or t.get("yaxis", "y") == axis)
                  for v in decoded(t["y"]))


def facet_markers(figure: dict) -> dict[str, list[float]]:
    """Area name → the values drawn as points in its small multiple (subplot i is on axis y, y2, …)."""
    titles = [a["text"].split("<br>")[0].replace("<b>", "").replace("</b>", "") for a in figure["layout"]["annotations"]]
    return {name: markers(figure, "y" if i == 0 else f"y{i + 1}") for i, name in enumerate(titles)}


def appears(value: float, values: list[float]) -> bool:
    return any(v == pytest.approx(value, rel=1e-9) for v in values)


def month_series(cfg, code: str):
    """The exact months: periods, values, which have 1–7 events, and the measure."""
    periods, values, measure = independent_series(cfg, MEASURE, code)
    raw = marts(cfg, "measure_values")
    numerators = raw[(raw.measure_id == MEASURE) & (raw.area_code == code)].sort_values("period")["numerator"]
    return periods.reset_index(drop=True), values, small(numerators), measure


def protected_months(cfg, code: str):
    """The protected months: periods, values, which are hidden (could be 1–7), and the measure."""
    periods, values, measure, hidden = independent_protected_series(cfg, MEASURE, code)
    return periods.reset_index(drop=True), values, hidden, measure


@pytest.mark.parametrize("role", ["board", "place_md", "analyst"])
def test_aggregate_only_roles_see_no_month_of_1_to_7(demo_env, chosen, role):
    code, place = chosen
    periods, values, hidden, measure = protected_months(demo_env, code)
    _, exact_values, exact_small, _ = month_series(demo_env, code)
    at = open_trends(role, code)
    figure = spec(at, "spc_chart")
    drawn = numbers(figure)
    assert not [v for v in values[hidden] if appears(v, drawn)], "a hidden month's value reached the chart"
    assert not [v for v, p in zip(exact_values[exact_small], values[exact_small]) if v != p and appears(v, drawn)], \
        "a month's exact count of 1–7 reached the chart"
    assert markers(figure) == pytest.approx(sorted(values[~hidden]))
    hover = " ".join(h for t in figure["data"] for h in (t.get("hovertext") or []))
    assert not [p for p in periods[hidden] if f"{p:%b %Y}:" in hover]
    expected = stats.spc(values[~hidden], periods[~hidden], polarity=measure["polarity"])
    mean = next(t for t in figure["data"] if t.get("name") == "Mean")
    assert decoded(mean["y"]) == pytest.approx([expected.mean] * 2)
    captions = " ".join(c.value for c in at.caption)
    assert f"Hidden here ({hidden.sum()} of {len(values)} months)" in captions
    assert "The latest month" in captions and "is hidden" in captions

    facets = facet_markers(spec(at, "spc_facets"))
    names = marts(demo_env, "areas").set_index("area_code")["area_name"]
    for sibling in marts(demo_env, "areas").query("parent_code == @place").area_code:
        _, sib_values, sib_hidden, _ = protected_months(demo_env, sibling)
        drawn = facets.get(names[sibling], [])
        assert drawn == pytest.approx(sorted(sib_values[~sib_hidden])) if drawn else \
            (~sib_hidden).sum() < trends.MIN_POINTS, sibling
        assert not [v for v in sib_values[sib_hidden] if appears(v, drawn)], sibling
        _, sib_exact, sib_small, _ = month_series(demo_env, sibling)
        assert not [v for v, p in zip(sib_exact[sib_small], sib_values[sib_small]) if v != p and appears(v, drawn)], sibling

    table = at.dataframe[0].value.set_index("Measure")
    assert table.loc[measure["name"], "Value"] == SUPPRESSED


def test_int_lead_sees_their_own_neighbourhood_exactly_and_others_protected(demo_env, chosen):
    code, place = chosen
    periods, values, hidden, measure = month_series(demo_env, code)
    at = open_trends("int_lead", code)
    figure = spec(at, "spc_chart")
    assert markers(figure) == pytest.approx(sorted(values))  # every month, small ones too
    expected = stats.spc(values, periods, polarity=measure["polarity"])
    mean = next(t for t in figure["data"] if t.get("name") == "Mean")
    assert decoded(mean["y"]) == pytest.approx([expected.mean] * 2)
    assert "Exact figures" in " ".join(c.value for c in at.caption)
    table = at.dataframe[0].value.set_index("Measure")
    assert table.loc[measure["name"], "Value"] != SUPPRESSED

    facets = facet_markers(spec(at, "spc_facets"))
    names = marts(demo_env, "areas").set_index("area_code")["area_name"]
    assert facets[names[code]] == pytest.approx(sorted(values)), "their own neighbourhood is exact in the facets"
    others = marts(demo_env, "areas").query("parent_code == @place and area_code != @code").area_code
    leaked = []
    for sibling in others:
        _, sib_exact, sib_small, _ = month_series(demo_env, sibling)
        _, sib_values, sib_hidden, _ = protected_months(demo_env, sibling)
        if names[sibling] not in facets:  # too few months left to show: no small multiple at all
            assert (~sib_hidden).sum() < trends.MIN_POINTS
            continue
        drawn = facets[names[sibling]]
        assert drawn == pytest.approx(sorted(sib_values[~sib_hidden])), "the sibling's protected months shown"
        leaked += [v for v, p in zip(sib_exact[sib_small], sib_values[sib_small]) if v != p and appears(v, drawn)]
        leaked += [v for v in sib_values[sib_hidden] if appears(v, drawn)]
    assert not leaked, "neighbourhoods the INT lead does not cover stay protected"
