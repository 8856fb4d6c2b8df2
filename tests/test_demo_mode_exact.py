"""Demo mode gives exact figures only on synthetic data.

Anyone can choose a demo role, so on an extract that is not the synthetic demo the role switcher
offers aggregate-only roles (an aggregate-only one by default), and the checks in the data layer
(`access.exact_figures`, which Trends and Cohorts readers ask) refuse exact figures to a demo user
whatever the widget says. A signed-in INT lead still sees their own neighbourhood exactly.
"""
from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apptest import assert_clean
from data_copy import copy_demo, point_app_at
from neighbourhood_health.config import PROJECT_ROOT
from neighbourhood_health.measures import cohorts, trends
from neighbourhood_health.privacy import access
from neighbourhood_health.store import Database

BRENT, BRENT_EAST, BRENT_SOUTH = "Z72000006", "Z70000021", "Z70000020"
COHORT = "frail_emergency_admissions"


@pytest.fixture(scope="module")
def real_data(demo_cfg, tmp_path_factory):
    """The demo's marts and extracts, copied, with a manifest that says they come from a borough."""
    return copy_demo(demo_cfg, tmp_path_factory.mktemp("not_synthetic"), source="Borough GP extract")


@pytest.fixture(scope="module")
def real_db(real_data):
    return Database(real_data / "marts", real_data / "extracts")


def lead(*areas, demo: bool) -> access.User:
    return access.User("demo:int_lead" if demo else "lead@example.nhs.uk", "lead", "int_lead", areas, demo=demo)


def small_cells_shown(exact: pd.DataFrame | pd.Series, shown: pd.DataFrame | pd.Series) -> int:
    """How many counts of 1–7 in `exact` are shown as they are in `shown` (the same cells)."""
    small = (exact >= 1) & (exact <= 7)
    assert small.to_numpy().any(), "the demo no longer has a small count here to protect"
    return int((small & (shown == exact)).to_numpy().sum())


# ---- the one rule in access.py ---------------------------------------------------------------

def test_exact_figures_follow_role_area_and_for_demo_users_the_extract(demo_db, real_db):
    assert not access.is_synthetic(real_db) and access.is_synthetic(demo_db)
    assert access.exact_figures(demo_db, lead(BRENT_EAST, demo=True), BRENT_EAST)
    assert access.exact_figures(demo_db, lead(BRENT_EAST, demo=False), BRENT_EAST)
    assert access.exact_figures(real_db, lead(BRENT_EAST, demo=False), BRENT_EAST)
    assert not access.exact_figures(real_db, lead(BRENT_EAST, demo=True), BRENT_EAST)
    for db in (demo_db, real_db):
        assert not access.exact_figures(db, lead(BRENT_EAST, demo=False), BRENT_SOUTH)   # not theirs
        assert not access.exact_figures(db, lead(BRENT_EAST, demo=False), BRENT)         # wider
        assert not access.exact_figures(db, lead(BRENT_EAST, demo=False), "NOSUCHAREA")
        assert not access.exact_figures(db, None, BRENT_EAST)
        for role in ("board", "place_md", "analyst"):
            assert not access.exact_figures(db, access.User("x", "x", role, ("ALL",)), BRENT_EAST)
        assert not access.exact_figures(db, access.User("x", "x", "superuser", ("ALL",)), BRENT_EAST)


def test_readers_refuse_exact_figures_to_a_demo_user_on_real_data(demo_db, real_db):
    """Not only the widget: a demo INT lead built by hand still gets protected figures."""
    demo_lead, signed_in = lead(BRENT_EAST, demo=True), lead(BRENT_EAST, demo=False)
    assert trends.exact_for(demo_db, demo_lead, BRENT_EAST)
    assert not trends.exact_for(real_db, demo_lead, BRENT_EAST)
    assert trends.exact_for(real_db, signed_in, BRENT_EAST)

    assert not cohorts.counts(demo_db, demo_lead, COHORT, BRENT_EAST).protected
    shown = cohorts.counts(real_db, demo_lead, COHORT, BRENT_EAST)
    exact = cohorts.counts(real_db, signed_in, COHORT, BRENT_EAST)
    assert shown.protected and not exact.protected
    assert small_cells_shown(exact.table, shown.table.reindex_like(exact.table)) == 0

    keys = ["month", "event_type"]
    exact = cohorts.activity_trend(real_db, signed_in, COHORT, BRENT_EAST).set_index(keys)["events"]
    shown = cohorts.activity_trend(real_db, demo_lead, COHORT, BRENT_EAST).set_index(keys)["events"]
    assert small_cells_shown(exact, shown.reindex(exact.index)) == 0


def test_demo_roles_on_real_data_are_aggregate_only(demo_db, real_db):
    assert access.demo_roles(demo_db) == list(access.ROLES)
    offered = access.demo_roles(real_db)
    assert offered and "int_lead" not in offered and "analyst" not in offered  # no lists, no audit log
    assert all(access.ROLES[r].aggregate_only and not access.ROLES[r].lists and not access.ROLES[r].audit
               for r in offered)


# ---- the role switcher -----------------------------------------------------------------------

def open_demo(area: str, role: str | None = None) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["area"] = area
    if role is not None:
        at.session_state["demo_role"] = role   # as a stale session, or a crafted one, would hold it
    at.run()
    assert_clean(at)
    return at


def test_switcher_on_real_data_offers_no_role_with_exact_figures(real_data, demo_cfg, monkeypatch):
    point_app_at(monkeypatch, real_data, demo_cfg.geo_dir)
    at = open_demo(BRENT_EAST)
    switcher = at.sidebar.selectbox(key="demo_role")
    assert "int_lead" not in switcher.options and "INT lead" not in switcher.options
    assert switcher.value == "board"
    assert at.session_state["nhd_user"].role == "board"
    assert any("not the synthetic demo" in w.value for w in at.sidebar.warning)


def test_a_session_set_to_int_lead_on_real_data_gets_protected_figures(real_data, real_db, demo_cfg, monkeypatch):
    point_app_at(monkeypatch, real_data, demo_cfg.geo_dir)
    at = open_demo(BRENT_EAST, role="int_lead")
    assert at.sidebar.selectbox(key="demo_role").value == "board"
    user = at.session_state["nhd_user"]
    assert user.role == "board" and user.demo
    assert not access.exact_figures(real_db, user, BRENT_EAST)


def test_synthetic_demo_keeps_every_role_and_the_int_lead_default(demo_env):
    at = open_demo(BRENT_EAST)
    switcher = at.sidebar.selectbox(key="demo_role")
    assert switcher.value == "int_lead"
    assert len(switcher.options) == len(access.ROLES)
    assert at.session_state["nhd_user"].role == "int_lead"
