"""Map page: the figures, colours and hover text shown agree with values computed here with pandas
from the marts' parquet files; the map draws with no basemap unless asked; small counts are hidden."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from streamlit.testing.v1 import AppTest

from apptest import assert_clean, open_app
from neighbourhood_health.config import PROJECT_ROOT
from neighbourhood_health.present import maps
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE

Z95 = 1.959963984540054


@pytest.fixture(scope="module")
def marts(demo_cfg):
    read = lambda name: pd.read_parquet(demo_cfg.marts_dir / f"{name}.parquet")
    return {"areas": read("areas").set_index("area_code", drop=False), "values": read("measure_values").assign(period=lambda v: pd.to_datetime(v.period))}


def latest_12_months(values: pd.DataFrame, measure_id: str, codes) -> pd.DataFrame:
    """Σ numerator and denominator per area over the measure's latest 12 months, independently."""
    m = values[values.measure_id == measure_id]
    last = m.period.max()
    m = m[(m.period > last - pd.DateOffset(months=12)) & m.area_code.isin(list(codes))]
    return m.groupby("area_code")[["numerator", "denominator"]].sum()


def as_shown(marts, measure_id: str, codes, exact_neighbourhoods=()) -> pd.DataFrame:
    """Σ over the latest 12 months per area as the viewer sees it: exact inside the neighbourhoods
    the viewer may see exactly, otherwise the protected cells' sums (p_numerator, p_denominator);
    `hidden` where the rule hides the figure (a hidden count in it, and its protected value 0 or 5)."""
    values = marts["values"]
    m = values[values.measure_id == measure_id]
    m = m[(m.period > m.period.max() - pd.DateOffset(months=12)) & m.area_code.isin(list(codes))]
    out = m.groupby("area_code").agg(
        exact_numerator=("numerator", "sum"), exact_denominator=("denominator", "sum"),
        p_numerator=("p_numerator", "sum"), p_denominator=("p_denominator", "sum"),
        numerator_small=("numerator_small", "any"), denominator_small=("denominator_small", "any"))
    exact = marts["areas"].loc[out.index, "neighbourhood_code"].isin(list(exact_neighbourhoods)).to_numpy()
    out["numerator"] = np.where(exact, out.exact_numerator, out.p_numerator)
    out["denominator"] = np.where(exact, out.exact_denominator, out.p_denominator)
    out["hidden"] = ~exact & (((out.numerator_small & (out.p_numerator < 7.5))
                               | (out.denominator_small & (out.p_denominator < 7.5))).to_numpy())
    return out


def open_as(area: str, role: str, areas: list[str], page: str) -> AppTest:
    """The app on `area` with the demo role switcher set to `role` covering `areas`, on a page."""
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["area"] = area
    at.session_state["demo_role"] = role
    at.session_state["demo_areas"] = areas
    at.run()
    assert at.sidebar.selectbox(key="demo_role").value == role
    at.switch_page(f"views/{page}").run()
    return at


