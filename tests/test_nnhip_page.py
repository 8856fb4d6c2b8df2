"""The NNHIP scorecard page for an aggregate-only viewer and for an INT lead in their own neighbourhood."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apptest import assert_clean
from neighbourhood_health.config import PROJECT_ROOT
from neighbourhood_health.measures import nnhip
from neighbourhood_health.privacy import disclosure
from neighbourhood_health.store import Database

PAGE = "views/nnhip_scorecard.py"
HILLINGDON, HILLINGDON_NORTH = "Z72000009", "Z70000035"
COHORT = "multimorbid_high_risk"


@pytest.fixture(scope="module")
def app_file(tmp_path_factory) -> str:
    """app.py, with the page registered if app.py does not register it yet (its pages by full path)."""
    source = (PROJECT_ROOT / "app.py").read_text()
    if PAGE in source:
        return str(PROJECT_ROOT / "app.py")
    line = '        st.Page("views/nnhip_scorecard.py", title="NNHIP scorecard", icon=":material/scoreboard:"),\n'
    source = source.replace('        st.Page("views/cohorts.py"', line + '        st.Page("views/cohorts.py"')
    source = source.replace('st.Page("views/', f'st.Page("{PROJECT_ROOT}/views/')
    path = tmp_path_factory.mktemp("app") / "app.py"
    path.write_text(source)
    return str(path)


def open_page(app_file: str, role: str, area: str) -> AppTest:
    at = AppTest.from_file(app_file, default_timeout=180)
    at.query_params["area"] = area
    at.session_state["demo_role"] = role
    at.run()
    assert_clean(at)
    at.switch_page(str(PROJECT_ROOT / PAGE) if not app_file.startswith(str(PROJECT_ROOT)) else PAGE).run()
    assert_clean(at)
    return at


def _numbers(values) -> list[float]:
    return [float(v.replace(",", "")) for v in values if re.fullmatch(r"[\d,]+", str(v))]


def test_aggregate_viewer_sees_only_protected_counts(demo_env, app_file):
    at = open_page(app_file, "board", HILLINGDON)
    assert "NNHIP" in at.selectbox(key="nnhip_cohort").label
    assert at.selectbox(key="nnhip_cohort").value == COHORT
    metrics = {m.label: m.value for m in at.metric}
    counts = _numbers([metrics["Patients in the cohort"], metrics["On the caseload, latest month"]])
    assert counts and all(c % disclosure.ROUND_TO == 0 for c in counts)
    table = at.dataframe[0].value
    shown = _numbers(pd.concat([table["Caseload: count"], table["Rest of cohort: count"]]))
    assert all(c % disclosure.ROUND_TO == 0 for c in shown), "counts an aggregate viewer sees are protected"
    assert set(table["Family"]) <= {"Population health outcomes", "Standards and KPIs",
                                    "Patient/resident and staff experience"}
    assert any("rounded" in c.value for c in at.caption), "the page says how its figures were protected"
    assert at.get("plotly_chart"), "the engagement, comparison and funnel charts are drawn"
    assert any(b.proto.label.startswith("Download the NNHIP submission") for b in at.get("download_button")), \
        "Hillingdon is an NNHIP project: its submission can be downloaded"


def test_int_lead_in_their_own_neighbourhood_sees_exact_figures(demo_env, app_file):
    at = open_page(app_file, "int_lead", HILLINGDON_NORTH)
    db = Database(demo_env.marts_dir, demo_env.extracts_dir)
    exact = nnhip.scorecard_series(disclosure.for_viewer(db.run, [HILLINGDON_NORTH]), HILLINGDON_NORTH, COHORT)
    latest = exact[exact.row_key == "P1_caseload"].sort_values("month").iloc[-1]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Patients in the cohort"] == f"{latest['members']:,.0f}"
    assert metrics["On the caseload, latest month"] == f"{latest['on_caseload']:,.0f}"
    assert not any("rounded" in c.value for c in at.caption)
    at.selectbox(key="nnhip_metric").select("O6_gp").run()
    assert_clean(at)
