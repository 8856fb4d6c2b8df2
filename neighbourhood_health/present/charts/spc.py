"""SPC charts and Making Data Count icons, drawn from `stats.spc` results (nothing computed here).

Colours follow the dashboard's colour-blind-safe judgement colours, which are the Making Data
Count meanings in NHS identity colours: improvement NHS Blue, concern NHS Orange, variation that
is not judged NHS Purple, common cause NHS Mid Grey; the target line is NHS Red, dashed. Titles,
area names, units and event labels arrive as plain text and are escaped here (`present.text.plotly`).
"""
from __future__ import annotations

import base64
import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from neighbourhood_health.measures.indicators import format_value
from neighbourhood_health.present import text as as_text
from neighbourhood_health.present.theme import (
    NHS_BLACK, NHS_BLUE, NHS_DARK_GREY, NHS_MID_GREY, NHS_ORANGE, NHS_PURPLE, NHS_RED)
from neighbourhood_health.stats import SPCResult
from neighbourhood_health.measures.trends import ASSURANCE_LABEL, VARIATION_LABEL, variation

COLOURS = {"improvement": NHS_BLUE, "concern": NHS_ORANGE, "neutral": NHS_PURPLE, "common": NHS_MID_GREY}
POINT_LABEL = {"common": "Common cause", "improvement": "Special cause improvement",
               "concern": "Special cause concern", "neutral": "Special cause (not judged)"}
TEXT, LIMIT, TARGET, EVENT = NHS_BLACK, NHS_DARK_GREY, NHS_RED, NHS_PURPLE


def _hover(points: pd.DataFrame, unit: str, monthly: pd.DataFrame | None) -> list[str]:
    ci = {} if monthly is None else {pd.Timestamp(r.period): (r.lower, r.upper) for r in monthly.itertuples()}
    text = []
    for r in points.itertuples():
        lo_hi = ci.get(pd.Timestamp(r.period))
        interval = f" (95% CI {format_value(lo_hi[0], unit)} to {format_value(lo_hi[1], unit)})" if lo_hi else ""
        rule = f"<br>Rule: {r.rule.replace(',', ', ').replace('_', ' ')}" if r.rule else ""
        text.append(f"{pd.Timestamp(r.period):%b %Y}: {format_value(r.value, unit)}{interval}"
                    f"<br>{POINT_LABEL[r.special_cause]}{rule}")
    return text


def _shown(result: SPCResult) -> pd.DataFrame:
    """Points to draw; with zero-width limits no point is called special cause (see trends.variation)."""
    return result.points if variation(result) else result.points.assign(special_cause="common", rule="")


def _points(fig, points, unit, monthly, row=None, col=None, legend=True) -> None:
    """The line through the months and a marker per point. With `monthly`, the line follows every
    month, so a month without a value (hidden: 1–7 events) is a gap, with no marker and no hover."""
    where = {} if row is None else {"row": row, "col": col}
    line = points if monthly is None else monthly
    fig.add_trace(go.Scatter(x=line["period"], y=line["value"], mode="lines", showlegend=False, connectgaps=False,
                             line={"color": COLOURS["common"], "width": 1.5}, hoverinfo="skip"), **where)
    points = points[points["value"].notna()]
    hover = pd.Series(_hover(points, unit, monthly), index=points.index)
    for kind, part in points.groupby("special_cause", sort=False):
        fig.add_trace(go.Scatter(
            x=part["period"], y=part["value"], mode="markers", name=POINT_LABEL[kind], legendgroup=kind,
            showlegend=legend, marker={"color": COLOURS[kind], "size": 8, "line": {"color": "#FFFFFF", "width": 1}},
            hovertext=hover[part.index], hoverinfo="text"), **where)


