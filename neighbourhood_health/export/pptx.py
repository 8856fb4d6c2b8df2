"""The board pack as PowerPoint: native, editable charts (bar and line chart objects, not pictures),
tables for the scorecard and SPC summary, the map as a picture, and speaker notes with each
measure's definition and source. Draws a `content.Pack`; computes nothing itself.

Layout: 16:9, an NHS Blue band holding each slide's heading and finding, the area, period and
extract date in the footer of every slide. White on NHS Blue (#005EB8) has a contrast ratio of
5.1:1, and on NHS Dark Blue (#003087) 12.6:1, above the 4.5:1 that WCAG AA asks of text.
"""
from __future__ import annotations

import io
import math

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from neighbourhood_health.export.content import Chart, Pack, Slide
from neighbourhood_health.present import theme



def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#"))


NHS_BLUE, NHS_DARK_BLUE, WHITE = _rgb(theme.NHS_BLUE), _rgb(theme.NHS_DARK_BLUE), _rgb(theme.WHITE)
TEXT, GREY, PALE_GREY, ORANGE = _rgb(theme.NHS_BLACK), _rgb(theme.NHS_DARK_GREY), _rgb(theme.NHS_PALE_GREY), \
    _rgb(theme.NHS_ORANGE)
RED, MID_GREY, PURPLE = _rgb(theme.NHS_RED), _rgb(theme.NHS_MID_GREY), _rgb(theme.NHS_PURPLE)
# Making Data Count point colours, as charts_spc draws them on the Trends page.
POINT_COLOUR = {"improvement": NHS_BLUE, "concern": ORANGE, "neutral": PURPLE, "common": MID_GREY}
FONT = "Arial"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN, BAND = Inches(0.5), Inches(1.75)
BODY_TOP, BODY_BOTTOM = Inches(2.0), Inches(6.85)
# Judgement cells coloured as on the Measures scorecard page and in Making Data Count (blue/orange).
JUDGEMENT_FILL = {"Better": (NHS_BLUE, WHITE), "Worse": (ORANGE, TEXT),
                  "Special cause improvement": (NHS_BLUE, WHITE), "Special cause concern": (ORANGE, TEXT)}
# Line chart series after the measure's own: (colour, dash, width in points).
LINE_STYLE = {"Mean": (TEXT, MSO_LINE_DASH_STYLE.SOLID, 1.5),
              "Upper process limit": (GREY, MSO_LINE_DASH_STYLE.DASH, 1.5),
              "Lower process limit": (GREY, MSO_LINE_DASH_STYLE.DASH, 1.5),
              "Target": (RED, MSO_LINE_DASH_STYLE.DASH_DOT, 1.75)}


