"""CSV extracts: checked with each bad value's line named, built into the same marts as parquet,
and never modified. The session's demo is copied with persons and activity written as CSV by pandas,
as an analyst's export would be, and built once."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil

import duckdb
import pandas as pd
import pytest

from neighbourhood_health.pipeline.build import MARTS, BuildError, build_marts
from neighbourhood_health.pipeline.contract_files import register_extracts
from neighbourhood_health.pipeline.validate import validate_folder
from neighbourhood_health.privacy.disclosure import KEY_FILE
from neighbourhood_health.store import Database
from digests import digest

AS_CSV = ("persons", "activity")


@pytest.fixture(scope="module")
def csv_cfg(demo_cfg, tmp_path_factory):
    """The demo with CSV persons and activity (no parquet of either), built once; and the inputs' digests."""
    root = tmp_path_factory.mktemp("csv")
    cfg = dataclasses.replace(demo_cfg, data_dir=root / "data", geo_dir=root / "geo")
    shutil.copytree(os.path.realpath(demo_cfg.extracts_dir), cfg.extracts_dir)
    shutil.copytree(os.path.realpath(demo_cfg.geo_dir), cfg.geo_dir)
    shutil.copy(demo_cfg.data_dir / KEY_FILE, cfg.data_dir / KEY_FILE)  # protected figures rounded alike
    for name in AS_CSV:
        pd.read_parquet(cfg.extracts_dir / f"{name}.parquet").to_csv(cfg.extracts_dir / f"{name}.csv", index=False)
        (cfg.extracts_dir / f"{name}.parquet").unlink()
    before = digest(cfg.extracts_dir, cfg.geo_dir)
    counts = build_marts(cfg)
    return cfg, before, counts


@pytest.fixture
def broken(csv_cfg, tmp_path):
    """A private copy of the CSV extracts and geography, to break."""
    cfg, _, _ = csv_cfg
    ext, geo = tmp_path / "extracts", tmp_path / "geo"
    shutil.copytree(cfg.extracts_dir, ext)
    shutil.copytree(cfg.geo_dir, geo)
    return ext, geo


def _problems(ext, geo):
    before = digest(ext, geo)
    report = validate_folder(ext, geo)
    assert digest(ext, geo) == before, "validation must not modify its inputs"
    assert not report.ok, report.as_text()
    return report


def _problem(report, file, column, words):
    found = [p for p in report.problems if p.file == file and p.column == column and words in p.problem]
    assert found and found[0].severity == "error", report.as_text()
    return found[0]


def _set_field(path, line: int, column: str, value: str) -> None:
    """Put `value` in `column` of the given line (1 is the header), leaving every other byte as it was."""
    lines = path.read_text().split("\n")
    fields = lines[line - 1].split(",")
    fields[lines[0].split(",").index(column)] = value
    lines[line - 1] = ",".join(fields)
    path.write_text("\n".join(lines))


def test_csv_extracts_pass_validation(csv_cfg, demo_cfg):
    cfg, _, _ = csv_cfg
    report = validate_folder(cfg.extracts_dir, cfg.geo_dir)
    assert report.ok and not report.problems, report.as_text()
    from_parquet = json.loads((demo_cfg.marts_dir / "validation.json").read_text())  # as its build validated it
    assert report.tables == from_parquet["tables"]


def _mart(con, marts, mart) -> pd.DataFrame:
    path = marts / f"{mart.name}.parquet"
    files = str(path / "**" / "*.parquet") if path.is_dir() else str(path)  # a partitioned mart is a folder
    rel = con.sql("SELECT * FROM read_parquet($path, hive_partitioning = true)", params={"path": files})
    return rel.order(", ".join(mart.order_by)).df()


def test_csv_build_gives_the_marts_parquet_gives(csv_cfg, demo_cfg):
    """Every mart alike, to the last bit but for sums of person-years, whose order of addition varies."""
    cfg, _, counts = csv_cfg
    con = duckdb.connect()
    for mart in MARTS:
        from_csv, from_parquet = _mart(con, cfg.marts_dir, mart), _mart(con, demo_cfg.marts_dir, mart)
        pd.testing.assert_frame_equal(from_csv, from_parquet, check_exact=False, rtol=1e-9, obj=mart.name)
    values = _mart(con, cfg.marts_dir, next(m for m in MARTS if m.name == "measure_values"))
    assert counts["measure_values"] == len(values) > 0 and values.numerator.sum() > 0


def test_inputs_unchanged_and_no_staging_left(csv_cfg):
    cfg, before, _ = csv_cfg
    assert digest(cfg.extracts_dir, cfg.geo_dir) == before  # the same files, byte for byte: none added
    assert not [p for p in cfg.data_dir.iterdir() if p.name.startswith(".staging-")]


