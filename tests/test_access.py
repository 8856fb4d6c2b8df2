"""Access control in the data layer: who gets person-level rows, and for which areas."""
from __future__ import annotations

import pytest

from neighbourhood_health.privacy import access
from neighbourhood_health.measures import cohorts
from neighbourhood_health.config import PROJECT_ROOT

BRENT, BRENT_EAST, BRENT_SOUTH, HARROW, NWL = "Z72000006", "Z70000021", "Z70000020", "Z72000008", "Z54000002"


def user(role, *areas, demo=False):
    return access.User(f"{role}@example.nhs.uk", role, role, areas, demo=demo)


@pytest.fixture
def audit_dir(tmp_path):
    return tmp_path / "audit"


@pytest.mark.parametrize("someone", [user("board", "ALL"), user("place_md", BRENT), user("analyst", "ALL")])
def test_aggregate_roles_never_get_person_level_rows(demo_db, audit_dir, someone):
    with pytest.raises(access.AccessDenied, match="counts only"):
        cohorts.person_list(demo_db, someone, "rising_risk", BRENT_EAST, audit_dir)
    with pytest.raises(access.AccessDenied, match="counts only"):
        cohorts.export_list_csv(demo_db, someone, "rising_risk", BRENT_EAST, audit_dir)


def test_int_lead_is_refused_another_neighbourhood_and_wider_areas(demo_db, audit_dir):
    lead = user("int_lead", BRENT_EAST)
    harrow_north = demo_db.run("app/areas").query("parent_code == @HARROW").area_code.iloc[0]
    for area in (harrow_north, BRENT_SOUTH, BRENT, NWL):
        with pytest.raises(access.AccessDenied, match="may list people in Brent East only"):
            cohorts.person_list(demo_db, lead, "rising_risk", area, audit_dir)
    rows = cohorts.person_list(demo_db, lead, "rising_risk", BRENT_EAST, audit_dir)
    assert len(rows) > 0 and set(rows["Neighbourhood"]) == {"Brent East"}


def test_int_lead_given_a_place_still_gets_no_list_for_the_place(demo_db, audit_dir):
    misconfigured = user("int_lead", BRENT)
    with pytest.raises(access.AccessDenied):
        cohorts.person_list(demo_db, misconfigured, "rising_risk", BRENT_EAST, audit_dir)


def test_aggregates_only_inside_the_users_areas(demo_db):
    md = user("place_md", BRENT)
    assert cohorts.counts(demo_db, md, "rising_risk", BRENT).protected
    assert cohorts.counts(demo_db, md, "rising_risk", BRENT_EAST).total > 0
    for area in (HARROW, NWL):
        with pytest.raises(access.AccessDenied, match="covers Brent, not"):
            cohorts.counts(demo_db, md, "rising_risk", area)
        with pytest.raises(access.AccessDenied):
            cohorts.activity_trend(demo_db, md, "rising_risk", area)
    board = user("board", "ALL")
    assert cohorts.counts(demo_db, board, "rising_risk", NWL).protected


def test_unknown_role_is_refused(demo_db, audit_dir):
    with pytest.raises(access.AccessDenied, match="no recognised role"):
        cohorts.counts(demo_db, user("superuser", "ALL"), "rising_risk", BRENT)


def test_demo_user_gets_lists_on_synthetic_data_only(demo_db, audit_dir, monkeypatch):
    lead = user("int_lead", BRENT_EAST, demo=True)
    assert len(cohorts.person_list(demo_db, lead, "rising_risk", BRENT_EAST, audit_dir)) > 0
    monkeypatch.setattr(access, "is_synthetic", lambda db: False)
    with pytest.raises(access.AccessDenied, match="synthetic data only"):
        cohorts.person_list(demo_db, lead, "rising_risk", BRENT_EAST, audit_dir)


def test_audit_log_is_for_analysts_only():
    access.require_audit(user("analyst", "ALL"))
    for role in ("board", "place_md", "int_lead"):
        with pytest.raises(access.AccessDenied, match="audit log is for analysts"):
            access.require_audit(user(role, "ALL"))


def test_users_file(tmp_path):
    users = access.load_users(PROJECT_ROOT / "config" / "users.example.csv")
    assert {u.role for u in users.values()} == set(access.ROLES)
    assert users["int.lead@example.nhs.uk"].areas == (BRENT_EAST, BRENT_SOUTH)
    bad = tmp_path / "users.csv"
    bad.write_text("email,name,role,areas\nx@example.nhs.uk,X,superuser,ALL\n")
    with pytest.raises(ValueError, match="superuser"):
        access.load_users(bad)
    assert access.load_users(tmp_path / "missing.csv") == {}
