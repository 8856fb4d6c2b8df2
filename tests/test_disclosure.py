"""The protection rule (privacy.disclosure): properties that hold for any counts, and the build's SQL
agreeing with the Python rule cell for cell."""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from neighbourhood_health.privacy import access, disclosure
from neighbourhood_health.privacy.disclosure import ROUND_TO, THRESHOLD
from neighbourhood_health.store import sql_text

counts = st.integers(min_value=0, max_value=10_000)
units = st.floats(min_value=0, max_value=1, exclude_max=True)


@settings(deadline=None)  # a loaded CI machine must not fail a property on time
@given(st.lists(st.tuples(counts, units), min_size=1, max_size=50))
def test_protected_counts_are_neighbouring_multiples_and_zero_stays_zero(cells):
    n = np.array([c for c, _ in cells], dtype=float)
    p = disclosure.protect(n, [u for _, u in cells])
    assert (p % ROUND_TO == 0).all()
    assert (np.abs(p - n) < ROUND_TO).all()
    assert (p[n == 0] == 0).all()
    assert (p[n >= ROUND_TO] > 0).all(), "only a count below the rounding base can become 0"


@settings(deadline=None)  # a loaded CI machine must not fail a property on time
@given(counts, units, units)
def test_protection_is_monotone_in_the_count_for_one_cell(n, u, _):
    """The same unit for numerator and denominator keeps a protected numerator within its denominator."""
    low, high = disclosure.protect([n, n + 1], [u, u])
    assert low <= high


@settings(deadline=None)  # a loaded CI machine must not fail a property on time
@given(st.integers(min_value=1, max_value=THRESHOLD), st.floats(min_value=0, max_value=1, exclude_max=True))
def test_a_hidden_count_is_never_placed_on_one_value(n, u):
    """Whatever a hidden cell becomes, the counts that could have become it are at least two of 1–7."""
    p = disclosure.protect([n], [u])[0]
    could = [m for m in range(1, THRESHOLD + 1)
             if any(disclosure.protect([m], [v])[0] == p for v in np.linspace(0, 0.999, 200))]
    assert n in could and len(could) >= 2


def test_protection_is_unbiased():
    rng = np.random.default_rng(1)
    n = rng.integers(0, 12, 200_000)
    p = disclosure.protect(n, rng.random(len(n)))
    assert abs(p.mean() - n.mean()) < 0.02


@settings(deadline=None)  # a loaded CI machine must not fail a property on time
@given(st.lists(st.tuples(st.integers(0, 30), st.booleans()), min_size=1, max_size=20))
def test_hidden_exactly_when_a_small_cell_is_in_a_figure_of_0_or_5(cells):
    p = np.array([ROUND_TO * (c // ROUND_TO) for c, _ in cells], dtype=float)
    small = np.array([s for _, s in cells])
    hidden = disclosure.shown_hidden(p, small)
    assert (hidden == (small & (p < THRESHOLD + 0.5))).all()
    assert not disclosure.shown_hidden(p, np.zeros(len(p), dtype=bool)).any(), "exact figures are never hidden"


def test_hide_blanks_a_denominator_that_could_be_a_hidden_count_and_what_it_divides():
    rows = pd.DataFrame({"numerator": [5.0, 20.0, 0.0, 10.0], "numerator_small": [True, False, True, False],
                         "denominator": [100.0, 5.0, 0.0, 40.0], "denominator_small": [False, True, True, False],
                         "value": [5.0, 4000.0, np.nan, 250.0]})
    shown = disclosure.hide(rows)
    assert list(shown["suppressed"]) == [True, True, True, False]
    assert shown["numerator"].isna().tolist() == [True, True, True, False]
    assert shown["value"].isna().tolist() == [True, True, True, False]
    # a denominator is blanked where it could itself be 1–7, kept where only the numerator could be
    assert shown["denominator"].isna().tolist() == [False, True, True, False]
    assert rows["denominator"].notna().all(), "the caller's frame is not modified"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=3, max_size=3), min_size=1, max_size=6))
