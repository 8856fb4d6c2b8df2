"""Names from data files are shown as text on every page and in the board pack (issue 17, item 4).

A copy of the demo whose ICB, place and neighbourhood names, measure names and definitions, cohort
names and descriptions, a service change and the extract's source hold a markdown link, a markdown
image and an HTML link. Each page is run under AppTest: no markdown the page sends would draw a
link, an image or a tag, and every plotly string has the tag escaped (`&lt;a href`), so plotly draws
it as text. The HTML pack escapes the names, and the PowerPoint pack holds them as plain text.
"""
from __future__ import annotations

import html as std_html
import io
import json
import re
import shutil
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from markdown_it import MarkdownIt
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from apptest import assert_clean
from data_copy import point_app_at
from neighbourhood_health.config import DEFINITIONS_DIR, PROJECT_ROOT, settings
from neighbourhood_health.export import content, map_image, render
from neighbourhood_health.present import text
from neighbourhood_health.store import Database

LINK, IMAGE, ANCHOR = "[click](https://example.org/x)", "![x](https://example.org/i.png)", \
    '<a href="https://example.org">link</a>'
HOSTILE = f"{LINK} {IMAGE} {ANCHOR}"
ICB, BRENT, BRENT_EAST = "Z54000002", "Z72000006", "Z70000021"
NAMES = {"icb_name": (ICB, f"North West London {HOSTILE}"), "place_name": (BRENT, f"Brent & Harlesden {HOSTILE}"),
         "neighbourhood_name": (BRENT_EAST, f"Brent East {HOSTILE}")}
MEASURES = {"emergency_admissions": f"Emergency admissions {HOSTILE}",
            # split at its colon into the condition's name on the Prevalence gaps page
            "prev_hypertension": "<b>Hypertension</b> <i>x</i> *y* [z]: recorded prevalence"}
COHORT = "frail_emergency_admissions"  # the Cohorts page opens on it
LIVE = ("[click](", "![x](", "<a href", "://example.org")  # what markdown would draw as a link or an image
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
#: Widgets whose options Streamlit draws as text: only their label and help are markdown.
PLAIN_TEXT_OPTIONS = {"selectbox", "multiselect"}


@pytest.fixture(scope="module")
def hostile_cfg(demo_cfg, tmp_path_factory):
    """The demo's extracts and boundaries with hostile names, built into marts of their own."""
    root = tmp_path_factory.mktemp("hostile")
    data, geo = root / "data", root / "geo"
    shutil.copytree(demo_cfg.extracts_dir, data / "extracts")
    shutil.copytree(demo_cfg.geo_dir, geo)
    lookup = pd.read_csv(geo / "area_lookup.csv", dtype=str, keep_default_na=False)
    for column, (code, name) in NAMES.items():
        lookup.loc[lookup[column.replace("_name", "_code")] == code, column] = name
    lookup.to_csv(geo / "area_lookup.csv", index=False)

    measures = pd.read_csv(DEFINITIONS_DIR / "measures.csv", dtype=str, keep_default_na=False)
    for measure_id, name in MEASURES.items():
        measures.loc[measures["measure_id"] == measure_id, "name"] = name
    measures.loc[measures["measure_id"] == "emergency_admissions", "definition"] = f"Admissions. {HOSTILE}"
    measures.to_csv(data / "extracts" / "measures.csv", index=False)
    cohorts = pd.read_csv(DEFINITIONS_DIR / "cohorts.csv", dtype=str, keep_default_na=False)
    cohorts.loc[cohorts["cohort_id"] == COHORT, ["name", "description"]] = [f"Frail {HOSTILE}", f"Frail. {HOSTILE}"]
    cohorts.to_csv(data / "extracts" / "cohorts.csv", index=False)

    manifest_file = data / "extracts" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["source"] = f"Synthetic demo data {HOSTILE}"  # still the synthetic demo (access.is_synthetic)
    manifest["service_changes"] = [*manifest.get("service_changes", []),
                                   {"place": NAMES["place_name"][1], "date": "2025-07-01", "label": f"Hub {HOSTILE}"}]
    manifest_file.write_text(json.dumps(manifest, indent=2))

    with pytest.MonkeyPatch.context() as patch:
        point_app_at(patch, data, geo)
        cfg = settings()
        from neighbourhood_health.pipeline.build import build_marts
        build_marts(cfg)
    return cfg


