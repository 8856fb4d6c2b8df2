"""Plotly figures for the Cohorts page. They draw counts already protected by the data layer;
hidden counts (NaN) are drawn as gaps and labelled with the suppression mark. Cohort, area and
segment names arrive as plain text and are escaped here (`present.text.plotly`)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from neighbourhood_health.present import text as as_text
from neighbourhood_health.present.theme import NHS_BLUE, NHS_ORANGE, layout
from neighbourhood_health.privacy.disclosure import SUPPRESSED

SERIES_COLOURS = [NHS_BLUE, NHS_ORANGE]


def _labels(values: pd.Series, fmt: str = "{:,.0f}") -> list[str]:
    return [SUPPRESSED if pd.isna(v) else fmt.format(v) for v in values]


def count_bars(values: pd.Series, title: str, x_title: str, fmt: str = "{:,.0f}") -> go.Figure:
    """Horizontal bars, one per label (the index), in the order given, top to bottom."""
    data = values.iloc[::-1]
    fig = go.Figure(go.Bar(x=data.fillna(0), y=data.index.map(as_text.plotly), orientation="h", marker_color=NHS_BLUE,
                           text=_labels(data, fmt), textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{text}<extra></extra>"))
    return layout(fig, title, x_title, "", height=max(260, 30 * len(data) + 120), wrap=90, from_zero=True)


def activity_lines(rows: pd.DataFrame, title: str) -> go.Figure:
    """Monthly events, one line per event type (columns month, event_type, events)."""
    fig = go.Figure()
    for colour, (event_type, part) in zip(SERIES_COLOURS, rows.groupby("event_type", sort=False)):
        name = as_text.plotly(event_type)
        fig.add_trace(go.Scatter(x=part["month"], y=part["events"], name=name, mode="lines+markers",
                                 line=dict(color=colour, width=2.5), marker=dict(size=7), connectgaps=False,
                                 hovertemplate=f"{name}, " + "%{x|%b %Y}: %{y:,.0f}<extra></extra>"))
    fig.update_xaxes(dtick="M1", tickformat="%b\n%Y")
    return layout(fig, title, "", "Events in the month", height=380, wrap=90, legend=True, from_zero=True)
