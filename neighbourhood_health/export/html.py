"""The board pack as one self-contained HTML file: interactive plotly charts with plotly.js embedded
once, inline (no CDN, no external script), the map as an inline PNG, and every text escaped.
It opens offline in any browser and can be emailed as it is. Draws a `content.Pack`.
"""
from __future__ import annotations

import base64
import pandas as pd

from neighbourhood_health.present import theme
from neighbourhood_health.present.text import html as escape
from neighbourhood_health.present.charts import spc as charts_spc
from neighbourhood_health.export.content import Pack, Slide

# The NHS palette as CSS custom properties, from the one theme.
ROOT = ":root { " + " ".join(f"{name}: {colour};" for name, colour in {
    "--text": theme.NHS_BLACK,
    "--background": theme.NHS_BACKGROUND,
    "--dark-blue": theme.NHS_DARK_BLUE,
    "--white": theme.WHITE,
    "--blue": theme.NHS_BLUE,
    "--light-grey": theme.NHS_LIGHT_GREY,
    "--orange": theme.NHS_ORANGE,
    "--dark-grey": theme.NHS_DARK_GREY,
}.items()) + " }"
STYLE = ROOT + """
body { margin: 0; font-family: Arial, Helvetica, sans-serif; color: var(--text); background: var(--background); }
header { background: var(--dark-blue); color: var(--white); padding: 32px 48px; }
header h1 { margin: 0 0 8px; font-size: 2.4rem; }
header p { margin: 4px 0; font-size: 1.1rem; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
section { background: var(--white); margin: 0 0 28px; border-top: 8px solid var(--blue); padding: 8px 32px 24px; }
.heading { color: var(--blue); font-weight: bold; text-transform: uppercase; letter-spacing: 0.05em; margin-top: 16px; }
h2 { font-size: 1.6rem; margin: 6px 0 16px; color: var(--dark-blue); }
ul { font-size: 1.1rem; line-height: 1.5; }
table { border-collapse: collapse; width: 100%; font-size: 1rem; margin: 12px 0; }
th { background: var(--dark-blue); color: var(--white); text-align: left; padding: 6px 8px; }
td { padding: 6px 8px; border-bottom: 1px solid var(--light-grey); vertical-align: middle; }
tr:nth-child(even) td { background: var(--background); }
td.better { background: var(--blue) !important; color: var(--white); }
td.worse { background: var(--orange) !important; color: var(--text); }
img.map { max-width: 100%; height: auto; }
details { margin-top: 12px; color: var(--dark-grey); }
footer { text-align: center; color: var(--dark-grey); padding: 16px; font-size: 0.9rem; }
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
