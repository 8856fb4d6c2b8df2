"""Small helpers that turn result frames into what pages show (labels, tables, colours)."""
from __future__ import annotations

import pandas as pd

from neighbourhood_health.measures.indicators import SIGNIFICANCE_LABEL, format_value
from neighbourhood_health.present.theme import NHS_BLACK, NHS_BLUE, NHS_ORANGE, NHS_PALE_BLUE, NHS_PALE_GREY, WHITE

# Colour-blind-safe judgement colours (NHS blue for better, NHS warm yellow/orange for worse).
SIGNIFICANCE_COLOURS = {
    "Better": f"background-color: {NHS_BLUE}; color: {WHITE}",
    "Worse": f"background-color: {NHS_ORANGE}; color: #000000",
    "Similar": f"background-color: {NHS_PALE_GREY}; color: {NHS_BLACK}",
    "Higher": f"background-color: {NHS_PALE_BLUE}; color: {NHS_BLACK}",
    "Lower": f"background-color: {NHS_PALE_BLUE}; color: {NHS_BLACK}",
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
        "Period": [period_label(f, l) for f, l in zip(rows["first_period"], rows["last_period"])],
    })


def period_label(first, last) -> str:
    """'Mar 2026' for one month, 'Apr 2025 to Mar 2026' for a span, '–' when there is no period."""
    if pd.isna(first):
        return "–"
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    return f"{last:%b %Y}" if first == last else f"{first:%b %Y} to {last:%b %Y}"
