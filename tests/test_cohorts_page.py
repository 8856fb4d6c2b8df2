"""The Cohorts page for each role, chosen with the demo role switcher, as a user would see it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apptest import assert_clean
from neighbourhood_health.present.text import md
from neighbourhood_health.privacy import access, audit, disclosure
from neighbourhood_health.privacy.disclosure import TOTAL
from neighbourhood_health.measures import cohorts
from neighbourhood_health.config import PROJECT_ROOT
from neighbourhood_health.store import Database

BRENT, BRENT_EAST = "Z72000006", "Z70000021"


def open_cohorts(role: str, area: str) -> AppTest:
    """Start the app on `area` with the sidebar's demo role switcher set to `role`, then open Cohorts.

    (AppTest runs app.py, and so the sidebar, on the first run only; later runs re-run the page.)
    """
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["area"] = area
    at.session_state["demo_role"] = role
    at.run()
    assert_clean(at)
    assert at.sidebar.selectbox(key="demo_role").value == role
    at.switch_page("views/cohorts.py").run()
    assert_clean(at)
    return at


def audit_actions(cfg) -> list[str]:
    files = audit.event_files(cfg.audit_dir)
    return [] if not files else pd.concat(pd.read_parquet(f) for f in files)["action"].tolist()


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("role", ["board", "place_md"])
def test_aggregate_roles_see_protected_counts_and_no_list(demo_env, role):
    before = audit_actions(demo_env)
    at = open_cohorts(role, BRENT)
    label = access.ROLES[role].label
    legend = md(disclosure.LEGEND[0].lower() + disclosure.LEGEND[1:-1])  # "counts are rounded … shown as \\* …"
    assert "shown as \\*;" in legend, "the * is escaped, so markdown shows it rather than starting emphasis"
    assert f"Viewing as **{label}** (demo): protected counts: {legend}." in text(at)
    assert "could be 1–7" in legend
    assert any("see counts only" in i.value for i in at.info)
    assert any("builder counts only where you see exact figures" in i.value for i in at.info)
    assert not at.toggle, "no list switch for aggregate-only roles"
    db = Database(demo_env.marts_dir, demo_env.extracts_dir)
    user = access.User(f"demo:{role}", "demo user", role, (BRENT,), demo=True)
    shown = cohorts.counts(db, user, "frail_emergency_admissions", BRENT)
    assert shown.protected and f"**{shown.total:,.0f} people** in Brent" in text(at)
    by_neighbourhood = at.dataframe[1].value
    # Each neighbourhood's people: the sum of its protected cells, hidden where it could be 1–7;
    # the Total is the sum of every protected cell, so no hidden cell follows from the others.
    people = shown.table[TOTAL]
    np.testing.assert_array_equal(by_neighbourhood["People"].to_numpy(dtype=float), people.to_numpy(dtype=float))
    assert (people.dropna() % 5 == 0).all()
    cells = shown.table.drop(index=TOTAL, columns=TOTAL)
    assert cells.isna().to_numpy().any(), "the cohort has hidden cells in Brent"
    assert audit_actions(demo_env) == before


def test_int_lead_lists_their_neighbourhood_and_each_view_is_audited_once(demo_env):
    at = open_cohorts("int_lead", BRENT_EAST)
    assert "Viewing as **INT lead** (demo): exact counts" in text(at)
    before = audit_actions(demo_env)
    at.toggle(key="show_list").set_value(True).run()
    assert_clean(at)
    listed = at.dataframe[-1].value
    db = Database(demo_env.marts_dir, demo_env.extracts_dir)
    lead = access.User("demo:int_lead", "demo user", "int_lead", (BRENT_EAST,), demo=True)
    expected = cohorts.counts(db, lead, "frail_emergency_admissions", BRENT_EAST).total
    assert len(listed) == expected > 0 and set(listed["Neighbourhood"]) == {"Brent East"}
    assert audit_actions(demo_env) == before + ["list_view"]
    assert at.get("download_button"), "the list can be exported"

    at.run()  # a rerun of the same view is not a new view
    assert audit_actions(demo_env) == before + ["list_view"]

    at.multiselect(key="b_risk").set_value(["high"]).run()  # the builder's count follows the filters
    high = cohorts.counts(db, lead, cohorts.Filters(risk_bands=("high",)), BRENT_EAST).total
    assert f"**{high:,.0f} people** in Brent East match these filters." in text(at)
    at.radio(key="list_source").set_value("builder").run()
    assert len(at.dataframe[-1].value) == high
    assert audit_actions(demo_env) == before + ["list_view", "list_view"]
    assert "export_list" not in audit_actions(demo_env)[len(before):], "showing a download button exports nothing"


def test_int_lead_outside_their_neighbourhoods_is_offered_their_own(demo_env):
    at = open_cohorts("int_lead", BRENT)
    warning = at.warning[0].value
    assert "covers" in warning and "not Brent" in warning
    assert len(at.button) == 1 and at.button[0].label.startswith("Brent")
    assert not at.dataframe


def test_analyst_sees_counts_and_the_audit_log_but_no_list(demo_env):
    audit.record(demo_env.audit_dir, access.User("x@example.nhs.uk", "X", "int_lead", (BRENT_EAST,)),
                 "list_view", BRENT_EAST, {"cohort_id": "rising_risk"}, 3)
    at = open_cohorts("analyst", BRENT)
    assert "Audit log" in [h.value for h in at.header]
    log = at.dataframe[-1].value
    assert {"recorded_at", "user_id", "role", "action", "cohort_definition", "row_count"} <= set(log.columns)
    assert (log.user_id == "x@example.nhs.uk").any()
    assert not at.toggle