def render(pack: Pack) -> bytes:
    """The pack as a .pptx file's bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    for number, slide in enumerate(pack.slides, start=1):
        page = prs.slides.add_slide(prs.slide_layouts[6])  # blank
        if slide.key == "title":
            _title_page(page, pack, slide)
        else:
            _band(page, slide)
            _body(page, slide)
        _footer(page, pack, number, len(pack.slides), dark=slide.key == "title")
        page.notes_slide.notes_text_frame.text = slide.notes
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


# --- Text --------------------------------------------------------------------------------------

def _text(page, left, top, width, height, paragraphs: list[str], size: int, colour=TEXT, bold=False,
          bullet: bool = False, anchor=MSO_ANCHOR.TOP, space: int = 6):
    box = page.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    for i, line in enumerate(paragraphs):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.space_after = Pt(space)
        run = para.add_run()
        run.text = ("• " if bullet else "") + line
        run.font.size, run.font.name, run.font.bold = Pt(size), FONT, bold
        run.font.color.rgb = colour
    return box


def _title_size(text: str) -> int:
    return 28 if len(text) <= 70 else 24 if len(text) <= 120 else 20 if len(text) <= 170 else 18


def _band(page, slide: Slide) -> None:
    band = page.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, WIDTH, BAND)
    band.fill.solid()
    band.fill.fore_color.rgb = NHS_BLUE
    band.line.fill.background()
    _text(page, MARGIN, Inches(0.15), WIDTH - 2 * MARGIN, Inches(0.4), [slide.heading.upper()], 14, WHITE, True)
    _text(page, MARGIN, Inches(0.5), WIDTH - 2 * MARGIN, BAND - Inches(0.55), [slide.title],
          _title_size(slide.title), WHITE, True, anchor=MSO_ANCHOR.MIDDLE)


def _footer(page, pack: Pack, number: int, total: int, dark: bool) -> None:
    colour = WHITE if dark else GREY
    _text(page, MARGIN, HEIGHT - Inches(0.5), WIDTH - 2 * MARGIN - Inches(1), Inches(0.35), [pack.footer], 11, colour)
    box = _text(page, WIDTH - MARGIN - Inches(1), HEIGHT - Inches(0.5), Inches(1), Inches(0.35),
                [f"{number} / {total}"], 11, colour)
    box.text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT


def _title_page(page, pack: Pack, slide: Slide) -> None:
    page.background.fill.solid()
    page.background.fill.fore_color.rgb = NHS_DARK_BLUE
    _text(page, MARGIN, Inches(0.6), Inches(8), Inches(0.5), [slide.heading.upper()], 18, WHITE, True)
    _text(page, MARGIN, Inches(1.5), WIDTH - 2 * MARGIN, Inches(1.8), [slide.title], 44, WHITE, True,
          anchor=MSO_ANCHOR.BOTTOM)
    rule = page.shapes.add_shape(MSO_SHAPE.RECTANGLE, MARGIN, Inches(3.5), Inches(2.5), Inches(0.08))
    rule.fill.solid()
    rule.fill.fore_color.rgb = NHS_BLUE
    rule.line.fill.background()
    _text(page, MARGIN, Inches(3.8), WIDTH - 2 * MARGIN, Inches(2.8), slide.lines, 22, WHITE, space=10)


# --- Body --------------------------------------------------------------------------------------

def _body(page, slide: Slide) -> None:
    height = BODY_BOTTOM - BODY_TOP
    full = WIDTH - 2 * MARGIN
    visual = slide.chart is not None or slide.image is not None
    if slide.chart is not None and slide.table is not None:  # chart and table side by side, lines below
        left_width = int((full - Inches(0.3)) * 0.56)
        below = Inches(0.9) if slide.lines else 0
        _chart(page, slide.chart, MARGIN, BODY_TOP, left_width, height - below)
        _table(page, slide.table, MARGIN + left_width + Inches(0.3), BODY_TOP, full - left_width - Inches(0.3),
               height - below, size=13)
        if slide.lines:
            _text(page, MARGIN, BODY_BOTTOM - below + Inches(0.1), full, below, slide.lines, 13, TEXT, space=2)
        return
    if visual:
        side = Inches(4.2) if slide.lines else 0
        left_width = full - side - (Inches(0.3) if side else 0)
        if slide.chart is not None:
            _chart(page, slide.chart, MARGIN, BODY_TOP, left_width, height)
        else:
            _picture(page, slide, MARGIN, BODY_TOP, left_width, height)
        if slide.lines:
            _text(page, WIDTH - MARGIN - side, BODY_TOP, side, height, slide.lines, 16, TEXT, bullet=True, space=10)
        return
    if slide.table is not None:
        _table(page, slide.table, MARGIN, BODY_TOP - Inches(0.1), full, height + Inches(0.1),
               size=14 if len(slide.table) <= 6 else 12 if len(slide.table) <= 12 else 11)
        return
    _text(page, MARGIN, BODY_TOP, full, height, slide.lines,
          20 if sum(map(len, slide.lines)) < 900 else 16, TEXT, bullet=True, space=12)


def _picture(page, slide: Slide, left, top, width, height) -> None:
    from PIL import Image
    w, h = Image.open(io.BytesIO(slide.image)).size
    scale = min(width / w, height / h)
    pic = page.shapes.add_picture(io.BytesIO(slide.image), left, top, int(w * scale), int(h * scale))
    pic._element.nvPicPr.cNvPr.set("descr", slide.title)  # alt text for screen readers


# --- Native charts -----------------------------------------------------------------------------

def _chart(page, chart: Chart, left, top, width, height):
    data = CategoryChartData(number_format=chart.number_format)
    data.categories = chart.categories
    for name, values in chart.series.items():
        data.add_series(name, values)
    if chart.kind == "line":
        kind = XL_CHART_TYPE.LINE_MARKERS
    else:
        kind = XL_CHART_TYPE.BAR_CLUSTERED if chart.horizontal else XL_CHART_TYPE.COLUMN_CLUSTERED
    frame = page.shapes.add_chart(kind, left, top, width, height, data)
    c = frame.chart
    c.has_title = False
    c.font.name, c.font.size, c.font.color.rgb = FONT, Pt(12), TEXT
    value_axis, category_axis = c.value_axis, c.category_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = PALE_GREY
    value_axis.tick_labels.number_format = chart.number_format
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.has_title = True
    value_axis.axis_title.text_frame.text = chart.value_title
    value_axis.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(12)
    category_axis.format.line.color.rgb = GREY
    _label_every(category_axis, 3 if chart.kind == "line" and len(chart.categories) > 18 else 1)
    if chart.kind == "line":
        value_axis.minimum_scale = _axis_floor(chart)
        _style_lines(c, chart)
    else:
        _style_bars(c, chart)
    return c


def _axis_floor(chart: Chart) -> float:
    """A round value just below the lowest line, not below zero (as the Trends page's SPC charts)."""
    values = [v for vs in chart.series.values() for v in vs if v is not None]
    low, high = min(values), max(values)
    if low <= 0 or high <= low:
        return 0.0
    step = 10 ** math.floor(math.log10(high - low))
    return max(0.0, math.floor(low / step) * step)


def _label_every(axis, step: int) -> None:
    """Label every `step`th category (c:tickLblSkip): all bars named; months of a long series in threes."""
    ax = axis._element
    skip = ax.makeelement(qn("c:tickLblSkip"), {"val": str(step)})
    marks = ax.makeelement(qn("c:tickMarkSkip"), {"val": str(step)})
    after = ax.find(qn("c:noMultiLvlLbl"))
    if after is not None:
        after.addprevious(skip)
        after.addprevious(marks)
    else:
        ax.append(skip)
        ax.append(marks)


def _style_bars(c, chart: Chart) -> None:
    c.has_legend = False
    plot = c.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format, labels.number_format_is_linked = chart.number_format, False
    labels.font.size, labels.font.color.rgb = Pt(12), TEXT
    series = plot.series[0]
    series.format.fill.solid()
    series.format.fill.fore_color.rgb = NHS_BLUE
    series.invert_if_negative = False


def _style_lines(c, chart: Chart) -> None:
    c.has_legend = True
    c.legend.position, c.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
    c.legend.font.size = Pt(12)
    for i, series in enumerate(c.plots[0].series):
        series.smooth = False
        line = series.format.line
        if i == 0:  # the measure: a grey line, its points coloured by special cause (Making Data Count)
            line.color.rgb, line.width = MID_GREY, Pt(1.75)
            series.marker.style, series.marker.size = XL_MARKER_STYLE.CIRCLE, 7
            _fill_marker(series.marker, MID_GREY)
            for j, kind in enumerate(chart.point_kinds or []):
                if kind not in (None, "common"):
                    # a marker of its own, as PowerPoint writes it (LibreOffice draws these grey)
                    _fill_marker(series.points[j].marker, POINT_COLOUR.get(kind, MID_GREY), XL_MARKER_STYLE.CIRCLE)
            continue
        colour, dash, width = LINE_STYLE.get(series.name, (MID_GREY, MSO_LINE_DASH_STYLE.SOLID, 1.5))
        line.color.rgb, line.dash_style, line.width = colour, dash, Pt(width)
        series.marker.style = XL_MARKER_STYLE.NONE


def _fill_marker(marker, colour, style=None) -> None:
    if style is not None:
        marker.style, marker.size = style, 7
    marker.format.fill.solid()
    marker.format.fill.fore_color.rgb = colour
    marker.format.line.color.rgb = colour


# --- Tables ------------------------------------------------------------------------------------

def _widths(table: pd.DataFrame, total: int, size: int) -> list[int]:
    """Column widths: each at least its longest word (no word broken), the rest shared by text length."""
    char, pad = int(Pt(size) * 0.62), Inches(0.3)  # an average Arial character (bold headers too) is about 0.6 em
    texts = [[str(col), *table[col].astype(str)] for col in table.columns]
    least = [max(len(w) for t in col for w in t.split() or [""]) * char + pad for col in texts]
    want = [min(max(len(t) for t in col), 42) * char + pad for col in texts]
    if sum(want) <= total:
        return [int(w * total / sum(want)) for w in want]
    spare, room = max(total - sum(least), 0), [w - m for w, m in zip(want, least)]
    return [int(m + spare * r / max(sum(room), 1)) for m, r in zip(least, room)]


def _table(page, table: pd.DataFrame, left, top, width, height, size: int) -> None:
    rows, cols = len(table) + 1, len(table.columns)
    row_height = min(Inches(0.5), int(height / rows))
    shape = page.shapes.add_table(rows, cols, left, top, width, row_height * rows)
    grid = shape.table
    for j, w in enumerate(_widths(table, width, size)):
        grid.columns[j].width = w
    for i in range(rows):
        grid.rows[i].height = row_height
    for j, col in enumerate(table.columns):
        _cell(grid.cell(0, j), str(col), size, WHITE, NHS_DARK_BLUE, bold=True)
    for i, row in enumerate(table.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            fill, colour = next((c for k, c in JUDGEMENT_FILL.items() if str(value).startswith(k)),
                                (WHITE if i % 2 else PALE_GREY, TEXT))
            _cell(grid.cell(i, j), str(value), size, colour, fill)


def _cell(cell, text: str, size: int, colour, fill, bold: bool = False) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = fill
    cell.margin_top = cell.margin_bottom = Inches(0.03)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame = cell.text_frame
    frame.word_wrap = True
    run = frame.paragraphs[0].add_run()
    run.text = text
    run.font.size, run.font.name, run.font.bold = Pt(size), FONT, bold
    run.font.color.rgb = colour
