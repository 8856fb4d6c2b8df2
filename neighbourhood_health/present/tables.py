"""Small helpers that turn result frames into what pages show (labels, tables, colours)."""
from __future__ import annotations

import pandas as pd

from neighbourhood_health.measures.indicators import SIGNIFICANCE_LABEL, format_value

# Colour-blind-safe judgement colours (NHS blue for better, NHS warm yellow/orange for worse).
SIGNIFICANCE_COLOURS = {
    "Better": "background-color: #005EB8; color: #FFFFFF",
    "Worse": "background-color: #ED8B00; color: #000000",
    "Similar": "background-color: #E8EDEE; color: #212B32",
    "Higher": "background-color: #C8D4F0; color: #212B32",
    "Lower": "background-color: #C8D4F0; color: #212B32",
}


def significance_style(label: str) -> str:
    return SIGNIFICANCE_COLOURS.get(label, "")


def measure_table(rows: pd.DataFrame, parent: str) -> pd.DataFrame:
    """One line per measure: value with 95% interval, counts, parent value and the judgement."""
    def interval(r):
        if pd.isna(r.lower):
            return "–"
        return f"{format_value(r.lower, r.unit)} to {format_value(r.upper, r.unit)}"
    return pd.DataFrame({
        "Measure": rows["name"],
        "Value": [format_value(v, u) for v, u in zip(rows["value"], rows["unit"])],
        "95% interval": [interval(r) for r in rows.itertuples()],
        "Numerator": rows["numerator"].round(0),
        "Denominator": rows["denominator"].round(0),
        "Unit": rows["unit"],
        parent: [format_value(v, u) for v, u in zip(rows["parent_value"], rows["unit"])],
        "Compared with parent": rows["significance"].map(SIGNIFICANCE_LABEL),
        "Period": [_period(r) for r in rows.itertuples()],
    })


def _period(r) -> str:
    if pd.isna(r.first_period):
        return "–"
    first, last = pd.Timestamp(r.first_period), pd.Timestamp(r.last_period)
    if first == last:
        return last.strftime("%b %Y")
    return f"{first.strftime('%b %Y')} to {last.strftime('%b %Y')}"