@pytest.fixture
def hostile_env(hostile_cfg, monkeypatch):
    point_app_at(monkeypatch, hostile_cfg.data_dir, hostile_cfg.geo_dir)
    return hostile_cfg


def open_page(page: str, area: str = BRENT_EAST) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=180)
    at.query_params["area"] = area
    at.query_params["measure"] = "emergency_admissions"
    at.run()
    assert_clean(at)
    at.switch_page(f"views/{page}").run()
    assert_clean(at)
    return at


# --- What a page sends ------------------------------------------------------------------------

def nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)


def strings(value):
    """Every string inside a proto's dictionary or a chart's JSON."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def markdown_sources(at) -> list[tuple[str, bool]]:
    """Every string the page sends that Streamlit draws as markdown, and whether HTML is allowed in it:
    bodies, headings, alerts, captions, labels, help, radio options, metrics, expander and tab labels,
    and st.table's cells and headers."""
    from google.protobuf.json_format import MessageToDict
    found = []
    for node in nodes(at._tree):
        kind, proto = getattr(node, "type", ""), getattr(node, "proto", None)
        if kind == "table":
            table = node.value
            found += [(str(v), False) for v in [*table.columns, *table.to_numpy().ravel()]]
        elif proto is not None and kind not in ("plotly_chart", "deck_gl_json_chart", "arrow_data_frame",
                                                "dataframe", "image", "exception"):
            fields = MessageToDict(proto, preserving_proto_field_name=True)
            if kind in PLAIN_TEXT_OPTIONS:
                fields = {k: v for k, v in fields.items() if k in ("label", "help", "placeholder")}
            found += [(s, bool(fields.get("allow_html"))) for s in strings(fields)]
    return found


def unescaped(source: str) -> str:
    """Markdown with every backslash-escaped character set aside: what markdown could still read."""
    return re.sub(r"\\.", "§", source)


def check_markdown(at) -> list[str]:
    """Check that no markdown the page sends draws a link, an image or a tag from a name; return it."""
    sources = markdown_sources(at)
    for source, allow_html in sources:
        if allow_html:  # HTML we write (legends, icons, the pack's heading), with the names escaped
            assert "<a " not in source and "<img" not in source, source
            continue
        assert not [live for live in LIVE if live in unescaped(source)], source
        rendered = MARKDOWN.render(source)
        assert "<a " not in rendered and "<img" not in rendered, source
    return [source for source, _ in sources]


def plotly_strings(at) -> list[str]:
    return [s for chart in at.get("plotly_chart") for s in strings(json.loads(chart.proto.spec))]


def check_plotly(at) -> list[str]:
    found = plotly_strings(at)
    for s in found:
        assert "<a href" not in s and "<b>Hypertension</b>" not in s and "<i>x</i>" not in s, s
    return found


def shows(sources: list[str], name: str) -> bool:
    """A name is shown (escaped for markdown) in one of the sources."""
    return any(text.md(name) in source for source in sources)


# --- Pages ------------------------------------------------------------------------------------

@pytest.mark.parametrize("page, names_in_markdown, names_in_charts", [
    ("overview.py", [NAMES["neighbourhood_name"][1], NAMES["place_name"][1], MEASURES["emergency_admissions"],
                     f"Admissions. {HOSTILE}", f"Synthetic demo data {HOSTILE}"], False),
    ("map.py", [NAMES["neighbourhood_name"][1], MEASURES["emergency_admissions"], f"Admissions. {HOSTILE}"],
     False),  # a neighbourhood opens on its small areas
    ("prevalence_gaps.py", [NAMES["neighbourhood_name"][1], NAMES["place_name"][1]], True),
    ("inequalities.py", [NAMES["neighbourhood_name"][1], NAMES["icb_name"][1], MEASURES["emergency_admissions"]], True),
    ("trends.py", [NAMES["neighbourhood_name"][1], MEASURES["emergency_admissions"], f"Admissions. {HOSTILE}"], True),
    ("scorecard.py", [NAMES["neighbourhood_name"][1], NAMES["place_name"][1], NAMES["icb_name"][1]], True),
    ("cohorts.py", [NAMES["neighbourhood_name"][1], f"Frail. {HOSTILE}"], True),
    ("data.py", [f"Synthetic demo data {LINK} {IMAGE}"], False),  # (the Data page hides what looks like a path)
])
def test_every_page_shows_names_as_text(hostile_env, page, names_in_markdown, names_in_charts):
    at = open_page(page)
    sources = check_markdown(at)
    for name in names_in_markdown:
        assert shows(sources, name), f"{name!r} is not shown, escaped, on {page}"
    charts = check_plotly(at)
    if names_in_charts:
        assert any("&lt;a href=" in s for s in charts), f"no name in a chart on {page}"
    for deck in at.get("deck_gl_json_chart"):  # pydeck tooltips are text, which deck.gl draws as text
        assert "html" not in json.loads(deck.proto.tooltip), deck.proto.tooltip


