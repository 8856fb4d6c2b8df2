"""Small-number suppression on the Trends page: months with 1–7 events are hidden, and left out of
the SPC, for every viewer who may not see an area's exact figures (aggregate-only roles, and INT
leads outside their own neighbourhoods); an INT lead sees their own neighbourhood exactly."""
from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apptest import assert_clean
from neighbourhood_health.privacy import access
from neighbourhood_health import stats
from neighbourhood_health.measures import trends
from neighbourhood_health.config import PROJECT_ROOT
from neighbourhood_health.privacy.disclosure import SUPPRESSED, THRESHOLD

from test_trends import independent_series, marts, series

MEASURE = "emergency_admissions"


def small(numerators) -> np.ndarray:
    numerators = np.asarray(numerators, dtype=float)
    return (numerators >= 1) & (numerators <= THRESHOLD)


# ---- data layer ------------------------------------------------------------------------------

SMALL_SERIES = [40, 3, 38, 0, 41, 7, 44, 39, 1, 42, 37, 43, 40, 8, 36, 45, 6, 41, 39, 44]


def test_protect_hides_months_of_1_to_7_unless_exact():
    rows = trends.monthly_values(series(SMALL_SERIES))
    hidden = small(SMALL_SERIES)
    shown = trends.hide_small_months(rows)
    assert shown["suppressed"].tolist() == hidden.tolist()
    for col in ("numerator", "value", "lower", "upper"):
        assert shown.loc[hidden, col].isna().all(), col
        np.testing.assert_allclose(shown.loc[~hidden, col], rows.loc[~hidden, col])
    assert shown.loc[3, "value"] == 0 and shown.loc[13, "value"] == 8  # zero and 8 are shown
    exact = trends.hide_small_months(rows, exact=True)
    assert not exact["suppressed"].any()
    np.testing.assert_allclose(exact["value"], SMALL_SERIES)


def test_spc_of_a_protected_series_does_not_depend_on_the_hidden_months():
    """Mean and limits come from the months shown only: change the hidden months (still 1–7) and
    nothing published changes, so nothing published can give them back."""
    hidden = small(SMALL_SERIES)
    visible = np.array(SMALL_SERIES, dtype=float)[~hidden]
    result = trends.spc_for(trends.hide_small_months(trends.monthly_values(series(SMALL_SERIES))))
    expected = stats.spc(visible, polarity="lower_is_better")
    assert (result.mean, result.lpl, result.upl) == pytest.approx((expected.mean, expected.lpl, expected.upl))
    assert len(result.points) == (~hidden).sum() and not any("missing" in n for n in result.notes)

    other = [7 if h else v for v, h in zip(SMALL_SERIES, hidden)]
    again = trends.spc_for(trends.hide_small_months(trends.monthly_values(series(other))))
    assert (again.mean, again.mr_bar, again.variation_icon) == (result.mean, result.mr_bar, result.variation_icon)
    pd.testing.assert_frame_equal(again.points, result.points)
    # with every month (the exact view) the mean does move: this is what protection prevents
    exact = [trends.spc_for(trends.monthly_values(series(v))).mean for v in (SMALL_SERIES, other)]
    assert exact[0] != pytest.approx(exact[1])


def test_a_baseline_counts_months_and_uses_the_months_shown_in_it():
    rows = trends.hide_small_months(trends.monthly_values(series(SMALL_SERIES)))
    result = trends.spc_for(rows, baseline=10)  # 10 months, of which 7 are shown
    first_ten = np.array(SMALL_SERIES[:10], dtype=float)
    assert result.mean == pytest.approx(first_ten[~small(first_ten)].mean())


def test_icon_summary_hides_a_latest_month_of_1_to_7():
    values = SMALL_SERIES[:-1] + [140, 5]  # the latest month is hidden, the one before is an outlier
    summary = trends.icon_summary(series(values), exact=False).iloc[0]
    assert summary["latest_hidden"] and pd.isna(summary["latest_value"])
    assert summary["variation_icon"] == "concern_high"  # the latest month shown
    exact = trends.icon_summary(series(values)).iloc[0]
    assert not exact["latest_hidden"] and exact["latest_value"] == 5


def user(role: str, *areas: str) -> access.User:
    return access.User(f"{role}@example.nhs.uk", role, role, areas)


@pytest.fixture(scope="module")
def chosen(demo_cfg):
    """A neighbourhood whose monthly emergency admissions have months of 1–7 (the latest among them)
    and still at least 12 months to show, and its place: the demo at test scale has several."""
    values = marts(demo_cfg, "measure_values")
    areas = marts(demo_cfg, "areas").set_index("area_code")
    rows = values[(values.measure_id == MEASURE) & (values.area_level == "neighbourhood")].sort_values("period")
    rows = rows.assign(small=small(rows["numerator"]))
    per = rows.groupby("area_code").agg(hidden=("small", "sum"), months=("small", "size"), last=("small", "last"))
    fit = per[(per.hidden >= 3) & (per.months - per.hidden >= trends.MIN_POINTS) & per["last"]]
    assert len(fit), "the demo data no longer exercises suppression on the Trends page"
    code = fit.sort_values("hidden", ascending=False).index[0]
    return code, areas.loc[code, "parent_code"]


