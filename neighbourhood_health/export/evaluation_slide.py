"""The board pack's evaluation slides (as the keyword arguments of `content.Slide`, its chart's of
`content.Chart` with plain float series, so that this module need not import the one that imports it): one per intervention of the catalogue that reached the pack's
area, its primary outcome estimated by the three designs of the Evaluation page, from protected
figures (the pack's database binds no exact areas)."""
from __future__ import annotations

import warnings

import pandas as pd

from neighbourhood_health.measures import evaluation
from neighbourhood_health.pipeline.cohort_catalogue import load_cohorts
from neighbourhood_health.pipeline.intervention_catalogue import load_interventions
from neighbourhood_health.present import evaluation_text as words
from neighbourhood_health.present.charts.evaluation import estimates_figure


def evaluation_slides(db, pack) -> list[dict]:
    """One slide per intervention of the catalogue that reached the pack's area: the three designs'
    estimates of its primary outcome, from protected figures, and what they assume (in the notes)."""
    tree = db.run("app/areas")
    inside = tree[(tree["area_level"] == "neighbourhood") & ((tree["area_code"] == pack.area_code)
                  | (tree["place_code"] == pack.area_code) | (tree["icb_code"] == pack.area_code))]
    catalogue = load_interventions(db.extracts_dir, db.run("app/measure_catalogue")["measure_id"],
                                   list(load_cohorts(db.extracts_dir)))
    slides = []
    for item in catalogue:
        try:
            if not set(evaluation.treated_neighbourhoods(item.areas, tree)) & set(inside["area_code"]):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                result = evaluation.evaluate(db.run, item, item.primary_measure, catalogue)
        except ValueError:
            continue   # areas or measure not in this extract: the Evaluation page says why
        table = evaluation.estimates(result)
        done = table.dropna(subset=["ratio"])
        name = result.measure["name"]
        findings = [f"{row['label']}: " + (f"not estimated ({row['error']})" if row["error"] else words.finding(
            row["design"], row["ratio"], row["lower"], row["upper"], name, ", ".join(item.areas), item.expected_direction))
            for _, row in table.iterrows()]
        slides.append(dict(
            key=f"evaluation_{item.intervention_id}", heading="Evaluation", title=f"{item.name}: {words.summary(table)}",
            lines=[f"{name}, from {item.start:%B %Y}; protected figures. Each design assumes something different: "
                   "agreement between them is the stronger evidence (assumptions in the notes)."],
            chart=dict(kind="bar", categories=list(done["label"]),
                       series={"Change after the start (%)": list((done["ratio"] - 1) * 100)},
                       value_title="Change after the start (%)", number_format="0", horizontal=True),
            figure=estimates_figure(table, f"Change in {name} after the start, by design"),
            table=pd.DataFrame({"Design": table["label"],
                                "Change": [words.change_words(r) for r in table["ratio"]],
                                "95% interval": [words.interval_words(lo, up) for lo, up in zip(table["lower"], table["upper"])]}),
            notes=" ".join(findings) + " Assumptions: " + " ".join(
                f"{words.DESIGN_LABELS[d]}: {words.ASSUMPTIONS[d]}" for d in words.ASSUMPTIONS)))
    return slides
