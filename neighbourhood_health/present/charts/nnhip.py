"""Plotly figures for the NNHIP scorecard page. They draw what `measures.nnhip` returns and compute
nothing; names arrive as plain text and are escaped for plotly here (`present.text.plotly`)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from neighbourhood_health.present import text as as_text
from neighbourhood_health.present.theme import NHS_BLUE, NHS_DARK_GREY, NHS_ORANGE, layout


def engagement_figure(series: pd.DataFrame, title: str) -> go.Figure:
    """Members on the caseload per 1,000 members of the cohort, month by month (gaps where hidden)."""
    rows = series[series["row_key"] == "P1_caseload"].sort_values("month")
    fig = go.Figure(go.Scatter(
        x=rows["month"], y=rows["engagement_per_1000"], mode="lines+markers", name="On the caseload per 1,000 members",
        line=dict(color=NHS_BLUE, width=2), customdata=rows["on_caseload"],
        hovertemplate="%{x|%B %Y}: %{y:,.1f} per 1,000 (%{customdata:,.0f} people)<extra></extra>"))
    fig.update_yaxes(rangemode="tozero")
    return layout(fig, title, "Month", "Per 1,000 members", height=360).update_yaxes(automargin=True)


def comparison_bars(table: pd.DataFrame, title: str) -> go.Figure:
    """Each metric per 1,000 per month: the caseload beside the rest of the cohort (hidden figures left out)."""
    labels = table["metric"].map(as_text.plotly)
    fig = go.Figure([
        go.Bar(y=labels, x=table["caseload_per_1000"], orientation="h", name="On the caseload", marker_color=NHS_BLUE,
               hovertemplate="%{y}: %{x:,.1f} per 1,000 per month<extra>On the caseload</extra>"),
        go.Bar(y=labels, x=table["rest_per_1000"], orientation="h", name="Rest of the cohort", marker_color=NHS_ORANGE,
               hovertemplate="%{y}: %{x:,.1f} per 1,000 per month<extra>Rest of the cohort</extra>"),
    ])
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=-0.12, x=0))
    fig.update_yaxes(autorange="reversed", linecolor=NHS_DARK_GREY)
    return layout(fig, title, "Per 1,000 members per month", "", height=120 + 36 * len(table)).update_yaxes(automargin=True)
