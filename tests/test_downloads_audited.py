"""Every download is audited (issue 17, item 3): each page's download buttons go through
`widgets.audited_download`, whose file is made only when the user clicks, in the same call that
writes the audit record (who, role, what, which area); without the record there is no file.

AppTest cannot click a deferred download (the browser asks the server for the file), so the tests
catch the callable Streamlit registers for each button and call it, as the server does on a click.
"""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from apptest import assert_clean, open_as
from neighbourhood_health.app import widgets
from neighbourhood_health.config import PROJECT_ROOT
from neighbourhood_health.privacy import access, audit

BRENT, BRENT_EAST = "Z72000006", "Z70000021"
LEAD = access.User("lead@example.nhs.uk", "Lead", "int_lead", (BRENT_EAST,))
ANALYST = access.User("analyst@example.nhs.uk", "Analyst", "analyst", ("ALL",))


def log(audit_dir) -> pd.DataFrame:
    return audit.read_log(ANALYST, audit_dir)


@pytest.fixture
def deferred(monkeypatch) -> dict:
    """file name → the callable a download button registered, to be called as a click would."""
    made = {}
    register = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return register(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return made


def open_page(page: str, area: str, role: str = "int_lead") -> AppTest:
    return open_as(role, area, page)


def test_no_download_button_outside_the_audited_widget():
    code = [PROJECT_ROOT / "app.py", *(PROJECT_ROOT / "views").glob("*.py"),
            *(PROJECT_ROOT / "neighbourhood_health").rglob("*.py")]
    widget = PROJECT_ROOT / "neighbourhood_health" / "app" / "widgets.py"
    direct = [f"{path.relative_to(PROJECT_ROOT)}:{n}" for path in code if path != widget
              for n, line in enumerate(path.read_text().splitlines(), start=1) if re.search(r"download_button\(", line)]
    assert not direct, f"downloads that write no audit record: {direct}"


def test_the_file_comes_with_its_record(tmp_path):
    made = widgets.audited_file(lambda: b"a,b\n1,2\n", tmp_path, LEAD, "export_counts", BRENT_EAST,
                                {"download": "a table", "file_name": "t.csv"}, 1)
    assert made == b"a,b\n1,2\n"
    event = log(tmp_path).iloc[0]
    assert (event.user_id, event.role, event.action, event.area_code, event.row_count) == (
        LEAD.user_id, "int_lead", "export_counts", BRENT_EAST, 1)
    assert json.loads(event.cohort_definition) == {"download": "a table", "file_name": "t.csv"}


def test_no_file_without_its_record(tmp_path):
    (tmp_path / "a_file").write_text("not a folder")
    with pytest.raises(OSError):
        widgets.audited_file(lambda: b"secret", tmp_path / "a_file" / "audit", LEAD, "export_counts",
                             BRENT_EAST, {"download": "a table"}, 1)


@pytest.mark.parametrize("page, files", [
    ("prevalence_gaps.py", {f"prevalence_gaps_{BRENT_EAST}.csv": ("export_counts", "prevalence gaps by condition"),
                            f"prevalence_gaps_prev_hypertension_{BRENT}.csv":
                                ("export_counts", f"prevalence gaps by neighbourhood: prev_hypertension in {BRENT}")}),
    ("board_pack.py", {f"board_pack_{BRENT_EAST}.pptx": ("export_pack", "board pack (PowerPoint)"),
                       f"board_pack_{BRENT_EAST}.html": ("export_pack", "board pack (HTML)")}),
    ("cohorts.py", {f"frail_emergency_admissions_{BRENT_EAST}_counts.csv": ("export_counts", None)}),
])
def test_each_download_on_a_page_writes_one_audit_record(demo_env, deferred, page, files):
    at = open_page(page, BRENT_EAST)
    buttons = at.get("download_button")
    assert len(buttons) == len(files)
    for button in buttons:  # nothing is served before the click: no file waits at a URL
        assert button.proto.deferred_file_id and not button.proto.url, button.proto.label
    for file_name, (action, what) in files.items():
        before = len(log(demo_env.audit_dir))
        data = deferred[file_name]()  # the click
        assert len(data) > 0
        events = log(demo_env.audit_dir)
        assert len(events) == before + 1, f"{file_name}: {len(events) - before} records"
        event = events.iloc[0]
        assert (event.action, event.role, event.area_code, event.demo) == (action, "int_lead", BRENT_EAST, True)
        if what is not None:  # the cohort readers record the cohort's definition instead
            assert json.loads(event.cohort_definition) == {"download": what, "file_name": file_name}


def test_the_cohort_list_download_is_recorded_once(demo_env, deferred):
    at = open_page("cohorts.py", BRENT_EAST)
    at.toggle(key="show_list").set_value(True).run()
    assert_clean(at)
    before = len(log(demo_env.audit_dir))
    people = deferred[f"cohort_list_{BRENT_EAST}.csv"]()
    events = log(demo_env.audit_dir)
    assert list(events["action"][: len(events) - before]) == ["export_list"]
    assert events.iloc[0].row_count == people.decode("utf-8").count("\n") - 1 > 0
