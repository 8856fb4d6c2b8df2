"""The app renders on demo data; the Overview shows figures the statistics module gives."""
from __future__ import annotations

import pandas as pd
import pytest

from streamlit.testing.v1 import AppTest

from apptest import assert_clean, open_app
from neighbourhood_health import stats
from neighbourhood_health.config import PROJECT_ROOT


@pytest.fixture(scope="module")
def tree(demo_cfg):
    return pd.read_parquet(demo_cfg.marts_dir / "areas.parquet")


def _code(tree, level):
    return tree[tree.area_level == level].sort_values("area_code").area_code.iloc[0]


@pytest.mark.parametrize("level", ["icb", "place", "neighbourhood"])
def test_overview_figures_match_statistics(demo_env, tree, level):
    """The demo's default viewer is an INT lead for one neighbourhood: there the Overview shows
    exact figures; a place's or ICB's figures are sums of protected small-area cells (p_numerator),
    multiples of 5, with the statistics computed from them."""
    code = _code(tree, level)
    at = open_app(area=code)
    assert_clean(at)
    name = tree.set_index("area_code").area_name[code]
    assert at.title[0].value == name
    table = pd.concat([df.value for df in at.dataframe], ignore_index=True)
    values = pd.read_parquet(demo_env.marts_dir / "measure_values.parquet")
    mine = values[values.area_code == code]
    exact = level == "neighbourhood"
    num, den = ("numerator", "denominator") if exact else ("p_numerator", "p_denominator")
    # Emergency admissions over the latest 12 months: Σ events / Σ person-years × 1,000, Byars interval.
    em = mine[mine.measure_id == "emergency_admissions"].sort_values("period").tail(12)
    expect = stats.rate(em[num].sum(), em[den].sum(), multiplier=1000)
    row = table[table.Measure == "Emergency admissions"].iloc[0]
    assert row.Value == f"{expect.value[0]:,.1f}"
    assert row["95% interval"] == f"{expect.lower[0]:,.1f} to {expect.upper[0]:,.1f}"
    assert row.Numerator == em[num].sum()
    if not exact:
        assert row.Numerator % 5 == 0, "a sum of protected cells"
    # Diabetes prevalence: Wilson interval, percentage.
    dm = mine[mine.measure_id == "prev_diabetes"].iloc[0]
    p = stats.proportion(dm[num], dm[den], multiplier=100)
    row = table[table.Measure == "Diabetes: recorded prevalence"].iloc[0]
    assert row.Value == f"{p.value[0]:.1f}%" and row["95% interval"] == f"{p.lower[0]:.1f}% to {p.upper[0]:.1f}%"


def test_area_comes_from_the_url_and_picker_changes_it(demo_env, tree):
    nb = _code(tree, "neighbourhood")
    at = open_app(area=nb)
    assert at.query_params["area"] == [nb] or at.query_params["area"] == nb
    assert at.sidebar.selectbox(key="pick_neighbourhood").value == nb
    at.sidebar.selectbox(key="pick_neighbourhood").set_value("All neighbourhoods").run()
    place = tree.set_index("area_code").parent_code[nb]
    assert at.title[0].value == tree.set_index("area_code").area_name[place]
    assert at.query_params["area"] in ([place], place)


def test_data_page_lists_validation_and_definitions(demo_env):
    at = open_app(page="data.py")
    assert_clean(at)
    assert any("passed validation" in s.value for s in at.success)
    definitions = at.dataframe[-1].value
    assert {"measure_id", "definition", "polarity"} <= set(definitions.columns)
    assert len(definitions) >= 19


def test_app_shows_validation_problems_instead_of_crashing(demo_cfg, tmp_path, monkeypatch):
    import shutil
    ext = tmp_path / "data" / "extracts"
    shutil.copytree(demo_cfg.extracts_dir, ext)
    persons = pd.read_parquet(ext / "persons.parquet")
    persons.drop(columns=["sex"]).to_parquet(ext / "persons.parquet", index=False)
    monkeypatch.setenv("NHD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NHD_GEO_DIR", str(demo_cfg.geo_dir))
    monkeypatch.setenv("NHD_AUTO_DEMO", "0")
    at = open_app()
    assert_clean(at)
    assert any("persons.parquet, column sex: required column is missing" in e.value for e in at.error)
    problems = at.dataframe[0].value
    assert ((problems.file == "persons.parquet") & (problems.column == "sex")).any()


def test_overview_hides_small_counts(demo_env, tree):
    """To an aggregate-only viewer, a neighbourhood measure whose protected count could be 1–7
    (a hidden cell in it and a protected value of 0 or 5) shows no value, count or judgement."""
    values = pd.read_parquet(demo_env.marts_dir / "measure_values.parquet")
    latest = values[values.area_level == "neighbourhood"]
    snapshot = latest[latest.measure_id.str.startswith("prev_")]
    hidden = snapshot[snapshot.numerator_small & (snapshot.p_numerator < 7.5)]
    small = hidden.sort_values(["area_code", "measure_id"]).iloc[0]
    place = tree.set_index("area_code").parent_code[small.area_code]
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["area"] = small.area_code
    at.session_state["demo_role"] = "place_md"
    at.session_state["demo_areas"] = [place]
    at.run()
    assert_clean(at)
    assert at.sidebar.selectbox(key="demo_role").value == "place_md"
    table = pd.concat([df.value for df in at.dataframe], ignore_index=True)
    names = pd.read_parquet(demo_env.marts_dir / "measures.parquet").set_index("measure_id").name
    row = table[table.Measure == names[small.measure_id]].iloc[0]
    assert row.Value == "–" and row["95% interval"] == "–" and pd.isna(row.Numerator)
    assert row["Compared with parent"] == "Not compared"
    shown = table.Numerator.dropna()
    assert (shown % 5 == 0).all(), "every count an aggregate-only viewer sees is protected"
