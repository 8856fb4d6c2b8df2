"""The default demo on London's real map: real LSOA 2021 areas, IMD 2019 carried from 2011, mid-2019
populations by broad age band, and recorded prevalence calibrated to QOF 2019/20 per borough.

Generated once at a small scale from the files shipped in the package (no ../shared needed); the
checks against the published files skip cleanly when ../shared/reference is absent.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from apptest import assert_clean, open_app
from conftest import reference_dir
from neighbourhood_health.config import settings
from neighbourhood_health.pipeline.demo import generate
from neighbourhood_health.pipeline.demo.london import populations_2021, recorded_targets
from neighbourhood_health.pipeline.demo.population import BROAD_BANDS

SCALE = 0.06                    # about 220,000 residents: each borough's registers are a few hundred and up
REF = reference_dir()
NCL, NWL = "E54000028", "E54000027"
CAMDEN, HARROW = "E09000007", "E09000015"


@pytest.fixture(scope="module")
def london(tmp_path_factory):
    from neighbourhood_health.pipeline.build import build_marts
    root = tmp_path_factory.mktemp("london_demo")
    cfg = dataclasses.replace(settings(), data_dir=root / "data", geo_dir=root / "geo", demo_scale=SCALE,
                              demo_geography="london", auto_demo=False)
    summary = generate(cfg)
    build_marts(cfg)
    persons = pd.read_parquet(cfg.extracts_dir / "persons.parquet")
    lookup = pd.read_csv(cfg.geo_dir / "area_lookup.csv", dtype=str)
    return cfg, summary, persons.merge(lookup, on="small_area_code"), lookup


def test_the_thirteen_boroughs_with_real_codes_and_synthetic_neighbourhoods(london):
    cfg, summary, _, lookup = london
    assert summary["small_areas"] == lookup["small_area_code"].nunique() == 1_989   # ONS: 806 in NCL, 1,183 in NWL
    assert lookup["small_area_code"].str.fullmatch(r"E01\d{6}").all()
    assert lookup["place_code"].str.fullmatch(r"E09\d{6}").all() and lookup["place_code"].nunique() == 13
    assert set(lookup["icb_code"]) == {NCL, NWL}
    assert lookup.groupby("icb_code")["neighbourhood_code"].nunique()[NCL] == 18
    assert lookup["neighbourhood_code"].str.startswith("Z70").all(), "neighbourhood codes are visibly synthetic"
    manifest = pd.read_json(cfg.marts_dir / "manifest.json", typ="series")
    assert manifest["source"].startswith("Synthetic residents on the real map") and manifest["geography"] == "london"


def test_residents_follow_each_small_areas_population_and_age_mix(london):
    _, _, persons, _ = london
    mix = populations_2021()
    expected = mix.sum(axis=1) * SCALE
    counts = persons.groupby("small_area_code").size().reindex(expected.index)
    assert (counts - expected).abs().max() <= 1
    bands = pd.cut(persons["age"], [-1, 15, 29, 44, 64, 200], labels=list(BROAD_BANDS))
    shares = bands.value_counts(normalize=True).reindex(list(BROAD_BANDS))
    real = mix.sum() / mix.sum().sum()
    assert np.allclose(shares.to_numpy(), real.to_numpy(), atol=0.005), (shares, real)
    # an area's own mix: the oldest tenth of areas (by 65+ share) have far more older residents
    old_share = mix["65+"] / mix.sum(axis=1)
    oldest = old_share[old_share >= old_share.quantile(0.9)].index
    youngest = old_share[old_share <= old_share.quantile(0.1)].index
    mean_age = persons.groupby("small_area_code")["age"].mean()
    assert mean_age[oldest].mean() > mean_age[youngest].mean() + 8


def test_recorded_prevalence_per_borough_is_within_ten_percent_of_qof(london):
    """Each borough's recorded prevalence (register ÷ residents of the register's list ages, as QOF
    counts it) is within 10% (relative) of QOF 2019/20, allowing for the binomial sampling of a
    demo this small (3 standard errors); the model's expected prevalence meets 10% at any size."""
    _, _, persons, _ = london
    worst = []
    for row in recorded_targets().itertuples():
        people = persons[(persons["place_name"] == row.borough_name) & (persons["age"] >= row.list_min_age)]
        observed = people[f"ltc_{row.condition}"].mean()
        se = np.sqrt(row.prevalence * (1 - row.prevalence) / len(people))
        worst.append((abs(observed / row.prevalence - 1) - 3 * se / row.prevalence, row.borough_name, row.condition,
                      observed, row.prevalence))
    worst.sort(reverse=True)
    assert worst[0][0] <= 0.10, worst[:5]