def _lines(fig, result: SPCResult, row=None, col=None, legend=True, periods=None) -> None:
    """Mean, limits and target across the chart (every month in `periods` when given)."""
    where = {} if row is None else {"row": row, "col": col}
    x = result.points["period"] if periods is None else pd.Series(periods).reset_index(drop=True)
    lines = [("Mean", result.mean, TEXT, "solid"), ("Process limits", result.upl, LIMIT, "dash"),
             ("Process limits", result.lpl, LIMIT, "dash")]
    if result.target is not None:
        lines.append(("Target", result.target, TARGET, "dashdot"))
    shown = set()
    for name, y, colour, dash in lines:
        fig.add_trace(go.Scatter(x=[x.iloc[0], x.iloc[-1]], y=[y, y], mode="lines", name=name, legendgroup=name,
                                 showlegend=legend and name not in shown, hoverinfo="name+y",
                                 line={"color": colour, "dash": dash, "width": 1.5}), **where)
        shown.add(name)


def spc_figure(result: SPCResult, title: str, unit: str, monthly: pd.DataFrame | None = None,
               events: list[dict] = (), baseline: int | None = None) -> go.Figure:
    """A Making Data Count XmR chart: points coloured by special cause, mean, limits, target, events.

    `monthly` (rows of `trends.monthly_values` or `trends.hide_small_months`) gives the intervals for the hover
    and every month of the x axis: months without a value are gaps. `baseline` counts months.
    """
    fig = go.Figure()
    points = _shown(result)
    months = points["period"] if monthly is None else monthly["period"]
    if baseline and baseline < len(months):
        fig.add_vrect(x0=months.iloc[0], x1=months.iloc[baseline - 1], fillcolor="#E8EDEE",
                      opacity=0.6, line_width=0, layer="below")
        fig.add_annotation(x=months.iloc[0], y=1, yref="paper", xanchor="left", yanchor="bottom",
                           text=f"Baseline: first {baseline} months", showarrow=False, font={"color": TEXT})
    _points(fig, points, unit, monthly)
    _lines(fig, result, periods=months)
    for i, event in enumerate(events):
        fig.add_shape(type="line", x0=event["date"], x1=event["date"], y0=0, y1=1, yref="paper",
                      line={"color": EVENT, "width": 2, "dash": "dot"})
        fig.add_annotation(x=event["date"], y=1 - 0.07 * i, yref="paper", text=as_text.plotly(event["label"]),
                           showarrow=False, xanchor="left", yanchor="top", bgcolor="rgba(255,255,255,0.85)",
                           font={"color": EVENT})
    fig.update_layout(title={"text": as_text.plotly(title), "x": 0, "xanchor": "left"}, height=460,
                      margin={"l": 70, "r": 10, "t": 60, "b": 10},
                      plot_bgcolor="#FFFFFF", font={"color": TEXT}, hovermode="closest",
                      legend={"orientation": "h", "y": -0.12})
    fig.update_xaxes(showgrid=False, linecolor=LIMIT, dtick="M3", tickformat="%b\n%Y")
    fig.update_yaxes(title=as_text.plotly(unit), gridcolor="#E8EDEE", zeroline=False, rangemode="nonnegative")
    return fig


