"""Synthetic control with placebo-in-space inference and a test-inversion interval.

Abadie, Diamond and Hainmueller (2010), "Synthetic control methods for comparative case studies",
JASA 105:493: the treated area's counterfactual is a weighted average of donor areas (weights
non-negative, summing to one) that reproduces its pre-period path. Weights are fitted by
`pysyncon` (MIT) on the pre-period outcomes averaged in bins of `bin_months`, each predictor
given equal importance (a fixed V, so no nested optimisation), which is how many applied papers
fit when the predictors are the outcome itself.

**Inference** (placebo in space, Abadie et al. 2010 §2.3): every donor in turn is treated as if it
had had the intervention, fitted from the other donors, and its ratio of post- to pre-period root
mean squared prediction error (RMSPE) computed. The treated area's p-value is its rank among
them: (1 + placebos at least as extreme) / (1 + placebos).

**The 95% interval** inverts that test (Firpo and Possebom 2018, "Synthetic control method:
inference, sensitivity analysis and confidence sets", Journal of Causal Inference 6): for a
constant multiplicative effect r, the treated area's post-period values divided by r must not be
rejected. The weights depend on the pre-period only, so the accepted set of r solves a quadratic:
it is an interval, found in closed form. It needs at least 19 placebos to reject anything at 5%.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pysyncon import Synth


@dataclass
class SyntheticControlResult:
    ratio: float                   # post-period mean of the treated area / of its synthetic control
    lower: float
    upper: float
    p_value: float
    weights: pd.Series             # donor -> weight, largest first, zeros dropped
    series: pd.DataFrame           # period, treated, synthetic
    placebos: pd.DataFrame         # unit, pre_rmspe, post_rmspe, ratio
    pre_rmspe: float
    rmspe_ratio: float
    notes: list[str] = field(default_factory=list)


def _predictors(pre: pd.DataFrame, bin_months: int) -> pd.DataFrame:
    """Pre-period outcomes averaged in bins counted back from the start (the last bin is whole)."""
    labels = (np.arange(len(pre))[::-1] // bin_months)[::-1]
    return pre.groupby(labels).mean()


def weights_for(outcomes: pd.DataFrame, treated: str, donors: list[str], start: pd.Timestamp,
                bin_months: int = 3) -> pd.Series:
    """Synthetic-control weights of `donors` for `treated` (outcomes: index period, columns areas)."""
    pre = outcomes[outcomes.index < start]
    predictors = _predictors(pre, bin_months)
    fit = Synth()
    fit.fit(X0=predictors[donors], X1=predictors[treated], Z0=pre[donors], Z1=pre[treated],
            custom_V=np.ones(len(predictors)))
    return pd.Series(fit.W, index=donors)


def _gaps(outcomes: pd.DataFrame, treated: str, weights: pd.Series) -> pd.Series:
    return outcomes[treated] - outcomes[list(weights.index)] @ weights.to_numpy()


def _rmspe(gaps: pd.Series) -> float:
    return float(np.sqrt(np.mean(np.square(gaps.to_numpy(dtype=float)))))


def _interval(y: np.ndarray, s: np.ndarray, limit: float) -> tuple[float, float]:
    """The r with mean((y / r − s)²) ≤ limit², for post-period treated y and synthetic s."""
    a, b, c = np.mean(y * y), -2 * np.mean(y * s), np.mean(s * s) - limit ** 2
    disc = b * b - 4 * a * c
    if a <= 0 or disc < 0:
        return math.nan, math.nan
    u1, u2 = (-b - math.sqrt(disc)) / (2 * a), (-b + math.sqrt(disc)) / (2 * a)   # u = 1 / r
    lower = 1 / u2 if u2 > 0 else math.inf
    upper = 1 / u1 if u1 > 0 else math.inf
    return lower, upper


def synthetic_control(outcomes: pd.DataFrame, treated: str, donors: list[str], start, conf: float = 0.95,
                      bin_months: int = 3) -> SyntheticControlResult:
    """Synthetic control of `treated` from `donors`; `outcomes` has one column per area, one row per period."""
    start = pd.Timestamp(start)
    outcomes = outcomes.sort_index()
    outcomes.index = pd.to_datetime(outcomes.index)
    outcomes = outcomes[[treated, *donors]].dropna()
    before, after = outcomes.index < start, outcomes.index >= start
    if before.sum() < 2 * bin_months or not after.any():
        raise ValueError(f"synthetic control needs at least {2 * bin_months} months before and one after {start:%B %Y}")
    if len(donors) < 2:
        raise ValueError("synthetic control needs at least two donor areas")
    weights = weights_for(outcomes, treated, donors, start, bin_months)
    gaps = _gaps(outcomes, treated, weights)
    pre_rmspe, post_rmspe = _rmspe(gaps[before]), _rmspe(gaps[after])
    placebo_rows = []
    for unit in donors:
        others = [d for d in donors if d != unit]
        placebo_gaps = _gaps(outcomes, unit, weights_for(outcomes, unit, others, start, bin_months))
        pre, post = _rmspe(placebo_gaps[before]), _rmspe(placebo_gaps[after])
        placebo_rows.append({"unit": unit, "pre_rmspe": pre, "post_rmspe": post,
                             "ratio": post / pre if pre > 0 else math.inf})
    placebos = pd.DataFrame(placebo_rows)
    statistic = post_rmspe / pre_rmspe if pre_rmspe > 0 else math.inf
    n = len(placebos)
    p_value = (1 + int((placebos["ratio"] >= statistic).sum())) / (1 + n)

    y = outcomes.loc[after, treated].to_numpy(dtype=float)
    s = (outcomes.loc[after, donors] @ weights.to_numpy()).to_numpy(dtype=float)
    notes = []
    accepted = math.floor((1 - conf) * (n + 1))   # how many placebos must be at least as extreme
    if accepted < 1:
        lower, upper = 0.0, math.inf
        notes.append(f"{n} placebo areas cannot reject any effect at {conf:.0%}: at least "
                     f"{math.ceil(1 / (1 - conf)) - 1} are needed")
    else:
        critical = float(np.sort(placebos["ratio"].to_numpy())[::-1][accepted - 1])
        lower, upper = _interval(y, s, critical * pre_rmspe)
        if math.isnan(lower):
            notes.append("no constant effect fits the treated area's months after the start as well as the "
                         "placebo areas fit theirs: the effect is not constant over time")
    series = pd.DataFrame({"period": outcomes.index, "treated": outcomes[treated].to_numpy(),
                           "synthetic": (outcomes[donors] @ weights.to_numpy()).to_numpy()})
    kept = weights[weights > 1e-4].sort_values(ascending=False)
    return SyntheticControlResult(
        ratio=float(y.mean() / s.mean()) if s.mean() > 0 else math.nan, lower=lower, upper=upper,
        p_value=p_value, weights=kept, series=series, placebos=placebos, pre_rmspe=pre_rmspe,
        rmspe_ratio=statistic, notes=notes)
