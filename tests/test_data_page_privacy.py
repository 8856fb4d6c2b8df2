"""The Data page's validation results, as each role sees them.

Person IDs and other values of one person's record in validation examples are shown only to roles
given person-level lists (INT leads; in demo mode on synthetic data only): everyone else is told
the file, column, problem, codes and rows, without them. The server's folders and file paths are
shown only to analysts (in demo mode on synthetic data only): everyone else sees the file's name in
its folder, e.g. `activity.parquet`. Before the marts are built nobody is signed in, so neither is shown.
"""
from __future__ import annotations

import json
import os
import re
import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apptest import assert_clean
from data_copy import copy_demo, point_app_at, set_source
from neighbourhood_health.config import PROJECT_ROOT
from neighbourhood_health.pipeline.problems import Problem, for_viewer, hide_paths
from neighbourhood_health.pipeline.validate import validate_folder

UNDER_65_WITH_EFI = "eFI category recorded under age 65"
KINDS = ("title", "header", "subheader", "markdown", "caption", "error", "warning", "success", "info")


def page_text(at: AppTest) -> str:
    """Everything the page shows as text, tables included (markdown escapes removed, so a path with
    an escaped `_` in it is still found)."""
    parts = [re.sub(r"\\(.)", r"\1", str(e.value)).replace("\u2060", "") for kind in KINDS for e in getattr(at, kind)]
    return "\n".join(parts + [df.value.to_csv() for df in at.dataframe])


@pytest.fixture(scope="module")
def warned(demo_cfg, tmp_path_factory):
    """Built demo data whose extracts carry two warnings (a build passes with warnings): a person under
    65 with an eFI category (its example is their person ID) and an outpatient appointment with an
    acuity (its example is the event type, a code). Returns the data folder, the ID and its row."""
    data = copy_demo(demo_cfg, tmp_path_factory.mktemp("warned"))
    persons = pd.read_parquet(data / "extracts" / "persons.parquet")
    row = int(persons.index[(persons.age < 50) & persons.frailty.isna()][0])
    persons.loc[row, "frailty"] = "mild"
    persons.to_parquet(data / "extracts" / "persons.parquet", index=False)
    activity = pd.read_parquet(data / "extracts" / "activity.parquet")
    outpatient = activity.index[(activity.event_type == "outpatient") & activity.low_acuity.isna()][0]
    activity.loc[outpatient, "low_acuity"] = True
    activity.to_parquet(data / "extracts" / "activity.parquet", index=False)
    report = validate_folder(data / "extracts", demo_cfg.geo_dir)
    assert report.ok and len(report.problems) == 2, report.as_text()
    (data / "marts" / "validation.json").write_text(json.dumps(   # as the build writes it
        {"extract_date": report.extract_date, "tables": report.tables,
         "problems": report.as_frame().to_dict(orient="records")}, default=str))
    return data, str(persons.loc[row, "person_id"]), row, report


@pytest.fixture(scope="module")
def warned_real(warned, tmp_path_factory):
    """The same, with a manifest that says it is not the synthetic demo."""
    data = tmp_path_factory.mktemp("warned_real") / "data"
    shutil.copytree(warned[0], data)
    set_source(data / "marts", "Borough GP extract")
    return (data, *warned[1:])


def open_data(role: str) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.session_state["demo_role"] = role
    at.run()
    assert_clean(at)
    at.switch_page("views/data.py").run()
    assert_clean(at)
    return at


# ---- the checks say which examples are personal ---------------------------------------------

def test_each_check_says_whether_its_example_is_personal(warned):
    _, person_id, row, report = warned
    efi = next(p for p in report.problems if p.problem == UNDER_65_WITH_EFI)
    assert efi.personal and person_id in efi.examples and efi.example_rows == f"row {row}"
    acuity = next(p for p in report.problems if p.column == "low_acuity")
    assert not acuity.personal and "outpatient" in acuity.examples


def test_for_viewer_keeps_codes_and_rows_and_drops_personal_values_and_paths(tmp_path):
    extracts = tmp_path / "data" / "extracts"
    problems = pd.DataFrame([p.__dict__ for p in (
        Problem("persons.parquet", "person_id", "duplicate ID", 2, "row 4: P123; row 9: P123", personal=True,
                example_rows="row 4; row 9"),
        Problem("activity.parquet", "event_type", "unknown event type", 1, "row 2: walk_in", example_rows="row 2"),
        Problem("activity.parquet", "", f'cannot be read as parquet: No magic bytes in "{extracts}/activity.parquet"'),
        Problem("small_areas.*", "", f"no boundary file in {tmp_path / 'geo'} (expected small_areas)"),
        Problem("persons.parquet", "bp_date", "date after the extract date", 1, "row 1: 01/12/2031", personal=True,
                example_rows="row 1"))])
    folders = {str(extracts): "the extracts folder", str(tmp_path / "geo"): "the geography folder"}
    shown = for_viewer(problems, person_level=False, folders=folders)
    assert list(shown.columns) == ["file", "column", "problem", "rows", "examples", "severity"]
    assert shown.examples.tolist() == ["row 4; row 9", "row 2: walk_in", "", "", "row 1"]
    assert shown.problem[2] == 'cannot be read as parquet: No magic bytes in "activity.parquet"'
    assert shown.problem[3] == "no boundary file in the geography folder (expected small_areas)"
    assert str(tmp_path) not in shown.to_csv()
    exact = for_viewer(problems, person_level=True, folders=None)
    assert exact.examples[0] == "row 4: P123; row 9: P123" and str(extracts) in exact.problem[2]
    old = problems.drop(columns=["personal", "example_rows"])   # validation.json from before the flag
    assert (for_viewer(old, person_level=False, folders=folders).examples == "").all()


