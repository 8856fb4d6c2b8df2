"""A measure by deprivation, ethnicity, age and sex; SII/RII; funnel-plot points and limits.

Statistics come from `stats` (and `indicators` for intervals); this module only shapes the
inputs and outputs. Deprivation quantiles run 1 = most deprived; the SII and RII are reported
as most deprived against least deprived (SII = modelled value at the most deprived end minus the
least deprived end; RII = their ratio), so an RII above 1 means higher in more deprived areas.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from neighbourhood_health.measures import indicators
from neighbourhood_health import stats
from neighbourhood_health.privacy import disclosure
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE

DIMENSIONS = {
    "imd_decile": "Deprivation decile",
    "imd_quintile": "Deprivation quintile",
    "ethnicity": "Ethnic group",
    "age_band": "Age band",
    "sex": "Sex",
}
SEX_LABEL = {"F": "Female", "M": "Male"}


def _order(dimension: str, category: pd.Series) -> pd.Series:
    if dimension in ("imd_decile", "imd_quintile"):
        return pd.to_numeric(category)
    if dimension == "age_band":
        return pd.to_numeric(category.str.extract(r"^(\d+)")[0])
    return category.rank(method="dense")


def category_label(dimension: str, category: str) -> str:
    if dimension == "imd_decile":
        return {"1": "1 (most deprived)", "10": "10 (least deprived)"}.get(category, category)
    if dimension == "imd_quintile":
        return {"1": "1 (most deprived)", "5": "5 (least deprived)"}.get(category, category)
    if dimension == "sex":
        return SEX_LABEL.get(category, category)
    return category


def breakdown(rows: pd.DataFrame, measure: pd.Series) -> pd.DataFrame:
    """Rows of app/inequality_breakdown with value and 95% limits, ordered within each dimension.

    Counts are those the viewer may see (protected unless exact); `value_unsuppressed` keeps every
    row's value, hidden rows included, for the SII: computed from protected counts, it can give back
    nothing but a protected count. `value`, `lower`, `upper` and `numerator` are blanked where the
    count could be 1–7 (`disclosure.hide`)."""
    out = rows.copy()
    out["method"], out["multiplier"] = measure["method"], float(measure["multiplier"])
    out = indicators.with_intervals(out)
    out["value_unsuppressed"], out["lower_unsuppressed"], out["upper_unsuppressed"] = out["value"], out["lower"], out["upper"]
    out["order"] = np.nan
    for dim, idx in out.groupby("dimension").groups.items():
        out.loc[idx, "order"] = _order(dim, out.loc[idx, "category"]).to_numpy()
    out["label"] = [category_label(d, c) for d, c in zip(out["dimension"], out["category"])]
    out = disclosure.hide(out)
    return out.sort_values(["dimension", "order"]).reset_index(drop=True)


def slope_index(deciles: pd.DataFrame, measure: pd.Series) -> tuple[pd.Series, list[str]]:
    """SII and RII across deprivation deciles (most against least deprived), with 95% limits.

    Values are transformed (log for rates, logit for proportions) as PHE recommends for the RII.
    Returns the result row and any warnings from `stats.sii` in words."""
    scale = float(measure["multiplier"])
    usable = deciles[deciles["denominator"] > 0]
    kind = "rate" if measure["method"] == "rate" else "proportion"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", stats.StatsWarning)
        result = stats.sii(pd.to_numeric(usable["category"]), usable["denominator"],
                           usable["value_unsuppressed"] / scale, usable["lower_unsuppressed"] / scale,
                           usable["upper_unsuppressed"] / scale, value_type=kind, transform=True,
                           multiplier=-scale, repetitions=20000, seed=1)
    notes = [str(w.message) for w in caught if issubclass(w.category, stats.StatsWarning)]
    return result.iloc[0], notes


def quintile_gap(quintiles: pd.DataFrame) -> dict | None:
    """The most and least deprived quintiles that have a (non-suppressed) value, and their ratio.

    None when fewer than two quintiles have values."""
    present = quintiles[(quintiles["denominator"] > 0) & quintiles["value"].notna()].sort_values("order")
    if len(present) < 2:
        return None
    most, least = present.iloc[0], present.iloc[-1]
    ratio = most["value"] / least["value"] if least["value"] > 0 else np.nan
    return {"most": most, "least": least, "ratio": ratio, "difference": most["value"] - least["value"]}


def funnel(rows: pd.DataFrame, measure: pd.Series, points: int = 120) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Neighbourhood points (value, funnel judgement) and the 95%/99.8% limits around the system value.

    `rows` is app/measure_within_area for the ICB: the ICB's figures are the benchmark."""
    scale = float(measure["multiplier"])
    kind = "rate" if measure["method"] == "rate" else "proportion"
    benchmark = float(rows["parent_numerator"].iloc[0] / rows["parent_denominator"].iloc[0] * scale)
    pts = rows[rows["denominator"] > 0].copy()
    pts["value"] = pts["numerator"] / pts["denominator"] * scale
    pts["funnel"] = np.asarray(stats.funnel_significance(pts["numerator"], pts["denominator"], benchmark,
                                                         kind=kind, multiplier=scale))
    pts["judgement"] = [_judgement(f, measure["polarity"]) for f in pts["funnel"]]
    lo, hi = pts["denominator"].min(), pts["denominator"].max()
    grid = np.geomspace(max(lo * 0.7, 1.0), hi * 1.3, points)
    limits = stats.funnel_limits(grid, benchmark, kind=kind, multiplier=scale)
    return pts.reset_index(drop=True), limits, benchmark


