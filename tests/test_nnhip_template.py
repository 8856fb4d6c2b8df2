"""The NNHIP submission: the programme's template filled exactly, and the programme's own example
files read back for the reason each was made (../shared/reference/nnhip, R/tests/input/README.md)."""
from __future__ import annotations

import hashlib
import importlib.util
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from reference import REF, SKIP_REASON

from neighbourhood_health.export.nnhip import layout, read_submission, write_submission
from neighbourhood_health.export.nnhip import write as write_module
from neighbourhood_health.export.nnhip.layout import ROW_KEYS, TEMPLATE
from neighbourhood_health.export.nnhip.protect import pinned
from neighbourhood_health.privacy import disclosure

NNHIP = REF / "nnhip"
needs_reference = pytest.mark.skipif(not NNHIP.is_dir(), reason=SKIP_REASON + " (nnhip/)")
SECRET = "0" * 64
PROJECT, MONTH = "Hillingdon", "2026-03"

#: Each invalid example, the rule it breaks, and its severity in the programme's README.
INVALID = {
    "invalid_missing_sheet_instructions": ("Fail", "missing sheet"),
    "invalid_missing_sheet_submissiontemplate": ("Fail", "missing sheet"),
    "invalid_missing_placename": ("Fail", "missing place name"),
    "invalid_unexpected_placename": ("Fail", "unexpected place name"),
    "invalid_unexpected_submissionperiod": ("Fail", "unexpected submission period"),
    "invalid_missing_column_agegroup": ("Fail", "missing data column"),
    "invalid_missing_column_ethnicgroup": ("Fail", "missing data column"),
    "invalid_missing_metric_o3": ("Fail", "missing metric row"),
    "invalid_missing_values": ("Fail", "missing values"),
    "invalid_text_where_counts_expected": ("Fail", "incorrect data type"),
    "invalid_decimal_values_where_counts_expected": ("Alert", "unexpected data type"),
}


def synthetic(seed: int = 1) -> pd.DataFrame:
    """Figures for every row key and column: each breakdown adds up to its total, some cells are
    hidden counts (1–7) and some 0, and every row has the same cohort by column."""
    rng = np.random.default_rng(seed)
    columns = layout().columns
    groups = {b: [c.category for c in columns if c.breakdown == b] for b in ("Age Group", "Ethnic Group",
                                                                              "Deprivation Quintile")}
    def split(total):
        return {b: rng.multinomial(total, rng.dirichlet(np.full(len(cats), 0.6))) for b, cats in groups.items()}
    cohort_total = 900
    cohort = split(cohort_total)
    rows = []
    for key in ROW_KEYS:
        total = int(rng.integers(0, 60)) if key != "O3_beddays" else 700
        parts = split(total)
        rows.append((key, "Total", "Total", total, cohort_total))
        for b, cats in groups.items():
            rows += [(key, b, c, int(n), int(m)) for c, n, m in zip(cats, parts[b], cohort[b])]
    return pd.DataFrame(rows, columns=["row_key", "breakdown", "category", "count", "cohort"])


