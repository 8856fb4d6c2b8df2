"""The one NHS palette, font and plotly layout every chart, map, table and export draws with.

Colours are NHS identity colours (https://www.england.nhs.uk/nhsidentity/identity-guidelines/colours/).
Judgements pair blue with orange, which stay distinct with the common colour-vision deficiencies;
white on NHS Blue has a contrast ratio of 5.1:1 and dark text on NHS Orange 6.6:1 (WCAG AA).
"""
from __future__ import annotations

import textwrap

import plotly.graph_objects as go
import plotly.io as pio

from neighbourhood_health.present import text as as_text

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_LIGHT_BLUE = "#9ECAE1"       # a tint of NHS Blue for "lower (no judgement)"
NHS_PALE_BLUE = "#C8D4F0"
NHS_ORANGE = "#ED8B00"
NHS_DARK_ORANGE = "#B35C00"
NHS_WARM_YELLOW = "#FFB81C"
NHS_RED = "#DA291C"
NHS_PURPLE = "#330072"
NHS_BLACK = "#212B32"            # body text
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_GREY_TINT = "#6A7B88"
NHS_PALE_GREY = "#E8EDEE"
NHS_LIGHT_GREY = "#D8DDE0"
NHS_BACKGROUND = "#F0F4F5"
WHITE = "#FFFFFF"

FONT_FAMILY = "Arial, Helvetica, sans-serif"
FONT = dict(family=FONT_FAMILY, size=13, color=NHS_BLACK)


def title(text: str, width: int = 95) -> dict:
    """A left-aligned plotly title wrapped at `width` characters (plotly does not wrap titles); `text`
    is plain text (names come from data files), escaped here so that plotly draws no tag in it."""
    return dict(text="<br>".join(as_text.plotly(line) for line in textwrap.wrap(text, width)), x=0, xanchor="left",
                font=dict(size=16))


_AXES = dict(showline=True, linecolor=NHS_DARK_GREY, gridcolor=NHS_PALE_GREY, zeroline=False)


def _install_template() -> None:
    """plotly's default template with the house style on top, made every figure's default: a figure
    takes its default template as it is made, at no cost, where setting the same properties on
    each figure made plotly check every key on every chart (a tenth of the server's time under load)."""
    template = go.layout.Template(pio.templates["plotly"])
    template.layout.update(font=FONT, plot_bgcolor=WHITE, paper_bgcolor=WHITE,
                           legend=dict(orientation="h", y=-0.2, x=0), xaxis=_AXES, yaxis=_AXES)
    pio.templates["nhs"] = template
    pio.templates.default = "nhs"


_install_template()


def layout(fig: go.Figure, heading: str, x_title: str, y_title: str, height: int, wrap: int = 95,
           legend: bool = False, from_zero: bool = False) -> go.Figure:
    """White background, grey axes and a wrapped title; the figure grows by a line for each title line past two."""
    head = title(heading, wrap)
    lines = head["text"].count("<br>") + 1
    # Properties set one by one: `update_layout` costs several times as much (plotly's relayout).
    fig.layout.title = head
    fig.layout.height = height + 22 * (lines - 2) if lines > 2 else height
    fig.layout.margin = dict(l=10, r=30, t=36 + 24 * lines, b=50)
    fig.layout.showlegend = legend
    for axis in fig.select_xaxes():
        axis.title.text = as_text.plotly(x_title)
    for axis in fig.select_yaxes():
        axis.title.text = as_text.plotly(y_title)
        if from_zero:
            axis.rangemode = "tozero"
    return fig
