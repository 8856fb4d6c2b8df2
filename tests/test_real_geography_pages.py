"""Every page on real geography: Camden and Islington's ONS LSOA 2021 boundaries, IMD 2019 and
synthetic residents (tests/real_geography.py), rendered with AppTest for an ICB, a place and a
neighbourhood. The demo's made-up geography hides what real files bring: one ICB, names and codes
from ONS, a manifest written by a different generator, LSOAs of uneven size.

Skips cleanly when ../shared/reference is absent.
"""
from __future__ import annotations

import json

import pytest

import real_geography
from apptest import assert_clean, open_app
from data_copy import copy_demo, point_app_at
from e2e.harness import registered_pages

pytestmark = pytest.mark.skipif(real_geography.missing() is not None, reason=str(real_geography.missing()))

PAGES = registered_pages()
WHOLE_EXTRACT = {"data"}  # pages about the whole extract, titled with their own name, not the area's
PICKER = {"icb": "pick_icb", "place": "pick_place", "neighbourhood": "pick_neighbourhood"}
# A board member sees every page in full for the area they cover (the demo gives them the area in
# view); an INT lead sees exact figures and lists, in their own neighbourhood only.
VIEWERS = [("icb", "board"), ("place", "board"), ("neighbourhood", "board"), ("neighbourhood", "int_lead")]


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> real_geography.RealGeography:
    return real_geography.build(tmp_path_factory.mktemp("real-geography"))


@pytest.fixture
def real_env(real, monkeypatch):
    point_app_at(monkeypatch, real.cfg.data_dir, real.cfg.geo_dir)
    return real


def picked(at, level: str) -> str:
    """The name the sidebar's picker shows at `level`."""
    box = at.sidebar.selectbox(key=PICKER[level])
    return box.options[box.index]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
@pytest.mark.parametrize("level, role", VIEWERS, ids=[f"{level}-{role}" for level, role in VIEWERS])
def test_every_page_renders_for_the_area_on_real_geography(real_env, level, role, page):
    area = getattr(real_env, level)
    at = open_app(area=area.code, page=f"{page.name}.py", role=role)
    assert_clean(at)
    assert picked(at, level) == area.name
    title = at.main.title[0].value
    if page.name in WHOLE_EXTRACT:
        assert title == page.title
    else:
        assert area.name in title, f"{page.title} is titled {title!r}, not naming {area.name}"
    assert not at.main.error, f"{page.title}: {[e.value for e in at.main.error]}"


def test_names_come_from_the_ons_files(real):
    assert (real.icb.name, real.place.name, real.neighbourhood.name) == (
        "North Central London", "Camden", "Camden neighbourhood 1")


def test_data_page_says_how_the_residents_were_generated(real_env):
    """The generator on imported geography writes a seed and residents per small area, no scale."""
    at = open_app(area=real_env.place.code, page="data.py")
    assert_clean(at)
    said = at.main.markdown[0].value
    assert said.startswith("**Extract date:** 2026-10-31 · **Source:** Synthetic residents on the imported geography")
    assert said.endswith(" · seed 20261128, about 60 residents per small area") and "scale" not in said


@pytest.fixture(scope="module")
def date_only(real, tmp_path_factory):
    """The dataset's marts with a manifest that has only what validation requires (the extract date),
    as an analyst's own extract may: no source, no seed. Not synthetic, so demo roles are aggregate-only."""
    data = copy_demo(real.cfg, tmp_path_factory.mktemp("date-only"))
    (data / "marts" / "manifest.json").write_text(json.dumps({"extract_date": "2026-10-31"}))
    return data


@pytest.mark.parametrize("page", ["overview", "cohorts", "board_pack", "data"])
def test_pages_word_a_manifest_with_only_the_extract_date(real, date_only, monkeypatch, page):
    point_app_at(monkeypatch, date_only, real.cfg.geo_dir)
    at = open_app(area=real.place.code, page=f"{page}.py")
    assert_clean(at)
    lines = [line.rstrip() for kind in ("markdown", "caption") for e in getattr(at.main, kind)
             for line in e.value.splitlines()]
    if page == "data":
        assert at.main.markdown[0].value == "**Extract date:** 2026-10-31"
    else:
        assert any("xtracted 2026-10-31" in line for line in lines)
    assert not [line for line in lines if "()" in line or "Source" in line or line.endswith("·")]
