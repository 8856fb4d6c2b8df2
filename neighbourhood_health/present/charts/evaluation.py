"""Charts of an evaluation: the estimates side by side, the event study, the synthetic control and the
interrupted time series. They draw results of `measures.evaluation`; they compute nothing."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from neighbourhood_health.present import text as as_text
from neighbourhood_health.present import theme
from neighbourhood_health.present.evaluation_text import change_words

TREATED, OTHER, COUNTERFACTUAL = theme.NHS_BLUE, theme.NHS_MID_GREY, theme.NHS_ORANGE


def _start_line(fig: go.Figure, start, label: str = "Start") -> None:
    fig.add_shape(type="line", x0=start, x1=start, y0=0, y1=1, yref="paper",
                  line={"color": theme.NHS_DARK_GREY, "width": 2, "dash": "dot"})
    fig.add_annotation(x=start, y=1, yref="paper", text=as_text.plotly(label), showarrow=False, xanchor="left",
                       yanchor="top", bgcolor="rgba(255,255,255,0.85)")


def estimates_figure(estimates: pd.DataFrame, title: str) -> go.Figure:
    """Each design's rate ratio and 95% interval as a percentage change, no change marked."""
    done = estimates.dropna(subset=["ratio"]).iloc[::-1]
    change = lambda r: (np.asarray(r, dtype=float) - 1) * 100
    upper = np.where(np.isfinite(done["upper"]), done["upper"], np.nan)
    fig = go.Figure(go.Scatter(
        x=change(done["ratio"]), y=done["label"], mode="markers", marker={"color": TREATED, "size": 11},
        error_x={"type": "data", "symmetric": False, "array": change(upper) - change(done["ratio"]),
                 "arrayminus": change(done["ratio"]) - change(done["lower"]), "color": TREATED, "thickness": 2},
        hovertext=[f"{change_words(r)} (95% interval {change_words(lo)} to "
                   f"{change_words(up) if math.isfinite(up) else 'unbounded'})"
                   for r, lo, up in zip(done["ratio"], done["lower"], done["upper"])], hoverinfo="text"))
    fig.add_vline(x=0, line={"color": theme.NHS_DARK_GREY, "dash": "dash"})
    theme.layout(fig, title, "Change after the start (%), 95% interval", "", 260)
    fig.update_yaxes(showline=False, automargin=True)
    return fig


def event_study_figure(table: pd.DataFrame, bin_months: int, title: str) -> go.Figure:
    """Treated against comparators in each period relative to the start: flat before it if trends were parallel."""
    x = table["first_month"]
    colour = np.where(table["before"], OTHER, TREATED)
    fig = go.Figure(go.Scatter(
        x=x, y=(table["ratio"] - 1) * 100, mode="markers", marker={"color": colour, "size": 10},
        error_y={"type": "data", "symmetric": False, "array": (table["upper"] - table["ratio"]) * 100,
                 "arrayminus": (table["ratio"] - table["lower"]) * 100, "color": theme.NHS_DARK_GREY},
        hovertext=[f"Months {m} to {m + bin_months - 1} from the start: {change_words(r)}"
                   for m, r in zip(x, table["ratio"])], hoverinfo="text"))
    fig.add_hline(y=0, line={"color": theme.NHS_DARK_GREY, "dash": "dash"})
    fig.add_vline(x=-0.5, line={"color": theme.NHS_DARK_GREY, "dash": "dot"})
    fig.update_yaxes(automargin=True)
    theme.layout(fig, title, f"Months from the start (bins of {bin_months}; the bin before the start is the reference)",
                 "Difference from comparators (%)", 360)
    return fig


def lines_figure(series: dict[str, pd.DataFrame], start, unit: str, title: str) -> go.Figure:
    """Monthly rates of named groups (first drawn in NHS Blue, then grey, then orange dashed)."""
    fig = go.Figure()
    styles = [{"color": TREATED, "width": 3}, {"color": OTHER, "width": 2},
              {"color": COUNTERFACTUAL, "width": 2, "dash": "dash"}]
    for (name, frame), style in zip(series.items(), styles):
        fig.add_trace(go.Scatter(x=frame["period"], y=frame["rate"], mode="lines+markers" if style is styles[0] else "lines",
                                 name=as_text.plotly(name), line=style, marker={"size": 5}))
    _start_line(fig, start)
    theme.layout(fig, title, "", unit, 380, legend=True, from_zero=True)
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(dtick="M3", tickformat="%b\n%Y")
    return fig
