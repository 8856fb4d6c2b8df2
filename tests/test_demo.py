"""The demo generator: deterministic, valid, and shaped like the two London systems."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import shapely

from neighbourhood_health.pipeline.demo import generate
from neighbourhood_health.pipeline.demo.geography import build_geography
from neighbourhood_health.pipeline.validate import validate_folder


def _small_cfg(cfg, root, seed):
    return dataclasses.replace(cfg, data_dir=root / "data", geo_dir=root / "geo", demo_scale=0.005, demo_seed=seed,
                               demo_geography="voronoi")


@pytest.fixture(scope="module")
def twins(demo_cfg, tmp_path_factory):
    """Three tiny datasets: two from one seed, one from another."""
    out = []
    for i, seed in enumerate((7, 7, 8)):
        cfg = _small_cfg(demo_cfg, tmp_path_factory.mktemp(f"twin{i}"), seed)
        generate(cfg)
        out.append(cfg)
    return out


@pytest.mark.parametrize("name", ["persons", "activity", "aggregate_measures", "practices", "reference_prevalence"])
def test_generator_is_deterministic(twins, name):
    a, b, c = (pd.read_parquet(cfg.extracts_dir / f"{name}.parquet") for cfg in twins)
    pd.testing.assert_frame_equal(a, b)
    if name in ("persons", "activity"):
        assert not a.equals(c), "a different seed must give different data"


def test_boundaries_are_deterministic(twins):
    import geopandas as gpd
    a, b = (gpd.read_parquet(cfg.geo_dir / "small_areas.parquet") for cfg in twins[:2])
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all()


def test_generated_data_passes_validation(demo_cfg):
    report = validate_folder(demo_cfg.extracts_dir, demo_cfg.geo_dir)
    assert report.ok, report.as_text()
    assert not report.problems, report.as_text()


@pytest.fixture(scope="module")
def london():
    return build_geography(1.0, np.random.default_rng(20261128))


def test_two_systems_with_real_boroughs_and_18_ncl_neighbourhoods(london):
    lk = london.lookup
    ncl = lk[lk.icb_name.str.startswith("North Central")]
    nwl = lk[lk.icb_name.str.startswith("North West")]
    assert set(ncl.place_name) == {"Barnet", "Camden", "Enfield", "Haringey", "Islington"}
    assert ncl.neighbourhood_code.nunique() == 18
    assert nwl.place_name.nunique() == 7 and "Kensington and Chelsea and Westminster (Bi-borough)" in set(nwl.place_name)


def test_population_and_neighbourhood_sizes_at_full_scale(london):
    pop = london.target_population
    assert 4.2e6 < pop.sum() < 4.4e6
    by_nbhd = pop.groupby(london.lookup.set_index("small_area_code").neighbourhood_code).sum()
    assert by_nbhd.between(60_000, 130_000).all(), by_nbhd.describe()
    assert 1_200 < pop.mean() < 1_800


def test_small_areas_tile_each_borough_without_gaps_or_overlaps(london):
    sa = london.small_areas.merge(london.lookup[["small_area_code", "borough_name"]])
    for borough, part in sa.groupby("borough_name"):
        union = shapely.union_all(part.geometry.values)
        assert abs(union.area - part.geometry.area.sum()) / union.area < 1e-6, borough  # no overlaps
        assert union.geom_type == "Polygon", f"{borough} has gaps or pieces"


def test_boroughs_sit_where_they_really_are(london):
    """Centroids in WGS84 within about 3 km of the real borough centres."""
    sa = london.small_areas.merge(london.lookup[["small_area_code", "borough_name"]])
    centre = sa.dissolve("borough_name").to_crs("EPSG:4326").geometry.centroid
    assert abs(centre["Camden"].x - -0.163) < 0.04 and abs(centre["Camden"].y - 51.546) < 0.03
    assert abs(centre["Hillingdon"].x - -0.443) < 0.06 and centre["Enfield"].y > centre["Islington"].y


def test_codes_are_visibly_synthetic(london):
    for col in ("small_area_code", "neighbourhood_code", "place_code", "icb_code", "borough_code"):
        assert london.lookup[col].str.fullmatch(r"Z\d{8}").all(), col


def test_deprivation_clusters_in_space(london):
    """Neighbouring small areas have more similar deciles than random pairs (spatial clustering)."""
    sa = london.small_areas.merge(london.deprivation)
    left, right = sa.sindex.query(sa.geometry, predicate="touches")
    d = sa.imd_decile.to_numpy()
    neighbours = np.abs(d[left] - d[right]).mean()
    rng = np.random.default_rng(0)
    shuffled = np.abs(d[left] - rng.permutation(d)[right]).mean()
    assert neighbours < 0.7 * shuffled


def test_residents_multimorbidity_and_under_diagnosis(demo_cfg):
    persons = pd.read_parquet(demo_cfg.extracts_dir / "persons.parquet")
    truth = pd.read_parquet(demo_cfg.data_dir / "demo_truth" / "true_conditions.parquet")
    n_ltc = persons.filter(like="ltc_").sum(axis=1)
    assert 0.17 < (n_ltc >= 1).mean() < 0.30
    assert 0.40 < (n_ltc >= 2).sum() / (n_ltc >= 1).sum() < 0.75
    merged = persons.merge(truth, on="person_id").merge(
        pd.read_csv(demo_cfg.geo_dir / "deprivation.csv"), on="small_area_code")
    deprived = merged.imd_decile <= 3
    detected = lambda m: merged.loc[m, "ltc_hypertension"].sum() / merged.loc[m, "true_hypertension"].sum()
    assert detected(deprived) < detected(~deprived) - 0.05
    assert (merged.ltc_hypertension <= merged.true_hypertension).all(), "recorded implies true"


def test_infants_are_among_the_highest_users_of_ae(demo_cfg):
    persons = pd.read_parquet(demo_cfg.extracts_dir / "persons.parquet", columns=["person_id", "age"])
    ae = pd.read_parquet(demo_cfg.extracts_dir / "activity.parquet")
    ae = ae[ae.event_type == "ae_attendance"].merge(persons)
    per_person = ae.groupby(pd.cut(ae.age, [-1, 0, 15, 64, 120])).size() / persons.groupby(
        pd.cut(persons.age, [-1, 0, 15, 64, 120])).size()
    assert per_person.iloc[0] > per_person.iloc[1] and per_person.iloc[0] > per_person.iloc[2]
