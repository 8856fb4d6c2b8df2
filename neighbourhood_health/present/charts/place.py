"""Plotly figures for the place views (prevalence gaps, inequalities). They draw results; they
compute nothing statistical (that is `stats`, via `prevalence` and `inequalities`). Names and labels
arrive as plain text and are escaped here (`present.text.plotly`), so plotly draws no tag in them."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from neighbourhood_health.present import text as as_text
from neighbourhood_health.present.theme import (
    NHS_BLACK, NHS_BLUE, NHS_DARK_BLUE, NHS_DARK_GREY as NHS_GREY, NHS_DARK_ORANGE, NHS_GREY_TINT, NHS_LIGHT_BLUE,
    NHS_LIGHT_GREY, NHS_ORANGE, layout)

# Funnel judgements: blue/orange pairs stay distinct with the common colour-vision deficiencies.
JUDGEMENT_COLOURS = {
    "better (outside 99.8% limits)": NHS_DARK_BLUE, "better (outside 95% limits)": NHS_BLUE,
    "worse (outside 99.8% limits)": NHS_DARK_ORANGE, "worse (outside 95% limits)": NHS_ORANGE,
    "higher (outside 99.8% limits)": NHS_DARK_BLUE, "higher (outside 95% limits)": NHS_BLUE,
    "lower (outside 99.8% limits)": NHS_GREY_TINT, "lower (outside 95% limits)": NHS_LIGHT_BLUE,
    "within limits": NHS_LIGHT_GREY,
}
JUDGEMENT_SYMBOLS = {"99.8%": "diamond", "95%": "square"}


def _errors(frame: pd.DataFrame, value: str, lower: str, upper: str) -> dict:
    return dict(type="data", symmetric=False, array=(frame[upper] - frame[value]).clip(lower=0),
                arrayminus=(frame[value] - frame[lower]).clip(lower=0), color=NHS_GREY, thickness=1.2, width=4)


def ranked_bars(frame: pd.DataFrame, label: str, value: str, lower: str, upper: str, title: str,
                x_title: str, highlight: set | None = None, key: str | None = None, wrap: int = 95) -> go.Figure:
    """Horizontal bars, largest at the top, with 95% interval whiskers; highlighted rows in dark blue."""
    data = frame.dropna(subset=[value]).sort_values(value)
    keys = data[key] if key else data[label]
    colours = [NHS_DARK_BLUE if highlight and k in highlight else NHS_BLUE for k in keys]
    fig = go.Figure(go.Bar(
        x=data[value], y=data[label].map(as_text.plotly), orientation="h", marker_color=colours,
        error_x=_errors(data, value, lower, upper),
        customdata=data[[lower, upper]].to_numpy(),
        hovertemplate="%{y}: %{x:,.1f} (95% interval %{customdata[0]:,.1f} to %{customdata[1]:,.1f})<extra></extra>"))
    fig.add_vline(x=0, line_color=NHS_GREY, line_width=1)
    return layout(fig, title, x_title, "", height=max(320, 28 * len(data) + 140), wrap=wrap)


def category_bars(frame: pd.DataFrame, title: str, x_title: str, y_title: str,
                  benchmark: float | None = None, benchmark_label: str = "") -> go.Figure:
    """Vertical bars by category (columns label, value, lower, upper) with 95% whiskers and the area average."""
    data = frame.dropna(subset=["value"])
    fig = go.Figure(go.Bar(
        x=data["label"].map(as_text.plotly), y=data["value"], marker_color=NHS_BLUE,
        error_y=_errors(data, "value", "lower", "upper"),
        customdata=data[["lower", "upper", "numerator", "denominator"]].to_numpy(),
        hovertemplate=("%{x}: %{y:,.1f} (95% interval %{customdata[0]:,.1f} to %{customdata[1]:,.1f})"
                       "<br>%{customdata[2]:,.0f} / %{customdata[3]:,.0f}<extra></extra>")))
    if benchmark is not None and pd.notna(benchmark):
        fig.add_hline(y=benchmark, line_dash="dash", line_color=NHS_DARK_BLUE,
                      annotation_text=as_text.plotly(benchmark_label),
                      annotation_position="top right", annotation_font_color=NHS_DARK_BLUE,
                      annotation_bgcolor="rgba(255,255,255,0.85)")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(frame["label"].map(as_text.plotly)))
    return layout(fig, title, x_title, y_title, height=420)


def funnel_plot(points: pd.DataFrame, limits: pd.DataFrame, benchmark: float, title: str, x_title: str,
                y_title: str, benchmark_label: str, highlight: set | None = None) -> go.Figure:
    """Neighbourhood values against their denominators, with 95% and 99.8% limits around the benchmark."""
    fig = go.Figure()
    for conf, dash in (("998", "solid"), ("95", "dash")):
        label = "99.8% limits" if conf == "998" else "95% limits"
        for side in ("lower", "upper"):
            fig.add_trace(go.Scatter(x=limits["denominator"], y=limits[f"{side}_{conf}"], mode="lines",
                                     line=dict(color=NHS_GREY, dash=dash, width=1.3), name=label,
                                     legendgroup=label, showlegend=side == "upper", hoverinfo="skip"))
    fig.add_hline(y=benchmark, line_color=NHS_DARK_BLUE, line_width=1.5,
                  annotation_text=as_text.plotly(benchmark_label), annotation_position="bottom right")
    highlight = highlight or set()
    # Name every point when few; otherwise those outside the limits and the chosen area's (hover names the rest).
    named = (points["judgement"] != "within limits") | points["area_code"].isin(highlight) | (len(points) <= 10)
    points = points.assign(area_name=points["area_name"].map(as_text.plotly))
    points = points.assign(label=points["area_name"].where(named, ""))
    for judgement, group in points.groupby("judgement", sort=False):
        symbol = next((s for k, s in JUDGEMENT_SYMBOLS.items() if k in judgement), "circle")
        fig.add_trace(go.Scatter(
            x=group["denominator"], y=group["value"], mode="markers+text", name=as_text.plotly(judgement),
            text=group["label"], customdata=group["area_name"], textposition="top center",
            textfont=dict(size=11, color=NHS_BLACK),
            marker=dict(size=[14 if c in highlight else 10 for c in group["area_code"]], symbol=symbol,
                        color=JUDGEMENT_COLOURS.get(judgement, NHS_LIGHT_GREY),
                        line=dict(color=[NHS_DARK_BLUE if c in highlight else NHS_GREY for c in group["area_code"]],
                                  width=[3 if c in highlight else 1 for c in group["area_code"]])),
            hovertemplate="%{customdata}: %{y:,.1f} (denominator %{x:,.0f})<extra>" + as_text.plotly(judgement)
                          + "</extra>"))
    fig = layout(fig, title, x_title, y_title, height=560)
    fig.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.18, x=0))
    return fig
