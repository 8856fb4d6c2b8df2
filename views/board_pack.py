"""Board pack: the chosen area's story for a partnership board, one idea per screen in large type,
moved through with Previous and Next only, and the same pack to download as PowerPoint or HTML.

The slides come from neighbourhood_health.export.content, which the exporters and the command line
use too; cohort counts are always protected (an aggregate-only board view, whoever is viewing).
"""
import re

import streamlit as st

from neighbourhood_health.privacy import access
from neighbourhood_health.app import cache, session, signin
from neighbourhood_health.app.widgets import audited_download
from neighbourhood_health.config import settings
from neighbourhood_health.export import MIME, content, render
from neighbourhood_health.present.tables import significance_style
from neighbourhood_health.present.text import html, md
from neighbourhood_health.present.theme import NHS_BLUE, NHS_DARK_BLUE
from neighbourhood_health.privacy.disclosure import LEGEND

if "area" not in st.session_state:  # opened by a deep link before the entry point ran: start there
    st.switch_page("app.py")

LARGE_TYPE = """<style>
:root { --blue: %s; --dark-blue: %s; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2.1rem; line-height: 1.2; color: var(--dark-blue); }
[data-testid="stMainBlockContainer"] [data-testid="stMarkdown"] li,
[data-testid="stMainBlockContainer"] [data-testid="stMarkdown"] p { font-size: 1.35rem; line-height: 1.45; }
[data-testid="stMainBlockContainer"] [data-testid="stTable"] td,
[data-testid="stMainBlockContainer"] [data-testid="stTable"] th { font-size: 1.05rem; padding: 0.3rem 0.5rem; }
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p { font-size: 1rem; }
.nhd-heading { color: var(--blue); font-weight: 700; letter-spacing: 0.05em; text-transform: uppercase; }
</style>""" % (NHS_BLUE, NHS_DARK_BLUE)
VARIATION_STYLE = {"Special cause improvement": significance_style("Better"),
                   "Special cause concern": significance_style("Worse")}


def cell_style(value) -> str:
    text = str(value)
    return significance_style(text) or next((s for k, s in VARIATION_STYLE.items() if text.startswith(k)), "")


@st.cache_data(show_spinner="Preparing the board pack", max_entries=32)
def pack_for(version: str, area_code: str, areas: tuple, viewer: str) -> content.Pack:
    return content.build(cache.database(), area_code, content.board_user(areas, viewer))


@st.cache_resource(show_spinner=False, max_entries=32)
def screen_pack(version: str, area_code: str, areas: tuple, viewer: str) -> content.Pack:
    """The pack as the page shows it, in large type; shared by every session that asks for the same,
    unpickled and restyled once (the files are made from `pack_for`'s own copy, as built)."""
    pack = pack_for(version, area_code, areas, viewer)
    for slide in pack.slides:
        if slide.figure is not None:
            slide.figure.update_layout(font_size=15, legend_y=-0.25,  # large type; legend below the months
                                       margin_r=70)  # room for the last bar's label
            slide.figure.update_yaxes(automargin=True).update_xaxes(automargin=True)
    return cache.frozen(pack)


@st.cache_data(show_spinner=False, max_entries=16)
def file_for(version: str, area_code: str, areas: tuple, viewer: str, suffix: str) -> bytes:
    return render(pack_for(version, area_code, areas, viewer), suffix)


def slide_index(wanted: str, count: int) -> int:
    """The slide (from 0) that a `?slide=` value asks for: a number in ASCII digits, clamped to the
    pack's 1 to `count`; anything else (empty, negative, `²`, words) is the first slide. A number too
    long for `int()` is past the last slide, so it is the last one."""
    wanted = wanted.strip()
    if not re.fullmatch(r"[0-9]+", wanted):
        return 0
    digits = wanted.lstrip("0") or "0"
    number = count if len(digits) > len(str(count)) else int(digits)
    return min(max(number, 1), count) - 1


def go(step: int, count: int) -> None:
    st.session_state["pack_slide"] = min(max(st.session_state["pack_slide"] + step, 0), count - 1)


area = session.current_area()
user = signin.current_user()
cfg = settings()
# Signed in, cohort counts follow the user's areas (the entry point already stops areas they do not
# cover); demo mode shows aggregates for every area, as its banner says.
signed_in = user is not None and not user.demo
key = (cache.marts_version(), area.code, tuple(user.areas) if signed_in else (area.code,),
       user.name if signed_in else "the board pack")
pack = screen_pack(*key)
slides = pack.slides

if "pack_slide" not in st.session_state:
    st.session_state["pack_slide"] = slide_index(st.query_params.get("slide", ""), len(slides))
st.session_state["pack_slide"] = min(max(st.session_state["pack_slide"], 0), len(slides) - 1)
index = st.session_state["pack_slide"]
st.query_params["slide"] = str(index + 1)
slide = slides[index]

st.markdown(LARGE_TYPE, unsafe_allow_html=True)  # our own CSS only; no data in it
# Previous and Next at the top, so they stay in the same place from slide to slide.
where, previous, following = st.columns([5, 1, 1], vertical_alignment="center")
where.markdown(f'<div class="nhd-heading">{html(slide.heading)} · {index + 1} of {len(slides)}</div>',
               unsafe_allow_html=True)  # the pack's own headings, escaped all the same
previous.button("Previous", key="pack_previous", icon=":material/arrow_back:", on_click=go, args=(-1, len(slides)),
                disabled=index == 0, width="stretch")
following.button("Next", key="pack_next", icon=":material/arrow_forward:", on_click=go, args=(1, len(slides)),
                 disabled=index == len(slides) - 1, width="stretch")
st.title(md(slide.title))
st.caption(md(pack.footer))

visual = slide.figure is not None or slide.image is not None
body, side = st.columns([3, 1]) if visual and slide.lines else (st.container(), None)
with body:
    if slide.image is not None:
        st.image(slide.image, caption=None, width="stretch")
    if slide.figure is not None:
        st.plotly_chart(slide.figure, key=f"pack_figure_{index}", theme=None, config={"displayModeBar": False},
                        width="stretch")
    if slide.lines and side is None:
        st.markdown("\n".join(f"- {md(line)}" for line in slide.lines))
    if slide.table is not None:  # st.table draws its cells and headers as markdown
        st.table(slide.table.map(md).rename(columns=md).style.map(cell_style).hide(axis="index"))
if side is not None:
    side.markdown("\n".join(f"- {md(line)}" for line in slide.lines))

st.divider()
pptx_col, html_col, note_col = st.columns([1, 1, 2])
for column, suffix, label in ((pptx_col, ".pptx", "PowerPoint"), (html_col, ".html", "HTML")):
    with column:
        audited_download(label, lambda suffix=suffix: file_for(*key, suffix), key=f"pack_download{suffix}",
                         mime=MIME[suffix], file_name=f"board_pack_{area.code}{suffix}", icon=":material/download:",
                         what=f"board pack ({label})", area_code=area.code, user=user, rows=len(slides),
                         action="export_pack")
note_col.caption("The same slides: PowerPoint with editable charts and speaker notes, or one HTML file with "
                 "interactive charts that opens offline. Both are protected as every page is: " + md(LEGEND))
