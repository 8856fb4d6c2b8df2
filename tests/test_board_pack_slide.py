"""`?slide=` on the Board pack: any value opens the page quietly, on the slide it names when that is
a number of the pack (clamped to it), else on the first slide; the URL then names the slide shown."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from apptest import assert_clean
from neighbourhood_health.config import PROJECT_ROOT
from neighbourhood_health.export import content

from test_board_pack_page import heading

BRENT = "Z72000006"
FIRST, LAST = "first", "last"


@pytest.fixture(scope="module")
def slides(demo_cfg) -> int:
    from neighbourhood_health.store import Database
    return len(content.build(Database(demo_cfg.marts_dir, demo_cfg.extracts_dir), BRENT).slides)


@pytest.mark.parametrize("wanted, expected", [
    ("²", FIRST),             # str.isdigit() says yes, int() says no
    ("١٢", FIRST),            # Arabic-Indic digits: not a slide number in a URL
    ("9" * 5000, LAST),       # longer than int() converts by default
    ("-3", FIRST), ("0", FIRST), ("", FIRST), ("  ", FIRST), ("two", FIRST), ("2.5", FIRST), ("1e3", FIRST),
    ("99999", LAST), ("0003", 3), ("3", 3),
])
def test_any_slide_value_opens_the_pack_quietly(demo_env, slides, wanted, expected):
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["area"] = BRENT
    at.run()
    at.query_params["slide"] = wanted
    at.switch_page("views/board_pack.py").run()
    assert_clean(at)
    assert not at.main.error and not at.main.warning
    number = {FIRST: 1, LAST: slides}.get(expected, expected)
    assert heading(at)[1:] == (number, slides)
    assert at.query_params["slide"] in (str(number), [str(number)])
