"""The NNHIP submission's figures: each equals a count made here, in pandas, from the extract files
(not the project's queries); the new activity columns and the caseload extract are validated."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from neighbourhood_health.measures import areas, cohorts, nnhip
from neighbourhood_health.pipeline import national_codes as codes
from neighbourhood_health.pipeline.contract import CONDITIONS
from neighbourhood_health.pipeline.validate import validate_folder
from neighbourhood_health.privacy import access, disclosure
from neighbourhood_health.store import Database

COHORT = "multimorbid_high_risk"
BI_BOROUGH = "Kensington, Chelsea and Westminster (Bi-Borough)"


@pytest.fixture(scope="module")
def extracts(demo_cfg):
    read = lambda name: pd.read_parquet(demo_cfg.extracts_dir / f"{name}.parquet")
    lookup = pd.read_csv(demo_cfg.geo_dir / "area_lookup.csv", dtype=str)
    deprivation = pd.read_csv(demo_cfg.geo_dir / "deprivation.csv", dtype={"small_area_code": str})
    activity = read("activity")
    for column in ("event_date", "admission_date", "discharge_date"):
        activity[column] = pd.to_datetime(activity[column])
    caseload = read("caseload")
    for column in ("start_date", "end_date"):
        caseload[column] = pd.to_datetime(caseload[column])
    return {"persons": read("persons"), "activity": activity, "caseload": caseload, "lookup": lookup,
            "deprivation": deprivation}


def _place_codes(lookup: pd.DataFrame, names: list[str]) -> list[str]:
    return sorted(lookup.loc[lookup["place_name"].isin(names), "place_code"].unique())


def _age_group(age: int) -> str:
    if age < 20:
        return "18-19"
    return "85+" if age >= 80 else f"{age // 10 * 10}-{age // 10 * 10 + 9}"


def expected(x: dict, place_codes: list[str], month: str) -> pd.DataFrame:
    """The submission counted from the files: multimorbid_high_risk members (3+ recorded conditions
    and risk 20%+) aged 18+ in the places, each metric by the Definitions sheet, by category."""
    p = x["persons"].merge(x["lookup"], on="small_area_code").merge(x["deprivation"], on="small_area_code")
    p = p[(p[[f"ltc_{c}" for c in CONDITIONS]].sum(axis=1) >= 3) & (p["risk_score"] >= 20)
          & p["place_code"].isin(place_codes) & (p["age"] >= 18)].copy()
    p["Age Group"] = p["age"].map(_age_group)
    p["Ethnic Group"] = p["ethnicity"].where(p["ethnicity"] != "Unknown", "Not known")
    p["Deprivation Quintile"] = ((p["imd_decile"] + 1) // 2).astype(int).astype(str)
    p["Total"] = "Total"
    start = pd.Timestamp(f"{month}-01")
    end = start + pd.offsets.MonthBegin()
    a = x["activity"][x["activity"]["person_id"].isin(p["person_id"])]
    a = a.astype({c: object for c in a.columns if isinstance(a[c].dtype, pd.CategoricalDtype)})
    in_month = a[(a["event_date"] >= start) & (a["event_date"] < end)]
    op = in_month[(in_month["event_type"] == "outpatient") & in_month["main_specialty"].notna()
                  & ~in_month["main_specialty"].isin(["560", "950", "960"]) & in_month["attended_code"].isin(["5", "6"])]
    spells = a[a["event_type"].isin(["emergency_admission", "elective_admission"]) & (a["discharge_date"] >= start)
               & (a["discharge_date"] < end) & a["admission_method"].isin(codes.NON_ELECTIVE_METHODS)
               & a["treatment_function"].isin(codes.specific_acute_functions())].copy()
    spells["stay"] = (spells["discharge_date"] - spells["admission_date"]).dt.days
    ae = in_month[in_month["event_type"] == "ae_attendance"]
    conveyed = ae[ae["ae_arrival_mode"].isin(["1048031000000100", "1048041000000109", "1048051000000107"])]
    gp = in_month[(in_month["event_type"] == "gp_appointment") & (in_month["gp_appointment_status"] == "Attended")
                  & (in_month["gp_staff_role"] == "GP")
                  & in_month["gp_service_setting"].isin(["General Practice", "Primary Care Network"])]
    community = in_month[(in_month["event_type"] == "community_contact")
                         & (in_month["attended_code"].isna() | in_month["attended_code"].isin(["5", "6"]))]
    c = x["caseload"]
    on = c[(c["cohort_id"] == COHORT) & (c["start_date"] < end) & (c["end_date"].isna() | (c["end_date"] >= start))]
    per_person = {
        "O1_new": op[op["first_attendance"].isin(["1", "3"])].groupby("person_id").size(),
        "O1_followup": op[op["first_attendance"].isin(["2", "4"])].groupby("person_id").size(),
        "O1_procedures": op[op["first_attendance"].isin(["2", "4"]) & op["primary_procedure"].notna()].groupby("person_id").size(),
        "O2_los0": spells[spells["stay"] == 0].groupby("person_id").size(),
        "O2_los1": spells[spells["stay"] >= 1].groupby("person_id").size(),
        "O3_beddays": spells.groupby("person_id")["stay"].sum(),
        **{f"O4_cat{k}": conveyed[conveyed["ae_acuity"] == codes.CATEGORY_ACUITY[k]].groupby("person_id").size()
           for k in (1, 2, 3, 4)},
        "O5_type1": ae[ae["ae_department_type"] == "01"].groupby("person_id").size(),
        "O5_other": ae[ae["ae_department_type"].notna() & (ae["ae_department_type"] != "01")].groupby("person_id").size(),
        "O6_gp": gp.groupby("person_id").size(),
        "O6_community": community.groupby("person_id").size(),
        "P1_caseload": pd.Series(1, index=on["person_id"].unique()),
    }
    rows = []
    for key, counts in per_person.items():
        people = p.assign(n=p["person_id"].map(counts).fillna(0))
        for breakdown, categories in nnhip.BREAKDOWNS.items():
            sums, sizes = people.groupby(breakdown)["n"].sum(), people.groupby(breakdown).size()
            rows += [(key, breakdown, cat, int(sums.get(cat, 0)), int(sizes.get(cat, 0))) for cat in categories]
    return pd.DataFrame(rows, columns=nnhip.COLUMNS)


@pytest.mark.parametrize("place, names, month", [
    ("Hillingdon", ["Hillingdon"], "2026-10"),
    (BI_BOROUGH, ["Kensington and Chelsea and Westminster (Bi-borough)"], "2026-10"),
    ("Hillingdon", ["Hillingdon"], "2026-03"),
])
def test_every_figure_equals_an_independent_count(demo_db, extracts, place, names, month):
    codes_ = _place_codes(extracts["lookup"], names)
    asked = codes_[0] if place == "Hillingdon" else place  # a place code, or the project's name
    got = nnhip.submission_figures(demo_db, asked, COHORT, month)
    want = expected(extracts, codes_, month)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
    assert (got["count"] > 0).sum() > 20, "the demo's codes give most metrics something to count"
    assert got.attrs["place_codes"] == codes_


def test_shape_and_breakdowns_sum_to_the_total(demo_db, extracts):
    place = _place_codes(extracts["lookup"], ["Hillingdon"])[0]
    got = nnhip.submission_figures(demo_db, place, COHORT, "2026-10")
    assert list(got.columns) == nnhip.COLUMNS
    assert got["count"].dtype.kind == "i" and got["cohort"].dtype.kind == "i"
    assert len(got) == len(nnhip.ROW_KEYS) * sum(map(len, nnhip.BREAKDOWNS.values()))
    sums = got.groupby(["row_key", "breakdown"])[["count", "cohort"]].sum().unstack("breakdown")
    for figure in ("count", "cohort"):
        for breakdown in nnhip.BREAKDOWNS:
            assert (sums[(figure, breakdown)] == sums[(figure, "Total")]).all(), (figure, breakdown)
    assert got.attrs["project_name"] == "Hillingdon"


def test_categories_are_the_templates_header_cells():
    from conftest import reference_dir
    ref = reference_dir()
    if ref is None:
        pytest.skip("../shared/reference is not here")
    import openpyxl
    sheet = openpyxl.load_workbook(ref / "nnhip" / "DraftNNHIPDataCollectionTemplatev0.2.xlsx")["SubmissionTemplate"]
    header = [str(sheet.cell(5, column).value) for column in range(5, 26)]
    assert header == nnhip.AGE_GROUPS + nnhip.ETHNIC_GROUPS + nnhip.DEPRIVATION
    lookups = {row[0] for row in openpyxl.load_workbook(ref / "nnhip" / "DraftNNHIPDataCollectionTemplatev0.2.xlsx")
               ["Lookups"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert set(nnhip.projects()["project_name"]) <= lookups, "project names are the template's own text"


def test_unknown_places_cohorts_without_adults_and_future_months_are_refused(demo_db, extracts):
    with pytest.raises(ValueError, match="neither a place code.*nor an NNHIP project"):
        nnhip.submission_figures(demo_db, "Z99999999", COHORT, "2026-10")
    place = _place_codes(extracts["lookup"], ["Harrow"])[0]
    with pytest.raises(ValueError, match="no members aged 18 or over"):
        nnhip.submission_figures(demo_db, place, "infant_low_acuity_ae", "2026-10")
    with pytest.raises(ValueError, match="after the extract date"):
        nnhip.submission_figures(demo_db, place, COHORT, "2027-01")
    with pytest.raises(ValueError, match="YYYY-MM"):
        nnhip.submission_figures(demo_db, place, COHORT, "October 2026")


def test_demo_caseloads_cover_the_service_changes_and_wave_one(extracts):
    c = extracts["caseload"].merge(extracts["lookup"][["neighbourhood_code", "place_name"]].drop_duplicates(),
                                   on="neighbourhood_code")
    teams = c.groupby(["place_name", "cohort_id"]).size()
    for place, cohort in (("Harrow", "infant_low_acuity_ae"), ("Camden", "frail_emergency_admissions"),
                          ("Hillingdon", COHORT), ("Kensington and Chelsea and Westminster (Bi-borough)", COHORT)):
        assert teams.get((place, cohort), 0) > 0, (place, cohort)
    assert (c.loc[c.cohort_id == "frail_emergency_admissions", "start_date"] >= "2025-10-01").all()
    assert (c.loc[c.cohort_id == "infant_low_acuity_ae", "start_date"] >= "2025-04-01").all()
    a = extracts["activity"]
    spells = a[a.event_type == "emergency_admission"]
    stay = (spells.discharge_date - spells.admission_date).dt.days
    assert 0.2 < (stay == 0).mean() < 0.5, "zero-day spells are common"
    assert (a.attended_code.astype(object) == "3").any() and (a.gp_appointment_status.astype(object) == "DNA").any()


def test_scorecard_cohort_sizes_are_the_cohorts_pages_protected_counts(demo_db, extracts):
    place = _place_codes(extracts["lookup"], ["Hillingdon"])[0]
    series = nnhip.scorecard_series(disclosure.for_viewer(demo_db.run, []), place, COHORT)
    board = access.User("t", "t", "board", ("ALL",))
    assert series["members"].iloc[0] == cohorts.counts(demo_db, board, COHORT, place).total
    shown = series[["cohort", "caseload", "on_caseload"]].stack().dropna()
    assert (shown % disclosure.ROUND_TO == 0).all(), "every count an aggregate viewer gets is protected"


def test_a_caseload_count_is_rounded_alike_in_every_month(demo_cfg):
    cells = pd.read_parquet(demo_cfg.marts_dir / "nnhip_monthly.parquet")
    stock = cells[cells.row_key == "P1_caseload"]
    assert stock.groupby(["cohort_id", "neighbourhood_code", "count"])["p_count"].nunique().max() == 1


# --- validation ------------------------------------------------------------------------------

@pytest.fixture
def copy(demo_cfg, tmp_path):
    ext, geo = tmp_path / "extracts", tmp_path / "geo"
    shutil.copytree(demo_cfg.extracts_dir, ext)
    shutil.copytree(demo_cfg.geo_dir, geo)
    return ext, geo


def _edit(path, change):
    change(pd.read_parquet(path)).to_parquet(path, index=False)


def _problem(report, column, words, severity="error"):
    found = [p for p in report.problems if p.column == column and words in p.problem and p.severity == severity]
    assert found, report.as_text()
    return found[0]


def test_old_style_extracts_without_the_new_columns_or_caseload_still_validate(copy):
    ext, geo = copy
    _edit(ext / "activity.parquet", lambda f: f.loc[f.event_type != "gp_appointment",
                                                    ["person_id", "event_date", "event_type", "low_acuity"]])
    (ext / "caseload.parquet").unlink()
    report = validate_folder(ext, geo)
    assert report.ok and not report.problems, report.as_text()
    assert "caseload" not in report.tables


def test_bad_national_codes_are_named_with_file_column_and_codes(copy):
    ext, geo = copy

    def spoil(f):
        f = f.astype({c: object for c in f.columns if isinstance(f[c].dtype, pd.CategoricalDtype)})
        ae = f.index[f.event_type == "ae_attendance"]
        f.loc[ae[:3], "ae_department_type"] = ["1", "99", "1"]
        f.loc[ae[3], "ae_acuity"] = "123"
        admitted = f.index[f.event_type == "emergency_admission"]
        f.loc[admitted[0], "admission_method"] = "2Z"
        f.loc[admitted[1], "treatment_function"] = "30"
        f.loc[admitted[2], "discharge_date"] = pd.Timestamp(f.loc[admitted[2], "event_date"]) - pd.Timedelta(days=2)
        op = f.index[f.event_type == "outpatient"]
        f.loc[op[0], "primary_procedure"] = "walk"
        f.loc[op[1], "first_attendance"] = "9"
        gp = f.index[f.event_type == "gp_appointment"]
        f.loc[gp[0], "gp_staff_role"] = "Doctor"
        f.loc[f.index[f.event_type == "community_contact"][0], "main_specialty"] = "300"
        return f

    _edit(ext / "activity.parquet", spoil)
    report = validate_folder(ext, geo)
    assert not report.ok
    department = _problem(report, "ae_department_type", "not an ECDS EMERGENCY CARE DEPARTMENT TYPE")
    assert department.file == "activity.parquet" and "2 code(s) found that are not: 1, 99" in department.problem
    assert department.rows == 3
    assert "123" in _problem(report, "ae_acuity", "ECDS EMERGENCY CARE ACUITY").problem
    assert "2Z" in _problem(report, "admission_method", "ADMISSION METHOD").problem
    assert "30" in _problem(report, "treatment_function", "three digits").problem
    _problem(report, "discharge_date", "discharge before admission")
    assert "walk" in _problem(report, "primary_procedure", "OPCS-4").problem
    assert "9" in _problem(report, "first_attendance", "FIRST ATTENDANCE").problem
    assert "Doctor" in _problem(report, "gp_staff_role", "SDS role group").problem
    _problem(report, "main_specialty", "not outpatient", severity="warning")


def test_caseload_problems_are_named(copy):
    ext, geo = copy

    def spoil(f):
        f = f.copy()
        f.loc[0, "cohort_id"] = "no_such_cohort"
        f.loc[1, "person_id"] = "NOBODY"
        f.loc[2, "end_date"] = pd.Timestamp(f.loc[2, "start_date"]) - pd.Timedelta(days=1)
        f.loc[3, "neighbourhood_code"] = "Z79999999"
        f.loc[4, "start_date"] = pd.Timestamp("2030-01-01")
        return f

    _edit(ext / "caseload.parquet", spoil)
    report = validate_folder(ext, geo)
    assert not report.ok
    assert "no_such_cohort" in _problem(report, "cohort_id", "not a cohort of the catalogue").examples
    _problem(report, "person_id", "unknown person")
    _problem(report, "end_date", "closed before it was opened")
    _problem(report, "neighbourhood_code", "unknown neighbourhood")
    _problem(report, "start_date", "after the extract date")
    assert all(p.file == "caseload.parquet" for p in report.problems if p.severity == "error")


def test_an_old_style_extract_builds_with_empty_national_figures(demo_cfg, tmp_path):
    import dataclasses
    from neighbourhood_health.pipeline.build import build_marts
    cfg = dataclasses.replace(demo_cfg, data_dir=tmp_path / "data", geo_dir=tmp_path / "geo")
    shutil.copytree(demo_cfg.extracts_dir, cfg.extracts_dir)
    shutil.copytree(demo_cfg.geo_dir, cfg.geo_dir)
    _edit(cfg.extracts_dir / "activity.parquet", lambda f: f[["person_id", "event_date", "event_type", "low_acuity"]])
    (cfg.extracts_dir / "caseload.parquet").unlink()
    build_marts(cfg)
    from neighbourhood_health.pipeline.contract_files import register_extracts
    db = Database(cfg.marts_dir, cfg.extracts_dir, register_extracts)  # as the app and the command line open them
    place = areas.tree(db.run).query("area_name == 'Hillingdon'").index[0]
    got = nnhip.submission_figures(db, place, COHORT, "2026-10").query("breakdown == 'Total'").set_index("row_key")
    coded = [k for k in nnhip.ROW_KEYS if k not in ("O6_community", "O6_gp")]
    assert (got.loc[coded, "count"] == 0).all(), "no codes, nothing the national definitions count"
    assert got.loc["O6_community", "count"] > 0, "community contacts without an attendance code are contacts"
    assert got.loc["O6_gp", "count"] == 0
    assert np.isfinite(got["cohort"]).all() and (got["cohort"] > 0).all()


def test_every_figure_in_the_written_submission_is_the_independent_count_protected(demo_cfg, extracts, tmp_path):
    """The file the `nnhip` command writes, read back: each breakdown cell is the independent count of
    the extracts (pandas, above) under the project's rule — 0 stays 0, any other count a neighbouring
    multiple of 5 (within 4 of it) — each Total the sum of its protected age groups, and the file is what writing
    the independent figures with the same key gives, cell for cell."""
    from neighbourhood_health.export.nnhip import read_submission, write_submission
    from neighbourhood_health.export.nnhip.cli import run_nnhip
    written = read_submission(run_nnhip(demo_cfg, BI_BOROUGH, COHORT, "2026-09", tmp_path / "ours.xlsx"))
    assert written.ok
    codes_ = _place_codes(extracts["lookup"], ["Kensington and Chelsea and Westminster (Bi-borough)"])
    want = expected(extracts, codes_, "2026-09").set_index(["row_key", "breakdown", "category"])
    got = written.figures.set_index(["row_key", "breakdown", "category"]).loc[want.index]
    cells = want.index.get_level_values("breakdown") != "Total"   # a Total is its protected age groups' sum
    for column in ("count", "cohort"):
        exact, shown = want.loc[cells, column].to_numpy(), got.loc[cells, column].to_numpy()
        assert (shown[exact == 0] == 0).all(), column
        assert (shown % disclosure.ROUND_TO == 0).all() and (np.abs(shown - exact) < disclosure.ROUND_TO).all(), column
    ages = got.xs("Age Group", level="breakdown").groupby(level="row_key")["count"].sum()
    totals = got.xs("Total", level="breakdown")["count"].droplevel("category")
    pd.testing.assert_series_equal(totals.loc[ages.index], ages, check_names=False)
    again = read_submission(write_submission(want.reset_index(), BI_BOROUGH, "2026-09", tmp_path / "independent.xlsx",
                                             protected=False, secret=disclosure.key(demo_cfg.data_dir)))
    pd.testing.assert_frame_equal(again.figures, written.figures)
