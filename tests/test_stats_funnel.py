"""Tests for funnel-plot limits and funnel significance (neighbourhood_health.stats.funnel).

Reference: PHEindicatormethods funnel test files (see ../shared/reference/SOURCES.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neighbourhood_health.stats import funnel_limits, funnel_significance
from reference import REF, PHE, SKIP_REASON, cases as _cases


def _csv(name):
    return pd.read_csv(PHE / name, encoding="utf-8-sig")


# ---------------------------------------------------------------- proportions


def _prop_limit_cases():
    return [
        pytest.param(_csv(name), id=name)
        for name in ("testdata_funnel_prop_outputs.csv", "testdata_funnel_prop_outputs_with_axis_variation.csv")
    ]


@pytest.mark.parametrize("expected", _cases(_prop_limit_cases))
def test_proportion_funnel_limits_match_phe_reference(expected):
    """All rows of both proportion-funnel output files (percentages, 95% and 99.8%).
    The files are rounded to 6 / 8 decimals, hence the absolute tolerance."""
    res = funnel_limits(expected.Population, expected.Baseline.iloc[0], kind="proportion", multiplier=100)
    assert list(res.columns) == ["denominator", "lower_95", "upper_95", "lower_998", "upper_998", "benchmark"]
    for mine, theirs in [("lower_95", "Lower2s0025limit"), ("upper_95", "Upper2s0025limit"),
                         ("lower_998", "Lower3s0001limit"), ("upper_998", "Upper3s0001limit")]:
        np.testing.assert_allclose(res[mine], expected[theirs], rtol=0, atol=2e-6, err_msg=mine)


def _prop_sig_cases():
    return [pytest.param((_csv("testdata_funnel_prop_inputs.csv"), _csv("testdata_funnel_prop_outputs.csv")), id="prop_inputs")]


@pytest.mark.parametrize("case", _cases(_prop_sig_cases))
def test_proportion_funnel_significance_matches_phe_reference(case):
    """testdata_funnel_prop_inputs.csv: all 303 areas; the benchmark is the pooled proportion
    (which equals the Baseline column of the outputs file)."""
    inputs, outputs = case
    benchmark = inputs.numerator.sum() / inputs.denominator.sum() * 100
    assert benchmark == pytest.approx(outputs.Baseline.iloc[0], abs=1e-6)
    res = funnel_significance(inputs.numerator, inputs.denominator, benchmark, kind="proportion", multiplier=100)
    assert isinstance(res, pd.Series)
    assert (res == inputs.significance).all(), inputs[res != inputs.significance]


# ---------------------------------------------------------------------- rates


def _rate_limit_cases():
    return [
        pytest.param(_csv(name), id=name)
        for name in ("testdata_funnel_rate_outputs.csv", "testdata_funnel_rate_outputs_2.csv", "testdata_funnel_rate_outputs_3.csv")
    ]


@pytest.mark.parametrize("expected", _cases(_rate_limit_cases))
def test_rate_funnel_limits_match_phe_reference(expected):
    """All 100 rows x 4 limits of the three rate-funnel output files (per 100,000, 3 years of data).

    PHE tabulates the funnel by event count: each row gives the one-year population at which that
    count sits exactly on a limit.  Feeding that population (x 3 years) back in must give the same
    limit; tolerance 2e-5 relative because the populations are stored to ~10 significant digits."""
    benchmark = expected.baseline.iloc[0]
    for side, col in [("lower_2s", "lower_95"), ("upper_2s", "upper_95"), ("lower_3s", "lower_998"), ("upper_3s", "upper_998")]:
        person_years = expected[f"{side}_population_1_year"] * 3
        res = funnel_limits(person_years, benchmark, kind="rate", multiplier=100000)
        np.testing.assert_allclose(res[col], expected[f"{side}_limit"], rtol=2e-5, err_msg=side)
        # and the implied event count is the row's Events value
        np.testing.assert_allclose(res[col] * person_years / 100000, expected.Events, rtol=2e-5, err_msg=side)


def _rate_sig_cases():
    return [pytest.param(pd.read_csv(PHE / "testdata_funnel_rate_dsr_inputs.csv"), id="rate_dsr_inputs")]


@pytest.mark.parametrize("data", _cases(_rate_sig_cases))
@pytest.mark.parametrize("multiplier,suffix", [(100000, "100000"), (100, "100")])
def test_crude_rate_funnel_significance_matches_phe_reference(data, multiplier, suffix):
    """testdata_funnel_rate_dsr_inputs.csv, crude_per_<m>_with_0 (all 40 areas, pooled benchmark) and
    crude_per_<m>_without_0 (the 39 areas with events, benchmark pooled over those)."""
    bench = data["count"].sum() / data["pop"].sum() * multiplier
    res = funnel_significance(data["count"], data["pop"], bench, kind="rate", multiplier=multiplier)
    assert (res == data[f"crude_per_{suffix}_with_0"]).all()
    nz = data[data["count"] > 0]
    bench = nz["count"].sum() / nz["pop"].sum() * multiplier
    res = funnel_significance(nz["count"], nz["pop"], bench, kind="rate", multiplier=multiplier)
    assert (res == nz[f"crude_per_{suffix}_without_0"]).all()


@pytest.mark.parametrize("data", _cases(_rate_sig_cases))
@pytest.mark.parametrize("multiplier,suffix", [(100000, "100000"), (100, "100")])
def test_dsr_funnel_significance_matches_phe_reference(data, multiplier, suffix):
    """dsr_per_<m>_with_0 / _without_0 for the 39 areas with events (PHE labels the zero-event area
    "Not applicable"): a DSR is placed on a rate funnel via its derived denominator count / DSR x m,
    with the benchmark pooled over the derived denominators."""
    nz = data[data["count"] > 0]
    dsr_value = nz["rate_dsr"] * multiplier / 100000
    derived = nz["count"] / dsr_value * multiplier
    bench = nz["count"].sum() / derived.sum() * multiplier
    res = funnel_significance(nz["count"], derived, bench, kind="rate", multiplier=multiplier)
    assert (res == nz[f"dsr_per_{suffix}_with_0"]).all()
    assert (res == nz[f"dsr_per_{suffix}_without_0"]).all()


# --------------------------------------------------------------------- ratios


def _ratio_limit_cases():
    df = _csv("testdata_funnel_ratio_outputs.csv")
    df.columns = ["observed"] + list(df.columns[1:])  # first header cell holds an embedded newline
    return [pytest.param(df, id="testdata_funnel_ratio_outputs.csv")]


@pytest.mark.parametrize("expected", _cases(_ratio_limit_cases))
def test_ratio_funnel_limits_match_phe_reference(expected):
    """All rows of testdata_funnel_ratio_outputs.csv (ISR x 100): at each tabulated expected count
    the limit equals the row's observed count / expected x 100."""
    for side, col in [("lower_2s", "lower_95"), ("upper_2s", "upper_95"), ("lower_3s", "lower_998"), ("upper_3s", "upper_998")]:
        res = funnel_limits(expected[f"{side}_exp_events"], 100, kind="ratio", multiplier=100)
        np.testing.assert_allclose(res[col], expected[f"{side}_isr"], rtol=2e-5, err_msg=side)