def small_multiples(results: list[tuple[str, SPCResult]], unit: str, columns: int = 3,
                    highlight: str | None = None, monthly: dict[str, pd.DataFrame] | None = None) -> go.Figure:
    """One small SPC chart per area (e.g. each neighbourhood of a place), sharing both axes.

    `monthly` (area name → its rows) draws every month, so hidden months are gaps, as in `spc_figure`."""
    monthly = monthly or {}
    rows = max(1, math.ceil(len(results) / columns))
    titles = [f"<b>{as_text.plotly(name)}</b>" if name == highlight else as_text.plotly(name) for name, _ in results]
    titles = [f"{t}<br><span style='font-size:11px'>{VARIATION_LABEL.get(variation(r), 'Too little variation')}"
              "</span>" for t, (_, r) in zip(titles, results)]
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, shared_yaxes=True, subplot_titles=titles,
                        vertical_spacing=0.16 / max(rows, 1) + 0.06, horizontal_spacing=0.03)
    for i, (name, result) in enumerate(results):
        row, col = divmod(i, columns)
        rows_ = monthly.get(name)
        _points(fig, _shown(result), unit, rows_, row + 1, col + 1, legend=i == 0)
        _lines(fig, result, row + 1, col + 1, legend=i == 0, periods=None if rows_ is None else rows_["period"])
    fig.update_layout(height=230 * rows + 170, margin={"l": 60, "r": 10, "t": 100, "b": 50},
                      plot_bgcolor="#FFFFFF", font={"color": TEXT},
                      legend={"orientation": "h", "y": 1, "yanchor": "top", "x": 0, "yref": "container"})
    fig.update_annotations(font_size=13)
    fig.update_xaxes(showgrid=False, tickformat="%b\n%Y")
    fig.update_yaxes(gridcolor="#E8EDEE", zeroline=False, rangemode="nonnegative")
    return fig


# ---- Making Data Count icons as small SVG drawings (no external images) -------------------------

def _icon_colour(icon: str | None) -> str:
    if not icon:
        return COLOURS["common"]
    return COLOURS.get(icon.split("_")[0], COLOURS["common"]) if icon != "common_cause" else COLOURS["common"]


def variation_svg(icon: str | None, size: int = 56) -> str:
    """Variation icon: a ring in the judgement colour, the last points rising or falling, H or L."""
    colour = _icon_colour(icon)
    if icon in (None, "common_cause"):
        ys = [30, 30, 30, 30, 30]
        letter = ""
    else:
        high = icon.endswith("high")
        ys = [34, 34, 34, 26, 22] if high else [26, 26, 26, 34, 38]
        letter = "H" if high else "L"
    dots = "".join(f'<circle cx="{14 + 6 * i}" cy="{y}" r="2.6" fill="{COLOURS["common"] if i < 3 else colour}"/>'
                   for i, y in enumerate(ys))
    text = (f'<text x="28" y="{17 if letter == "H" else 49}" text-anchor="middle" font-family="Arial" '
            f'font-weight="bold" font-size="13" fill="{colour}">{letter}</text>') if letter else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 56 56" '
            f'role="img"><title>{VARIATION_LABEL.get(icon, "No variation icon")}</title>'
            f'<circle cx="28" cy="28" r="25" fill="#FFFFFF" stroke="{colour}" stroke-width="4"/>{dots}{text}</svg>')


def assurance_svg(icon: str | None, size: int = 56) -> str:
    """Assurance icon: P (consistently passes), F (consistently fails) or ? (hit and miss)."""
    colour = {"consistently_passes": COLOURS["improvement"], "consistently_fails": COLOURS["concern"]}.get(
        icon, COLOURS["common"])
    letter = {"consistently_passes": "P", "consistently_fails": "F", "hit_and_miss": "?"}.get(icon, "–")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 56 56" '
            f'role="img"><title>{ASSURANCE_LABEL.get(icon, "No target")}</title>'
            f'<circle cx="28" cy="28" r="25" fill="#FFFFFF" stroke="{colour}" stroke-width="4"/>'
            f'<line x1="10" y1="40" x2="46" y2="40" stroke="{TARGET}" stroke-width="2" stroke-dasharray="3 2"/>'
            f'<text x="28" y="34" text-anchor="middle" font-family="Arial" font-weight="bold" font-size="22" '
            f'fill="{colour}">{letter}</text></svg>')


def data_uri(svg: str) -> str:
    """An SVG as a data URI, for st.column_config.ImageColumn."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def icon_uris(icons, kind: str = "variation", size: int = 28) -> list[str]:
    """Table cells for a column of variation or assurance icons; empty where there is no icon."""
    draw = variation_svg if kind == "variation" else assurance_svg
    return [data_uri(draw(i, size)) if isinstance(i, str) else "" for i in icons]