def test_protected_table_totals_are_sums_of_protected_cells(rows):
    raw = pd.DataFrame(rows, index=[f"N{i}" for i in range(len(rows))], columns=["a", "b", "c"])
    table = disclosure.protect_table(raw, "secret", "cohort|x")
    again = disclosure.protect_table(raw, "secret", "cohort|x")
    pd.testing.assert_frame_equal(table, again)  # the same cells, the same figures
    cells = pd.DataFrame(disclosure.protect(raw.to_numpy().ravel(),
                                            [disclosure.unit("secret", f"cohort|x|{r}|{c}") for r in raw.index
                                             for c in raw.columns]).reshape(raw.shape),
                         index=raw.index, columns=raw.columns)
    total = disclosure.TOTAL
    shown = table.drop(index=total, columns=total)
    assert ((shown == cells) | shown.isna()).all().all()
    for name, row in cells.iterrows():
        if not np.isnan(table.loc[name, total]):
            assert table.loc[name, total] == row.sum()
    if not np.isnan(table.loc[total, total]):
        assert table.loc[total, total] == cells.to_numpy().sum()
    small = (raw > 0) & (raw <= THRESHOLD)
    assert (shown.isna() == (small & (cells < THRESHOLD + 0.5))).all().all()


def test_a_subset_of_neighbourhoods_gets_the_same_protected_cells():
    """An ICB's table and a place's table show the same cells alike, so one cannot be subtracted from the other."""
    raw = pd.DataFrame({"a": [3, 40, 2], "b": [9, 1, 0]}, index=["N1", "N2", "N3"])
    whole = disclosure.protect_table(raw, "k", "cohort|c")
    part = disclosure.protect_table(raw.loc[["N2", "N3"]], "k", "cohort|c")
    pd.testing.assert_frame_equal(whole.loc[["N2", "N3"], ["a", "b"]], part.loc[["N2", "N3"], ["a", "b"]])


def test_protected_series_sums_protected_neighbourhood_months():
    cells = pd.DataFrame({"neighbourhood_code": ["N1", "N2", "N1", "N2"], "month": ["m1", "m1", "m2", "m2"],
                          "events": [3, 40, 0, 0]})
    out = disclosure.protect_series(cells, ["neighbourhood_code", "month"], ["month"], "events", "k", "t")
    p = disclosure.protect([3, 40], [disclosure.unit("k", "t|N1|m1"), disclosure.unit("k", "t|N2|m1")])
    assert out.loc[out.month == "m1", "events"].item() == p.sum()
    assert out.loc[out.month == "m2", "events"].item() == 0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.text("abcdef", min_size=1, max_size=6)), min_size=1, max_size=30,
                unique_by=lambda c: c[1]))
def test_the_builds_sql_rule_is_the_python_rule(cells):
    """queries/build/protect/macros.sql and disclosure.protect give every cell the same protected value."""
    con = duckdb.connect()
    con.execute(sql_text("build/protect/macros"))
    frame = pd.DataFrame(cells, columns=["n", "cell"])
    con.register("cells", frame)
    sql = con.execute("SELECT protected_count(CAST(n AS DOUBLE), cell_unit($key, cell), $r) AS p, "
                      "is_small(n, $t) AS small FROM cells", {"key": "K", "r": ROUND_TO, "t": THRESHOLD}).df()
    python = disclosure.protect(frame["n"], [disclosure.unit("K", c) for c in frame["cell"]])
    np.testing.assert_array_equal(sql["p"].to_numpy(), python)
    np.testing.assert_array_equal(sql["small"].to_numpy(), disclosure.is_small(frame["n"]))


def test_the_key_is_made_once_readable_by_its_owner_only(tmp_path):
    first = disclosure.key(tmp_path)
    assert len(first) == 64 and disclosure.key(tmp_path) == first
    assert (tmp_path / disclosure.KEY_FILE).stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("role, areas, demo, synthetic, expected", [
    ("int_lead", ("N1", "N2"), False, False, ["N1", "N2"]),
    ("int_lead", ("N1",), True, True, ["N1"]),
    ("int_lead", ("N1",), True, False, []),        # demo mode on a real extract: never exact
    ("board", ("ALL",), False, True, []),
    ("place_md", ("P1",), False, True, []),
    ("analyst", ("ALL",), False, True, []),
])
def test_exact_areas_only_for_an_int_lead(role, areas, demo, synthetic, expected):
    user = access.User("u", "someone", role, areas, demo=demo)
    assert disclosure.exact_areas(user, synthetic) == expected
    assert disclosure.exact_areas(None, True) == []


def test_a_viewers_runner_binds_exact_areas_whatever_the_caller_passes():
    seen = {}
    run = disclosure.for_viewer(lambda name, **p: seen.update(p), [])
    run("app/measure_latest", area_code="X", exact_areas=["N1"])
    assert seen == {"area_code": "X", "exact_areas": []}
