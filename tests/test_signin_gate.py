"""With sign-in configured, nobody sees data before signing in, and users see only their areas."""
from __future__ import annotations

import pandas as pd
import pytest

from neighbourhood_health.app import signin
from neighbourhood_health.config import PROJECT_ROOT
from streamlit.testing.v1 import AppTest

from apptest import assert_clean

PLACE_MD = "place.md@example.nhs.uk"   # Brent's place managing director in the example users file


@pytest.fixture
def signed_in_app(demo_env, monkeypatch):
    monkeypatch.setattr(signin, "auth_configured", lambda: True)
    monkeypatch.setenv("NHD_USERS_FILE", str(PROJECT_ROOT / "config" / "users.example.csv"))
    areas = pd.read_parquet(demo_env.marts_dir / "areas.parquet").set_index("area_name")

    def open_as(user: dict, area_name: str) -> AppTest:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
        at.user = user
        at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test",
                              "client_id": "test", "client_secret": "test",
                              "server_metadata_url": "https://login.example.invalid/.well-known/openid-configuration"}
        at.query_params["area"] = areas.area_code[area_name]
        return at.run()
    return open_as


def test_nothing_before_sign_in(signed_in_app):
    at = signed_in_app({"is_logged_in": False}, "Brent")
    assert_clean(at)
    assert any("Sign in" in w.value for w in at.warning)
    assert not at.title or all(t.value == "Neighbourhood Health" for t in at.title)
    assert not at.dataframe


def test_place_md_sees_their_place(signed_in_app):
    at = signed_in_app({"is_logged_in": True, "email": PLACE_MD}, "Brent")
    assert_clean(at)
    assert "Brent" in [t.value for t in at.title]
    assert at.dataframe


def test_place_md_is_refused_another_place(signed_in_app):
    at = signed_in_app({"is_logged_in": True, "email": PLACE_MD}, "Barnet")
    assert_clean(at)
    assert any("not Barnet" in w.value for w in at.warning), [w.value for w in at.warning]
    assert not at.dataframe


def test_account_without_a_role_sees_nothing(signed_in_app):
    at = signed_in_app({"is_logged_in": True, "email": "stranger@example.com"}, "Brent")
    assert any("no role" in w.value for w in at.sidebar.warning)
    assert not at.dataframe
