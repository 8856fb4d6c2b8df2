"""Fixtures for the end-to-end tests: the app served by `streamlit run` on the session's small demo
data (tests/conftest.py's `demo_cfg`), and headless Chromium with a fresh context per test.

When a test fails, every page of its browser context is saved as a screenshot (the path is printed).
"""
from __future__ import annotations

import re

import pytest

from .harness import browser_missing, launch, serve_app

def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: end-to-end test in a real browser (deselect with -m 'not e2e')")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def app_server(demo_cfg, tmp_path_factory):
    """The app, served on a free loopback port; stopped at the end of the session."""
    log = tmp_path_factory.mktemp("e2e-app") / "streamlit.log"
    with serve_app(demo_cfg.data_dir, demo_cfg.geo_dir, log) as server:
        yield server
    print(f"\nstreamlit log: {log}")


@pytest.fixture(scope="session")
def app_url(app_server) -> str:
    return app_server.url


@pytest.fixture(scope="session")
def browser():
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("e2e-screenshots")


@pytest.fixture
def new_context(browser, request, screenshots_dir, app_server):
    """Make fresh browser contexts (no cookies, no Streamlit session); screenshots on failure."""
    contexts = []

    def make(**options):
        context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True, **options)
        context.set_default_timeout(60_000)
        contexts.append(context)
        return context

    yield make
    failed = any(getattr(getattr(request.node, f"report_{when}", None), "failed", False)
                 for when in ("setup", "call"))
    for number, context in enumerate(contexts):
        if failed:
            for index, page in enumerate(context.pages):
                name = re.sub(r"[^\w.-]+", "_", request.node.name)
                shot = screenshots_dir / f"{name}-{number}-{index}.png"
                try:
                    page.screenshot(path=str(shot), full_page=True)
                    print(f"\nscreenshot of {page.url}: {shot}")
                except Exception as exc:  # a crashed page cannot be shot; say so and go on
                    print(f"\nno screenshot of {page.url}: {exc}")
        context.close()
    if failed:
        print(f"streamlit log (tail):\n{app_server.log_tail(2000)}")


@pytest.fixture
def page(new_context):
    """A page in a fresh browser context."""
    return new_context().new_page()