def _ratio_sig_cases():
    return [pytest.param(_csv("testdata_funnel_ratio_inputs.csv"), id="ratio_inputs")]


@pytest.mark.parametrize("data", _cases(_ratio_sig_cases))
def test_ratio_funnel_significance_matches_phe_reference(data):
    """testdata_funnel_ratio_inputs.csv: all 300 rows (observed, expected; benchmark ratio 1)."""
    res = funnel_significance(data.obs, data.expected, 1, kind="ratio")
    assert (res == data.significance).all()


# ---------------------------------------------------------------- hand-derived


def test_proportion_funnel_hand_derived():
    # p = 0.5, n = 100: 0.5 ± 1.959964·sqrt(0.25/100) = 0.5 ± 0.0979982
    res = funnel_limits([100, 0, np.nan], 0.5)
    assert res.loc[0, "lower_95"] == pytest.approx(0.5 - 1.959963984540054 * 0.05)
    assert res.loc[0, "upper_998"] == pytest.approx(0.5 + 3.090232306167813 * 0.05)
    assert res.loc[[1, 2], "lower_95"].isna().all()


def test_rate_funnel_hand_derived_small_expected():
    # E = 1 (benchmark 1 per person, n = 1): the upper 95% limit count O solves P(Gamma(O) <= 1) = 0.025,
    # i.e. the exact lower limit for O equals 1 -> check by plugging O back into chi2.
    from scipy.stats import chi2

    res = funnel_limits([1.0], 1.0, kind="rate", multiplier=1)
    o_up = res.loc[0, "upper_95"]
    assert chi2.ppf(0.025, 2 * o_up) / 2 == pytest.approx(1.0, rel=1e-9)
    assert res.loc[0, "lower_95"] == 0  # no count is significantly low when E = 1


def test_funnel_errors_and_custom_levels():
    with pytest.raises(ValueError, match="kind"):
        funnel_limits([10], 0.5, kind="mean")
    with pytest.raises(ValueError, match="benchmark"):
        funnel_limits([10], 1.5, kind="proportion")
    with pytest.raises(ValueError, match="negative"):
        funnel_limits([-10], 0.5)
    res = funnel_limits([10], 0.5, conf_levels=(0.9, 0.99))
    assert list(res.columns) == ["denominator", "lower_90", "upper_90", "lower_99", "upper_99", "benchmark"]
    sig = funnel_significance([1, np.nan], [10, 10], 0.5)
    assert sig.tolist() == ["Low (0.025)", "not compared"]
