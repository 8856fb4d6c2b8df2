"""Small-number suppression: primary, secondary (totals cannot give a hidden count back), rounding."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from scipy.optimize import linprog

from neighbourhood_health.privacy import suppress
from neighbourhood_health.privacy.suppress import TOTAL, protect_counts, protect_table


def test_primary_rules_unchanged_for_measure_rows():
    rows = pd.DataFrame({"numerator": [0, 1, 7, 8], "value": [0.0, 0.1, 0.7, 0.8],
                         "lower": [0.0] * 4, "upper": [1.0] * 4})
    out = suppress.suppress_measure_rows(rows)
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert out["numerator"].isna().tolist() == [False, True, True, False]
    assert out["value"].isna().tolist() == [False, True, True, False]
    assert suppress.is_small([0, 1, 7, 8, np.nan]).tolist() == [False, True, True, False, False]


def test_one_small_cell_takes_a_companion_in_its_row_and_column():
    table = pd.DataFrame([[3, 20, 30], [40, 50, 60], [70, 80, 90]], index=list("abc"), columns=list("xyz"))
    out = protect_table(table)
    hidden = out.isna()
    assert hidden.loc["a", "x"]
    assert hidden.loc["a", "y"], "next smallest in the row"
    assert hidden.loc["b", "x"], "next smallest in the column"
    assert hidden.loc["b", "y"], "closes the rectangle"
    assert out.loc[TOTAL, TOTAL] == table.to_numpy().sum()
    for line in [*[out.loc[i] for i in out.index], *[out[c] for c in out.columns]]:
        assert line.isna().sum() != 1


def test_small_total_is_hidden_too():
    out = protect_table(pd.DataFrame([[2, 3], [50, 60]], index=["a", "b"], columns=["x", "y"]))
    assert np.isnan(out.loc["a", TOTAL])
    assert np.isnan(out.loc["b", TOTAL]), "else the grand total would give row a's total back"
    assert out.loc[TOTAL, TOTAL] == 115


def test_zero_is_shown_and_not_chosen_when_a_non_zero_companion_exists():
    out = protect_table(pd.DataFrame([[4, 0, 30], [20, 25, 40]], index=["a", "b"], columns=["x", "y", "z"]))
    assert out.loc["a", "y"] == 0
    assert np.isnan(out.loc["a", "z"]) and np.isnan(out.loc["a", "x"])


def test_bridge_between_two_blocks_is_found_and_closed():
    # Two 2x2 blocks of hidden cells joined by one hidden cell: rows and columns each hold two or more
    # hidden figures, yet the joining cell follows from adding rows and subtracting columns.
    values = np.array([[2, 3, 0, 0, 5], [3, 2, 9, 0, 14], [0, 0, 2, 3, 5], [0, 0, 3, 2, 5], [5, 5, 14, 5, 29]], float)
    hidden = np.zeros_like(values, dtype=bool)
    hidden[[0, 0, 1, 1, 2, 2, 3, 3, 1], [0, 1, 0, 1, 2, 3, 2, 3, 2]] = True
    assert suppress.determined_cells(values.shape, hidden)[1, 2]
    widened = suppress.secondary_suppression(values, hidden)
    assert not suppress.determined_cells(values.shape, widened).any()


def test_rounding_to_five_leaves_hidden_cells_hidden():
    out = protect_table(pd.DataFrame([[3, 12], [18, 22]], index=["a", "b"], columns=["x", "y"]), round_to=5)
    visible = out.to_numpy()[~np.isnan(out.to_numpy())]
    assert (visible % 5 == 0).all()
    assert np.isnan(out.loc["a", "x"])
    assert protect_counts([0, 3, 8, 12], round_to=5).tolist()[1:] == [pytest.approx(np.nan, nan_ok=True), 10, 10]


def _range_of_each_hidden_cell(published: np.ndarray) -> list[tuple[float, float]]:
    """What an attacker can learn: min and max of each hidden cell given every row and column
    (totals included) adds up and no count is negative."""
    hidden = np.argwhere(np.isnan(published))
    index = {tuple(c): k for k, c in enumerate(hidden)}
    rows, cols = published.shape
    a_eq, b_eq = [], []
    lines = [[(i, j) for j in range(cols)] for i in range(rows)] + [[(i, j) for i in range(rows)] for j in range(cols)]
    for line in lines:
        *parts, total = line
        coef, rhs = np.zeros(len(hidden)), 0.0
        for cell, sign in [(c, 1.0) for c in parts] + [(total, -1.0)]:
            if cell in index:
                coef[index[cell]] += sign
            else:
                rhs -= sign * published[cell]
        if coef.any():
            a_eq.append(coef)
            b_eq.append(rhs)
    out = []
    for k in range(len(hidden)):
        objective = np.zeros(len(hidden))
        objective[k] = 1
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status in (0, 3)
        out.append((low.fun, np.inf if high.status == 3 else -high.fun))
    return out


counts = st.one_of(st.integers(0, 9), st.integers(0, 60))
tables = st.integers(1, 5).flatmap(lambda r: st.integers(1, 5).flatmap(
    lambda c: st.lists(st.lists(counts, min_size=c, max_size=c), min_size=r, max_size=r)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_no_hidden_count_can_be_recovered_from_totals(rows):
    table = pd.DataFrame(rows)
    full = suppress.with_totals(table).to_numpy()
    published = protect_table(table).to_numpy()
    hidden = np.isnan(published)
    # primary: every count from 1 to 7, totals included, is hidden
    assert hidden[(full >= 1) & (full <= suppress.THRESHOLD)].all()
    # visible figures are the true ones
    assert np.array_equal(published[~hidden], full[~hidden])
    # no row or column (totals included) has exactly one hidden figure
    assert all(hidden[i, :].sum() != 1 for i in range(hidden.shape[0]))
    assert all(hidden[:, j].sum() != 1 for j in range(hidden.shape[1]))
    # and no combination of rows and columns pins a hidden figure to a single value
    for (low, high), cell in zip(_range_of_each_hidden_cell(published), np.argwhere(hidden)):
        assert high - low > 0.5, f"hidden cell {tuple(cell)} = {full[tuple(cell)]} is recoverable in {rows}"
