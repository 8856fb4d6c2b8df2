"""End to end: the app served by `streamlit run`, used in headless Chromium as a person would.

Every page registered in app.py loads without an exception or error box, draws its charts, maps
and tables, follows the area chosen in the sidebar, and passes axe-core's serious and critical
accessibility rules (bar the known ones below, which sit in Streamlit's own components). Shared links
open on their area in a fresh browser, and downloads produce the files they promise.

Deselect with `-m "not e2e"`; they skip, saying why, where Chromium or Playwright is missing.
"""
from __future__ import annotations

import dataclasses

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from .harness import (AXE_JS, DATAFRAME, DECK, MAIN, METRIC, PLOTLY, after_rerun, choose, figure_signature, map_drawn,
                      open_page, problems, registered_pages, run_axe, selected, title)

pytestmark = pytest.mark.e2e


# --- What each page must draw -----------------------------------------------------------------

@dataclass(frozen=True)
class Expect:
    figures: tuple[str, ...]           # selectors of what the page must draw
    follows_area: bool = True          # the page names the area chosen in the sidebar
    prepare: Callable | None = None    # steps before looking at the figures (e.g. another role)
    title_names_area: bool = True      # the title names the area, after `prepare` too
    place: str | None = None           # open on this place's neighbourhoods instead of the default home
    figures_follow_area: bool = True   # the figures change with the neighbourhood (not an intervention's)


def act_as_board_member(page) -> None:
    """An INT lead sees their own neighbourhood only; a board member every neighbourhood of the place."""
    after_rerun(page, lambda: choose(page, "demo_role", "Board member"))
    assert_text(page, "Viewing as Board member")


def next_slide_with_a_chart(page) -> None:
    for _ in range(30):
        if page.locator(PLOTLY).count():
            return
        after_rerun(page, lambda: page.locator(".st-key-pack_next button").click())
    raise AssertionError("no slide of the board pack has a chart")


EXPECT = {
    "overview": Expect((METRIC, DATAFRAME)),
    "map": Expect((DECK, DATAFRAME)),
    "prevalence_gaps": Expect((PLOTLY, DECK, DATAFRAME)),
    "inequalities": Expect((PLOTLY, DATAFRAME)),
    "trends": Expect((PLOTLY, DATAFRAME)),
    "scorecard": Expect((PLOTLY, DATAFRAME)),
    "cohorts": Expect((PLOTLY, DATAFRAME), prepare=act_as_board_member),
    "board_pack": Expect((PLOTLY,), prepare=next_slide_with_a_chart, title_names_area=False),
    "nnhip_scorecard": Expect((PLOTLY, DATAFRAME)),
    # The intervention that reached Harrow, whichever of its neighbourhoods is chosen.
    "evaluation": Expect((PLOTLY, DATAFRAME), place="Harrow", figures_follow_area=False),
    "data": Expect((DATAFRAME,), follows_area=False),  # the whole extract, whatever the area
}
PAGES = registered_pages()


# --- Accessibility: what axe reports inside Streamlit's own components ------------------------

@dataclass(frozen=True)
class Known:
    rule: str                          # axe rule id
    applies: Callable[[dict], bool]    # which of the rule's nodes (axe's node, see harness.run_axe)
    reason: str


KNOWN_VIOLATIONS = [
    Known("color-contrast", lambda node: node["disabled_label"],
          "Streamlit draws the label of a disabled widget at 40% opacity (#a8a7a5 on #f8f8f7, 2.3:1): the "
          "Neighbourhood picker is disabled until a place is chosen. WCAG 1.4.3 exempts inactive controls; "
          "the colour is Streamlit's, not ours (no theme option sets it)."),
]
SERIOUS = ("serious", "critical")


# --- Areas from the data, not hard-coded ------------------------------------------------------

@dataclass(frozen=True)
class Areas:
    home: str
    home_name: str
    sibling_name: str     # another neighbourhood of the same place
    icb_name: str
    place: str
    place_name: str
    far: str              # a neighbourhood in the other ICB (not the one the app opens on)
    far_name: str
    far_place_name: str
    far_icb_name: str


@pytest.fixture(scope="module")
def areas(demo_db) -> Areas:
    tree = demo_db.run("app/areas").set_index("area_code", drop=False)
    name = tree["area_name"].to_dict()
    icbs = list(tree.index[tree.area_level == "icb"])
    nbhds = tree[tree.area_level == "neighbourhood"]
    place = nbhds.groupby("parent_code").size().loc[lambda n: n >= 2].index[0]
    home, sibling = sorted(nbhds.index[nbhds.parent_code == place])[:2]
    far = sorted(nbhds.index[nbhds.icb_code == icbs[-1]])[0]
    return Areas(home, name[home], name[sibling], name[tree.loc[place, "icb_code"]], place, name[place],
                 far, name[far], name[tree.loc[far, "place_code"]], name[icbs[-1]])