def byars(o, den, multiplier):
    """Byars' approximation to the Poisson interval of a count (as Fingertips, for counts ≥ 10)."""
    o = np.asarray(o, float)
    lower = o * (1 - 1 / (9 * o) - Z95 / (3 * np.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + Z95 / (3 * np.sqrt(o + 1))) ** 3
    return lower / den * multiplier, upper / den * multiplier


def wilson(x, n, multiplier):
    p = x / n
    centre = (2 * x + Z95**2) / (2 * (n + Z95**2))
    half = Z95 * np.sqrt(Z95**2 + 4 * x * (1 - p)) / (2 * (n + Z95**2))
    return (centre - half) * multiplier, (centre + half) * multiplier


def deck_spec(at) -> dict:
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    return json.loads(decks[0].proto.json)


def features(spec: dict, layer_id: str = "areas") -> list[dict]:
    layer = next(layer for layer in spec["layers"] if layer["id"] == layer_id)
    return layer["data"]["features"]


def children(marts, parent_code: str, level: str) -> pd.DataFrame:
    areas = marts["areas"]
    mask = (areas.area_level == level) & ((areas.icb_code == parent_code) | (areas.place_code == parent_code)
                                          | (areas.neighbourhood_code == parent_code))
    return areas[mask]


def test_icb_neighbourhood_values_intervals_and_judgements(demo_env, marts):
    """As the demo's default INT lead: their own neighbourhood exact, the others and the ICB protected."""
    areas = marts["areas"]
    icb = areas[areas.area_level == "icb"].sort_values("area_name").area_code.iloc[0]
    at = open_app(area=icb, page="map.py")
    assert_clean(at)
    own = list(at.session_state["demo_areas"])
    assert len(own) == 1 and areas.icb_code[own[0]] == icb
    nbhds = children(marts, icb, "neighbourhood")
    expect = as_shown(marts, "emergency_admissions", nbhds.index, own)
    assert not expect.loc[own[0], "hidden"] and (expect.drop(index=own).numerator % 5 == 0).all()
    expect["value"] = (expect.numerator / expect.denominator * 1000).where(~expect.hidden)
    expect["lower"], expect["upper"] = byars(expect.numerator, expect.denominator, 1000)
    expect[["lower", "upper"]] = expect[["lower", "upper"]].where(~expect.hidden)
    icb_row = as_shown(marts, "emergency_admissions", [icb]).iloc[0]
    icb_value = icb_row.numerator / icb_row.denominator * 1000
    expect["judgement"] = np.where(expect.hidden, "Not compared", np.where(
        expect.lower > icb_value, "Worse", np.where(expect.upper < icb_value, "Better", "Similar")))
    expect.index = nbhds.loc[expect.index, "area_name"]

    table = at.dataframe[0].value.set_index("Neighbourhood")
    assert len(table) == len(nbhds)
    shown = table.loc[expect.index]
    np.testing.assert_allclose(shown["Value (per 1,000 per year)"], expect.value, atol=0.006)
    np.testing.assert_allclose(shown["Lower 95%"], expect.lower, atol=0.01)
    np.testing.assert_allclose(shown["Upper 95%"], expect.upper, atol=0.01)
    np.testing.assert_allclose(shown["Numerator"], expect.numerator.where(~expect.hidden))
    np.testing.assert_allclose(shown["Denominator"], expect.denominator, atol=0.06)
    icb_name = areas.area_name[icb]
    assert list(shown[f"Compared with {icb_name}"]) == list(expect.judgement)
    worse = int((expect.judgement == "Worse").sum())
    top = expect.value.idxmax()
    finding = at.subheader[0].value
    assert finding.startswith(f"Emergency admissions: {worse} of {len(nbhds)} neighbourhoods significantly worse than {icb_name}")
    assert f"highest in {top} ({expect.value.max():,.1f} per 1,000 per year)" in finding

    spec = deck_spec(at)
    assert spec.get("mapStyle") == "__MAP_STYLE__" and "mapProvider" not in spec  # offline: no basemap fetched
    feats = {f["properties"]["area_name"]: f["properties"] for f in features(spec)}
    assert set(feats) == set(expect.index)
    assert feats[top]["fill"][:3] == maps.rgba(maps.SEQUENTIAL[-1])[:3]  # highest value in the darkest class
    assert feats[expect.value.idxmin()]["fill"][:3] == maps.rgba(maps.SEQUENTIAL[0])[:3]
    hover = feats[top]
    assert hover["value_text"] == f"{expect.value.max():,.1f} per 1,000 per year"
    assert hover["interval_text"] == f"{expect.lower[top]:,.1f} to {expect.upper[top]:,.1f}"
    assert hover["numerator_text"] == f"{expect.numerator[top]:,.0f}"
    for name in expect.index[expect.hidden]:
        assert feats[name]["numerator_text"] == "suppressed"
        assert feats[name]["value_text"] == f"not shown (could be {HIDDEN_RANGE} events)"
    assert "{value_text}" in spec.get("tooltip", "") or "{value_text}" in at.get("deck_gl_json_chart")[0].proto.tooltip
    legend = next(m.value for m in at.markdown if "Emergency admissions (per 1,000 per year)" in m.value)
    assert f"{expect.value.max():,.1f}" in legend and f"{expect.value.min():,.1f}" in legend

    labels = [e.label for e in at.expander]
    assert "How to read this" in labels and "Definition: Emergency admissions" in labels

    at.toggle[0].set_value(True).run()
    spec = deck_spec(at)
    assert spec["mapProvider"] == "carto" and "cartocdn" in spec["mapStyle"]


def test_place_coloured_by_significance_honours_polarity(demo_env, marts):
    areas = marts["areas"]
    places = areas[areas.area_level == "place"].sort_values("area_name")
    place = places.area_code.iloc[0]
    at = open_app(area=place, page="map.py")
    assert_clean(at)
    own = list(at.session_state["demo_areas"])  # the default INT lead's neighbourhood: exact; the rest protected
    at.selectbox(key="map_measure").set_value("bp_controlled_hypertension").run()
    next(r for r in at.radio if r.label == "Colour by").set_value("significance").run()
    assert_clean(at)
    nbhds = children(marts, place, "neighbourhood")
    expect = as_shown(marts, "bp_controlled_hypertension", nbhds.index, own)
    expect["lower"], expect["upper"] = wilson(expect.numerator, expect.denominator, 100)
    parent = as_shown(marts, "bp_controlled_hypertension", [place]).iloc[0]
    bench = parent.numerator / parent.denominator * 100
    # higher is better for blood pressure control
    expect["judgement"] = np.where(expect.hidden, "not compared", np.where(
        expect.lower > bench, "better", np.where(expect.upper < bench, "worse", "similar")))
    feats = {f["properties"]["area_code"]: f["properties"] for f in features(deck_spec(at))}
    for code, row in expect.iterrows():
        assert feats[code]["fill"][:3] == maps.rgba(maps.SIGNIFICANCE[row.judgement][0])[:3], code
    name = areas.area_name[place]
    assert at.subheader[0].value.startswith(
        f"Hypertension: blood pressure treated to target: {(expect.judgement == 'worse').sum()} of {len(nbhds)} "
        f"neighbourhoods significantly worse than {name}")
    legend = next(m.value for m in at.markdown if f"Compared with {name}" in m.value)
    assert "Similar to" in legend

    # A measure that arrives aggregated by neighbourhood has no small-area view.
    at.selectbox(key="map_measure").set_value("gpps_good_experience").run()
    assert_clean(at)
    assert next(r for r in at.radio if r.label == "Show").options == ["Neighbourhoods"]
    expect = as_shown(marts, "gpps_good_experience", nbhds.index, own)
    assert not expect.hidden.any()
    np.testing.assert_allclose(sorted(at.dataframe[0].value["Value (%)"]),
                               sorted(expect.numerator / expect.denominator * 100), atol=0.006)


def test_neighbourhood_small_areas_with_suppression(demo_env, marts):
    """To an aggregate-only viewer (a place managing director) a neighbourhood's small areas are
    protected: sums of protected months, hidden where they could be 1–7; to the neighbourhood's INT
    lead they are exact."""
    areas = marts["areas"]
    nbhd = areas[areas.area_level == "neighbourhood"].area_code.sort_values().iloc[0]
    at = open_as(nbhd, "place_md", [areas.parent_code[nbhd]], "map.py")
    assert_clean(at)
    assert next(r for r in at.radio if r.label == "Show").value == "small_area"
    smalls = children(marts, nbhd, "small_area")
    expect = as_shown(marts, "emergency_admissions", smalls.index)
    expect.index = smalls.loc[expect.index, "area_name"]
    table = at.dataframe[0].value.set_index("Small area").loc[expect.index]
    small = expect.hidden
    assert small.any() and (~small).any()
    assert table.loc[small, "Numerator"].isna().all() and table.loc[small, "Value (per 1,000 per year)"].isna().all()
    assert (table.loc[small, "Note"] == f"Not shown: could be {HIDDEN_RANGE} events").all()
    assert (table.loc[~small, "Note"] == "").all()
    np.testing.assert_allclose(table.loc[~small, "Numerator"], expect.numerator[~small])
    assert (table["Numerator"].dropna() % 5 == 0).all(), "no exact count shown"
    feats = {f["properties"]["area_name"]: f["properties"] for f in features(deck_spec(at))}
    hidden = small[small].index[0]
    assert feats[hidden]["numerator_text"] == "suppressed" and feats[hidden]["fill"][:3] == maps.rgba(maps.NO_VALUE)[:3]

    at.selectbox(key="map_measure").set_value("prev_diabetes").run()
    assert_clean(at)
    expect = as_shown(marts, "prev_diabetes", smalls.index)
    expect.index = smalls.loc[expect.index, "area_name"]
    table = at.dataframe[0].value.set_index("Small area").loc[expect.index]
    big = ~expect.hidden
    np.testing.assert_allclose(table.loc[big, "Value (%)"], (expect.numerator / expect.denominator * 100)[big], atol=0.006)
    assert table.loc[~big, "Value (%)"].isna().all()

    lead = open_as(nbhd, "int_lead", [nbhd], "map.py")  # the neighbourhood's own INT lead: exact small areas
    assert_clean(lead)
    exact = latest_12_months(marts["values"], "emergency_admissions", smalls.index)
    exact.index = smalls.loc[exact.index, "area_name"]
    table = lead.dataframe[0].value.set_index("Small area").loc[exact.index]
    np.testing.assert_allclose(table["Numerator"], exact.numerator)
    assert (table["Note"] == "").all()
