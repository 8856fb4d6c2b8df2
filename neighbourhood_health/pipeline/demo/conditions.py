"""The disease model behind the synthetic residents.

Each long-term condition's true probability is logistic in age, sex, deprivation, ethnicity and a
person-level latent frailty factor shared by all conditions (which is what makes multimorbidity
cluster, as it does in life). Whether a true condition is *recorded* depends on a detection rate
that falls with deprivation, so that prevalence gaps exist to be found.

The same model, integrated over age within band, ethnicity mix and the latent factor, gives the
"modelled estimate" reference prevalence table shipped with the demo data: expected prevalence is
computed from that table, never from any resident's true status.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from neighbourhood_health.pipeline import contract

# Everyone in the demo has a recorded ethnic group: the contract's groups without "Unknown", in its order.
ETHNIC_GROUPS = [g for g in contract.ETHNIC_GROUPS if g != "Unknown"]


@dataclass(frozen=True)
class Condition:
    id: str
    name: str
    min_age: int
    age_slope: float      # log-odds per 10 years of age from 60
    male: float           # log-odds ratio for males
    deprivation: float    # log-odds ratio, most vs least deprived
    ethnicity: dict       # log-odds ratio by ethnic group (vs White unless stated)
    loading: float        # weight of the shared latent factor
    detection: float      # share of true cases recorded in the least deprived areas
    detection_gap: float  # how much lower detection is in the most deprived areas
    target: float         # recorded prevalence, all ages, that the intercept is calibrated to


CONDITIONS = [
    Condition("hypertension", "Hypertension", 18, 0.85, 0.15, 0.35, {"Black": 0.5, "Asian": 0.2}, 1.4, 0.72, 0.22, 0.110),
    Condition("diabetes", "Diabetes", 17, 0.55, 0.30, 0.50, {"Asian": 0.8, "Black": 0.5}, 1.4, 0.88, 0.15, 0.065),
    Condition("copd", "COPD", 35, 0.75, 0.20, 0.90, {"White": 0.3}, 1.6, 0.62, 0.22, 0.011),
    Condition("asthma", "Asthma", 6, 0.0, -0.10, 0.30, {}, 1.2, 0.92, 0.10, 0.050),
    Condition("chd", "Coronary heart disease", 35, 0.85, 0.60, 0.50, {"Asian": 0.4}, 1.6, 0.88, 0.10, 0.019),
    Condition("heart_failure", "Heart failure", 40, 0.95, 0.30, 0.40, {}, 1.7, 0.75, 0.15, 0.007),
    Condition("atrial_fibrillation", "Atrial fibrillation", 40, 1.0, 0.40, 0.10, {"White": 0.3}, 1.4, 0.72, 0.15, 0.012),
    Condition("ckd", "Chronic kidney disease", 18, 1.0, -0.20, 0.40, {"Asian": 0.3, "Black": 0.3}, 1.5, 0.58, 0.20, 0.025),
    Condition("depression", "Depression", 18, 0.05, -0.60, 0.50, {"White": 0.3}, 1.3, 0.72, 0.12, 0.090),
    Condition("smi", "Serious mental illness", 18, 0.0, 0.10, 1.00, {"Black": 0.6}, 1.2, 0.92, 0.05, 0.011),
    Condition("dementia", "Dementia", 60, 1.4, -0.10, 0.30, {}, 1.4, 0.66, 0.15, 0.0045),
    Condition("cancer", "Cancer", 18, 0.80, 0.00, -0.10, {"White": 0.2}, 1.2, 0.96, 0.02, 0.028),
    Condition("obesity", "Obesity", 18, 0.15, 0.00, 0.50, {"Black": 0.5, "Asian": -0.2}, 1.2, 0.62, 0.12, 0.080),
    Condition("learning_disability", "Learning disability", 0, -0.10, 0.50, 0.40, {}, 0.5, 0.86, 0.05, 0.0045),
]
CONDITION_IDS = [c.id for c in CONDITIONS]
# Scales every loading: 2.5 gives about 23% of residents with a recorded condition, half of them
# with more than one (stronger clustering than this stops moving the multimorbid share much).
LATENT_SCALE = 2.5


def linear_predictor(cond: Condition, age, male, dep, ethnicity_idx, latent) -> np.ndarray:
    """Log-odds of the true condition, without the intercept."""
    eth = np.array([cond.ethnicity.get(g, 0.0) for g in ETHNIC_GROUPS])[ethnicity_idx]
    age_term = cond.age_slope * (np.minimum(age, 90) - 60) / 10
    return age_term + cond.male * male + cond.deprivation * dep + eth + cond.loading * LATENT_SCALE * latent


def detection_rate(cond: Condition, dep) -> np.ndarray:
    return cond.detection - cond.detection_gap * dep


def true_probability(cond: Condition, intercept: float, age, male, dep, eth, latent) -> np.ndarray:
    lp = intercept + linear_predictor(cond, age, male, dep, eth, latent)
    p = 1 / (1 + np.exp(-lp))
    return np.where(age >= cond.min_age, p, 0.0)


def calibrate_intercepts(age, male, dep, eth, latent) -> dict[str, float]:
    """Intercepts so that each condition's recorded prevalence in this sample matches its target."""
    out = {}
    for cond in CONDITIONS:
        lo, hi = -20.0, 5.0
        detect = detection_rate(cond, dep)
        for _ in range(40):
            mid = (lo + hi) / 2
            recorded = (true_probability(cond, mid, age, male, dep, eth, latent) * detect).mean()
            lo, hi = (mid, hi) if recorded < cond.target else (lo, mid)
        out[cond.id] = (lo + hi) / 2
    return out


AGE_BANDS = ["0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
             "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+"]


def reference_prevalence(intercepts: dict[str, float], ethnic_mix: np.ndarray,
                         rng: np.random.Generator, draws: int = 4000) -> pd.DataFrame:
    """Modelled true prevalence by condition × age band × sex × IMD quintile.

    Integrates the disease model by Monte Carlo over age within the band, a London-wide ethnicity
    mix, deprivation within the quintile and the latent factor: a stand-in for the modelled
    prevalence estimates (from surveys) that real areas use. It never sees a resident.
    """
    rows = []
    for band_no, band in enumerate(AGE_BANDS):
        lo = band_no * 5
        age = rng.uniform(lo, lo + (10 if band == "90+" else 5), draws)
        eth = rng.choice(len(ETHNIC_GROUPS), size=draws, p=ethnic_mix)
        latent = rng.normal(0, 1, draws)
        for quintile in range(1, 6):
            # quintile 1 = most deprived; dep index 1.0 is the most deprived decile
            decile = rng.integers(2 * quintile - 1, 2 * quintile + 1, draws)
            dep = (10 - decile) / 9
            for sex, male in (("F", 0.0), ("M", 1.0)):
                for cond in CONDITIONS:
                    p = true_probability(cond, intercepts[cond.id], age, male, dep, eth, latent)
                    rows.append((cond.id, band, sex, quintile, float(p.mean())))
    return pd.DataFrame(rows, columns=["condition", "age_band", "sex", "imd_quintile", "prevalence"])