# --- Helpers ----------------------------------------------------------------------------------

def assert_clean(page) -> None:
    found = problems(page)
    assert not found, f"{page.url} shows: {found}"


def assert_drawn(page, expect: Expect) -> None:
    for selector in expect.figures:
        assert page.locator(selector).count(), f"{page.url}: nothing matches {selector}"
        if selector == PLOTLY:
            assert page.locator(f"{MAIN} .js-plotly-plot g.trace").count(), f"{page.url}: plotly chart has no traces"
        elif selector == DECK:
            assert map_drawn(page), f"{page.url}: the map's canvas stayed blank"
        elif selector == METRIC:
            values = page.locator(f"{METRIC} [data-testid='stMetricValue']").all_inner_texts()
            assert values and all(v.strip() for v in values), f"{page.url}: empty metrics {values}"
        else:
            box = page.locator(selector).first.bounding_box()
            assert box and box["height"] > 40 and box["width"] > 100, f"{page.url}: {selector} not drawn ({box})"


def assert_text(page, text: str) -> None:
    """The page, once its run has finished (after_rerun), says `text`: checked, not waited for."""
    assert text in page.locator(MAIN).inner_text(), f"{page.url} does not say {text!r}"


def download(page, button_key: str, folder, reruns: bool) -> tuple[str, pd.DataFrame]:
    """Click a download button and save the file. `reruns`: the button is Streamlit's default
    (on_click="rerun"), so wait for that run to finish too; on_click="ignore" buttons start none."""
    def click():
        with page.expect_download() as info:
            page.locator(f".st-key-{button_key} button").click()
        return info.value

    if reruns:
        got = []
        after_rerun(page, lambda: got.append(click()))
        file = got[0]
    else:
        file = click()
    path = folder / file.suggested_filename
    file.save_as(path)
    assert path.stat().st_size > 0, f"{file.suggested_filename} is empty"
    return file.suggested_filename, pd.read_csv(path)


# --- Tests ------------------------------------------------------------------------------------

def test_every_registered_page_has_expectations():
    names = [p.name for p in PAGES]
    assert len(names) >= 8, f"could not read the pages from app.py: {names}"
    assert set(names) == set(EXPECT), f"pages without e2e expectations: {set(names) ^ set(EXPECT)}"


def test_sidebar_lists_every_registered_page(page, app_url):
    open_page(page, app_url)
    links = page.locator("[data-testid='stSidebarNavLink']")
    shown = [(urlparse(link.get_attribute("href")).path,
              link.locator("[data-testid='stMarkdownContainer']").inner_text().strip()) for link in links.all()]
    assert shown == [(p.path, p.title) for p in PAGES]


@pytest.mark.parametrize("registered", PAGES, ids=[p.name for p in PAGES])
def test_page_draws_and_follows_the_sidebar_area(page, app_url, areas, registered, demo_db):
    expect = EXPECT[registered.name]
    if expect.place:
        tree = demo_db.run("app/areas")
        code = tree.loc[(tree.area_level == "place") & (tree.area_name == expect.place), "area_code"].item()
        nbhds = tree[tree.parent_code == code].sort_values("area_code")
        areas = dataclasses.replace(areas, home=nbhds.area_code.iloc[0], home_name=nbhds.area_name.iloc[0],
                                    sibling_name=nbhds.area_name.iloc[1])
    open_page(page, f"{app_url}{registered.path}?area={areas.home}")
    assert_clean(page)
    if not expect.follows_area:
        assert_drawn(page, expect)
        assert title(page) == registered.title
        return
    assert areas.home_name in title(page)
    if expect.prepare:
        expect.prepare(page)
        assert_clean(page)
    assert_drawn(page, expect)

    before = figure_signature(page)
    # The sidebar (and some pages' tables) already name the sibling: wait for the run, not for its name.
    after_rerun(page, lambda: choose(page, "pick_neighbourhood", areas.sibling_name))
    assert_clean(page)
    assert selected(page, "pick_neighbourhood") == areas.sibling_name
    if expect.title_names_area:
        assert areas.sibling_name in title(page)
    assert_drawn(page, expect)
    if expect.figures_follow_area:
        assert figure_signature(page) != before, "the figures did not change with the area"
    assert parse_qs(urlparse(page.url).query)["area"] != [areas.home]


