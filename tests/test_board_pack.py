"""The board pack (issue 7): the PowerPoint and HTML files built from one content builder.

A pack is for a board: its figures are protected whoever builds it. They are checked against values
computed here straight from the parquet marts' protected cells (p_numerator, p_denominator: sums of
protected small-area cells, multiples of 5), hidden where the rule hides them, and every file is
searched for exact counts of 1–7 (cohort counts and numerators) that protection should not show.
"""
from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from neighbourhood_health.measures import cohorts
from neighbourhood_health import stats
from neighbourhood_health.__main__ import main
from neighbourhood_health.config import PROJECT_ROOT
from neighbourhood_health.export import content, html, pptx
from neighbourhood_health.privacy.disclosure import LEGEND, SUPPRESSED, THRESHOLD

from protection_rule import expected_table, secret
from test_scorecard import independent_latest
from test_trends import independent_protected_series, marts

BRENT, BRENT_SOUTH_WEST = "Z72000006", "Z70000019"  # the neighbourhood has a cohort of 1–7 at test scale
CHART_PART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"


@pytest.fixture(scope="module")
def packs(demo_cfg, demo_db):
    """The pack of a place and of a neighbourhood, each as content, PowerPoint and HTML."""
    out = {}
    for code in (BRENT, BRENT_SOUTH_WEST):
        pack = content.build(demo_db, code)
        out[code] = (pack, Presentation(io.BytesIO(pptx.render(pack))), html.render(pack).decode("utf-8"))
    return out


def protected_count(value) -> bool:
    """A count as a board may see it: hidden, or a sum of protected cells (a multiple of 5)."""
    return value is None or pd.isna(value) or float(value) % 5 == 0


def hidden(numerator, numerator_small, denominator, denominator_small) -> bool:
    """The rule: a figure is hidden when a hidden count is in it and its protected value is 0 or 5."""
    return bool((numerator_small and numerator < 7.5) or (denominator_small and denominator < 7.5))


def same(actual, expected, rel: float = 1e-9) -> bool:
    """Two series equal: hidden (None) in the same places, the other values equal to `rel`."""
    actual, expected = list(actual), list(expected)
    return len(actual) == len(expected) and all(
        (a is None) == (e is None) and (a is None or a == pytest.approx(e, rel=rel)) for a, e in zip(actual, expected))


def decoded(values) -> list:
    """A plotly JSON array: plain, or typed (plotly 7 writes numbers as {"dtype", "bdata"})."""
    if isinstance(values, dict) and "bdata" in values:
        return list(np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]))
    return list(values)


def charts(prs) -> dict[int, object]:
    """Slide number (from 1) → its native chart."""
    return {i: shape.chart for i, slide in enumerate(prs.slides, start=1) for shape in slide.shapes if shape.has_chart}


def tables(prs) -> dict[int, pd.DataFrame]:
    out = {}
    for i, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            if shape.has_table:
                cells = [[c.text for c in row.cells] for row in shape.table.rows]
                out[i] = pd.DataFrame(cells[1:], columns=cells[0])
    return out


def slide_number(pack, key: str) -> int:
    return next(i for i, s in enumerate(pack.slides, start=1) if s.key == key)


def neighbourhoods(cfg, place: str) -> list[str]:
    areas = marts(cfg, "areas")
    return list(areas.loc[(areas.area_level == "neighbourhood") & (areas.place_code == place), "area_code"])


# --- PowerPoint -------------------------------------------------------------------------------

