"""Broken extracts each produce a clear error naming the file and column, and are never modified."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from digests import digest
from neighbourhood_health.pipeline.validate import validate_folder


@pytest.fixture
def copy(demo_cfg, tmp_path):
    ext, geo = tmp_path / "extracts", tmp_path / "geo"
    shutil.copytree(demo_cfg.extracts_dir, ext)
    shutil.copytree(demo_cfg.geo_dir, geo)
    return ext, geo


def _edit(path, change):
    frame = pd.read_parquet(path)
    frame = change(frame)
    frame.to_parquet(path, index=False)


def _problems(ext, geo):
    before = digest(ext), digest(geo)
    report = validate_folder(ext, geo)
    assert (digest(ext), digest(geo)) == before, "validation must not modify its inputs"
    return report


def _has(report, file, column, words):
    return any(p.file == file and p.column == column and words in p.problem and p.severity == "error"
               for p in report.problems), report.as_text()


def test_missing_file(copy):
    ext, geo = copy
    (ext / "activity.parquet").unlink()
    report = _problems(ext, geo)
    assert not report.ok and _has(report, "activity.parquet", "", "required file is missing")


def test_missing_column(copy):
    ext, geo = copy
    _edit(ext / "persons.parquet", lambda f: f.drop(columns=["risk_score"]))
    assert _has(_problems(ext, geo), "persons.parquet", "risk_score", "required column is missing")


def test_mistyped_column(copy):
    ext, geo = copy
    _edit(ext / "persons.parquet", lambda f: f.assign(age=f.age.astype(str)))
    assert _has(_problems(ext, geo), "persons.parquet", "age", "expected integer, found string")


def test_unknown_area_code_with_example(copy):
    ext, geo = copy
    _edit(ext / "persons.parquet", lambda f: f.assign(small_area_code=f.small_area_code.where(f.index != 3, "E01999999")))
    report = _problems(ext, geo)
    assert _has(report, "persons.parquet", "small_area_code", "unknown area code")
    problem = next(p for p in report.problems if p.column == "small_area_code")
    assert problem.rows == 1 and "row 3: E01999999" in problem.examples


def test_impossible_and_negative_values(copy):
    ext, geo = copy
    _edit(ext / "persons.parquet", lambda f: f.assign(age=f.age.where(f.index != 0, -4)))
    _edit(ext / "aggregate_measures.parquet", lambda f: f.assign(denominator=f.denominator.where(f.index != 0, -1)))
    report = _problems(ext, geo)
    assert _has(report, "persons.parquet", "age", "impossible age")
    assert _has(report, "aggregate_measures.parquet", "denominator", "negative")


def test_numerator_above_denominator(copy):
    ext, geo = copy
    _edit(ext / "aggregate_measures.parquet", lambda f: f.assign(numerator=f.numerator.where(f.index != 5, f.denominator + 10)))
    assert _has(_problems(ext, geo), "aggregate_measures.parquet", "numerator", "numerator above denominator")


def test_duplicate_ids(copy):
    ext, geo = copy
    _edit(ext / "persons.parquet", lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True))
    report = _problems(ext, geo)
    assert _has(report, "persons.parquet", "person_id", "duplicate ID")
    assert next(p for p in report.problems if p.problem == "duplicate ID").rows == 2


def test_unknown_measure_and_person(copy):
    ext, geo = copy
    _edit(ext / "aggregate_measures.parquet", lambda f: f.assign(measure_id=f.measure_id.where(f.index != 0, "made_up")))
    _edit(ext / "activity.parquet", lambda f: f.assign(person_id=f.person_id.where(f.index != 0, "NOBODY")))
    report = _problems(ext, geo)
    assert _has(report, "aggregate_measures.parquet", "measure_id", "not in the catalogue")
    assert _has(report, "activity.parquet", "person_id", "unknown person")


def test_file_that_is_not_parquet(copy):
    ext, geo = copy
    (ext / "practices.parquet").write_text("practice_code,practice_name\nA1,Somewhere\n")
    assert _has(_problems(ext, geo), "practices.parquet", "", "cannot be read")


def test_area_assigned_twice_and_boundary_mismatch(copy):
    ext, geo = copy
    lookup = pd.read_csv(geo / "area_lookup.csv")
    lookup = pd.concat([lookup, lookup.iloc[[0]].assign(neighbourhood_code="Z70000099")], ignore_index=True)
    lookup.loc[len(lookup)] = lookup.iloc[1].to_dict() | {"small_area_code": "Z01999999"}
    lookup.to_csv(geo / "area_lookup.csv", index=False)
    report = _problems(ext, geo)
    assert _has(report, "area_lookup.csv", "small_area_code", "assigned more than once")
    assert _has(report, "small_areas.parquet", "small_area_code", "has no boundary")


def test_boundary_without_crs(copy):
    import geopandas as gpd
    ext, geo = copy
    frame = gpd.read_parquet(geo / "small_areas.parquet")
    (geo / "small_areas.parquet").unlink()
    frame.set_crs(None, allow_override=True).to_file(geo / "small_areas.shp")  # a shapefile with no .prj
    report = _problems(ext, geo)
    assert any("coordinate reference system" in p.problem or "CRS" in p.problem for p in report.problems), report.as_text()


def test_cli_reports_problems_and_exit_code(copy, capsys):
    from neighbourhood_health.__main__ import main
    ext, geo = copy
    _edit(ext / "persons.parquet", lambda f: f.drop(columns=["sex"]))
    assert main(["validate", str(ext), "--geo", str(geo)]) == 1
    out = capsys.readouterr().out
    assert "persons.parquet, column sex: required column is missing" in out
