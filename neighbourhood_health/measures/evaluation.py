"""Did it work? One intervention, one outcome measure, three designs: the reader of the Evaluation page.

The unit is the neighbourhood: an intervention's areas (places or neighbourhoods) are its treated
neighbourhoods; every other neighbourhood is a candidate comparator unless another intervention
of the catalogue reached it and targets the same measure. From one panel of monthly counts:

- **difference-in-differences** (`stats.did`) on the treated neighbourhoods and comparators
  matched on the pre-period level and trend of the outcome, deprivation and age mix;
- **synthetic control** (`stats.synthetic_control`) of the treated neighbourhoods together, from
  every candidate, with placebo-in-space inference;
- **interrupted time series** (`stats.its`) of the treated neighbourhoods together, alone.

Privacy: the panel is exact only when every neighbourhood in it is exact for the viewer (demo
mode on synthetic data); otherwise every figure, treated and comparator alike, is the protected
one (`docs/privacy.md`), so no estimate mixes exact treated counts with protected comparators,
and no estimate can be turned back into a true count. With protected figures the population at
risk of each area is its mean protected denominator over the series (a monthly protected
denominator of a small population is mostly rounding); rounding in the counts is extra-Poisson
variation that the designs' standard errors take in.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from neighbourhood_health.pipeline.intervention_catalogue import Intervention
from neighbourhood_health.privacy import disclosure
from neighbourhood_health.stats import did as did_design
from neighbourhood_health.stats import its as its_design
from neighbourhood_health.stats import synthetic_control as sc_design

TREATED = "Treated areas"
MATCHED_PER_TREATED = 3
FEATURES = {"pre_level": "Outcome before the start (log rate)", "pre_trend": "Outcome trend before the start (per year)",
            "deprivation": "Deprivation (mean IMD score, or decile where no score)", "share_under_18": "Residents under 18 (share)",
            "share_65_plus": "Residents 65 and over (share)"}


@dataclass
class Evaluation:
    intervention: Intervention
    measure: pd.Series                       # the catalogue row of the outcome measure
    treated: list[str]                       # neighbourhood codes
    names: dict[str, str]                    # neighbourhood code -> name
    exact: bool
    panel: pd.DataFrame                      # unit, period, count, exposure (the figures the designs used)
    did: did_design.DiDResult | None = None
    balance: pd.DataFrame = field(default_factory=pd.DataFrame)
    synthetic: sc_design.SyntheticControlResult | None = None
    its: its_design.ITSResult | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def comparators(self) -> list[str]:
        return self.did.comparators if self.did else []

    def rates(self, units: list[str]) -> pd.DataFrame:
        """Monthly rate (in the measure's unit) of `units` taken together, as the viewer may see it: with
        protected figures, a month whose count could be 1–7 is blank (`disclosure.hide`)."""
        part = self.panel[self.panel["unit"].isin(units)].groupby("period", as_index=False).agg(
            count=("count", "sum"), exposure=("exposure", "sum"), numerator_small=("small", "any"))
        part["rate"] = part["count"] / part["exposure"] * float(self.measure["multiplier"])
        shown = disclosure.hide(part.rename(columns={"count": "numerator"}), denominator="exposure_none",
                                derived=("rate",))
        return shown.rename(columns={"numerator": "count"})

    def modelled(self, series: pd.DataFrame, column: str, hide: bool = False) -> pd.DataFrame:
        """A design's modelled series (`period` and `column` per unit of exposure) in the measure's unit;
        with `hide`, blank in the months whose treated count the viewer may not see (as `rates`)."""
        out = pd.DataFrame({"period": series["period"], "rate": series[column] * float(self.measure["multiplier"])})
        if hide:
            treated = self.rates(self.treated)
            out.loc[out["period"].isin(treated.loc[treated["rate"].isna(), "period"]), "rate"] = float("nan")
        return out


def treated_neighbourhoods(areas: tuple[str, ...], tree: pd.DataFrame) -> list[str]:
    """The neighbourhoods inside the intervention's areas (codes or names of ICBs, places or neighbourhoods)."""
    found, unknown = set(), []
    neighbourhoods = tree[tree["area_level"] == "neighbourhood"]
    for area in areas:
        match = tree[((tree["area_code"] == area) | (tree["area_name"] == area))
                     & tree["area_level"].isin(["icb", "place", "neighbourhood"])]
        if match.empty:
            unknown.append(area)
        for _, row in match.iterrows():
            column = {"icb": "icb_code", "place": "place_code", "neighbourhood": "area_code"}[row["area_level"]]
            found |= set(neighbourhoods.loc[neighbourhoods[column] == row["area_code"], "area_code"])
    if unknown:
        raise ValueError(f"the intervention's areas {', '.join(map(repr, unknown))} are not ICBs, places or "
                         "neighbourhoods of this extract (by code or name)")
    return sorted(found)


def interventions_reaching(catalogue: list[Intervention], tree: pd.DataFrame, area_code: str) -> list[Intervention]:
    """The interventions whose neighbourhoods overlap the area's (an ICB, place or neighbourhood, or ALL);
    those whose areas are not in this extract are left out."""
    rows = tree[tree["area_level"] == "neighbourhood"]
    if area_code != "ALL":
        rows = rows[(rows["area_code"] == area_code) | (rows["place_code"] == area_code) | (rows["icb_code"] == area_code)]
    inside, out = set(rows["area_code"]), []
    for item in catalogue:
        try:
            if set(treated_neighbourhoods(item.areas, tree)) & inside:
                out.append(item)
        except ValueError:
            continue
    return out


def excluded_neighbourhoods(intervention: Intervention, others: list[Intervention], measure_id: str,
                            tree: pd.DataFrame) -> set[str]:
    """Neighbourhoods reached by another intervention that targets the same measure: not comparators."""
    out: set[str] = set()
    for other in others:
        if other.intervention_id != intervention.intervention_id and measure_id in other.measures:
            out |= set(treated_neighbourhoods(other.areas, tree))
    return out


def panel_from(rows: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """unit, period, count, exposure from app/evaluation_panel, exact only if every row is."""
    exact = bool(rows["exact"].all())
    counts = rows["numerator"] if exact else rows["p_numerator"]
    panel = pd.DataFrame({"unit": rows["neighbourhood_code"], "period": pd.to_datetime(rows["period"]),
                          "count": counts.astype(float), "small": rows["numerator_small"].astype(bool) & ~exact})
    if exact:
        panel["exposure"] = rows["denominator"].astype(float)
    else:
        panel["exposure"] = rows.groupby("neighbourhood_code")["p_denominator"].transform("mean").astype(float)
    return panel[panel["exposure"] > 0].reset_index(drop=True), exact


def matching_features(panel: pd.DataFrame, covariates: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """Per neighbourhood: the outcome's pre-period log rate and its trend, deprivation, age mix."""
    pre = panel[panel["period"] < start].copy()
    pre["log_rate"] = np.log((pre["count"] + 0.5) / pre["exposure"])
    pre["years"] = (pre["period"] - start).dt.days / 365.25
    totals = pre.groupby("unit")[["count", "exposure"]].sum()

    def slope(part: pd.DataFrame) -> float:
        return float(np.polyfit(part["years"], part["log_rate"], 1)[0]) if len(part) > 2 else math.nan
    features = pd.DataFrame({"pre_level": np.log((totals["count"] + 0.5) / totals["exposure"]),
                             "pre_trend": pre.groupby("unit")[["years", "log_rate"]].apply(slope)})
    other = covariates.set_index("neighbourhood_code")
    deprivation = "imd_score" if other["imd_score"].notna().all() else "imd_decile"   # the score is optional
    other = other[[deprivation, "share_under_18", "share_65_plus"]].rename(columns={deprivation: "deprivation"})
    return features.join(other, how="inner").dropna()


def _aggregate(panel: pd.DataFrame, treated: list[str]) -> pd.DataFrame:
    part = panel[panel["unit"].isin(treated)]
    return part.groupby("period", as_index=False)[["count", "exposure"]].sum().assign(unit=TREATED)


def evaluate(run, intervention: Intervention, measure_id: str, catalogue: list[Intervention]) -> Evaluation:
    """Every design for `intervention` on `measure_id`; `run` is a query runner with exact areas bound."""
    measures = run("app/measure_catalogue").set_index("measure_id")
    if measure_id not in measures.index:
        raise ValueError(f"no measure {measure_id!r} in the catalogue")
    tree = run("app/areas")
    treated = treated_neighbourhoods(intervention.areas, tree)
    rows = run("app/evaluation_panel", measure_id=measure_id)
    if rows.empty:
        raise ValueError(f"{measures.loc[measure_id, 'name']} has no monthly figures by neighbourhood")
    panel, exact = panel_from(rows)
    names = dict(zip(rows["neighbourhood_code"], rows["neighbourhood_name"]))
    result = Evaluation(intervention, measures.loc[measure_id], treated, names, exact, panel)
    excluded = excluded_neighbourhoods(intervention, catalogue, measure_id, tree)
    start = intervention.start
    features = matching_features(panel, run("app/evaluation_covariates"), start)
    pool = [u for u in features.index if u not in set(treated) | excluded]
    try:
        chosen, result.balance = did_design.match_comparators(features[list(FEATURES)], treated, pool,
                                                              MATCHED_PER_TREATED)
        part = panel[panel["unit"].isin(treated + chosen)]
        result.did = did_design.difference_in_differences(part, treated, start)
    except ValueError as exc:
        result.errors["did"] = str(exc)
    combined = pd.concat([_aggregate(panel, treated), panel[panel["unit"].isin(pool)]], ignore_index=True)
    rates = combined.assign(rate=combined["count"] / combined["exposure"]).pivot(
        index="period", columns="unit", values="rate")
    try:
        result.synthetic = sc_design.synthetic_control(rates, TREATED, [u for u in pool if u in rates], start)
    except ValueError as exc:
        result.errors["synthetic"] = str(exc)
    try:
        result.its = its_design.interrupted_time_series(_aggregate(panel, treated), start)
    except ValueError as exc:
        result.errors["its"] = str(exc)
    return result


def estimates(result: Evaluation) -> pd.DataFrame:
    """One row per design: the rate ratio, its 95% interval and p-value (NaN where a design could not run)."""
    rows = []
    for key, label, fit in (("did", "Difference-in-differences (matched comparators)", result.did),
                            ("synthetic", "Synthetic control", result.synthetic),
                            ("its", "Interrupted time series", result.its)):
        rows.append({"design": key, "label": label, "ratio": fit.ratio if fit else math.nan,
                     "lower": fit.lower if fit else math.nan, "upper": fit.upper if fit else math.nan,
                     "p_value": fit.p_value if fit else math.nan, "error": result.errors.get(key, "")})
    return pd.DataFrame(rows)