def test_pptx_has_every_slide_native_charts_one_map_picture_and_notes(packs, demo_cfg):
    pack, prs, _ = packs[BRENT]
    keys = [s.key for s in pack.slides]
    assert len(prs.slides) == len(keys) >= 12
    assert keys[:2] == ["title", "headline"] and keys[-1] == "methods"
    assert {"map", "prevalence", "inequality", "cohorts", "spc"} <= set(keys)
    assert any(k.startswith("scorecard:") for k in keys) and any(k.startswith("trend:") for k in keys)

    kinds = {keys[i - 1]: c.chart_type for i, c in charts(prs).items()}
    assert kinds["prevalence"] == kinds["cohorts"] == XL_CHART_TYPE.BAR_CLUSTERED
    assert kinds["inequality"] == XL_CHART_TYPE.COLUMN_CLUSTERED
    assert all(kind in (XL_CHART_TYPE.LINE, XL_CHART_TYPE.LINE_MARKERS) for k, kind in kinds.items() if k.startswith("trend:"))
    for chart in charts(prs).values():  # editable: a chart part with its own embedded workbook
        assert chart.part.content_type == CHART_PART and chart.part.chart_workbook.xlsx_part is not None
    pictures = [(i, s) for i, slide in enumerate(prs.slides, start=1) for s in slide.shapes
                if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert [i for i, _ in pictures] == [slide_number(pack, "map")], "only the map is a picture"

    text = lambda i: " ".join(s.text_frame.text for s in prs.slides[i - 1].shapes if s.has_text_frame)
    for i, slide in enumerate(pack.slides, start=1):  # the area and the extract date on every slide
        assert "Brent" in text(i) and pack.extract_date in text(i)
        assert prs.slides[i - 1].notes_slide.notes_text_frame.text == slide.notes
    definitions = marts(demo_cfg, "measures").set_index("name")
    notes = prs.slides[slide_number(pack, "inequality") - 1].notes_slide.notes_text_frame.text
    assert definitions.loc["Emergency admissions", "definition"] in notes
    assert definitions.loc["Emergency admissions", "source"] in notes
    methods = text(len(pack.slides))
    assert f"Small numbers: {LEGEND}" in methods and "Wilson" in methods
    assert LEGEND in text(1), "the title slide says how the figures were protected"


def test_pptx_scorecard_tables_match_the_marts(packs, demo_cfg):
    pack, prs, _ = packs[BRENT]
    latest = independent_latest(demo_cfg, BRENT, protected=True).reset_index().set_index("name")
    scorecards = [t for i, t in tables(prs).items() if pack.slides[i - 1].key.startswith("scorecard:")]
    rows = pd.concat(scorecards, ignore_index=True)
    assert not rows["Measure"].str.contains("recorded prevalence").any()
    assert len(rows) == (~latest.index.str.contains("recorded prevalence")).sum()
    for row in rows.itertuples():
        name = re.sub(r" \([^)]*\)$", "", row.Measure) if row.Measure not in latest.index else row.Measure
        expected = latest.loc[name]
        numerator = row[-1].split(" / ")[0]
        if expected["hidden"]:
            assert row[2] == SUPPRESSED and numerator == SUPPRESSED
            continue
        assert protected_count(float(numerator.replace(",", "")))
        value = float(row[2].split(" ")[0].rstrip("%").replace(",", ""))
        assert value == pytest.approx(expected["value"], abs=0.051)
        assert float(numerator.replace(",", "")) == pytest.approx(expected["numerator"], abs=0.5)


def test_pptx_chart_series_match_the_marts(packs, demo_cfg):
    pack, prs, _ = packs[BRENT]
    found = charts(prs)
    measures = marts(demo_cfg, "measures").set_index("measure_id")
    nbhds = neighbourhoods(demo_cfg, BRENT)
    breakdown = marts(demo_cfg, "measure_breakdown")
    breakdown = breakdown[breakdown.neighbourhood_code.isin(nbhds)]

    # Inequality: emergency admissions by deprivation decile, per 1,000 person-years: each decile the
    # sum of its small areas' protected months over the latest 12 months.
    values = marts(demo_cfg, "measure_values")
    values = values[(values.measure_id == content.PACK_MEASURE) & (values.area_level == "small_area")]
    values = values[pd.to_datetime(values.period) > pd.to_datetime(values.period).max() - pd.DateOffset(months=12)]
    deciles = marts(demo_cfg, "small_areas").set_index("small_area_code")
    values = values[values.area_code.map(deciles.neighbourhood_code).isin(nbhds)]
    rows = values.assign(imd_decile=values.area_code.map(deciles.imd_decile)).groupby("imd_decile").agg(
        numerator=("p_numerator", "sum"), denominator=("p_denominator", "sum"),
        numerator_small=("numerator_small", "any"), denominator_small=("denominator_small", "any"))
    rows = rows[rows.denominator > 0]
    expected = [None if hidden(r.numerator, r.numerator_small, r.denominator, r.denominator_small)
                else r.numerator / r.denominator * measures.loc[content.PACK_MEASURE, "multiplier"]
                for r in rows.itertuples()]
    series = found[slide_number(pack, "inequality")].plots[0].series[0]
    assert same(series.values, expected)

    # Prevalence gaps: expected (population × reference prevalence by age, sex, IMD quintile) − recorded.
    reference = marts(demo_cfg, "reference_prevalence")
    conditions = {m: json.loads(r.query_params)["condition"] for m, r in measures.iterrows() if r.query == "recorded_prevalence"}
    prev = breakdown[breakdown.measure_id.isin(conditions)].assign(
        condition=lambda f: f.measure_id.map(conditions), imd_quintile=lambda f: (f.imd_decile + 1) // 2)
    prev = prev.merge(reference, on=["condition", "age_band", "sex", "imd_quintile"], how="left")
    prev["expected"] = prev["denominator"] * prev["prevalence"]
    gaps = prev.groupby("measure_id").agg(expected=("expected", "sum"))
    # Recorded: the neighbourhoods' protected registers at the extract date, summed.
    registers = marts(demo_cfg, "measure_values")
    registers = registers[registers.measure_id.isin(conditions) & registers.area_code.isin(nbhds)]
    registers = registers[registers.period == registers.groupby("measure_id").period.transform("max")]
    gaps = gaps.join(registers.groupby("measure_id").agg(
        recorded=("p_numerator", "sum"), population=("p_denominator", "sum"),
        recorded_small=("numerator_small", "any"), population_small=("denominator_small", "any")))
    gaps.index = measures.loc[gaps.index, "name"].str.split(":").str[0]
    chart = found[slide_number(pack, "prevalence")].plots[0]
    shown = dict(zip(chart.categories, chart.series[0].values))
    assert set(shown) == {c for c, r in gaps.iterrows()
                          if not hidden(r.recorded, r.recorded_small, r.population, r.population_small)}
    for condition, gap in shown.items():
        assert gap == pytest.approx(gaps.loc[condition, "expected"] - gaps.loc[condition, "recorded"], rel=1e-6)
    assert list(shown.values()) == sorted(shown.values()), "smallest at the bottom, largest at the top"



@pytest.mark.parametrize("code", [BRENT, BRENT_SOUTH_WEST])
def test_pptx_key_trends_match_the_marts(packs, demo_cfg, code):
    """Monthly protected numerator / protected denominator × multiplier straight from measure_values;
    months that could be 1–7 hidden."""
    pack, prs, _ = packs[code]
    found = charts(prs)
    measures = marts(demo_cfg, "measures").set_index("measure_id")
    trend_keys = [s.key for s in pack.slides if s.key.startswith("trend:")]
    assert 1 <= len(trend_keys) <= content.KEY_TRENDS
    for key in trend_keys:
        measure_id = key.split(":", 1)[1]
        periods, rates, _, hidden_months = independent_protected_series(demo_cfg, measure_id, code)
        assert hidden_months.mean() <= content.MAX_HIDDEN
        plot = found[slide_number(pack, key)].plots[0]
        assert plot.series[0].name == measures.loc[measure_id, "name"]
        assert list(plot.categories) == [f"{p:%b %Y}" for p in periods]
        expected = [None if h else v for h, v in zip(hidden_months, rates)]
        assert same(plot.series[0].values, expected)
        measure = measures.loc[measure_id]
        # The mean and limits come from the months shown: with a hidden month in them, they would give it back.
        shown = ~hidden_months
        spc = stats.spc(rates[shown], periods.to_numpy()[shown],
                        polarity=measure["polarity"],
                        target=None if pd.isna(measure["target"]) else float(measure["target"]))
        names = [s.name for s in plot.series]
        assert names[1:4] == ["Mean", "Upper process limit", "Lower process limit"]
        assert [plot.series[i].values[0] for i in (1, 2, 3)] == pytest.approx([spc.mean, spc.upl, spc.lpl])
        # Special-cause months have markers of their own in the Making Data Count colours.
        by_month = dict(zip(spc.points["period"], spc.points["special_cause"]))
        kinds = [None if h else by_month[p] for h, p in zip(hidden_months, periods)]
        marked = {int(d.find(qn("c:idx")).get("val")): d.find(f"{qn('c:marker')}//{qn('a:srgbClr')}").get("val")
                  for d in plot.series[0]._element.findall(qn("c:dPt"))}
        assert marked == {j: str(pptx.POINT_COLOUR[k]) for j, k in enumerate(kinds) if k not in (None, "common")}


@pytest.mark.parametrize("code", [BRENT, BRENT_SOUTH_WEST])
def test_no_suppressed_count_in_the_pptx(packs, demo_cfg, demo_db, code):
    """Cohort totals are sums of each neighbourhood's protected cells, hidden where the rule hides
    them; every count in the file is protected; the SPC summary hides a latest month that could be 1–7."""
    pack, prs, _ = packs[code]
    names = {c.name: c.cohort_id for c in cohorts.load_cohorts(demo_cfg.extracts_dir).values()}
    key = secret(demo_db)
    protected, any_small = {}, False
    for name, cid in names.items():
        raw, _ = cohorts._raw_counts(demo_db, cid, code)
        protected[name] = expected_table(raw, key, f"cohort|{cid}").loc["Total", "Total"]
        any_small |= bool(((raw >= 1) & (raw <= THRESHOLD)).to_numpy().any())
    chart = charts(prs)[slide_number(pack, "cohorts")].plots[0]
    shown = dict(zip((c.removesuffix(f" ({SUPPRESSED})") for c in chart.categories), chart.series[0].values))
    assert set(shown) == set(protected)
    assert code == BRENT or any_small, "the neighbourhood exercises protection"
    assert code == BRENT or any(pd.isna(v) for v in protected.values()), "a cohort total is hidden"
    for name, value in shown.items():
        assert protected_count(value)
        assert (value is None) == pd.isna(protected[name]) and (value is None or value == protected[name])
    table = tables(prs)[slide_number(pack, "cohorts")]
    assert all(protected_count(v) for v in pd.to_numeric(table["People"].str.replace(",", ""), errors="coerce"))

    for i, t in tables(prs).items():
        if "Numerator / denominator" in t:
            numerators = t["Numerator / denominator"].str.split(" / ").str[0].str.replace(",", "")
            assert all(protected_count(v) for v in pd.to_numeric(numerators, errors="coerce")), f"slide {i}"
    values = marts(demo_cfg, "measure_values")
    latest = values[values.area_code == code].sort_values("period").groupby("measure_id").tail(1).set_index("measure_id")
    spc = tables(prs)[slide_number(pack, "spc")]
    by_name = marts(demo_cfg, "measures").set_index("name")["measure_id"]
    for row in spc.itertuples():
        month = latest.loc[by_name[row.Measure]]
        assert (row.Value == SUPPRESSED) == hidden(month.p_numerator, month.numerator_small,
                                                   month.p_denominator, month.denominator_small)


def test_suppression_is_exercised_in_a_neighbourhood(packs):
    """At test scale some of Brent South-West's figures count 1–7: the pack must show them as hidden."""
    _, prs, _ = packs[BRENT_SOUTH_WEST]
    cells = pd.concat([t for t in tables(prs).values()]).to_numpy().ravel()
    assert SUPPRESSED in set(cells)


# --- HTML -------------------------------------------------------------------------------------

class Page(HTMLParser):
    """What the tests need from the HTML: scripts, images, links, plotly divs and each section's tables."""

    def __init__(self):
        super().__init__()
        self.scripts, self.images, self.links, self.plots = [], [], [], []
        self.tables: dict[str, list[list[str]]] = {}
        self._section = self._cell = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        elif tag == "img":
            self.images.append(attrs.get("src", ""))
        elif tag == "link":
            self.links.append(attrs.get("href", ""))
        elif tag == "div" and "plotly-graph-div" in (attrs.get("class") or ""):
            self.plots.append(attrs["id"])
        elif tag == "section":
            self._section = attrs["id"]
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables.setdefault(self._section, []).append(self._row)
            self._row = None


def figures(document: str) -> dict[str, list]:
    """div id → the traces plotly draws there (the JSON passed to Plotly.newPlot)."""
    out, decoder = {}, json.JSONDecoder()
    for match in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', document):
        out[match.group(1)] = decoder.raw_decode(document, match.end())[0]
    return out


@pytest.mark.parametrize("code", [BRENT, BRENT_SOUTH_WEST])
def test_html_is_self_contained_with_every_chart(packs, code):
    pack, _, document = packs[code]
    page = Page()
    page.feed(document)
    with_figures = [i for i, s in enumerate(pack.slides, start=1) if s.figure is not None]
    assert len(with_figures) >= 6
    assert page.plots == [f"chart-{i}" for i in with_figures]
    assert set(figures(document)) == set(page.plots)
    assert not [s for s in page.scripts if s.get("src")], "no external script"
    assert not [h for h in page.links if h.startswith("http")]
    assert document.count("plotly.js v") == 1, "plotly.js embedded once"
    assert page.images and all(src.startswith("data:image/png;base64,") for src in page.images)
    assert pack.extract_date in document and pack.area_name in document


@pytest.mark.parametrize("code", [BRENT, BRENT_SOUTH_WEST])
def test_no_suppressed_count_in_the_html(packs, code):
    pack, _, document = packs[code]
    page = Page()
    page.feed(document)
    number = slide_number(pack, "cohorts")
    bars = figures(document)[f"chart-{number}"][0]
    assert all(protected_count(x) for x in decoded(bars["x"]))
    assert all(protected_count(float(t.replace(",", ""))) for t in decoded(bars["text"]) if t != SUPPRESSED)
    header, *rows = page.tables[f"slide-{number}"]
    people = [r[header.index("People")] for r in rows]
    assert all(protected_count(float(p.replace(",", ""))) for p in people if p != SUPPRESSED)
    for section, (header, *rows) in page.tables.items():
        if "Numerator / denominator" in header:
            numerators = [r[header.index("Numerator / denominator")].split(" / ")[0].replace(",", "") for r in rows]
            assert all(protected_count(float(n)) for n in numerators if n != SUPPRESSED), section
    for key in (s.key for s in pack.slides if s.key.startswith("trend:")):  # hidden months are gaps
        traces = figures(document)[f"chart-{slide_number(pack, key)}"]
        hover = " ".join(" ".join(t.get("hovertext") or []) for t in traces)
        assert "nan" not in hover


# --- Command line -----------------------------------------------------------------------------

def test_cli_writes_a_pack_by_suffix_and_refuses_others(demo_env, tmp_path, capsys):
    out = tmp_path / "packs" / "brent.html"
    assert main(["pack", "--area", BRENT, "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["pack", "--area", BRENT, "--out", str(tmp_path / "brent.pdf")]) == 1
    assert main(["pack", "--area", "Z99999999", "--out", str(tmp_path / "x.pptx")]) == 1
    err = capsys.readouterr().err
    assert ".pdf" in err and "Z99999999" in err
    assert not (tmp_path / "x.pptx").exists() and not list(tmp_path.glob("**/*.partial"))


def test_the_pack_needs_no_streamlit():
    code = ("import sys, neighbourhood_health.export.content, neighbourhood_health.export.pptx, "
            "neighbourhood_health.export.html; print('streamlit' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True)
    assert result.stdout.strip() == "False"
