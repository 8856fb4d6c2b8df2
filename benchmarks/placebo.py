"""Placebo study of the evaluation designs: interventions placed where nothing was planted.

Each of `--n` placebo interventions (default 120) reaches one place chosen at random (never Harrow or
Camden, where the demo planted its two service changes), starts in a month chosen at random with at
least 12 months before and 6 after it, and is evaluated on one activity measure chosen at random,
exactly as the Evaluation page would (`measures.evaluation.evaluate`, protected figures unless
`--exact`). A design whose 95% intervals are right excludes a rate ratio of 1 about 5% of the time.

    .venv/bin/python benchmarks/placebo.py --root /tmp/nhd_placebo [--scale 0.25] [--n 120] [--exact]

Generates the London demo at `--scale` under `--root` if it is not there. Prints, per design, the
share of intervals that exclude no change with its Wilson 95% interval, and the median width.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neighbourhood_health.config import settings  # noqa: E402
from neighbourhood_health.measures import evaluation  # noqa: E402
from neighbourhood_health.pipeline.demo.activity import SERVICE_CHANGES  # noqa: E402
from neighbourhood_health.pipeline.intervention_catalogue import Intervention, load_interventions  # noqa: E402
from neighbourhood_health.privacy import disclosure  # noqa: E402
from neighbourhood_health.stats import wilson_limits  # noqa: E402
from neighbourhood_health.store import Database  # noqa: E402

MEASURES = ["emergency_admissions", "ae_attendances", "elective_admissions", "infant_ae_attendances",
            "frail_emergency_admissions", "infant_low_acuity_ae"]


def demo(root: Path, scale: float):
    cfg = dataclasses.replace(settings(), data_dir=root / "data", geo_dir=root / "geo", demo_scale=scale,
                              demo_geography="london", auto_demo=False)
    if not (cfg.marts_dir / "measure_values.parquet").exists():
        from neighbourhood_health.pipeline.build import build_marts
        from neighbourhood_health.pipeline.demo import generate
        generate(cfg)
        build_marts(cfg)
    return cfg


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/nhd_placebo"))
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--n", type=int, default=120)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--exact", action="store_true", help="exact figures (an all-seeing viewer) instead of protected")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    cfg = demo(args.root, args.scale)
    db = Database(cfg.marts_dir, cfg.extracts_dir)
    tree = db.run("app/areas", exact_areas=[])
    neighbourhoods = list(tree.loc[tree["area_level"] == "neighbourhood", "area_code"])
    run = disclosure.for_viewer(db.run, neighbourhoods if args.exact else [])
    catalogue = load_interventions()
    planted = {change["place"] for change in SERVICE_CHANGES}
    places = sorted(tree.loc[(tree["area_level"] == "place") & ~tree["area_name"].isin(planted), "area_code"])
    months = pd.date_range("2024-11-01", "2026-05-01", freq="MS")
    rng = np.random.default_rng(args.seed)
    rows, started = [], time.perf_counter()
    for i in range(args.n):
        place, start, measure = rng.choice(places), months[rng.integers(len(months))], rng.choice(MEASURES)
        item = Intervention(f"placebo_{i}", f"Placebo {i}", (str(place),), start, "", (str(measure),), "lower", "")
        result = evaluation.evaluate(run, item, str(measure), catalogue)
        for _, row in evaluation.estimates(result).iterrows():
            rows.append({"i": i, "place": place, "start": start, "measure": measure, **row.to_dict()})
    seconds = time.perf_counter() - started
    table = pd.DataFrame(rows)
    table["excludes_1"] = (table["upper"] < 1) | (table["lower"] > 1)
    table["width"] = np.log(table["upper"]) - np.log(table["lower"])
    print(f"Placebo study: {args.n} interventions on random places (not {', '.join(sorted(planted))}), months and "
          f"activity measures; London demo at scale {args.scale}, {'exact' if args.exact else 'protected'} figures; "
          f"{seconds:.0f} s ({seconds / args.n:.1f} s per evaluation)")
    print(f"{'design':<48} {'estimated':>9} {'exclude 1':>9} {'share':>7} {'95% interval':>16} {'median log width':>17}")
    for design, part in table.groupby("design", sort=False):
        done = part.dropna(subset=["ratio"])
        k, n = int(done["excludes_1"].sum()), len(done)
        lower, upper = (float(x[0]) for x in wilson_limits(k, n))
        finite = done["width"][np.isfinite(done["width"])]
        print(f"{part['label'].iloc[0]:<48} {n:>9} {k:>9} {k / n:>7.1%} "
              f"{lower:>7.1%} – {upper:<6.1%} {finite.median():>17.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
