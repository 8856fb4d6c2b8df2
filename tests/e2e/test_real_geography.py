"""End to end on real geography: the app served by `streamlit run` on Camden and Islington's ONS
boundaries, IMD 2019 and synthetic residents (tests/real_geography.py, the data the AppTest run of
every page uses), each registered page opened in Chromium for one neighbourhood.

This module's `app_server` replaces the demo's for its tests, so the shared fixtures (a fresh
browser context per test, screenshots and the server's log on failure) serve this dataset.
Skips, saying why, where ../shared/reference, Chromium or Playwright is missing.
"""
from __future__ import annotations

import pytest

import real_geography

from .harness import open_page, problems, registered_pages, selected, serve_app, title

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(real_geography.missing() is not None, reason=str(real_geography.missing()))]
PAGES = registered_pages()


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> real_geography.RealGeography:
    return real_geography.build(tmp_path_factory.mktemp("real-geography"))


@pytest.fixture(scope="module")
def app_server(real, tmp_path_factory):
    """The app on the real-geography dataset, on a free loopback port; stopped after this module."""
    log = tmp_path_factory.mktemp("e2e-real-geography") / "streamlit.log"
    with serve_app(real.cfg.data_dir, real.cfg.geo_dir, log) as server:
        yield server
    print(f"\nstreamlit log: {log}")


@pytest.mark.parametrize("registered", PAGES, ids=[p.name for p in PAGES])
def test_page_opens_cleanly_for_a_neighbourhood_on_real_geography(page, app_server, real, registered):
    area = real.neighbourhood
    open_page(page, f"{app_server.url}{registered.path}?area={area.code}")  # waits for the run to finish
    found = problems(page)
    assert not found, f"{page.url} shows: {found}"
    assert selected(page, "pick_neighbourhood") == area.name
    if registered.name == "data":  # the whole extract, whatever the area
        assert title(page) == registered.title
    else:
        assert area.name in title(page)