@pytest.mark.parametrize("registered", PAGES, ids=[p.name for p in PAGES])
def test_page_has_no_new_serious_accessibility_violations(page, app_url, areas, registered):
    if not AXE_JS.exists():
        pytest.skip(f"axe-core is not installed: npm ci --prefix tests/e2e (looked for {AXE_JS})")
    # The landing pages as first seen (an integrated care board); the rest on a neighbourhood.
    query = "" if registered.name in ("overview", "data") else f"?area={areas.home}"
    open_page(page, f"{app_url}{registered.path}{query}")
    violations = run_axe(page)
    print(f"axe {registered.name}: " + (", ".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])})"
                                                 for v in violations) or "no violations"))
    new = []
    for violation in violations:
        if violation["impact"] not in SERIOUS:
            continue
        known = [k for k in KNOWN_VIOLATIONS if k.rule == violation["id"]]
        for node in violation["nodes"]:
            if not any(k.applies(node) for k in known):
                new.append(f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
                           f"    {node['html'][:200]}\n    {node.get('failureSummary', '')[:300]}")
    assert not new, f"{registered.title}: new serious or critical accessibility violations:\n" + "\n".join(new)


@pytest.mark.parametrize("link", ["map-neighbourhood", "overview-place"])
def test_shared_link_opens_on_its_area_in_a_fresh_browser(page, app_url, areas, link):
    if link == "map-neighbourhood":
        path, code, name = "/map", areas.far, areas.far_name
        sidebar = (areas.far_icb_name, areas.far_place_name, areas.far_name)
    else:
        path, code, name = "/", areas.place, areas.place_name
        sidebar = (areas.icb_name, areas.place_name, "All neighbourhoods")
    open_page(page, f"{app_url}{path}?area={code}")  # the first navigation of a new context
    assert_clean(page)
    assert name in title(page)
    assert (selected(page, "pick_icb"), selected(page, "pick_place"), selected(page, "pick_neighbourhood")) == sidebar
    assert urlparse(page.url).path == path
    assert parse_qs(urlparse(page.url).query)["area"] == [code]
    if link == "map-neighbourhood":
        assert name in page.locator(DECK).first.get_attribute("aria-label")
        assert map_drawn(page)
    else:
        assert_drawn(page, EXPECT["overview"])


def test_prevalence_gaps_table_downloads_as_csv(page, app_url, areas, tmp_path):
    open_page(page, f"{app_url}/prevalence_gaps?area={areas.home}")
    name, table = download(page, "dl_conditions", tmp_path, reruns=False)  # made on the click, audited; no rerun
    assert name == f"prevalence_gaps_{areas.home}.csv"
    assert {"Condition", "Recorded (people)", "Expected (people)", "Estimated not yet diagnosed (people)"} <= set(table)
    assert len(table) >= 10 and table["Condition"].is_unique


def test_int_lead_downloads_cohort_counts_and_list(page, app_url, areas, demo_cfg, tmp_path):
    started = time.time()
    open_page(page, f"{app_url}/cohorts?area={areas.home}")
    after_rerun(page, lambda: choose(page, "demo_role", "Analyst"))  # a role without lists first, then the INT lead
    assert_text(page, "Analysts see counts only")
    assert not page.locator(".st-key-show_list").count()
    after_rerun(page, lambda: choose(page, "demo_role", "INT lead"))
    assert_text(page, "Viewing as INT lead")
    assert_clean(page)

    name, counts = download(page, "export_counts", tmp_path, reruns=False)
    assert re.fullmatch(rf"\w+_{areas.home}_counts\.csv", name)
    assert len(counts) >= 2 and len(counts.columns) >= 3

    after_rerun(page, lambda: page.locator(".st-key-show_list label").click())
    assert_text(page, "highest risk first")
    shown = int(re.search(r"([\d,]+) people\*?\*?, highest risk first",
                          page.locator(MAIN).inner_text()).group(1).replace(",", ""))
    name, people = download(page, "export_list", tmp_path, reruns=False)
    assert name == f"cohort_list_{areas.home}.csv"
    assert len(people) == shown > 0
    assert "Pseudonymised ID" in people and set(people["Neighbourhood"]) == {areas.home_name}

    log = pd.concat([pd.read_parquet(f) for f in demo_cfg.audit_dir.glob("*.parquet")])
    exports = log[(log["action"] == "export_list") & (log["recorded_at"] >= pd.Timestamp(started, unit="s", tz="UTC"))]
    assert list(exports["row_count"]) == [shown] and list(exports["role"]) == ["int_lead"]
