"""Deterministic synthetic data for North Central and North West London: by default on the real map
(`london`: real small areas, deprivation and population), or on Voronoi boroughs (`geography`,
NHD_DEMO_GEOGRAPHY=voronoi) for scales and shapes the real map cannot give.

`generate()` writes the same files a real deployment provides (see docs/data-contract.md):
boundaries, lookup and deprivation in the geo folder; person-level, activity and aggregate
extracts, practices, reference prevalence and the neighbourhood teams' caseloads in the extracts
folder. The national datasets' codes on the activity, its GP appointments and the caseloads are
drawn last, from generators of their own (seed + 7, seed + 8), so that every other row and figure
is what it was before they existed. The residents' *true*
condition status goes to a separate `demo_truth/` folder that the app never reads: it exists so
tests can check that prevalence gaps estimated from reference rates find what is really missing.
"""
from __future__ import annotations

import json
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from neighbourhood_health.pipeline.atomic import staged_dir
from neighbourhood_health.config import Settings
from neighbourhood_health.pipeline.demo.activity import SERVICE_CHANGES, generate_activity
from neighbourhood_health.pipeline.demo.aggregates import generate_aggregates
from neighbourhood_health.pipeline.demo.caseload import generate_caseload
from neighbourhood_health.pipeline.demo.conditions import reference_prevalence
from neighbourhood_health.pipeline.demo.geography import build_geography
from neighbourhood_health.pipeline.demo.london import london_geography
from neighbourhood_health.pipeline.demo.national import with_national_codes
from neighbourhood_health.pipeline.demo.population import LONDON_MIX, generate_residents

EXTRACT_DATE = pd.Timestamp("2026-10-31")

Progress = Callable[[float, str], None]


def _write(frame: pd.DataFrame, path, dates: tuple[str, ...] = (), row_group_size: int = 1_000_000) -> None:
    """Write parquet with calendar dates stored as DATE, as real extracts carry them."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for name in dates:
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, pc.cast(table[name], pa.date32()))
    pq.write_table(table, path, row_group_size=row_group_size)


def generate(cfg: Settings, progress: Progress = lambda f, m: None) -> dict:
    """Generate demo data at cfg.demo_scale from cfg.demo_seed; return a summary of what was written."""
    rng = np.random.default_rng(cfg.demo_seed)
    if cfg.demo_geography == "london":
        progress(0.02, "Reading London's small areas, deprivation and population")
        geo = london_geography(cfg.demo_scale, rng)
    else:
        progress(0.02, "Drawing neighbourhoods and small areas")
        geo = build_geography(cfg.demo_scale, rng)
    progress(0.10, f"Creating {int(geo.target_population.sum()):,} residents")
    persons, truth, practices, intercepts, drivers = generate_residents(geo, EXTRACT_DATE, rng)
    progress(0.45, "Creating 36 months of activity")
    activity = generate_activity(persons, drivers, EXTRACT_DATE, rng, person_index=True)
    progress(0.75, "Creating standards and experience measures")
    aggregates = generate_aggregates(geo.lookup, geo.deprivation, persons, activity, EXTRACT_DATE, rng)
    reference = reference_prevalence(intercepts, LONDON_MIX, np.random.default_rng(cfg.demo_seed + 1))
    reference["source"] = "Synthetic modelled estimate (demo disease model, London ethnicity mix)"
    progress(0.78, "Coding activity as the national datasets do; GP appointments; caseloads")
    activity = with_national_codes(activity, persons, drivers, EXTRACT_DATE, np.random.default_rng(cfg.demo_seed + 7))
    caseload = generate_caseload(persons, activity, geo.lookup, EXTRACT_DATE, np.random.default_rng(cfg.demo_seed + 8))

    progress(0.82, "Writing boundaries")
    with staged_dir(cfg.geo_dir) as tmp:
        geo.small_areas.to_parquet(tmp / "small_areas.parquet")
        geo.lookup.to_csv(tmp / "area_lookup.csv", index=False)
        geo.deprivation.to_csv(tmp / "deprivation.csv", index=False)
    progress(0.86, "Writing extracts")
    source = ("Synthetic residents on the real map of North Central and North West London (ONS LSOA 2021, "
              "IMD 2019, mid-2019 population)" if cfg.demo_geography == "london" else "Synthetic demo data")
    manifest = {"extract_date": EXTRACT_DATE.date().isoformat(), "source": source,
                "geography": cfg.demo_geography, "seed": cfg.demo_seed, "scale": cfg.demo_scale,
                "service_changes": SERVICE_CHANGES}
    with staged_dir(cfg.extracts_dir) as tmp:
        _write(persons, tmp / "persons.parquet", ("bp_date", "hba1c_date", "smi_health_check_date"), 500_000)
        _write(activity, tmp / "activity.parquet", ("event_date", "admission_date", "discharge_date"))
        _write(caseload, tmp / "caseload.parquet", ("start_date", "end_date"))
        practices.to_parquet(tmp / "practices.parquet", index=False)
        aggregates.to_parquet(tmp / "aggregate_measures.parquet", index=False)
        reference.to_parquet(tmp / "reference_prevalence.parquet", index=False)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    with staged_dir(cfg.data_dir / "demo_truth") as tmp:
        truth.to_parquet(tmp / "true_conditions.parquet", index=False)
    progress(1.0, "Demo data ready")
    return {"small_areas": len(geo.lookup), "residents": len(persons), "activity_rows": len(activity),
            "aggregate_rows": len(aggregates), "practices": len(practices), "caseload_episodes": len(caseload)}
