"""AppTest of the Evaluation page: what it states is what `measures.evaluation` gives on the same
marts with the protected figures every viewer is given there, and its charts hide the months that
could be 1–7."""
from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from apptest import assert_clean, open_as
from test_board_pack import decoded as plotly_values
from neighbourhood_health.measures import evaluation
from neighbourhood_health.pipeline.intervention_catalogue import load_interventions
from neighbourhood_health.present import evaluation_text as words
from neighbourhood_health.privacy import disclosure


@pytest.fixture(scope="module")
def expected(demo_cfg, demo_db):
    catalogue = load_interventions()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return {item.intervention_id: evaluation.evaluate(disclosure.for_viewer(demo_db.run, []), item,
                                                          item.primary_measure, catalogue) for item in catalogue}


def _spec(at, key: str) -> dict:
    chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    return json.loads(chart.proto.spec)


@pytest.mark.parametrize("role", ["board", "int_lead"])
def test_evaluation_page_states_each_designs_finding_from_protected_figures(demo_env, demo_db, expected, role):
    places = demo_db.run("app/areas").query("area_level == 'place'").set_index("area_name")["area_code"]
    at = open_as(role, places["Harrow"], "evaluation.py", timeout=300)
    result = expected["harrow_child_health"]
    table = evaluation.estimates(result)
    assert at.title[0].value.startswith("Harrow, Harrow child health model: ")
    assert at.selectbox(key="eval_intervention").options == ["Harrow child health model"]   # what reached Harrow
    assert words.summary(table) in at.title[0].value
    shown = "\n".join(m.value for m in at.markdown)
    for _, row in table.iterrows():
        assert words.finding(row["design"], row["ratio"], row["lower"], row["upper"], result.measure["name"],
                             "Harrow", "lower") in shown
    assert "Every figure here, treated and comparator alike, is protected" in "\n".join(c.value for c in at.caption)
    spec = _spec(at, "eval_estimates")
    np.testing.assert_allclose(sorted(plotly_values(spec["data"][0]["x"])), sorted((table["ratio"] - 1) * 100))
    # The treated areas' monthly line: protected months that could be 1–7 are gaps, the rest their rates.
    lines = [None if v is None or not np.isfinite(v) else v for v in plotly_values(_spec(at, "eval_did_lines")["data"][0]["y"])]
    rates = result.rates(result.treated)
    assert [v is None for v in lines] == rates["rate"].isna().tolist()
    assert all(math.isclose(a, b) for a, b in zip([v for v in lines if v is not None], rates["rate"].dropna()))

    at = open_as(role, places["Camden"], "evaluation.py", timeout=300)
    assert at.title[0].value.startswith("Camden, Camden frailty team: ")
    assert words.summary(evaluation.estimates(expected["camden_frailty_team"])) in at.title[0].value
    at = open_as(role, places["Barnet"], "evaluation.py", timeout=300)
    assert at.title[0].value == "No intervention of the catalogue reached Barnet"