def test_app_reads_csv_extracts_typed(csv_cfg):
    cfg, _, _ = csv_cfg
    db = Database(cfg.marts_dir, cfg.extracts_dir, register_extracts)
    with db.cursor() as cur:
        activity = cur.sql("SELECT count(*) AS n FROM activity").df()
        persons = cur.sql("SELECT typeof(age) AS age, typeof(ltc_diabetes) AS flag, typeof(bp_date) AS day "
                          "FROM persons LIMIT 1").df()
    assert activity.n[0] == json.loads((cfg.marts_dir / "validation.json").read_text())["tables"]["activity"]
    assert persons.iloc[0].tolist() == ["BIGINT", "BOOLEAN", "DATE"]


def test_excel_csv_utf8_is_read(broken):
    """Excel's "CSV UTF-8" starts with a byte-order mark and ends its lines with CR LF."""
    ext, geo = broken
    practices = pd.read_parquet(ext / "practices.parquet")
    practices.to_csv(ext / "practices.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    (ext / "practices.parquet").unlink()
    report = validate_folder(ext, geo)
    assert report.ok and not report.problems and report.tables["practices"] == len(practices), report.as_text()


def test_values_that_do_not_fit_are_named_by_line(broken, csv_cfg):
    ext, geo = broken
    _set_field(ext / "activity.csv", 5, "event_date", "31/12/2025")
    _set_field(ext / "persons.csv", 3, "age", "forty")
    _set_field(ext / "persons.csv", 7, "ltc_copd", "maybe")
    report = _problems(ext, geo)
    date = _problem(report, "activity.csv", "event_date", "not a date")
    assert date.rows == 1 and date.examples == "line 5: 31/12/2025" and date.example_rows == "line 5"
    assert date.personal, "a value from a person's record is shown only to those who may see it"
    assert _problem(report, "persons.csv", "age", "not a whole number").examples == "line 3: forty"
    assert _problem(report, "persons.csv", "ltc_copd", "not true or false").examples == "line 7: maybe"
    cfg = dataclasses.replace(csv_cfg[0], data_dir=ext.parent, geo_dir=geo)
    with pytest.raises(BuildError, match=r"activity\.csv, column event_date: not a date .*line 5: 31/12/2025"):
        build_marts(cfg)


def test_row_checks_name_csv_lines(broken):
    ext, geo = broken
    _set_field(ext / "persons.csv", 4, "sex", "X")
    problem = _problem(_problems(ext, geo), "persons.csv", "sex", "unknown value")
    assert problem.examples == "line 4: X"


def test_missing_column(broken):
    ext, geo = broken
    persons = pd.read_csv(ext / "persons.csv", dtype=str, keep_default_na=False)
    persons.drop(columns=["risk_score"]).to_csv(ext / "persons.csv", index=False)
    _problem(_problems(ext, geo), "persons.csv", "risk_score", "required column is missing")


def test_windows_1252_is_refused_with_the_line(broken):
    ext, geo = broken
    lines = (ext / "activity.csv").read_bytes().split(b"\n")
    lines[8] = lines[8].replace(b",", b"\x96,", 1)  # line 9: an en dash as Excel's plain CSV saves it
    (ext / "activity.csv").write_bytes(b"\n".join(lines))
    problem = _problem(_problems(ext, geo), "activity.csv", "", "is not UTF-8")
    assert "line 9" in problem.problem and "0x96" in problem.problem and "save it as CSV UTF-8" in problem.problem


def test_parquet_and_csv_both_present_is_an_error(broken, demo_cfg):
    ext, geo = broken
    shutil.copy(demo_cfg.extracts_dir / "persons.parquet", ext / "persons.parquet")
    problem = _problem(_problems(ext, geo), "persons.csv", "", "both persons.parquet and persons.csv")
    assert "keep one" in problem.problem


def test_ragged_line_and_another_separator(broken):
    ext, geo = broken
    lines = (ext / "activity.csv").read_text().split("\n")
    columns = len(lines[0].split(","))
    lines[11] += ",extra"  # line 12: an unquoted comma, say
    (ext / "activity.csv").write_text("\n".join(lines))
    pd.read_parquet(ext / "practices.parquet").to_csv(ext / "practices.csv", sep=";", index=False)
    (ext / "practices.parquet").unlink()
    report = _problems(ext, geo)
    assert f"line 12 has {columns + 1} values where the header has {columns}" in \
        _problem(report, "activity.csv", "", "cannot be read").problem
    _problem(report, "practices.csv", "", "is not comma-separated")


def test_geography_csv_values_are_named_by_line(broken):
    ext, geo = broken
    _set_field(geo / "deprivation.csv", 6, "imd_decile", "ten")
    assert _problem(_problems(ext, geo), "deprivation.csv", "imd_decile", "not a whole number").examples == "line 6: ten"
