"""Values, intervals and judgements for measures, from numerators and denominators.

Pages hand this module the rows a query returned; all statistics come from `stats`, chosen by
each measure's method in the catalogue (proportion → Wilson, rate → Byars/exact Poisson).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from neighbourhood_health import stats
from neighbourhood_health.privacy import disclosure

SIGNIFICANCE_LABEL = {
    "better": "Better", "worse": "Worse", "similar": "Similar", "higher": "Higher", "lower": "Lower",
    "not compared": "Not compared",
}


def interval(numerator, denominator, method: str, multiplier: float, conf: float = 0.95) -> pd.DataFrame:
    """value, lower, upper for one method; rows with missing counts give NaN."""
    num = pd.to_numeric(pd.Series(numerator), errors="coerce").reset_index(drop=True)
    den = pd.to_numeric(pd.Series(denominator), errors="coerce").reset_index(drop=True)
    if method == "proportion":
        out = stats.proportion(num, den, conf=conf, multiplier=multiplier)
    elif method == "rate":
        out = stats.rate(num, den, multiplier=multiplier, conf=conf)
    else:
        raise ValueError(f"Unknown measure method {method!r}")
    return out[["value", "lower", "upper"]].reset_index(drop=True)


def with_intervals(frame: pd.DataFrame, num: str = "numerator", den: str = "denominator",
                   prefix: str = "", conf: float = 0.95) -> pd.DataFrame:
    """Add {prefix}value/lower/upper columns, row by row according to each row's method."""
    out = frame.reset_index(drop=True).copy()
    found = {col: np.full(len(out), np.nan) for col in ("value", "lower", "upper")}
    numerators, denominators = out[num].to_numpy(), out[den].to_numpy()
    # By position, not by label: a page asks this of many measures on every cold run.
    for (method, multiplier), rows in out.groupby(["method", "multiplier"], sort=False).indices.items():
        res = interval(numerators[rows], denominators[rows], method, float(multiplier), conf)
        for col in found:
            found[col][rows] = res[col].to_numpy()
    for col, values in found.items():
        out[prefix + col] = values
    return out


def against_parent(frame: pd.DataFrame) -> pd.DataFrame:
    """Area values with 95% and 99.8% intervals, the parent's value, and the Fingertips judgement."""
    out = with_intervals(frame)
    out = with_intervals(out, prefix="l998_", conf=0.998)
    out = out.rename(columns={"l998_lower": "lower_998", "l998_upper": "upper_998"}).drop(columns="l998_value")
    out = with_intervals(out, "parent_numerator", "parent_denominator", prefix="parent_")
    out["significance"] = np.asarray(stats.compare(out["value"], out["lower"], out["upper"],
                                                   out["parent_value"], out["polarity"]))
    out["significance_998"] = np.asarray(stats.compare(out["value"], out["lower_998"], out["upper_998"],
                                                       out["parent_value"], out["polarity"]))
    return out


def against_parent_suppressed(frame: pd.DataFrame) -> pd.DataFrame:
    """`against_parent` with the figures that could be hidden counts blanked (value and intervals
    too, `disclosure.hide`), area's or parent's; those rows are not compared."""
    out = disclosure.hide(against_parent(frame), derived=("value", "lower", "upper", "lower_998", "upper_998"))
    parent = disclosure.hide(frame, "parent_numerator", "parent_denominator", derived=())["suppressed"].to_numpy()
    out.loc[out["suppressed"].to_numpy() | parent, ["significance", "significance_998"]] = "not compared"
    return out


def format_value(value: float, unit: str) -> str:
    if pd.isna(value):
        return "–"
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:,.1f}"
