"""The board pack as one self-contained HTML file: interactive plotly charts with plotly.js embedded
once, inline (no CDN, no external script), the map as an inline PNG, and every text escaped.
It opens offline in any browser and can be emailed as it is. Draws a `content.Pack`.
"""
from __future__ import annotations

import base64
from html import escape

import pandas as pd

from neighbourhood_health.present.charts import spc as charts_spc
from neighbourhood_health.export.content import Pack, Slide

STYLE = """
body { margin: 0; font-family: Arial, Helvetica, sans-serif; color: #212B32; background: #F0F4F5; }
header { background: #003087; color: #FFFFFF; padding: 32px 48px; }
header h1 { margin: 0 0 8px; font-size: 2.4rem; }
header p { margin: 4px 0; font-size: 1.1rem; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
section { background: #FFFFFF; margin: 0 0 28px; border-top: 8px solid #005EB8; padding: 8px 32px 24px; }
.heading { color: #005EB8; font-weight: bold; text-transform: uppercase; letter-spacing: 0.05em; margin-top: 16px; }
h2 { font-size: 1.6rem; margin: 6px 0 16px; color: #003087; }
ul { font-size: 1.1rem; line-height: 1.5; }
table { border-collapse: collapse; width: 100%; font-size: 1rem; margin: 12px 0; }
th { background: #003087; color: #FFFFFF; text-align: left; padding: 6px 8px; }
td { padding: 6px 8px; border-bottom: 1px solid #D8DDE0; vertical-align: middle; }
tr:nth-child(even) td { background: #F0F4F5; }
td.better { background: #005EB8 !important; color: #FFFFFF; }
td.worse { background: #ED8B00 !important; color: #212B32; }
img.map { max-width: 100%; height: auto; }
details { margin-top: 12px; color: #425563; }
footer { text-align: center; color: #425563; padding: 16px; font-size: 0.9rem; }
"""
JUDGEMENT_CLASS = {"Better": "better", "Worse": "worse", "Special cause improvement": "better",
                   "Special cause concern": "worse"}


def render(pack: Pack) -> bytes:
    """The pack as an HTML document's bytes (UTF-8)."""
    first_figure = True
    sections = []
    for number, slide in enumerate(pack.slides, start=1):
        if slide.key == "title":
            continue
        figure_html = ""
        if slide.figure is not None:
            figure_html = slide.figure.to_html(full_html=False, include_plotlyjs=first_figure,
                                               div_id=f"chart-{number}", config={"displaylogo": False})
            first_figure = False
        sections.append(_section(slide, number, figure_html))
    title = pack.slides[0]
    head = (f"<header><h1>{escape(title.title)}</h1>"
            + "".join(f"<p>{escape(line)}</p>" for line in title.lines) + "</header>")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title.title)}</title><style>{STYLE}</style></head><body>{head}<main>"
            + "".join(sections) + f"</main><footer>{escape(pack.footer)}</footer></body></html>").encode("utf-8")


def _section(slide: Slide, number: int, figure_html: str) -> str:
    parts = [f'<section id="slide-{number}"><div class="heading">{escape(slide.heading)}</div>'
             f"<h2>{escape(slide.title)}</h2>"]
    if slide.image is not None:
        parts.append(f'<img class="map" alt="{escape(slide.title)}" '
                     f'src="data:image/png;base64,{base64.b64encode(slide.image).decode()}">')
    parts.append(figure_html)
    if slide.lines:
        parts.append("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in slide.lines) + "</ul>")
    if slide.table is not None:
        parts.append(_table(slide.table, slide.icons))
    if slide.notes:
        notes = "".join(f"<p>{escape(line)}</p>" for line in slide.notes.splitlines())
        parts.append(f"<details><summary>Definitions and sources</summary>{notes}</details>")
    return "".join(parts) + "</section>"


def _table(table: pd.DataFrame, icons: list | None) -> str:
    header = ("<th></th><th></th>" if icons else "") + "".join(f"<th>{escape(str(c))}</th>" for c in table.columns)
    rows = []
    for i, row in enumerate(table.itertuples(index=False)):
        cells = ""
        if icons:  # Making Data Count icons as inline SVG (their <title> names them for screen readers)
            variation, assurance = icons[i]
            cells += f"<td>{charts_spc.variation_svg(variation, 36)}</td>"
            cells += f"<td>{charts_spc.assurance_svg(assurance, 36) if assurance else ''}</td>"
        for value in row:
            css = next((c for k, c in JUDGEMENT_CLASS.items() if str(value).startswith(k)), None)
            cells += f'<td class="{css}">{escape(str(value))}</td>' if css else f"<td>{escape(str(value))}</td>"
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
