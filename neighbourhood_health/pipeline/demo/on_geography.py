"""Synthetic extracts on a real (imported) geography.

`generate_on_geography` reads a geo folder written by `python -m neighbourhood_health import-geo`
(real LSOA 2021 boundaries, a neighbourhood lookup, IMD) and writes synthetic person-level,
activity and aggregate extracts whose residents live in those small areas, with the demo's disease
and activity models. It lets an analyst see the dashboard on their own geography before real
extracts arrive, and lets the tests exercise the whole path from ONS files to rendered pages.
Residents are synthetic; the manifest says so.
"""
from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from neighbourhood_health.pipeline.atomic import staged_dir
from neighbourhood_health.pipeline.geo import find_boundary_file, read_boundaries
from neighbourhood_health.pipeline.demo import EXTRACT_DATE, _write
from neighbourhood_health.pipeline.demo.activity import generate_activity
from neighbourhood_health.pipeline.demo.aggregates import generate_aggregates
from neighbourhood_health.pipeline.demo.conditions import reference_prevalence
from neighbourhood_health.pipeline.demo.geography import Geography
from neighbourhood_health.pipeline.demo.population import ETHNIC_MIX, LONDON_MIX, generate_residents

# The borough whose ethnicity mix is nearest London's: used for places the demo has no mix for.
NEAREST_LONDON = min(ETHNIC_MIX, key=lambda b: np.abs(np.array(ETHNIC_MIX[b]) - LONDON_MIX).sum())


def _mix_borough(place_name: str) -> str:
    """The demo borough whose ethnicity mix stands in for a place (its own when the demo knows it)."""
    return next((b for b in ETHNIC_MIX if b in place_name), NEAREST_LONDON)


def read_geography(geo_dir: Path, residents_per_area: int, rng: np.random.Generator) -> Geography:
    """A demo Geography from a geo folder: about `residents_per_area` residents in each small area."""
    geo_dir = Path(geo_dir)
    lookup = pd.read_csv(geo_dir / "area_lookup.csv", dtype=str)
    deprivation = pd.read_csv(geo_dir / "deprivation.csv", dtype={"small_area_code": str})
    if "imd_score" not in deprivation:
        deprivation["imd_score"] = np.nan
    lookup["borough_name"] = lookup["place_name"].map(_mix_borough)
    small_areas: gpd.GeoDataFrame = read_boundaries(find_boundary_file(geo_dir))
    sizes = rng.normal(1.0, 0.12, len(lookup)).clip(0.7, 1.3) * residents_per_area
    target = pd.Series(np.round(sizes).astype(int), index=lookup["small_area_code"])
    return Geography(small_areas, lookup, deprivation, target)


def generate_on_geography(geo_dir: Path, extracts_dir: Path, residents_per_area: int = 150,
                          seed: int = 20261128) -> dict:
    """Write synthetic extracts for the geography in geo_dir; return a summary of what was written."""
    rng = np.random.default_rng(seed)
    geo = read_geography(geo_dir, residents_per_area, rng)
    persons, _truth, practices, intercepts, drivers = generate_residents(geo, EXTRACT_DATE, rng)
    activity = generate_activity(persons, drivers, EXTRACT_DATE, rng)
    aggregates = generate_aggregates(geo.lookup, geo.deprivation, persons, activity, EXTRACT_DATE, rng)
    reference = reference_prevalence(intercepts, LONDON_MIX, np.random.default_rng(seed + 1))
    reference["source"] = "Synthetic modelled estimate (demo disease model, London ethnicity mix)"
    manifest = {"extract_date": EXTRACT_DATE.date().isoformat(),
                "source": f"Synthetic residents on the imported geography in {Path(geo_dir).name}",
                "seed": seed, "residents_per_area": residents_per_area}
    with staged_dir(extracts_dir) as tmp:
        _write(persons, tmp / "persons.parquet", ("bp_date", "hba1c_date", "smi_health_check_date"))
        _write(activity, tmp / "activity.parquet", ("event_date",))
        practices.to_parquet(tmp / "practices.parquet", index=False)
        aggregates.to_parquet(tmp / "aggregate_measures.parquet", index=False)
        reference.to_parquet(tmp / "reference_prevalence.parquet", index=False)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return {"small_areas": len(geo.lookup), "residents": len(persons), "activity_rows": len(activity),
            "practices": len(practices)}