def test_trends_offers_the_service_change_as_text(hostile_env):
    at = open_page("trends.py")
    options = at.radio(key="trend_baseline").proto.options
    assert any(text.md(f"Hub {HOSTILE}") in option for option in options), list(options)
    assert any(text.plotly(f"Hub {HOSTILE}") == s for s in plotly_strings(at)), "the event's label on the chart"


def test_prevalence_condition_names_are_escaped_in_charts(hostile_env):
    at = open_page("prevalence_gaps.py")
    charts = check_plotly(at)
    assert any(s.startswith("&lt;b&gt;Hypertension&lt;/b&gt; &lt;i&gt;x&lt;/i&gt;") for s in charts)
    assert shows(check_markdown(at), "<b>Hypertension</b> <i>x</i> *y* [z]")


def test_board_pack_page_shows_every_slide_as_text(hostile_env):
    import streamlit
    streamlit.cache_data.clear()  # the page's pack_for leaves the marts version (`_version`) out of its key
    streamlit.cache_resource.clear()  # and its screen_pack
    at = open_page("board_pack.py")
    seen_markdown, seen_charts = [], []
    while True:
        seen_markdown += check_markdown(at)
        seen_charts += check_plotly(at)
        if at.button(key="pack_next").disabled:
            break
        at.button(key="pack_next").click().run()
        assert_clean(at)
    assert shows(seen_markdown, NAMES["neighbourhood_name"][1])
    assert any("&lt;a href=" in s for s in seen_charts)


# --- Exports ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_pack(hostile_cfg):
    return content.build(Database(hostile_cfg.marts_dir, hostile_cfg.extracts_dir), BRENT_EAST)


def test_html_pack_escapes_names(hostile_pack):
    page = render(hostile_pack, ".html").decode("utf-8")
    charts = page.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')  # plotly's JSON, read back
    for raw in ('<a href="https://example.org">', "<b>Hypertension</b>"):
        assert raw not in charts
    assert std_html.escape(NAMES["neighbourhood_name"][1]) in page  # headings, lines and tables
    labels = [s for slide in hostile_pack.slides if slide.figure is not None
              for s in strings(json.loads(slide.figure.to_json()))]
    assert any(text.plotly(ANCHOR) in s for s in labels)  # the figures' titles and labels, escaped for plotly
    assert "<img" not in page.replace('<img class="map"', "")


def test_powerpoint_pack_holds_names_as_plain_text(hostile_pack):
    pptx = zipfile.ZipFile(io.BytesIO(render(hostile_pack, ".pptx")))
    slides = "".join(pptx.read(n).decode("utf-8") for n in pptx.namelist() if n.startswith("ppt/slides/slide"))
    assert "hlinkClick" not in slides  # no hyperlink
    assert std_html.escape(NAMES["neighbourhood_name"][1], quote=False) in slides  # the name, as XML text


def test_map_image_draws_dollars_as_dollars():
    """matplotlib reads text between two `$` as mathematics; an unknown command there would fail the pack."""
    frame = gpd.GeoDataFrame({"area_code": ["A"], "area_name": [r"Cost $\nosuchcommand$ 2"], "colour": ["#005EB8"]},
                             geometry=[box(0, 0, 1, 1)], crs="EPSG:4326")
    png = map_image.render_png(frame, r"Measure $\alsonot$", [("#005EB8", r"$\nope$ label")])
    assert png.startswith(b"\x89PNG")