def _judgement(funnel_label: str, polarity: str) -> str:
    """Funnel labels in words, honouring polarity: outside 99.8% limits is the signal that matters."""
    if funnel_label.startswith("High") or funnel_label.startswith("Low"):
        high = funnel_label.startswith("High")
        level = "99.8%" if "0.001" in funnel_label else "95%"
        if polarity == "no_judgement":
            word = "higher" if high else "lower"
        else:
            word = "worse" if high == (polarity == "lower_is_better") else "better"
        return f"{word} (outside {level} limits)"
    return "within limits" if funnel_label == "Not significant" else funnel_label


# ---- readers for the Inequalities page and the board pack ----------------------------------------

def by_dimension(bd: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """`breakdown` rows split by dimension (every key of DIMENSIONS, empty when absent)."""
    return {dim: bd[bd["dimension"] == dim] for dim in DIMENSIONS}


def area_average(by_sex: pd.DataFrame, measure: pd.Series) -> float | None:
    """The whole area's value: sum of numerators over sum of denominators × multiplier.

    From the breakdown by sex (every resident is in one row), summing the counts the viewer may
    see, hidden rows' protected counts included: a sum of protected counts gives none back."""
    numerators = by_sex["value_unsuppressed"] * by_sex["denominator"] / float(measure["multiplier"])
    if by_sex.empty or by_sex["denominator"].sum() <= 0:
        return None
    return numerators.sum() / by_sex["denominator"].sum() * float(measure["multiplier"])


def extremes(part: pd.DataFrame) -> dict | None:
    """The groups with the highest and lowest shown value: {"highest": (label, value), "lowest": ...}.

    None when fewer than two groups have a value."""
    shown = part.dropna(subset=["value"])
    if len(shown) < 2:
        return None
    return {"highest": (shown.loc[shown["value"].idxmax(), "label"], shown["value"].max()),
            "lowest": (shown.loc[shown["value"].idxmin(), "label"], shown["value"].min())}


def breakdown_table(part: pd.DataFrame, label: str, unit: str) -> pd.DataFrame:
    """The figures of one dimension as a table; suppressed groups say why."""
    return pd.DataFrame({
        label: part["label"], f"Value ({unit})": part["value"].round(2),
        "Lower 95%": part["lower"].round(2), "Upper 95%": part["upper"].round(2),
        "Numerator": part["numerator"].round(0), "Denominator": part["denominator"].round(0),
        "Note": part["suppressed"].map({True: f"Not shown: could be {HIDDEN_RANGE} events", False: ""}),
    })


def denominator_label(measure: pd.Series) -> str:
    return "Person-years (registered residents over 12 months)" if measure["method"] == "rate" \
        else "Denominator (people)"


@dataclass
class NeighbourhoodFunnel:
    """Everything the funnel plot of an ICB's neighbourhoods shows (see `neighbourhood_funnel`)."""
    points: pd.DataFrame          # neighbourhoods shown, with value and judgement
    limits: pd.DataFrame          # 95% and 99.8% limits
    benchmark: float              # the ICB's value
    hidden: list[str]             # names of neighbourhoods not shown (numerator 1–7)
    outside: pd.DataFrame         # points outside the 99.8% limits
    chosen: set[str]              # codes of the chosen area's neighbourhoods, to highlight

    @property
    def outside_labels(self) -> list[str]:
        """"Name (worse)" for each point outside the 99.8% limits."""
        return list(self.outside["area_name"] + " (" + self.outside["judgement"].str.split(" ").str[0] + ")")

    def table(self, unit: str, icb_name: str) -> pd.DataFrame:
        """The points as a table, highest value first."""
        points = self.points
        return pd.DataFrame({
            "Neighbourhood": points["area_name"], f"Value ({unit})": points["value"].round(2),
            "Numerator": points["numerator"].round(0), "Denominator": points["denominator"].round(1),
            f"Against {icb_name}": points["judgement"].str.capitalize(),
        }).sort_values(f"Value ({unit})", ascending=False)


def neighbourhood_funnel(rows: pd.DataFrame, measure: pd.Series, area) -> NeighbourhoodFunnel:
    """The ICB's neighbourhoods on a funnel plot, small numbers suppressed first.

    `rows` is app/measure_within_area for the ICB at neighbourhood level; `area` has `code` and
    `level`. Neighbourhoods whose numerator is 1–7 are left off the plot (and named in `hidden`);
    the chosen codes are the area itself (a neighbourhood) or a place's neighbourhoods."""
    rows = disclosure.hide(rows, derived=())
    hidden = rows[rows["suppressed"]]
    points, limits, benchmark = funnel(rows[~rows["suppressed"]], measure)
    outside = points[points["judgement"].str.contains("99.8%")]
    if area.level == "neighbourhood":
        chosen = {area.code}
    elif area.level == "place":
        chosen = set(rows.loc[rows["parent_code"] == area.code, "area_code"])
    else:
        chosen = set()
    return NeighbourhoodFunnel(points, limits, benchmark, list(hidden["area_name"]), outside, chosen)