def protected_synthetic(seed: int = 1) -> pd.DataFrame:
    """Figures as a reader gives an aggregate viewer: multiples of 5, one cohort by column."""
    frame = synthetic(seed)
    frame["count"] = (frame["count"] // 5) * 5
    frame["cohort"] = (frame["cohort"] // 5) * 5
    return frame


def cells(path, sheet):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ws = load_workbook(path)[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the shipped template ------------------------------------------------------------------------

@needs_reference
def test_shipped_template_is_the_programmes():
    assert digest(TEMPLATE) == digest(NNHIP / "DraftNNHIPDataCollectionTemplatev0.2.xlsx")


def test_layout_matches_the_template_rows():
    lay = layout()
    assert [m.metric_id for m in lay.metrics] == ["O1"] * 3 + ["O2"] * 2 + ["O3"] + ["O4"] * 4 + ["O5"] * 2 \
        + ["O6"] * 2 + ["P1"]
    assert [c.breakdown for c in lay.columns].count("Age Group") == 9
    assert [c.category for c in lay.columns if c.breakdown == "Deprivation Quintile"] == ["1", "2", "3", "4", "5",
                                                                                           "Not Known"]
    assert "Kensington, Chelsea and Westminster (Bi-Borough)" in lay.projects and "Hillingdon" in lay.projects
    assert lay.months[0] == "2026-01" and lay.months[-1] == "2028-03" and len(lay.months) == 27


@needs_reference
def test_lookups_are_the_programmes_legitimate_values():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sheet = load_workbook(NNHIP / "legitimate_values.xlsx")["Sheet1"]
    names = [r[0] for r in sheet.iter_rows(min_row=2, max_col=1, values_only=True) if r[0]]
    months = [r[0].strftime("%Y-%m") for r in sheet.iter_rows(min_row=2, min_col=2, max_col=2, values_only=True) if r[0]]
    assert tuple(names) == layout().projects and tuple(months) == layout().months


# --- writing -------------------------------------------------------------------------------------

def test_written_file_is_the_template_with_its_cells_filled(tmp_path):
    out = write_submission(protected_synthetic(), PROJECT, MONTH, tmp_path / "sub.xlsx", protected=True)
    with zipfile.ZipFile(TEMPLATE) as a, zipfile.ZipFile(out) as b:
        assert a.namelist() == b.namelist()
        changed = {n for n in a.namelist() if a.read(n) != b.read(n)}
    assert changed == {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}  # Instructions, SubmissionTemplate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert load_workbook(out).sheetnames == load_workbook(TEMPLATE).sheetnames
    t, w = cells(TEMPLATE, "SubmissionTemplate"), cells(out, "SubmissionTemplate")
    for ref, value in t.items():  # header rows, metric rows' ids and texts, every formula
        assert w[ref] == value, ref
    assert b"x14:dataValidation" in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")  # the drop-down lists


def test_written_counts_are_integers_and_rates_keep_formulas_with_their_values(tmp_path):
    figures = protected_synthetic()
    out = write_submission(figures, PROJECT, MONTH, tmp_path / "sub.xlsx", protected=True)
    lay = layout()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        formulas = load_workbook(out)["SubmissionTemplate"]
        values = load_workbook(out, data_only=True)["SubmissionTemplate"]
        instructions = load_workbook(out, data_only=True)["Instructions"]
    assert instructions["B6"].value == PROJECT and instructions["B7"].value.strftime("%Y-%m") == MONTH
    assert values["B1"].value == PROJECT
    for m in lay.metrics:
        for c in lay.columns:
            count = values[f"{c.letter}{m.count_row}"].value
            assert isinstance(count, int), (m.row_key, c.letter)
            if m.cohort_row:
                cohort = values[f"{c.letter}{m.cohort_row}"].value
                assert isinstance(cohort, int)
                assert str(formulas[f"{c.letter}{m.rate_row}"].value).startswith("=IFERROR(")
                rate = values[f"{c.letter}{m.rate_row}"].value
                assert rate == pytest.approx(count / cohort * 1000 if cohort else 0)


def test_round_trip(tmp_path):
    figures = protected_synthetic(3)
    out = write_submission(figures, "Kensington, Chelsea and Westminster (Bi-Borough)", "2027-02",
                           tmp_path / "sub.xlsx", protected=True)
    check = read_submission(out)
    assert check.problems == [] and check.ok
    assert (check.project_name, check.month) == ("Kensington, Chelsea and Westminster (Bi-Borough)", "2027-02")
    back = check.figures.astype({"count": "int64", "cohort": "int64"})
    expected = figures.set_index(["row_key", "breakdown", "category"]).loc[
        back.set_index(["row_key", "breakdown", "category"]).index].reset_index()
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    assert len(back) == len(ROW_KEYS) * len(layout().columns)


def test_unknown_project_or_month_names_the_lookups(tmp_path):
    with pytest.raises(ValueError, match="Lookups sheet"):
        write_submission(protected_synthetic(), "Atlantis", MONTH, tmp_path / "a.xlsx", protected=True)
    with pytest.raises(ValueError, match="Lookups sheet.*2026-01 to 2028-03"):
        write_submission(protected_synthetic(), PROJECT, "2025-12", tmp_path / "a.xlsx", protected=True)
    assert not list(tmp_path.iterdir())


def test_figures_must_fit_the_template(tmp_path):
    figures = protected_synthetic()
    with pytest.raises(ValueError, match="missing"):
        write_submission(figures[figures.row_key != "O3_beddays"], PROJECT, MONTH, tmp_path / "a.xlsx", protected=True)
    odd = figures.copy()
    odd.loc[odd.index[5], "cohort"] += 5
    with pytest.raises(ValueError, match="one cohort per column"):
        write_submission(odd, PROJECT, MONTH, tmp_path / "a.xlsx", protected=True)


# --- the small-number rule -----------------------------------------------------------------------

def test_exact_figures_are_protected_by_the_projects_rule(tmp_path):
    exact = synthetic(2)
    assert disclosure.is_small(exact["count"]).any()
    out = write_submission(exact, PROJECT, MONTH, tmp_path / "sub.xlsx", protected=False, secret=SECRET)
    check = read_submission(out)
    assert check.ok and check.problems == []
    got = check.figures.set_index(["row_key", "breakdown", "category"])
    truth = exact.set_index(["row_key", "breakdown", "category"]).loc[got.index]
    assert (got["count"] % disclosure.ROUND_TO == 0).all() and (got["cohort"] % disclosure.ROUND_TO == 0).all()
    base = got.index.get_level_values("breakdown") != "Total"
    assert ((got["count"] - truth["count"]).abs()[base] < disclosure.ROUND_TO).all()  # each cell within 4
    assert ((truth["count"] == 0) <= (got["count"] == 0)).all()  # 0 stays 0
    ages = got[got.index.get_level_values("breakdown") == "Age Group"].groupby("row_key")["count"].sum()
    totals = got.xs(("Total", "Total"), level=("breakdown", "category"))["count"]
    assert (totals == ages.loc[totals.index]).all()  # the Total is the sum of protected age groups
    again = write_submission(exact, PROJECT, MONTH, tmp_path / "again.xlsx", protected=False, secret=SECRET)
    pd.testing.assert_frame_equal(read_submission(again).figures, check.figures)  # the same cell, the same value


def test_a_hidden_count_that_the_three_breakdowns_would_pin_is_seen():
    """Ages 1 (hidden, protected 0) and 8 (10); ethnic group 9 (10); quintile 9 (5). Told the protected
    values and which are hidden, a quintile of 5 that is not hidden is 8 or 9, the ages are at least
    1 + 8 = 9, so the total is 9 and the hidden age count is 1: pinned. With the quintile at 10, it is not."""
    sides = np.array(["Age Group", "Age Group", "Ethnic Group", "Deprivation Quintile"])
    assert pinned(sides, [1, 8, 9, 9], [0, 10, 10, 5])
    assert not pinned(sides, [1, 8, 9, 9], [0, 10, 10, 10])


def test_no_written_hidden_count_can_be_pinned(tmp_path):
    exact = synthetic(5)
    out = write_submission(exact, PROJECT, MONTH, tmp_path / "sub.xlsx", protected=False, secret=SECRET)
    got = read_submission(out).figures.set_index(["row_key", "breakdown", "category"])
    truth = exact.set_index(["row_key", "breakdown", "category"]).loc[got.index]
    base = got.index.get_level_values("breakdown") != "Total"
    for key in ROW_KEYS:
        rows = (got.index.get_level_values("row_key") == key) & base
        assert not pinned(got.index.get_level_values("breakdown")[rows], truth["count"][rows], got["count"][rows])


def test_exact_figures_need_the_key_and_protected_ones_must_look_it(tmp_path):
    with pytest.raises(ValueError, match="key"):
        write_submission(synthetic(), PROJECT, MONTH, tmp_path / "a.xlsx", protected=False)
    with pytest.raises(ValueError, match="multiples of"):
        write_submission(synthetic(), PROJECT, MONTH, tmp_path / "a.xlsx", protected=True)


# --- writing is atomic ---------------------------------------------------------------------------

def test_a_failed_write_leaves_no_file_and_the_old_one_intact(tmp_path, monkeypatch):
    out = write_submission(protected_synthetic(), PROJECT, MONTH, tmp_path / "sub.xlsx", protected=True)
    before, template = digest(out), digest(TEMPLATE)
    calls = {"n": 0}
    original = zipfile.ZipFile.writestr

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] % 5 == 0:  # part-way through each workbook
            raise OSError("disk full")
        return original(self, *args, **kwargs)
    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing)
    with pytest.raises(OSError, match="disk full"):
        write_module.write_submission(protected_synthetic(4), PROJECT, MONTH, out, protected=True)
    with pytest.raises(OSError):
        write_module.write_submission(protected_synthetic(4), PROJECT, MONTH, tmp_path / "new.xlsx", protected=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub.xlsx"]
    assert digest(out) == before and digest(TEMPLATE) == template


# --- the programme's example files ---------------------------------------------------------------

@needs_reference
@pytest.mark.parametrize("name", ["valid_01", "valid_02"])
def test_reader_accepts_the_valid_examples(name):
    check = read_submission(NNHIP / f"{name}.xlsx")
    assert check.problems == []
    assert check.project_name in layout().projects and check.month in layout().months
    figures = check.figures
    assert len(figures) == len(ROW_KEYS) * len(layout().columns) and figures["count"].notna().all()


@needs_reference
@pytest.mark.parametrize("name", sorted(INVALID))
def test_reader_rejects_each_invalid_example_for_its_own_reason(name):
    severity, rule = INVALID[name]
    check = read_submission(NNHIP / f"{name}.xlsx")
    assert check.problems, name
    assert {(p.severity, p.rule) for p in check.problems} == {(severity, rule)}
    assert check.ok is (severity == "Alert")
    for problem in check.problems:
        assert "Instructions" in problem.message or "SubmissionTemplate" in problem.message or "sheet" in problem.message


@needs_reference
def test_reader_messages_name_the_cell_and_value():
    text = read_submission(NNHIP / "invalid_text_where_counts_expected.xlsx").as_text()
    assert "SubmissionTemplate!E6" in text and "'None'" in text
    text = read_submission(NNHIP / "invalid_unexpected_placename.xlsx").as_text()
    assert "Instructions!B6" in text and "The Spanish Inquisition" in text
    text = read_submission(NNHIP / "invalid_missing_column_agegroup.xlsx").as_text()
    assert "60-69" in text
    text = read_submission(NNHIP / "invalid_missing_metric_o3.xlsx").as_text()
    assert "O3" in text and "row 21" in text


def test_suppressed_marker_is_an_alert_and_no_value(tmp_path):
    out = write_submission(protected_synthetic(), PROJECT, MONTH, tmp_path / "sub.xlsx", protected=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        book = load_workbook(out)
    book["SubmissionTemplate"]["E6"] = "*"
    book.save(tmp_path / "starred.xlsx")
    check = read_submission(tmp_path / "starred.xlsx")
    rules = {(p.severity, p.rule) for p in check.problems}
    assert ("Alert", "suppressed value") in rules
    assert "E6" in " ".join(p.message for p in check.problems if p.rule == "suppressed value")


# --- the command line ------------------------------------------------------------------------------

def test_run_check_prints_the_problems_and_says_whether_the_file_passes(tmp_path, capsys):
    from neighbourhood_health.export.nnhip.cli import run_check
    out = write_submission(protected_synthetic(), PROJECT, MONTH, tmp_path / "sub.xlsx", protected=True)
    assert run_check(out) == 0 and "passes" in capsys.readouterr().out
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    assert run_check(tmp_path / "broken.xlsx") == 1 and "unreadable file" in capsys.readouterr().out


def test_project_name_is_the_templates_or_a_place_in_the_projects_file():
    from neighbourhood_health.export.nnhip.cli import project_name
    assert project_name("Hillingdon") == "Hillingdon"
    with pytest.raises(ValueError, match="Lookups sheet"):
        project_name("NOWHERE")


# --- end to end, once the figures' reader exists (measures/nnhip.py, definitions/nnhip_projects.csv) ---

def _projects_file():
    from neighbourhood_health.export.nnhip.cli import PROJECTS_FILE
    return PROJECTS_FILE


@pytest.mark.skipif(importlib.util.find_spec("neighbourhood_health.measures.nnhip") is None
                    or not _projects_file().exists(), reason="measures/nnhip.py or definitions/nnhip_projects.csv not there yet")
def test_run_nnhip_writes_a_submission_the_programme_accepts(demo_cfg, tmp_path):
    from neighbourhood_health.export.nnhip.cli import _projects, run_nnhip
    row = _projects()[0]
    place = row["project_name"]   # the test data's places are synthetic (Z codes): the project by name
    out = run_nnhip(demo_cfg, place, row.get("cohort_id") or "multimorbid_high_risk", "2026-09", tmp_path / "sub.xlsx")
    check = read_submission(out)
    assert check.fails == [] and check.month == "2026-09" and check.project_name in layout().projects
    assert (check.figures["count"].dropna() % disclosure.ROUND_TO == 0).all()


def test_file_types_are_graded_as_the_programme_grades_them(tmp_path):
    out = write_submission(protected_synthetic(), PROJECT, MONTH, tmp_path / "sub.xlsx", protected=True)
    macro = tmp_path / "sub.xlsm"
    macro.write_bytes(out.read_bytes())
    assert [(p.severity, p.rule) for p in read_submission(macro).problems] == [("Alert", "unexpected file type")]
    pdf = tmp_path / "sub.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert ("Fail", "unexpected file type") in {(p.severity, p.rule) for p in read_submission(pdf).problems}
