"""The evaluation designs and seasonal factors on data with a planted truth: Poisson panels whose
effect, weights and seasonal pattern the test sets and the estimators do not see."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neighbourhood_health.stats import did, its, seasonal, synthetic_control as sc

PERIODS = pd.date_range("2023-11-01", periods=36, freq="MS")
START = pd.Timestamp("2025-04-01")
SEASON = np.asarray(1 + 0.12 * np.cos(2 * np.pi * (PERIODS.month.to_numpy() - 1) / 12))


def panel(rng, effect: float, units: int = 30, treated: int = 3, base: float = 40.0) -> pd.DataFrame:
    """Monthly Poisson counts with area levels, a shared winter peak and a shared 3% a year rise."""
    rows = []
    for u in range(units):
        level = base * np.exp(rng.normal(0, 0.3))
        mu = level * SEASON * (1 + 0.03 * np.arange(36) / 12)
        mu = np.where((u < treated) & (PERIODS >= START), mu * effect, mu)
        rows.append(pd.DataFrame({"unit": f"u{u:02d}", "period": PERIODS, "count": rng.poisson(mu), "exposure": 100.0}))
    return pd.concat(rows, ignore_index=True)


TREATED = ["u00", "u01", "u02"]


def test_did_recovers_the_planted_rate_ratio_and_sees_parallel_pre_trends():
    result = did.difference_in_differences(panel(np.random.default_rng(1), 0.7), TREATED, START)
    assert result.lower < 0.7 < result.upper and result.upper < 1
    assert result.dispersion == pytest.approx(1, abs=0.25)          # pure Poisson months
    pre = result.event_study[result.event_study["before"] & (result.event_study["bin"] < -1)]
    assert (pre["lower"] < 1).all() and (pre["upper"] > 1).all()     # no pre-trend planted
    post = result.event_study[~result.event_study["before"]]
    assert (post["upper"] < 1).mean() > 0.5


def test_did_intervals_are_calibrated_under_no_effect():
    rng = np.random.default_rng(2)
    misses = sum(not (r.lower <= 1 <= r.upper) for r in
                 (did.difference_in_differences(panel(rng, 1.0, units=12), TREATED, START) for _ in range(80)))
    assert misses <= 10        # 5% of 80 is 4; 10 or more has chance below 0.5% if calibrated


def test_matching_takes_the_nearest_and_improves_balance():
    features = pd.DataFrame({"level": [0.0, 0.1, 5.0, 0.05, 3.0, 4.0], "trend": [1.0, 1.1, -2.0, 0.9, 2.0, -1.0]},
                            index=["t", "near1", "far1", "near2", "far2", "far3"])
    chosen, balance = did.match_comparators(features, ["t"], [i for i in features.index if i != "t"], k=2)
    assert chosen == ["near2", "near1"]
    assert (balance["smd_after"].abs() < balance["smd_before"].abs()).all()


def test_synthetic_control_recovers_planted_weights_and_effect():
    rng = np.random.default_rng(3)
    donors = pd.DataFrame(rng.gamma(20, 1, size=(36, 25)) * SEASON[:, None], index=PERIODS,
                          columns=[f"d{i:02d}" for i in range(25)])
    truth = 0.6 * donors["d03"] + 0.4 * donors["d07"]
    outcomes = donors.assign(T=np.where(PERIODS >= START, truth * 0.75, truth) + rng.normal(0, 0.05, 36))
    result = sc.synthetic_control(outcomes, "T", list(donors.columns), START)
    assert result.weights.index[:2].tolist() == ["d03", "d07"]
    assert result.weights["d03"] == pytest.approx(0.6, abs=0.05) and result.weights["d07"] == pytest.approx(0.4, abs=0.05)
    assert result.ratio == pytest.approx(0.75, abs=0.02)
    assert result.lower <= 0.75 <= result.upper and result.p_value == pytest.approx(1 / 26)


def test_synthetic_control_says_when_there_are_too_few_placebos():
    rng = np.random.default_rng(4)
    outcomes = pd.DataFrame(rng.gamma(20, 1, size=(36, 6)), index=PERIODS, columns=list("ABCDEF"))
    result = sc.synthetic_control(outcomes, "A", list("BCDEF"), START)
    assert result.upper == np.inf and "cannot reject" in result.notes[0]


def test_its_recovers_a_planted_step_through_seasonality_and_trend():
    rng = np.random.default_rng(5)
    mu = 80 * SEASON * (1 + 0.03 * np.arange(36) / 12) * np.where(PERIODS >= START, 0.7, 1.0)
    series = pd.DataFrame({"period": PERIODS, "count": rng.poisson(mu), "exposure": 1000.0})
    result = its.interrupted_time_series(series, START)
    assert result.lower < 0.7 < result.upper < 1
    flat = its.interrupted_time_series(series.assign(count=rng.poisson(80 * SEASON)), START)
    assert flat.lower < 1 < flat.upper


def test_its_needs_a_year_before():
    series = pd.DataFrame({"period": PERIODS, "count": 10, "exposure": 100.0})
    with pytest.raises(ValueError, match="12 months before"):
        its.interrupted_time_series(series, PERIODS[6])


def test_seasonal_factors_recover_a_planted_winter_peak_and_leave_flat_series_alone():
    rng = np.random.default_rng(6)
    values = (1000 * SEASON * np.exp(rng.normal(0, 0.01, 36)))
    found = seasonal.seasonal_factors(values, PERIODS)
    assert found.seasonal and found.p_value < 1e-6
    planted = pd.Series(SEASON[:12], index=PERIODS.month[:12]).sort_index()
    planted = planted / np.exp(np.log(planted).mean())
    np.testing.assert_allclose(found.factors.to_numpy(), planted.to_numpy(), rtol=0.02)
    adjusted = found.adjust(values, PERIODS)
    assert adjusted.std() < values.std() / 4
    assert not seasonal.seasonal_factors(1000 * np.exp(rng.normal(0, 0.05, 36)), PERIODS).seasonal
    assert seasonal.seasonal_factors(values[:20], PERIODS[:20]) is None   # under two years
