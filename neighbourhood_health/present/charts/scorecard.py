"""The scorecard's table and Fingertips-style spine chart, drawn from `scorecard` results. The table
holds plain text (each page escapes it for its renderer); the chart escapes measure names for plotly."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from neighbourhood_health.present import text as as_text
from neighbourhood_health.present.charts import spc as charts_spc
from neighbourhood_health.measures.indicators import SIGNIFICANCE_LABEL, format_value
from neighbourhood_health.present.tables import period_label
from neighbourhood_health.present.theme import NHS_BLACK, NHS_BLUE, NHS_LIGHT_GREY, NHS_ORANGE, NHS_PALE_BLUE, NHS_RED, WHITE
from neighbourhood_health.privacy.disclosure import SUPPRESSED

MARKER = {"better": NHS_BLUE, "worse": NHS_ORANGE, "similar": WHITE, "higher": NHS_PALE_BLUE,
          "lower": NHS_PALE_BLUE, "not compared": WHITE}
OUTER, INNER, BENCHMARK, TEXT = NHS_LIGHT_GREY, "#AEB7BD", NHS_RED, NHS_BLACK


def _count(value) -> str:
    if pd.isna(value):
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _short(trend: str) -> str:
    """'Special cause improvement (lower)' → 'Improvement (lower)': the icon beside it says the rest."""
    short = trend.replace("Special cause variation", "Variation").replace("Special cause ", "").replace(
        "Common cause variation", "Common cause")
    return short[:1].upper() + short[1:]


def table(rows: pd.DataFrame) -> pd.DataFrame:
    """One line per measure: value, interval, counts, benchmark, judgement, trend and target.

    Suppressed figures show as '*'; units other than % go in the measure's name to keep it narrow.
    """
    hidden = rows["suppressed"].to_numpy()
    star = lambda texts: [SUPPRESSED if h else t for t, h in zip(texts, hidden)]
    fmt = lambda col: [format_value(v, u) for v, u in zip(rows[col], rows["unit"])]
    interval = [f"{format_value(lo, u)} to {format_value(hi, u)}" if pd.notna(lo) else "–"
                for lo, hi, u in zip(rows["lower"], rows["upper"], rows["unit"])]
    shown = [f"{v} ({i})" if i != "–" else v for v, i in zip(fmt("value"), interval)]
    return pd.DataFrame({
        "Measure": [n if u == "%" else f"{n} ({u})" for n, u in zip(rows["name"], rows["unit"])],
        "Value (95% interval)": star(shown),
        "Benchmark": fmt("parent_value"),
        "Compared": rows["significance"].map(SIGNIFICANCE_LABEL).to_numpy(),
        "Trend": charts_spc.icon_uris(rows["trend_icon"]),
        "Recent trend": [_short(t) for t in rows["trend"]],
        "Target": [f"{format_value(t, u)}: {met.lower()}" if pd.notna(t) else "–"
                   for t, u, met in zip(rows["target"], rows["unit"], rows["target_met"])],
        "Numerator / denominator": star([f"{_count(n)} / {_count(d)}"
                                         for n, d in zip(rows["numerator"], rows["denominator"])]),
        "Period": [period_label(f, l) for f, l in zip(rows["first_period"], rows["last_period"])],
    })


def _hover(r) -> str:
    low, high = ("Lowest", "Highest") if r.polarity == "no_judgement" else ("Worst", "Best")
    f = lambda v: format_value(v, r.unit)
    return (f"<b>{as_text.plotly(r.name)}</b><br>This area: {f(r.value)}<br>Benchmark: {f(r.benchmark)}<br>"
            f"{low}: {f(r.worst)} · 25th–75th percentile: {f(r.q25)} to {f(r.q75)} · {high}: {f(r.best)}"
            f"<br>{r.peers} peer areas")


def spine_figure(spine: pd.DataFrame, title: str = "") -> go.Figure:
    """Spine chart: peers' range (worst to best, light), interquartile range (dark), benchmark line at
    the centre, the area as a circle coloured by its significance against the benchmark."""
    names = spine["name"].map(as_text.plotly).tolist()
    fig = go.Figure()
    for start, end, colour, label in (("pos_worst", "pos_best", OUTER, "Peers: worst to best"),
                                      ("pos_q25", "pos_q75", INNER, "Peers: 25th to 75th percentile")):
        lo = spine[[start, end]].min(axis=1)
        width = (spine[end] - spine[start]).abs()
        fig.add_trace(go.Bar(y=names, x=width, base=lo, orientation="h", marker_color=colour, name=label,
                             hoverinfo="skip", width=0.6))
    fig.add_trace(go.Scatter(
        y=names, x=spine["pos_value"], mode="markers", name="This area",
        marker={"size": 13, "color": [MARKER.get(s, "#FFFFFF") for s in spine["significance"]],
                "line": {"color": TEXT, "width": 1.5}},
        hovertext=[_hover(r) for r in spine.itertuples()], hoverinfo="text"))
    fig.add_vline(x=0, line_color=BENCHMARK, line_width=2)
    fig.update_layout(barmode="overlay", height=90 + 34 * len(names), title=as_text.plotly(title), showlegend=True,
                      margin={"l": 10, "r": 10, "t": 60 if title else 30, "b": 30}, plot_bgcolor="#FFFFFF",
                      font={"color": TEXT}, legend={"orientation": "h", "y": -0.02, "yanchor": "top"})
    fig.update_xaxes(range=[-1.08, 1.08], tickvals=[-1, 0, 1], ticktext=["Worst", "Benchmark", "Best"],
                     showgrid=False, zeroline=False, side="top")
    fig.update_yaxes(autorange="reversed", tickfont={"size": 12}, automargin=True)
    return fig
