"""The demo on London's real map: North Central and North West London's real small areas,
deprivation and population, with synthetic residents.

The geography ships with the package (`london/`, made by scripts/make_london_demo_geography.py from
public ONS and MHCLG files; its README gives sources and licences): LSOA 2021 boundaries of the 13
boroughs, IMD 2019 on LSOA 2011 codes with the ONS 2011→2021 lookup, mid-2019 population by broad
age band on LSOA 2011, and synthetic neighbourhoods grouping whole MSOAs. It is read through the
same import a user's own files go through (`geo_import.import_geography`), so IMD is carried to
2021 areas exactly as theirs would be.

Populations are carried to 2021 areas the same way: an unchanged or merged area takes its 2011
areas' residents; a 2011 area split (or changed in a complex way) is shared among its 2021 parts in
proportion to their 2021 residents. Each small area's residents are drawn with its own broad age
mix, and each borough's recorded prevalence is calibrated to QOF 2019/20 (House of Commons Library's
modelled borough figures, shipped as `qof_borough_prevalence.csv`) by shifting true prevalence.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from neighbourhood_health.pipeline.demo.geography import BNG, Geography
from neighbourhood_health.pipeline.demo.population import BROAD_BANDS
from neighbourhood_health.pipeline.geo_import import import_geography

FILES = Path(__file__).resolve().parent / "london"
BOUNDARIES = FILES / "lsoa21.parquet"
NEIGHBOURHOODS = FILES / "neighbourhoods.csv"
IMD = FILES / "imd2019_lsoa11.csv"
CHANGES = FILES / "lsoa11_to_lsoa21.csv"
POPULATION = FILES / "population_mid2019_lsoa11.csv"
QOF = FILES / "qof_borough_prevalence.csv"


def populations_2021() -> pd.DataFrame:
    """Mid-2019 residents by broad age band on LSOA 2021 (index LSOA21CD, columns BROAD_BANDS)."""
    changes = pd.read_csv(CHANGES, dtype={"LSOA11CD": str, "LSOA21CD": str, "CHGIND": str})
    changes = changes.drop_duplicates(["LSOA11CD", "LSOA21CD"])
    new_residents = changes["TotalRes21"].astype(float)
    share = new_residents / new_residents.groupby(changes["LSOA11CD"]).transform("sum")
    share = share.where(changes.groupby("LSOA11CD")["LSOA21CD"].transform("size") > 1, 1.0)
    people = pd.read_csv(POPULATION, dtype={"LSOA11CD": str}).set_index("LSOA11CD")
    bands = people[[f"Persons_{band}" for band in BROAD_BANDS]].set_axis(list(BROAD_BANDS), axis=1)
    carried = bands.reindex(changes["LSOA11CD"]).to_numpy() * share.to_numpy()[:, None]
    return pd.DataFrame(carried, columns=list(BROAD_BANDS)).groupby(changes["LSOA21CD"].to_numpy()).sum()


def recorded_targets() -> pd.DataFrame:
    """borough_name, condition, prevalence, list_min_age: QOF 2019/20 recorded prevalence per borough."""
    return pd.read_csv(QOF)


def london_geography(scale: float, rng: np.random.Generator) -> Geography:
    """The 13 boroughs' real geography with `scale` × their mid-2019 residents."""
    with tempfile.TemporaryDirectory(prefix="nhd_london_") as tmp:
        geo_dir = Path(tmp) / "geo"
        import_geography(BOUNDARIES, NEIGHBOURHOODS, IMD, geo_dir, lsoa11_to_21=CHANGES)
        lookup = pd.read_csv(geo_dir / "area_lookup.csv", dtype=str)
        deprivation = pd.read_csv(geo_dir / "deprivation.csv", dtype={"small_area_code": str})
        small_areas = gpd.read_parquet(geo_dir / "small_areas.parquet").to_crs(BNG)
    if "imd_score" not in deprivation:
        deprivation["imd_score"] = np.nan
    lookup["borough_name"] = lookup["place_name"]
    mix = populations_2021().reindex(lookup["small_area_code"])
    if mix.isna().any().any():
        raise ValueError(f"{POPULATION.name}: no residents for {int(mix.isna().any(axis=1).sum())} small areas")
    total = mix.sum(axis=1) * scale
    target = pd.Series(np.maximum(1, np.round(total.to_numpy())).astype(int), index=lookup["small_area_code"])
    return Geography(small_areas, lookup, deprivation, target, age_mix=mix, recorded_targets=recorded_targets())