def test_under_diagnosis_still_follows_deprivation(london):
    """Calibration shifts true prevalence, not detection: the most deprived fifth still has more
    undiagnosed hypertension per true case than the least deprived (what prevalence gaps find)."""
    cfg, _, persons, _ = london
    truth = pd.read_parquet(cfg.data_dir / "demo_truth" / "true_conditions.parquet")
    depr = pd.read_csv(cfg.geo_dir / "deprivation.csv", dtype={"small_area_code": str})
    both = persons.merge(truth, on="person_id").merge(depr, on="small_area_code")
    cases = both[both["true_hypertension"]]
    fifth = np.select([cases["imd_decile"] <= 2, cases["imd_decile"] >= 9], ["most", "least"], "")
    detected = cases.groupby(fifth)["ltc_hypertension"].mean()
    assert detected["most"] < detected["least"] - 0.1


@pytest.mark.skipif(REF is None, reason="needs ../shared/reference (IMD 2019 File 2, ONS LSOA 2011→2021 lookup)")
def test_each_small_areas_imd_decile_is_the_published_one(london):
    """Unchanged and split areas carry their 2011 decile; a merged one the decile of its 2011 areas'
    mean national rank weighted by 2011 residents."""
    cfg = london[0]
    depr = pd.read_csv(cfg.geo_dir / "deprivation.csv", dtype={"small_area_code": str}).set_index("small_area_code")
    file2 = pd.read_csv(REF / "imd2019" / "File_2_-_IoD2019_Domains_of_Deprivation_London.csv")
    rank = file2.set_index("LSOA code (2011)")["Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"]
    decile = file2.set_index("LSOA code (2011)")["Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"]
    changes = pd.read_csv(REF / "lookups" / "lsoa11_to_lsoa21_london_exactfit.csv", dtype=str)
    changes = changes[changes["LSOA21CD"].isin(depr.index)].drop_duplicates(["LSOA11CD", "LSOA21CD"])
    simple = changes[changes["CHGIND"].isin(["U", "S"])]
    assert (depr.loc[simple["LSOA21CD"], "imd_decile"].to_numpy() == decile[simple["LSOA11CD"]].to_numpy()).all()
    merged = changes[changes["CHGIND"].isin(["M", "X"])].assign(
        rank=lambda t: rank[t["LSOA11CD"]].to_numpy(), weight=lambda t: t["TotalRes11"].astype(float))
    mean_rank = (merged["rank"] * merged["weight"]).groupby(merged["LSOA21CD"]).sum() / merged.groupby("LSOA21CD")["weight"].sum()
    assert len(mean_rank) and (depr.loc[mean_rank.index, "imd_decile"] == np.ceil(mean_rank / 3284.4)).all()
    assert len(simple) + len(mean_rank) >= len(depr) - 5


@pytest.mark.parametrize("icb, title", [(NCL, "North Central London"), (NWL, "North West London")])
def test_the_map_draws_the_real_small_areas_of_each_icb(london, monkeypatch, icb, title):
    cfg, _, _, lookup = london
    monkeypatch.setenv("NHD_DATA_DIR", str(cfg.data_dir))
    monkeypatch.setenv("NHD_GEO_DIR", str(cfg.geo_dir))
    monkeypatch.setenv("NHD_AUTO_DEMO", "0")
    at = open_app(area=icb, page="map.py")
    assert_clean(at)
    assert title in at.title[0].value
    notice = [c.value for c in at.sidebar.caption if "No real patient data" in c.value]
    assert notice and "Synthetic residents on the real map" in notice[0], "every page says the residents are synthetic"
    deck = at.get("deck_gl_json_chart")[0].proto.json
    names = lookup.loc[lookup["icb_code"] == icb, "neighbourhood_name"].unique()
    assert all(name in deck for name in names)
