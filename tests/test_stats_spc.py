"""Tests for XmR SPC charts (neighbourhood_health.stats.spc).

Reference: NHSRplotthedots snapshot (mean/limits, with and without outlier screening) and its
README A&E example.  The special-cause rules and icons have no published worked example, so
those tests use series whose expected flags are derived by hand in the comments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neighbourhood_health.stats import SPCResult, spc
from reference import REF, SKIP_REASON, cases as _cases


SPC_DIR = REF / "spc"


# A stable baseline used by the hand-derived tests: 11, 9, 11, 9, ..., 11, 9 (12 points, ends below the mean).
# mean = 10; every moving range = 2 -> MR̄ = 2; UPL/LPL = 10 ± 2.66·2 = 15.32 / 4.68;
# 2-sigma lines = 10 ± (2/3)·5.32 = 13.5467 / 6.4533.  No rule fires on it (sides alternate).
BASE = [11.0, 9.0] * 6


# ------------------------------------------------------------------ reference


def _snapshot_cases():
    snap = pd.read_csv(SPC_DIR / "nhsrplotthedots_ptd_spc_standard_snapshot.csv")
    return [pytest.param(g, id=name) for name, g in snap.groupby("scenario")]


@pytest.mark.parametrize("scenario", _cases(_snapshot_cases))
def test_limits_match_nhsrplotthedots_snapshot(scenario):
    """nhsrplotthedots_ptd_spc_standard_snapshot.csv: scenarios r1 (rnorm(20), set.seed 123),
    r2 (15th value = 10, screen_outliers TRUE) and r3 (same, FALSE).  Expected values are given to
    7 significant digits."""
    screen = bool(scenario.screen_outliers.iloc[0])
    res = spc(scenario.y, periods=pd.to_datetime(scenario.x), screen_outliers=screen)
    exp = scenario.iloc[0]
    name = exp.scenario
    assert res.mean == pytest.approx(exp.expected_mean_col, rel=1e-6)
    assert res.lpl == pytest.approx(exp.expected_lpl, rel=1e-6)
    assert res.upl == pytest.approx(exp.expected_upl, rel=1e-6)
    assert (res.points.lpl == res.lpl).all() and len(res.points) == 20
    if name.startswith("r1"):
        # ptd_spc summary snapshot for r1: 20 points, 20 common cause, 0 special cause improvement
        assert (res.points.special_cause == "common").sum() == 20
        assert res.variation_icon == "common_cause"


def _ae_cases():
    ae = pd.read_csv(SPC_DIR / "ae_attendances.csv", parse_dates=["period"], dtype={"type": str})
    sel = ae[(ae.org_code == "RQM") & (ae["type"] == "1") & (ae.period < "2018-04-01")].sort_values("period")
    return [pytest.param(sel, id="RQM-type1-breaches-24-months")]


@pytest.mark.parametrize("data", _cases(_ae_cases))
def test_ae_attendances_readme_example(data):
    """ae_attendances.csv, NHSRplotthedots README: RQM type 1 breaches before 2018-04, improvement =
    decrease, target 1200 -> variation "common_cause", assurance "inconsistent" (= hit_and_miss)."""
    assert len(data) == 24
    res = spc(data.breaches, periods=data.period, target=1200, polarity="lower_is_better")
    assert res.variation_icon == "common_cause"
    assert res.assurance_icon == "hit_and_miss"
    assert res.points.period.iloc[-1] == pd.Timestamp("2018-03-01")


# --------------------------------------------------------------- hand-derived


def test_baseline_alone_is_common_cause():
    res = spc(BASE)
    assert res.mean == pytest.approx(10) and res.mr_bar == pytest.approx(2)
    assert res.upl == pytest.approx(15.32) and res.lpl == pytest.approx(4.68)
    assert res.points.upper_2s.iloc[0] == pytest.approx(10 + 2 / 3 * 5.32)
    assert (res.points.special_cause == "common").all() and res.variation_icon == "common_cause"
    assert isinstance(res, SPCResult) and res.notes == []
    assert list(res.points.columns) == [
        "period", "value", "moving_range", "mean", "lpl", "upl", "lower_2s", "upper_2s", "special_cause", "rule"
    ]


@pytest.mark.parametrize(
    "polarity,special,icon",
    [
        ("higher_is_better", "improvement", "improvement_high"),
        ("lower_is_better", "concern", "concern_high"),
        ("no_judgement", "neutral", "neutral_high"),
    ],
)
def test_shift_of_eight_points_fires_run_rule(polarity, special, icon):
    # BASE then 8 points at 12, limits fixed on the 12 baseline points (mean 10, 2σ line 13.55):
    # 12 is above the mean but inside the 2σ line, and equal values make no trend, so only the
    # shift rule (≥ 7 consecutive points above the mean) fires, for all 8 points.
    res = spc(BASE + [12.0] * 8, baseline=12, polarity=polarity)
    pts = res.points
    assert (pts.rule.iloc[12:] == "shift").all() and (pts.rule.iloc[:12] == "").all()
    assert (pts.special_cause.iloc[12:] == special).all() and (pts.special_cause.iloc[:12] == "common").all()
    assert res.variation_icon == icon
    assert res.mean == pytest.approx(10) and res.upl == pytest.approx(15.32)


def test_shift_without_baseline_hand_limits():
    # All 20 points: mean = (12·10 + 8·12)/20 = 10.8; moving ranges: eleven 2s, one 3 (9 -> 12),
    # seven 0s -> MR̄ = 25/19; 2.66·25/19 = 3.5 exactly -> UPL 14.3, LPL 7.3.  Screening threshold
    # 3.267·25/19 = 4.30 removes nothing.  9/11 alternate around 10.8 (no run); the 8 twelves shift.
    res = spc(BASE + [12.0] * 8)
    assert res.mean == pytest.approx(10.8) and res.mr_bar == pytest.approx(25 / 19)
    assert res.upl == pytest.approx(14.3) and res.lpl == pytest.approx(7.3)
    assert (res.points.rule.iloc[12:] == "shift").all() and (res.points.rule.iloc[:12] == "").all()


def test_run_length_option():
    # 6 points above the mean: not a shift with the default 7, a shift with run_length=6.
    series = BASE + [12.0] * 6
    assert (spc(series, baseline=12).points.rule == "").all()
    assert (spc(series, baseline=12, run_length=6).points.rule.iloc[12:] == "shift").all()


def test_trend_of_increasing_points():
    # BASE ends ... 11, 9; then 10.0, 10.2, ..., 11.2 (7 points).  From the final 9 (index 11) there
    # are 8 increasing points (7 rising steps >= trend_length - 1 = 6), so indices 11-18 form a trend.
    # 10.0 sits on the mean, breaking any run; 10.2..11.2 are only 6 points above it (no shift);
    # all stay inside the 2σ line.  The latest point is above the mean -> improvement_high.
    rising = [10.0, 10.2, 10.4, 10.6, 10.8, 11.0, 11.2]
    res = spc(BASE + rising, baseline=12)
    pts = res.points
    assert (pts.rule.iloc[11:] == "trend").all() and (pts.rule.iloc[:11] == "").all()
    assert res.variation_icon == "improvement_high"
    # a flagged point exactly on the mean takes the trend's direction
    assert pts.special_cause.iloc[12] == "improvement"
    # NHSRplotthedots convention: a flagged point's side of the mean sets its type (the 9 is below)
    assert pts.special_cause.iloc[11] == "concern"
    # trend_length=9 would need 8 rising steps: nothing fires
    assert (spc(BASE + rising, baseline=12, trend_length=9).points.rule == "").all()


def test_point_outside_limits():
    # 16 > UPL 15.32 -> outside_limits; for lower_is_better a high point is a concern.
    res = spc(BASE + [16.0], baseline=12, polarity="lower_is_better")
    assert res.points.rule.iloc[-1] == "outside_limits"
    assert res.variation_icon == "concern_high"
    res = spc(BASE + [4.0], baseline=12, polarity="lower_is_better")
    assert res.variation_icon == "improvement_low"


def test_two_out_of_three_beyond_two_sigma():
    # 14 lies between the 2σ line (13.55) and the UPL (15.32).  In (14, 10.5, 14) two of three points
    # are beyond 2σ and all three are above the mean -> both 14s are flagged, 10.5 is not.
    res = spc(BASE + [14.0, 10.5, 14.0], baseline=12)
    assert res.points.rule.iloc[12:].tolist() == ["two_in_three", "", "two_in_three"]
    assert res.variation_icon == "improvement_high"
    # with the middle point below the mean (9.5) the three are not on one side: no signal
    res = spc(BASE + [14.0, 9.5, 14.0], baseline=12)
    assert (res.points.rule == "").all()


@pytest.mark.parametrize(
    "target,polarity,expected",
    [
        (4.0, "higher_is_better", "consistently_passes"),  # target below LPL 4.68
        (16.0, "higher_is_better", "consistently_fails"),  # target above UPL 15.32
        (10.0, "higher_is_better", "hit_and_miss"),
        (16.0, "lower_is_better", "consistently_passes"),
        (4.0, "lower_is_better", "consistently_fails"),
        (15.32, "lower_is_better", "hit_and_miss"),  # on the limit is not beyond it
        (4.0, "no_judgement", None),
        (None, "higher_is_better", None),
    ],
)
def test_assurance_icons(target, polarity, expected):
    assert spc(BASE, target=target, polarity=polarity).assurance_icon == expected


def test_constant_series():
    res = spc([5.0] * 15, target=4, polarity="higher_is_better")
    assert res.mr_bar == 0 and res.lpl == res.upl == 5
    assert (res.points.special_cause == "common").all() and res.variation_icon == "common_cause"
    assert res.assurance_icon == "consistently_passes"
    assert any("constant series" in n for n in res.notes)


@pytest.mark.filterwarnings("error")
def test_missing_values_and_short_series():
    res = spc([9.0, np.nan, 11.0, 9.0, None, 11.0], periods=list("abcdef"))
    assert res.points.period.tolist() == ["a", "c", "d", "f"]
    assert res.mean == pytest.approx(10) and res.mr_bar == pytest.approx(2)
    assert any("2 missing" in n for n in res.notes) and any("only 4 point" in n for n in res.notes)
    one = spc([3.0])
    assert np.isnan(one.upl) and one.variation_icon == "common_cause"
    empty = spc([np.nan, np.nan])
    assert empty.points.empty and empty.variation_icon is None


def test_outlier_screening():
    # BASE with a 30 after the 6th point: the ranges into and out of the 30 (19 and 21) dwarf the
    # other ten ranges of 2: MR̄ = (10·2 + 19 + 21)/12 = 5, and 3.267·5 = 16.3 < 19, so screening
    # drops both and MR̄ becomes 2; without screening MR̄ stays 5.  Mean = (12·10 + 30)/13 either way.
    series = BASE[:6] + [30.0] + BASE[6:]
    screened, raw = spc(series), spc(series, screen_outliers=False)
    assert screened.mr_bar == pytest.approx(2) and raw.mr_bar == pytest.approx(5)
    assert screened.upl == pytest.approx(150 / 13 + 2.66 * 2) and raw.upl == pytest.approx(150 / 13 + 2.66 * 5)
    assert screened.points.rule.iloc[6].startswith("outside_limits")
    assert any("excluded" in n for n in screened.notes)


def test_series_index_used_as_periods_and_errors():
    s = pd.Series(BASE, index=pd.period_range("2024-01", periods=12, freq="M"))
    assert spc(s).points.period.iloc[0] == pd.Period("2024-01", "M")
    with pytest.raises(ValueError, match="polarity"):
        spc(BASE, polarity="up")
    with pytest.raises(ValueError, match="periods"):
        spc(BASE, periods=[1, 2])
    with pytest.raises(ValueError, match="baseline"):
        spc(BASE, baseline=1)
    with pytest.raises(ValueError, match="run_length"):
        spc(BASE, run_length=1)
