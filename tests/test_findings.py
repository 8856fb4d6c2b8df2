"""findings: the sentences that state what the place views show."""
from __future__ import annotations

import numpy as np
import pandas as pd

from neighbourhood_health.present import findings

RATE = pd.Series({"name": "Emergency admissions", "unit": "per 1,000 per year", "method": "rate",
                  "polarity": "lower_is_better"})
PROP = pd.Series({"name": "Diabetes: recorded prevalence", "unit": "%", "method": "proportion",
                  "polarity": "no_judgement"})


def quint(category, value):
    return pd.Series({"category": category, "value": value})


def test_quintile_gap_in_plain_words():
    gap = {"most": quint("1", 63.0), "least": quint("5", 30.0), "ratio": 2.1, "difference": 33.0}
    assert findings.quintile_gap_sentence(gap, RATE, "Camden") == (
        "In Camden, emergency admissions are 2.1 times as frequent in the most deprived fifth of areas as in "
        "the least deprived: 63.0 against 30.0 per 1,000 per year.")
    gap = {"most": quint("2", 9.0), "least": quint("4", 6.0), "ratio": 1.5, "difference": 3.0}
    text = findings.quintile_gap_sentence(gap, PROP, "Barnet East")
    assert "1.50 times as high in the most deprived fifth with figures here (quintile 2)" in text
    assert "least deprived with figures here (quintile 4): 9.0% against 6.0%" in text
    assert "cannot be compared" in findings.quintile_gap_sentence(None, RATE, "X")


def test_map_finding_counts_judgements_and_suppression():
    rows = pd.DataFrame({"area_name": ["A", "B", "C"], "value": [50.0, 40.0, np.nan],
                         "significance": ["worse", "similar", "not compared"], "suppressed": [False, False, True]})
    text = findings.map_finding(rows, RATE, "neighbourhood", "Camden")
    assert text == ("Emergency admissions: 1 of 3 neighbourhoods significantly worse than Camden, none better; "
                    "highest in A (50.0 per 1,000 per year); 1 not shown (could be 1–7 events)")
    rows["significance"] = ["higher", "lower", "not compared"]
    assert "1 of 3 neighbourhoods significantly higher than Camden, 1 lower" in findings.map_finding(rows, PROP, "neighbourhood", "Camden")


def test_prevalence_finding_directions():
    row = pd.Series({"name": "Diabetes: recorded prevalence", "gap": 1056.4, "gap_lower": 944.2, "gap_upper": 1165.8,
                     "judgement": "fewer recorded than expected", "recorded_prevalence": 7.96, "expected_prevalence": 10.61})
    assert findings.prevalence_finding(row, "Barnet") == (
        "Diabetes: an estimated 1,056 people in Barnet are not yet diagnosed (95% interval 944 to 1,166); "
        "8.0% recorded against 10.6% expected")
    row.update({"gap": -20.0, "gap_lower": -35.0, "gap_upper": -4.0, "judgement": "more recorded than expected"})
    assert "20 more people are recorded in Barnet than expected (95% interval 4 to 35)" in findings.prevalence_finding(row, "Barnet")


def test_gradient_finding_follows_the_interval():
    res = pd.Series({"sii": 9.4, "sii_lower": 2.9, "sii_upper": 15.8})
    assert findings.gradient_finding(res, RATE, "NCL").startswith("In NCL, emergency admissions rise with deprivation: 9.4")
    assert findings.gradient_finding(res, PROP, "NCL").startswith("In NCL, “Diabetes: recorded prevalence” rises with")
    res.update({"sii_lower": -1.0})
    assert "no clear gradient" in findings.gradient_finding(res, RATE, "NCL")
