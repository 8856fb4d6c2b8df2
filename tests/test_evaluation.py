"""Evaluating the demo's two service changes: each design's 95% interval contains the effect the
generator planted, and the finding says which way it went.

On the demo at scale 0.1 (about 430,000 residents, so that a borough's infants and frail residents
number in the hundreds), on the exact figures (the generator's own draw, whatever the privacy key):
protected figures add rounding that, at this scale, is as large as the effects themselves (the
page says so, and its intervals widen). The planted rate ratios come from the generator's
parameters (`SERVICE_CHANGES`); the estimators see only the marts. The placebo study
(benchmarks/placebo.py) is the check that the intervals are not merely wide.
"""
from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

from neighbourhood_health.__main__ import main
from neighbourhood_health.measures import evaluation
from neighbourhood_health.pipeline.demo.activity import SERVICE_CHANGES
from neighbourhood_health.pipeline.intervention_catalogue import InterventionError, load_interventions
from neighbourhood_health.present import evaluation_text as words
from neighbourhood_health.privacy import disclosure
from neighbourhood_health.store import Database


@pytest.fixture(scope="module")
def london(evaluation_demo):
    return evaluation_demo


def _planted(change: dict):
    """The catalogue's entry for a planted change: the same place and start."""
    catalogue = load_interventions()
    return next(i for i in catalogue if change["place"] in i.areas and i.start == pd.Timestamp(change["date"])), catalogue


@pytest.mark.parametrize("change", SERVICE_CHANGES, ids=[c["place"] for c in SERVICE_CHANGES])
def test_every_design_contains_the_planted_effect_and_says_it_fell(london, change):
    intervention, catalogue = _planted(change)
    db = Database(london.marts_dir, london.extracts_dir)
    tree = db.run("app/areas", exact_areas=[])
    everyone = list(tree.loc[tree["area_level"] == "neighbourhood", "area_code"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = evaluation.evaluate(disclosure.for_viewer(db.run, everyone), intervention,
                                     intervention.primary_measure, catalogue)
    assert result.exact and not result.errors
    table = evaluation.estimates(result)
    planted = change["rate_ratio"]
    for _, row in table.iterrows():
        assert row["lower"] <= planted <= row["upper"], (row["design"], row["ratio"], row["lower"], row["upper"])
        assert row["ratio"] < 1, row["design"]
        sentence = words.finding(row["design"], row["ratio"], row["lower"], row["upper"], "x", change["place"], "lower")
        assert "lower" in sentence
    assert (table["upper"] < 1).any()          # at least one design finds the fall beyond chance
    # The comparators are neighbourhoods the intervention did not reach, matched closer than the pool.
    assert result.did and not set(result.did.comparators) & set(result.treated)
    assert result.balance["smd_after"].abs().mean() < result.balance["smd_before"].abs().mean()
    assert len(result.synthetic.placebos) >= 19 and abs(result.synthetic.weights.sum() - 1) < 1e-6


def test_evaluate_command_prints_json_from_protected_figures(london, monkeypatch, capsys):
    monkeypatch.setenv("NHD_DATA_DIR", str(london.data_dir))
    monkeypatch.setenv("NHD_GEO_DIR", str(london.geo_dir))
    assert main(["evaluate", "--intervention", "camden_frailty_team", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["figures"] == "protected" and data["measure"]["id"] == "frail_emergency_admissions"
    assert [d["design"] for d in data["designs"]] == ["did", "synthetic", "its"]
    assert all(d["rate_ratio"] is not None and d["lower_95"] < d["upper_95"] or d["upper_95"] is None
               for d in data["designs"])
    assert main(["evaluate", "--intervention", "nothing_like_it"]) == 1
    assert "no intervention 'nothing_like_it'" in capsys.readouterr().err


def test_a_deployment_catalogue_replaces_the_demo_one_and_bad_rows_are_named(tmp_path):
    (tmp_path / "interventions.csv").write_text(
        "intervention_id,name,areas,start_date,cohort,measures,expected_direction,notes\n"
        "a,A team,Barnet,2025-04-15,,emergency_admissions,down,\n"
        "b,B team,,2025-04-01,nope,unknown_measure,lower,\n")
    with pytest.raises(InterventionError) as raised:
        load_interventions(tmp_path, ["emergency_admissions"], ["frail_emergency_admissions"])
    message = str(raised.value)
    assert "interventions.csv row 2 (a), column start_date: 2025-04-15 is not the first day of a month" in message
    assert "row 2 (a), column expected_direction: 'down'" in message
    assert "row 3 (b), column areas: empty" in message
    assert "row 3 (b), column measures: unknown_measure not in the measure catalogue" in message
    assert "row 3 (b), column cohort: 'nope'" in message
    (tmp_path / "interventions.csv").write_text(
        "intervention_id,name,areas,start_date,cohort,measures,expected_direction,notes\n"
        "a,A team,Barnet;Enfield,2025-04-01,,emergency_admissions,lower,\n")
    [only] = load_interventions(tmp_path)
    assert only.areas == ("Barnet", "Enfield") and only.primary_measure == "emergency_admissions"


def test_findings_say_consistent_with_no_change_when_the_interval_includes_it():
    assert words.finding("did", 0.9, 0.7, 1.1, "Admissions", "Camden", "lower").startswith("Consistent with no change")
    said = words.finding("its", 0.66, 0.5, 0.8, "Admissions", "Harrow", "lower")
    assert "34% lower" in said and "from 50% lower to 20% lower" in said and "aimed for" in said
    assert "opposite" in words.finding("did", 1.3, 1.1, 1.5, "Admissions", "Harrow", "lower")
