"""The Board pack page (presentation mode): previous/next move through the same slides the exports
hold, every slide renders for a place and a neighbourhood, and nothing in view edits anything."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from apptest import assert_clean, open_app
from neighbourhood_health.config import PROJECT_ROOT
from neighbourhood_health.export import content

BRENT, BRENT_SOUTH_WEST = "Z72000006", "Z70000019"
EDITING = ("selectbox", "multiselect", "radio", "slider", "select_slider", "text_input", "text_area",
           "number_input", "checkbox", "toggle", "date_input", "time_input", "color_picker")


def heading(at) -> tuple[str, int, int]:
    """('PREVALENCE GAPS', 7, 14) from the slide's heading line."""
    text = next(m.value for m in at.markdown if 'class="nhd-heading"' in m.value)
    name, number, total = re.search(r">(.*) · (\d+) of (\d+)<", text).groups()
    return name, int(number), int(total)


def shown_title(at) -> str:
    return re.sub(r"\\(.)", r"\1", at.title[0].value)  # markdown escapes removed


@pytest.mark.parametrize("code", [BRENT, BRENT_SOUTH_WEST])
def test_previous_and_next_walk_through_every_slide(demo_env, demo_db, code):
    pack = content.build(demo_db, code)
    at = open_app(area=code, page="board_pack.py")
    assert_clean(at)
    assert at.button(key="pack_previous").disabled
    assert len(at.get("download_button")) == 2
    for kind in EDITING:  # the sidebar holds the area picker; the slide itself edits nothing
        assert not at.main.get(kind), f"a {kind} in the presentation"

    for number, slide in enumerate(pack.slides, start=1):
        assert heading(at) == (slide.heading, number, len(pack.slides))
        assert shown_title(at) == slide.title
        assert at.query_params["slide"] in (str(number), [str(number)])
        if slide.figure is not None:
            assert at.get("plotly_chart"), f"slide {number} shows its chart"
        if slide.image is not None:
            assert at.get("image"), "the map"
        if number < len(pack.slides):
            at.button(key="pack_next").click().run()
            assert_clean(at)
    assert at.button(key="pack_next").disabled
    at.button(key="pack_previous").click().run()
    assert_clean(at)
    assert heading(at)[1] == len(pack.slides) - 1
    assert shown_title(at) == pack.slides[-2].title


def test_a_link_opens_on_its_slide(demo_env):
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["area"] = BRENT
    at.run()
    at.query_params["slide"] = "7"
    at.switch_page("views/board_pack.py").run()
    assert_clean(at)
    assert heading(at)[:2] == ("Prevalence gaps", 7)
    at.button(key="pack_previous").click().run()
    assert heading(at)[:2] == ("Map", 6) and at.query_params["slide"] in ("6", ["6"])