def test_exact_only_for_an_int_lead_in_their_own_neighbourhood(demo_db, chosen):
    code, place = chosen
    siblings = demo_db.run("app/areas").query("parent_code == @place and area_code != @code").area_code
    lead = user("int_lead", code)
    assert trends.exact_for(demo_db, lead, code)
    assert not trends.exact_for(demo_db, lead, siblings.iloc[0])
    assert not trends.exact_for(demo_db, lead, place)
    for someone in (user("board", place), user("place_md", place), user("analyst", "ALL"), user("board", "ALL"),
                    user("superuser", "ALL"), None):
        assert not trends.exact_for(demo_db, someone, code), someone

    raw = demo_db.run("app/measure_series", exact_areas=[], area_code=code)
    monthly = trends.monthly_values(raw[raw.measure_id == MEASURE])
    hidden = small(monthly["numerator"])
    protected = trends.hide_small_months(monthly, trends.exact_for(demo_db, user("place_md", place), code))
    assert protected.loc[hidden, "value"].isna().all() and protected.loc[~hidden, "value"].notna().all()
    shown = trends.hide_small_months(monthly, trends.exact_for(demo_db, lead, code))
    np.testing.assert_allclose(shown["value"], monthly["value"])


def test_what_changed_quotes_no_hidden_month(demo_cfg, demo_db):
    """The Overview's "What changed" names the latest month's value when it is outside the limits:
    at test scale some such months have 1–7 events, and only the exact view may quote them."""
    areas = marts(demo_cfg, "areas")
    measures = marts(demo_cfg, "measures").set_index("name")
    quoted_hidden = {True: 0, False: 0}
    for code in areas.loc[areas.area_level.isin(["place", "neighbourhood"]), "area_code"]:
        raw = demo_db.run("app/measure_series", exact_areas=[], area_code=code)
        for exact in (False, True):
            for sentence in trends.what_changed(code, demo_db.run, exact=exact):
                if "the latest month (" not in sentence:
                    continue
                name, rest = sentence.split(": special cause", 1)
                month = pd.Timestamp(rest.split("the latest month (", 1)[1].split(",")[0])
                part = raw[(raw.measure_id == measures.loc[name, "measure_id"]) & (pd.to_datetime(raw.period) == month)]
                quoted_hidden[exact] += int(small(part["numerator"]).any())
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


def appears(value: float, values: list[float]) -> bool:
    return any(v == pytest.approx(value, rel=1e-9) for v in values)


def month_series(cfg, code: str):
    periods, values, measure = independent_series(cfg, MEASURE, code)
    raw = marts(cfg, "measure_values")
    numerators = raw[(raw.measure_id == MEASURE) & (raw.area_code == code)].sort_values("period")["numerator"]
    return periods.reset_index(drop=True), values, small(numerators), measure


@pytest.mark.parametrize("role", ["board", "place_md", "analyst"])
def test_aggregate_only_roles_see_no_month_of_1_to_7(demo_env, chosen, role):
    code, place = chosen
    periods, values, hidden, measure = month_series(demo_env, code)
    at = open_trends(role, code)
    figure = spec(at, "spc_chart")
    drawn = numbers(figure)
    assert not [v for v in values[hidden] if appears(v, drawn)], "a hidden month's value reached the chart"
    assert markers(figure) == pytest.approx(sorted(values[~hidden]))
    hover = " ".join(h for t in figure["data"] for h in (t.get("hovertext") or []))
    assert not [p for p in periods[hidden] if f"{p:%b %Y}:" in hover]
    expected = stats.spc(values[~hidden], periods[~hidden], polarity=measure["polarity"])
    mean = next(t for t in figure["data"] if t.get("name") == "Mean")
    assert decoded(mean["y"]) == pytest.approx([expected.mean] * 2)
    captions = " ".join(c.value for c in at.caption)
    assert f"Hidden here ({hidden.sum()} of {len(values)} months)" in captions
    assert "The latest month" in captions and "is hidden" in captions

    facets = spec(at, "spc_facets")
    for sibling in marts(demo_env, "areas").query("parent_code == @place").area_code:
        _, sib_values, sib_hidden, _ = month_series(demo_env, sibling)
        assert not [v for v in sib_values[sib_hidden] if appears(v, numbers(facets))], sibling

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

    facets = numbers(spec(at, "spc_facets"))
    assert all(appears(v, facets) for v in values[hidden]), "their own neighbourhood is exact in the facets"
    others = marts(demo_env, "areas").query("parent_code == @place and area_code != @code").area_code
    leaked = []
    for sibling in others:
        _, sib_values, sib_hidden, _ = month_series(demo_env, sibling)
        leaked += [v for v in sib_values[sib_hidden] if appears(v, facets)]
    assert not leaked, "neighbourhoods the INT lead does not cover stay protected"
