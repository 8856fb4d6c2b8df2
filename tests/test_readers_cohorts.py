"""Readers of the Cohorts page and the board pack (measures.cohorts): people per 1,000 residents."""
from __future__ import annotations

import math

import pandas as pd

from neighbourhood_health.measures import cohorts
from neighbourhood_health.privacy import access
from neighbourhood_health.privacy.disclosure import TOTAL

BRENT = "Z72000006"


def test_per_thousand_of_a_number_and_of_a_series():
    assert cohorts.per_thousand(12.0, 4000.0) == 12 / 4000 * 1000
    assert math.isnan(cohorts.per_thousand(float("nan"), 4000.0))
    people = pd.Series({"B": 10.0, "A": float("nan"), TOTAL: 30.0})
    population = pd.Series({"A": 1000.0, "B": 2000.0, "C": 500.0, TOTAL: 3500.0})
    rates = cohorts.per_thousand(people, population)
    assert list(rates.index) == ["B", "A", TOTAL]
    assert rates["B"] == 5.0 and math.isnan(rates["A"]) and rates[TOTAL] == 30 / 3500 * 1000


def test_summary_and_total_rate_agree_with_the_counts(demo_db):
    board = access.User("b", "Board", "board", (BRENT,))
    cohort = next(iter(cohorts.load_cohorts(demo_db.extracts_dir)))
    result = cohorts.counts(demo_db, board, cohort, BRENT)
    summary = cohorts.neighbourhood_summary(result)
    assert list(summary.columns) == ["People", "Per 1,000 residents", "Registered residents"]
    pd.testing.assert_series_equal(summary["People"], result.table[TOTAL], check_names=False)
    expected = result.table[TOTAL] / result.population.reindex(result.table.index) * 1000
    pd.testing.assert_series_equal(summary["Per 1,000 residents"], expected, check_names=False)
    total = cohorts.total_per_thousand(result)
    assert (math.isnan(total) and pd.isna(result.total)) or total == result.total / result.population[TOTAL] * 1000
    assert (math.isnan(total) and math.isnan(summary.loc[TOTAL, "Per 1,000 residents"])) or \
        total == summary.loc[TOTAL, "Per 1,000 residents"]
