"""An evaluation as a report: what `python -m neighbourhood_health evaluate` prints (text or JSON) and
what the board pack's evaluation slide says. Like the pack, it is built from protected figures
whoever runs it: the command line has no signed-in viewer."""
from __future__ import annotations

import json
import math

from neighbourhood_health.measures import evaluation
from neighbourhood_health.pipeline.intervention_catalogue import Intervention, find, load_interventions
from neighbourhood_health.present import evaluation_text as words
from neighbourhood_health.privacy import disclosure


def _number(value: float) -> float | None:
    return round(float(value), 4) if value is not None and math.isfinite(value) else None


def report(result: evaluation.Evaluation) -> dict:
    """Everything an evaluation found, as plain data."""
    item, measure = result.intervention, result.measure
    areas = ", ".join(item.areas)
    designs, table = [], evaluation.estimates(result)
    for _, row in table.iterrows():
        designs.append({
            "design": row["design"], "label": row["label"], "rate_ratio": _number(row["ratio"]),
            "lower_95": _number(row["lower"]), "upper_95": _number(row["upper"]), "p_value": _number(row["p_value"]),
            "finding": (f"not estimated: {row['error']}" if row["error"] else
                        words.finding(row["design"], row["ratio"], row["lower"], row["upper"], measure["name"], areas,
                                      item.expected_direction)),
            "assumes": words.ASSUMPTIONS[row["design"]], "undermined_by": words.UNDERMINED_BY[row["design"]],
        })
    details = {}
    if result.did:
        details["comparators"] = [result.names.get(c, c) for c in result.did.comparators]
        details["pre_trend_p"] = _number(result.did.pre_trend_p)
    if result.synthetic:
        details["synthetic_weights"] = {result.names.get(k, k): round(float(v), 4) for k, v in result.synthetic.weights.items()}
        details["placebos"] = len(result.synthetic.placebos)
    return {
        "intervention": {"id": item.intervention_id, "name": item.name, "areas": list(item.areas),
                         "start": f"{item.start:%Y-%m-%d}", "expected_direction": item.expected_direction},
        "measure": {"id": str(measure.name), "name": measure["name"], "unit": measure["unit"]},
        "figures": "exact" if result.exact else "protected",
        "treated_neighbourhoods": [result.names.get(c, c) for c in result.treated],
        "summary": words.summary(table),
        "designs": designs, **details,
    }


def as_text(data: dict) -> str:
    lines = [f"{data['intervention']['name']} ({data['intervention']['id']}), from {data['intervention']['start']}: "
             f"{data['measure']['name']}", f"{data['summary']}.",
             f"Figures: {data['figures']}. Treated neighbourhoods: {', '.join(data['treated_neighbourhoods'])}.", ""]
    for design in data["designs"]:
        lines += [f"{design['label']}: {design['finding']}", f"  Assumes: {design['assumes']}",
                  f"  Undermined by: {design['undermined_by']}", ""]
    return "\n".join(lines).rstrip()


def run_evaluate(cfg, intervention_id: str, measure_id: str | None, as_json: bool) -> str:
    """The `evaluate` command: one intervention on its primary measure (or `measure_id`), protected figures."""
    from neighbourhood_health.pipeline.cohort_catalogue import load_cohorts
    from neighbourhood_health.pipeline.contract_files import register_extracts
    from neighbourhood_health.store import Database
    if not (cfg.marts_dir / "measure_values.parquet").exists():
        raise ValueError(f"No marts in {cfg.marts_dir}: run `python -m neighbourhood_health build` first")
    db = Database(cfg.marts_dir, cfg.extracts_dir, register_extracts)
    run = disclosure.for_viewer(db.run, [])
    catalogue = load_interventions(cfg.extracts_dir, run("app/measure_catalogue")["measure_id"],
                                   list(load_cohorts(cfg.extracts_dir)))
    item: Intervention = find(catalogue, intervention_id)
    data = report(evaluation.evaluate(run, item, measure_id or item.primary_measure, catalogue))
    return json.dumps(data, indent=2) if as_json else as_text(data)
