"""The users file is validated: each user's areas fit their role, every code is a known area, and
each email is given once. A bad file is a clear error in the app (naming the file, the line, the
email, the role, the codes and why), and signs nobody in, rather than a crash or a misconfigured role.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apptest import assert_clean
from neighbourhood_health.app import signin
from neighbourhood_health.config import PROJECT_ROOT
from neighbourhood_health.privacy import access

NWL, BRENT, BRENT_EAST, BRENT_SOUTH = "Z54000002", "Z72000006", "Z70000021", "Z70000020"
HEADER = "email,name,role,areas\n"


@pytest.fixture(scope="module")
def tree(demo_db):
    return demo_db.run("app/areas")


def write(tmp_path, *rows: str, comments: str = "") -> Path:
    path = tmp_path / "users.csv"
    path.write_text(comments + HEADER + "".join(f"{row}\n" for row in rows))
    return path


def problems(path, tree) -> str:
    with pytest.raises(access.UsersFileError) as caught:
        access.load_users(path, tree)
    return str(caught.value)


def test_the_example_file_fits_the_demo_tree(tree):
    users = access.load_users(PROJECT_ROOT / "config" / "users.example.csv", tree)
    assert {u.role for u in users.values()} == set(access.ROLES)


@pytest.mark.parametrize("role, areas", [
    ("int_lead", f"{BRENT_EAST};{BRENT_SOUTH}"), ("place_md", BRENT), ("board", "ALL"), ("board", NWL),
    ("board", BRENT), ("analyst", "ALL"), ("analyst", f"{NWL};{BRENT}")])
def test_areas_that_fit_the_role_load(tmp_path, tree, role, areas):
    users = access.load_users(write(tmp_path, f"a@example.nhs.uk,A,{role},{areas}"), tree)
    assert users["a@example.nhs.uk"].areas == tuple(areas.split(";"))


@pytest.mark.parametrize("role, areas, wrong, must", [
    ("int_lead", BRENT, f"{BRENT} (Brent, a place)", "neighbourhood codes"),
    ("int_lead", f"{BRENT_EAST};ALL", "ALL (every area)", "neighbourhood codes"),
    ("int_lead", NWL, f"{NWL} (", "neighbourhood codes"),
    ("place_md", BRENT_EAST, f"{BRENT_EAST} (Brent East, a neighbourhood)", "place codes"),
    ("place_md", "ALL", "ALL (every area)", "place codes"),
    ("place_md", NWL, "an ICB", "place codes"),
    ("board", BRENT_EAST, f"{BRENT_EAST} (Brent East, a neighbourhood)", "ALL, ICB or place codes"),
    ("analyst", f"ALL;{BRENT_SOUTH}", f"{BRENT_SOUTH} (", "ALL, ICB or place codes"),
])
def test_areas_that_do_not_fit_the_role_are_an_error(tmp_path, tree, role, areas, wrong, must):
    text = problems(write(tmp_path, f"Someone@Example.nhs.uk,Someone,{role},{areas}"), tree)
    assert f"users.csv line 2 (someone@example.nhs.uk, role {role})" in text
    assert f"{access.ROLES[role].label} areas must be {must}, not" in text and wrong in text


def test_unknown_codes_are_an_error(tmp_path, tree):
    text = problems(write(tmp_path, f"a@example.nhs.uk,A,place_md,{BRENT};E09999999"), tree)
    assert "users.csv line 2 (a@example.nhs.uk, role place_md): unknown area code(s) E09999999" in text
    assert BRENT not in text


def test_duplicate_emails_are_an_error_whatever_their_case(tmp_path, tree):
    path = write(tmp_path, f"lead@example.nhs.uk,Lead,int_lead,{BRENT_EAST}",
                 f"Lead@Example.NHS.uk ,Lead again,board,ALL", comments="# who may sign in\n")
    text = problems(path, tree)
    assert "users.csv line 4 (lead@example.nhs.uk, role board): lead@example.nhs.uk is already given on line 3" in text
    with pytest.raises(access.UsersFileError, match="already given"):
        access.load_users(path)   # found without the area tree too


def test_every_problem_is_reported_at_once_with_its_line(tmp_path, tree):
    path = write(tmp_path, f"ok@example.nhs.uk,OK,board,{BRENT}",
                 f"lead@example.nhs.uk,Lead,int_lead,{BRENT}",
                 "nobody@example.nhs.uk,Nobody,place_md,",
                 "boss@example.nhs.uk,Boss,superuser,ALL",
                 comments="# a comment line\n\n")
    lines = problems(path, tree).splitlines()
    assert [line.split(" (")[0] for line in lines] == ["users.csv line 5", "users.csv line 6", "users.csv line 7"]
    assert "no areas are given" in lines[1] and "'superuser' is not one of" in lines[2]


def signed_in(monkeypatch, users_file: Path, email: str, area: str) -> AppTest:
    """The app with sign-in configured, `email` signed in and `users_file` as NHD_USERS_FILE."""
    monkeypatch.setattr(signin, "auth_configured", lambda: True)
    monkeypatch.setenv("NHD_USERS_FILE", str(users_file))
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.user = {"is_logged_in": True, "email": email}
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test",
                          "client_id": "test", "client_secret": "test",
                          "server_metadata_url": "https://login.example.invalid/.well-known/openid-configuration"}
    at.query_params["area"] = area
    at.run()
    assert_clean(at)
    return at


def test_a_users_file_that_does_not_fit_is_an_error_in_the_app_and_signs_nobody_in(demo_env, tmp_path, monkeypatch):
    path = write(tmp_path, f"place.md@example.nhs.uk,Brent place MD,place_md,{BRENT}",
                 "int.lead@example.nhs.uk,Brent INT lead,int_lead,ALL")
    at = signed_in(monkeypatch, path, "int.lead@example.nhs.uk", BRENT)
    errors = " ".join(re.sub(r"\\(.)", r"\1", e.value) for e in at.error)   # markdown escapes removed
    assert "The users file (NHD_USERS_FILE) has problems" in errors
    assert "users.csv line 3 (int.lead@example.nhs.uk, role int_lead)" in errors
    assert "ALL (every area)" in errors and "neighbourhood codes" in errors
    assert str(tmp_path) not in errors, "the file is named, not the server's folder"
    assert not at.dataframe, "nobody is signed in while the users file is wrong"
    assert at.session_state["nhd_user"] is None


def test_the_example_users_file_still_signs_people_in(demo_env, monkeypatch):
    at = signed_in(monkeypatch, PROJECT_ROOT / "config" / "users.example.csv", "int.lead@example.nhs.uk", BRENT_EAST)
    assert not at.error
    assert at.session_state["nhd_user"].areas == (BRENT_EAST, BRENT_SOUTH)
    assert isinstance(at.dataframe[0].value, pd.DataFrame)
