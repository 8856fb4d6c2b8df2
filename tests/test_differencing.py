"""Differencing: can a viewer who may not see small numbers work one out by subtracting figures?

1. Every page, rendered under AppTest for an aggregate-only viewer, gets its figures only as sums
   of protected cells: every query that returns figures is run with no exact areas, whatever the
   page asked, and every count it returns is a multiple of the rounding base; an INT lead's are
   exact in their own neighbourhood and protected everywhere else.
2. Given more than any page shows (every base cell's protected value and whether it is a hidden
   count, and the exact relations between bases), no hidden count can be narrowed to one value.
3. The same attack on the rule before this change (primary suppression only) recovers hidden
   counts exactly, so the attack is not one that cannot succeed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from apptest import open_as
from differencing import bounds, pinned_by_primary_suppression, pinned_by_protected_rule, pinned_cells
from neighbourhood_health.privacy.disclosure import ROUND_TO
from neighbourhood_health.store import Database, parameters, sql_text

BRENT, BRENT_EAST, HARROW = "Z72000006", "Z70000021", "Z72000008"
PAGES = ["overview", "map", "prevalence_gaps", "inequalities", "trends", "scorecard", "nnhip_scorecard", "evaluation",
         "cohorts", "board_pack"]
#: The Evaluation page offers the interventions that reached the area: Harrow's child health model.
AREA = {"evaluation": HARROW}
COUNTS = ("numerator", "denominator", "parent_numerator", "parent_denominator", "recorded", "events")


@pytest.fixture
def recorded(monkeypatch):
    """Every named query the app runs while a page draws: (name, bound parameters, result)."""
    calls = []
    run = Database.run

    def recording(self, name, **params):
        result = run(self, name, **params)
        calls.append((name, params, result))
        return result
    monkeypatch.setattr(Database, "run", recording)
    st.cache_data.clear()  # a cached result would draw without running its query
    st.cache_resource.clear()  # nor would a shared one (app.cache.shared)
    return calls


def draw(role: str, area: str, page: str) -> AppTest:
    return open_as(role, area, f"{page}.py")


def figures_of(params: dict, frame: pd.DataFrame, exact_codes: set[str]) -> pd.Series:
    """The counts of one query's rows that must be protected: those of areas outside `exact_codes`
    (a query's parent figures belong to the parent, never an INT lead's own neighbourhood)."""
    code = next((c for c in ("area_code", "neighbourhood_code") if c in frame.columns), None)
    own = frame[code].isin(exact_codes) if code else pd.Series(
        params.get("area_code", params.get("scope_code")) in exact_codes, index=frame.index)
    parts = [frame.loc[~own, c] for c in COUNTS if c in frame.columns and not c.startswith("parent_")]
    parts += [frame[c] for c in COUNTS if c in frame.columns and c.startswith("parent_")]
    return pd.concat(parts, ignore_index=True) if parts else pd.Series(dtype=float)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["board", "int_lead"])
def test_every_page_gets_protected_figures_outside_a_viewers_own_neighbourhoods(demo_env, recorded, role, page):
    at = draw(role, AREA.get(page, BRENT), page)
    exact = set(at.session_state["demo_areas"]) if role == "int_lead" else set()
    if exact:  # an INT lead covers neighbourhoods: their own figures, and their small areas', are exact
        areas = Database(demo_env.marts_dir, demo_env.extracts_dir).run("app/areas")
        exact |= set(areas.loc[areas["neighbourhood_code"].isin(exact), "area_code"])
    figure_queries = [(n, p, f) for n, p, f in recorded if "exact_areas" in parameters(sql_text(n))]
    assert figure_queries or page == "cohorts", "the page drew figures without asking for any"
    for name, params, frame in figure_queries:
        expected = sorted(at.session_state["demo_areas"]) if role == "int_lead" else []
        # the pack is for a board: its own queries are protected whoever builds it
        assert params["exact_areas"] in ((expected, []) if page == "board_pack" else (expected,)), (name, params)
        counts = figures_of(params, frame, exact if page != "board_pack" else set()).dropna()
        assert (counts % ROUND_TO == 0).all(), (name, params, counts[counts % ROUND_TO != 0].head())


@pytest.mark.parametrize("role", ["board", "place_md", "analyst"])
def test_cohort_counts_shown_to_aggregate_roles_are_protected(demo_env, role):
    at = draw(role, BRENT, "cohorts")
    for frame in at.dataframe:
        value = frame.value
        data = value.data if hasattr(value, "data") else value
        for column in ("People",):
            if column in data.columns:
                shown = pd.to_numeric(data[column], errors="coerce").dropna()
                assert (shown % ROUND_TO == 0).all(), shown
    assert not at.toggle, "no list for aggregate-only roles"
    assert any("builder counts only where you see exact figures" in i.value for i in at.info)


def test_no_hidden_count_is_pinned_even_knowing_every_cell(demo_cfg):
    found = pinned_by_protected_rule(demo_cfg.marts_dir)
    assert found.empty, found.head(20).to_string()


def test_the_attack_pins_what_it_should():
    """A system where the residents' side forces the total: four hidden small-area cells of a
    neighbourhood must each be 1 when its only resident category could hold at most 4."""
    cells = pd.DataFrame({
        "measure_id": "m", "neighbourhood_code": "N",
        "side": ["area"] * 4 + ["sex", "sex"],
        "p": [0.0, 0, 0, 0, 0, 0], "small": [True, True, True, True, True, False], "t": [1, 1, 1, 1, 4, 0]})
    cells["lo"], cells["hi"] = bounds(cells["p"], cells["small"])
    _, pinned = pinned_cells(cells, "t", None)
    assert pinned.tolist() == [True] * 5 + [False]


def test_primary_suppression_alone_gives_hidden_counts_back(demo_cfg):
    """The rule before this change, attacked through one place's own pages: hidden counts come back
    exactly, and never wrongly."""
    hidden, recovered, wrong = pinned_by_primary_suppression(demo_cfg.marts_dir, BRENT, "prev_copd")
    assert hidden > 0 and recovered > 0 and wrong == 0, (hidden, recovered, wrong)