def test_hide_paths_leaves_other_slashes_alone(tmp_path):
    folders = {str(tmp_path): "the data folder"}
    assert hide_paths(f"{tmp_path}/extracts/persons.parquet", folders) == "extracts/persons.parquet"
    assert hide_paths(f"missing from {tmp_path}", folders) == "missing from the data folder"
    assert hide_paths("read /srv/nhd/other/activity.parquet: bad", folders) == "read activity.parquet: bad"
    assert hide_paths("row 3: 01/02/2024; mmol/mol; and/or", folders) == "row 3: 01/02/2024; mmol/mol; and/or"


# ---- the page, by role -----------------------------------------------------------------------

@pytest.mark.parametrize("role, ids, paths", [
    ("board", False, False), ("place_md", False, False), ("analyst", False, True), ("int_lead", True, False)])
def test_synthetic_demo_shows_ids_to_int_leads_and_paths_to_analysts(warned, demo_cfg, monkeypatch, role, ids, paths):
    data, person_id, row, _ = warned
    point_app_at(monkeypatch, data, demo_cfg.geo_dir)
    at = open_data(role)
    text = page_text(at)
    problems = at.dataframe[0].value.set_index("problem")
    assert problems.loc[UNDER_65_WITH_EFI, "file"] == "persons.parquet"
    assert problems.loc[UNDER_65_WITH_EFI, "column"] == "frailty"
    assert f"row {row}" in problems.loc[UNDER_65_WITH_EFI, "examples"]
    assert "outpatient" in problems.filter(like="not an A&E", axis=0)["examples"].iloc[0], "codes stay"
    assert (person_id in text) is ids
    assert (str(data) in text) is paths
    assert (os.path.realpath(data / "marts") in text) is paths


@pytest.mark.parametrize("role", ["board", "place_md", "analyst", "int_lead"])
def test_real_extract_in_demo_mode_shows_no_ids_or_paths_to_anyone(warned_real, demo_cfg, monkeypatch, role):
    data, person_id, row, _ = warned_real
    point_app_at(monkeypatch, data, demo_cfg.geo_dir)
    at = open_data(role)   # int_lead is not offered on a real extract: the session falls back to a board member
    text = page_text(at)
    assert f"row {row}" in at.dataframe[0].value.set_index("problem").loc[UNDER_65_WITH_EFI, "examples"]
    assert person_id not in text
    assert str(data) not in text and str(demo_cfg.geo_dir) not in text
    assert any("give the row only" in c.value for c in at.caption)


def test_before_the_build_nobody_sees_ids_or_paths(demo_cfg, tmp_path, monkeypatch):
    """Extracts that fail validation: the app shows the problems on the Data page, the file named
    by its name, the duplicated person ID by its rows."""
    extracts, geo = tmp_path / "data" / "extracts", tmp_path / "geo"
    shutil.copytree(os.path.realpath(demo_cfg.extracts_dir), extracts)
    shutil.copytree(demo_cfg.geo_dir, geo)
    for boundary in geo.glob("small_areas.*"):
        boundary.unlink()
    persons = pd.read_parquet(extracts / "persons.parquet")
    persons.loc[1, "person_id"] = persons.loc[0, "person_id"]
    persons.to_parquet(extracts / "persons.parquet", index=False)
    (extracts / "activity.parquet").write_bytes(b"not a parquet file")
    point_app_at(monkeypatch, tmp_path / "data", geo)

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120).run()
    assert_clean(at)
    text = page_text(at)
    problems = at.dataframe[0].value
    duplicate = problems[problems.problem == "duplicate ID"].iloc[0]
    assert duplicate.file == "persons.parquet" and duplicate.examples == "row 0; row 1"
    unreadable = problems[problems.file == "activity.parquet"].iloc[0]
    assert unreadable.problem.startswith("cannot be read as parquet") and "activity.parquet" in unreadable.problem
    assert "no boundary file in the geography folder" in text
    assert any("persons.parquet, column person_id: duplicate ID" in re.sub(r"\\(.)", r"\1", e.value)
               for e in at.error)
    assert persons.loc[0, "person_id"] not in text
    assert str(tmp_path) not in text and os.path.realpath(tmp_path) not in text
