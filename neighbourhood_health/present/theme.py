"""The one NHS palette, font and plotly layout every chart, map, table and export draws with.

Colours are NHS identity colours (https://www.england.nhs.uk/nhsidentity/identity-guidelines/colours/).
Judgements pair blue with orange, which stay distinct with the common colour-vision deficiencies;
white on NHS Blue has a contrast ratio of 5.1:1 and dark text on NHS Orange 6.6:1 (WCAG AA).
"""
from __future__ import annotations

import textwrap

import plotly.graph_objects as go

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


def layout(fig: go.Figure, heading: str, x_title: str, y_title: str, height: int, wrap: int = 95,
           legend: bool = False, from_zero: bool = False) -> go.Figure:
    """White background, grey axes and a wrapped title; the figure grows by a line for each title line past two."""
    head = title(heading, wrap)
    lines = head["text"].count("<br>") + 1
    fig.update_layout(title=head, font=FONT, height=height + 22 * (lines - 2) if lines > 2 else height,
                      plot_bgcolor=WHITE, paper_bgcolor=WHITE,
                      margin=dict(l=10, r=30, t=36 + 24 * lines, b=50), showlegend=legend,
                      legend=dict(orientation="h", y=-0.2, x=0))
    axes = dict(showline=True, linecolor=NHS_DARK_GREY, gridcolor=NHS_PALE_GREY, zeroline=False)
    fig.update_xaxes(title_text=as_text.plotly(x_title), **axes)
    fig.update_yaxes(title_text=as_text.plotly(y_title), **axes, **({"rangemode": "tozero"} if from_zero else {}))
    return fig
