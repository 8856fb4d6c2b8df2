"""The measures scorecard: every measure against the parent, its recent trend and target, and
where the area sits among its peers (the figures behind a Fingertips spine chart).

Intervals and judgements come from `indicators`/`stats`; small counts are suppressed here, before
anything reaches a page, and a suppressed figure is never compared or placed on a spine.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from neighbourhood_health.measures import indicators, trends
from neighbourhood_health.privacy import disclosure

LIFE_STAGE_LABEL = {"start": "Start well", "live": "Live well", "age well": "Age well"}
_AREA_FIGURES = ("value", "lower", "upper", "lower_998", "upper_998")
_PARENT_FIGURES = ("parent_numerator", "parent_value", "parent_lower", "parent_upper")


def suppress(rows: pd.DataFrame) -> pd.DataFrame:
    """Suppress small area and parent counts, and stop suppressed figures being judged."""
    out = disclosure.hide(rows, derived=_AREA_FIGURES)
    parent_small = disclosure.hide(rows, "parent_numerator", "parent_denominator", derived=())["suppressed"].to_numpy()
    for col in _PARENT_FIGURES:
        out[col] = out[col].astype(float).mask(parent_small)
    hidden = out["suppressed"].to_numpy() | parent_small
    out.loc[hidden, ["significance", "significance_998"]] = "not compared"
    return out


def target_met(rows: pd.DataFrame) -> pd.Series:
    """'Met' / 'Not met' on the point value, honouring polarity; 'No target' or '–' otherwise."""
    hib, lib = rows["polarity"] == "higher_is_better", rows["polarity"] == "lower_is_better"
    met = (hib & (rows["value"] >= rows["target"])) | (lib & (rows["value"] <= rows["target"]))
    label = np.where(met, "Met", "Not met")
    label = np.where(rows["value"].isna(), "–", label)
    label = np.where(rows["target"].isna() | ~(hib | lib), "No target", label)
    return pd.Series(label, index=rows.index)


def scorecard(latest: pd.DataFrame, series: pd.DataFrame, seasonal_factors: dict | None = None) -> pd.DataFrame:
    """Rows of `app/measure_latest` judged against the parent, with trend and target, suppressed; the
    trend of a seasonal measure (in `seasonal_factors`) judges its seasonally adjusted months."""
    rows = suppress(indicators.against_parent(latest))
    rows["target_met"] = target_met(rows)
    monthly = trends.hide_small_months(trends.monthly_values(series))  # as every figure here: hidden months say nothing
    factors = seasonal_factors or {}
    found = {m: trends.recent_trend(part, factors.get(m)) for m, part in monthly.groupby("measure_id")}
    rows["trend_icon"] = [found.get(m, (None, ""))[0] for m in rows["measure_id"]]
    rows["trend"] = [found.get(m, (None, "No data"))[1] for m in rows["measure_id"]]
    return rows


def peer_values(peers: pd.DataFrame) -> pd.DataFrame:
    """Each peer area's value for each measure (rows of `app/measure_peers`), small counts removed."""
    values = disclosure.hide(indicators.with_intervals(peers))
    return values[values["value"].notna()]


def spine(rows: pd.DataFrame, peers: pd.DataFrame) -> pd.DataFrame:
    """Per measure: peers' worst, 25th and 75th percentiles and best, the benchmark (parent value),
    the area's value, and their positions on a spine scaled Fingertips-style.

    The benchmark sits at 0 and the point furthest from it at ±1, with better to the right
    (for measures not judged, higher to the right). Percentiles use linear interpolation.
    """
    values = peer_values(peers)
    spread = values.groupby("measure_id")["value"].agg(
        peers="count", low="min", q25=lambda s: s.quantile(0.25), q75=lambda s: s.quantile(0.75), high="max")
    out = rows[["measure_id", "name", "family", "polarity", "unit", "value", "parent_value", "significance"]]
    out = out.merge(spread.reset_index(), on="measure_id", how="inner")
    lower_better = out["polarity"] == "lower_is_better"
    out["worst"] = np.where(lower_better, out["high"], out["low"])
    out["best"] = np.where(lower_better, out["low"], out["high"])
    out["benchmark"] = out["parent_value"]
    sign = np.where(lower_better, -1.0, 1.0)
    reach = np.nanmax(np.abs(out[["low", "high", "value"]].to_numpy()
                             - out["benchmark"].to_numpy()[:, None]), axis=1, initial=0)
    scale = np.where(reach > 0, reach, np.nan)
    for col in ("worst", "q25", "q75", "best", "value"):
        out[f"pos_{col}"] = sign * (out[col] - out["benchmark"]) / scale
    return out[out["benchmark"].notna()].reset_index(drop=True)
