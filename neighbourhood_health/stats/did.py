"""Difference-in-differences against matched comparators, with an event study.

The design of the Health Foundation's Improvement Analytics Unit and of the BMJ's guide to
evaluating complex interventions with routine data (Craig et al., BMJ 2019; O'Neill et al.,
"Estimating causal effects", Health Services and Outcomes Research Methodology 2016):

1. **Comparators** are chosen from areas the intervention did not reach by nearest-neighbour
   matching on what predicts the outcome's path: its pre-period level and trend, deprivation and
   age mix. Each feature is standardised by its spread across the candidate pool, so distance is a
   diagonal Mahalanobis distance; each treated area takes its `k` nearest, without replacement.
   Balance is the standardised mean difference (treated mean minus comparator mean, over the
   pool's standard deviation) before and after matching; below 0.1 is conventionally balanced
   (Austin 2009, Statistics in Medicine 28:3083).
2. **The estimate** is a Poisson regression of monthly counts on area and month fixed effects with
   the log of the population at risk as offset, and one indicator for treated areas after the start:
   exp(coefficient) is the rate ratio, the relative change in treated areas beyond the change in
   their comparators. Standard errors are quasi-Poisson (Pearson chi-squared over residual degrees
   of freedom), so extra-Poisson variation, the rounding of protected counts among it, widens
   the interval; intervals use the t distribution on those degrees of freedom.
3. **The event study** replaces the one indicator by one per period relative to the start (in
   bins of `bin_months`), the bin before the start the reference: the pre-period estimates should
   sit around a ratio of 1 if the treated and comparator areas were on parallel paths, and a Wald
   test of them all being 1 is reported.

Assumes months are independent given the area and month effects; autocorrelated outcomes make the
interval too narrow (the event study's pre-period is the check).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as st


@dataclass
class DiDResult:
    ratio: float                  # rate ratio: treated after / expected from comparators' change
    lower: float
    upper: float
    p_value: float
    treated: list[str]
    comparators: list[str]
    periods_before: int
    periods_after: int
    dispersion: float             # quasi-Poisson scale: 1 for pure Poisson variation
    event_study: pd.DataFrame = field(default_factory=pd.DataFrame)  # bin, ratio, lower, upper, before
    pre_trend_p: float = float("nan")
    notes: list[str] = field(default_factory=list)


def standardised_differences(features: pd.DataFrame, treated: list[str], comparators: list[str],
                             pool: list[str]) -> pd.Series:
    """(mean of treated − mean of comparators) / standard deviation across the pool, per feature."""
    spread = features.loc[pool].std(ddof=1).replace(0, np.nan)
    return (features.loc[treated].mean() - features.loc[comparators].mean()) / spread


def match_comparators(features: pd.DataFrame, treated: list[str], pool: list[str], k: int = 3
                      ) -> tuple[list[str], pd.DataFrame]:
    """The `k` nearest pool areas to each treated area (greedy, without replacement), and the balance.

    `features`: one row per area (treated and pool), numeric columns. Returns the comparators in the
    order chosen and a table of each feature's treated, pool and matched means and standardised
    differences before and after matching."""
    pool = [p for p in pool if p not in set(treated)]
    if not pool:
        raise ValueError("no comparator areas: every candidate area is treated or excluded")
    spread = features.loc[pool].std(ddof=1).replace(0, np.nan).fillna(1.0)
    scaled = (features - features.loc[pool].mean()) / spread
    left = list(pool)
    chosen: list[str] = []
    for unit in treated:
        distance = np.sqrt(((scaled.loc[left] - scaled.loc[unit]) ** 2).sum(axis=1))
        for nearest in distance.sort_values(kind="stable").index[:k]:
            chosen.append(nearest)
            left.remove(nearest)
        if not left:
            break
    balance = pd.DataFrame({
        "treated_mean": features.loc[treated].mean(),
        "pool_mean": features.loc[pool].mean(),
        "comparator_mean": features.loc[chosen].mean(),
        "smd_before": standardised_differences(features, treated, pool, pool),
        "smd_after": standardised_differences(features, treated, chosen, pool),
    })
    return chosen, balance


def _design(panel: pd.DataFrame, effect_columns: pd.DataFrame) -> pd.DataFrame:
    units = pd.get_dummies(panel["unit"], prefix="unit", drop_first=True, dtype=float)
    months = pd.get_dummies(panel["period"].dt.strftime("%Y-%m"), prefix="m", drop_first=True, dtype=float)
    return pd.concat([pd.Series(1.0, index=panel.index, name="const"), units, months, effect_columns], axis=1)


def _fit(panel: pd.DataFrame, effect_columns: pd.DataFrame):
    exposure = panel["exposure"].to_numpy(dtype=float)
    model = sm.GLM(panel["count"].to_numpy(dtype=float), _design(panel, effect_columns),
                   family=sm.families.Poisson(), offset=np.log(exposure))
    return model.fit(scale="X2")


def _check(panel: pd.DataFrame, treated: list[str], start: pd.Timestamp) -> pd.DataFrame:
    panel = panel.assign(period=pd.to_datetime(panel["period"])).dropna(subset=["count", "exposure"])
    panel = panel[panel["exposure"] > 0]
    is_treated = panel["unit"].isin(treated)
    after = panel["period"] >= start
    if not is_treated.any() or is_treated.all():
        raise ValueError("difference-in-differences needs treated and comparator areas")
    if not (after & is_treated).any() or not (~after & is_treated).any():
        raise ValueError(f"difference-in-differences needs months before and after {start:%B %Y}")
    return panel.reset_index(drop=True)


def difference_in_differences(panel: pd.DataFrame, treated: list[str], start, conf: float = 0.95,
                              bin_months: int = 3) -> DiDResult:
    """DiD rate ratio of `panel` (columns unit, period, count, exposure) for `treated` from `start`."""
    start = pd.Timestamp(start)
    panel = _check(panel, treated, start)
    is_treated = panel["unit"].isin(treated)
    after = panel["period"] >= start
    fit = _fit(panel, pd.DataFrame({"effect": (is_treated & after).astype(float)}))
    beta, se = fit.params["effect"], fit.bse["effect"]
    df = max(int(fit.df_resid), 1)
    t = st.t.ppf(0.5 + conf / 2, df)
    result = DiDResult(
        ratio=float(np.exp(beta)), lower=float(np.exp(beta - t * se)), upper=float(np.exp(beta + t * se)),
        p_value=float(2 * st.t.sf(abs(beta / se), df)), treated=list(treated),
        comparators=sorted(set(panel["unit"]) - set(treated)),
        periods_before=int(panel.loc[~after, "period"].nunique()),
        periods_after=int(panel.loc[after, "period"].nunique()), dispersion=float(fit.scale))
    result.event_study, result.pre_trend_p = event_study(panel, treated, start, conf, bin_months)
    return result


def event_study(panel: pd.DataFrame, treated: list[str], start, conf: float = 0.95, bin_months: int = 3
                ) -> tuple[pd.DataFrame, float]:
    """Rate ratios of treated against comparators in bins of months relative to `start` (the bin
    before the start is the reference, ratio 1), and the p-value of the pre-period bins all being 1."""
    start = pd.Timestamp(start)
    panel = _check(panel, treated, start)
    months = (panel["period"].dt.year - start.year) * 12 + (panel["period"].dt.month - start.month)
    bins = np.floor_divide(months.to_numpy(), bin_months)
    is_treated = panel["unit"].isin(treated).to_numpy()
    labels = sorted(set(bins[is_treated]) - {-1})
    columns = pd.DataFrame({f"bin_{b}": ((bins == b) & is_treated).astype(float) for b in labels}, index=panel.index)
    fit = _fit(panel, columns)
    df = max(int(fit.df_resid), 1)
    t = st.t.ppf(0.5 + conf / 2, df)
    rows = [{"bin": -1, "ratio": 1.0, "lower": 1.0, "upper": 1.0}]
    for b in labels:
        beta, se = fit.params[f"bin_{b}"], fit.bse[f"bin_{b}"]
        if not (np.isfinite(beta) and np.isfinite(se)) or se > 10:   # no treated events in the bin: not estimable
            rows.append({"bin": b, "ratio": np.nan, "lower": np.nan, "upper": np.nan})
            continue
        rows.append({"bin": b, "ratio": np.exp(beta), "lower": np.exp(beta - t * se), "upper": np.exp(beta + t * se)})
    table = pd.DataFrame(rows).sort_values("bin", ignore_index=True)
    table["first_month"] = table["bin"] * bin_months
    table["before"] = table["bin"] < 0
    estimable = set(table.loc[table["ratio"].notna(), "bin"])
    pre = [f"bin_{b}" for b in labels if b < -1 and b in estimable]
    pre_p = float("nan")
    if pre:
        names = list(fit.params.index)
        restriction = np.zeros((len(pre), len(names)))
        for i, name in enumerate(pre):
            restriction[i, names.index(name)] = 1.0
        pre_p = float(fit.wald_test(restriction, scalar=True, use_f=True).pvalue)
    return table, pre_p
