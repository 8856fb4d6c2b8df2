"""Helpers for Streamlit AppTest runs of the whole app (sidebar and navigation included)."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from neighbourhood_health.config import PROJECT_ROOT


def open_app(area: str | None = None, page: str | None = None, timeout: float = 120,
             role: str | None = None) -> AppTest:
    """Run app.py (optionally on ?area=CODE, as a demo `role`, and a page file under views/) and
    return the AppTest."""
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=timeout)
    if area:
        at.query_params["area"] = area
    if role:
        at.session_state["demo_role"] = role
    at.run()
    if page:
        at.switch_page(f"views/{page}").run()
    return at


def assert_clean(at: AppTest) -> None:
    messages = [e.value for e in at.exception]
    assert not messages, f"page raised: {messages}"


def open_as(role: str, area: str, page: str, timeout: float = 180) -> AppTest:
    """app.py on `area` as the demo `role`, then the page file under views/, each run checked clean."""
    at = open_app(area, timeout=timeout, role=role)
    assert_clean(at)
    at.switch_page(f"views/{page}").run()
    assert_clean(at)
    return at
