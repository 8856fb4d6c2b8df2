"""Bring your own geography: real ONS LSOA 2021 boundaries, a neighbourhood lookup and IMD 2019 (on LSOA
2011 codes, carried over by the ONS 2011→2021 lookup) become a geo folder the app renders on.

Runs on the public reference data in ../shared/reference and skips cleanly when it is absent.
"""
from __future__ import annotations

import dataclasses
import math
import time

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from apptest import assert_clean, open_app
from digests import digest
from real_geography import BOUNDARIES, CHANGES, FILE_2, REF, neighbourhood_lookup
from neighbourhood_health.__main__ import main as cli
from neighbourhood_health.config import settings
from neighbourhood_health.pipeline.geo import build_layers
from neighbourhood_health.pipeline.geo_import import GeoImportError, import_geography

MYSOCIETY = "imd2019/mysociety_UK_IMD_E_London.csv"
IMD_RANK = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
IMD_DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
pytestmark = pytest.mark.skipif(REF is None or not (REF / BOUNDARIES).exists(),
                                reason="needs ../shared/reference (real ONS boundaries and IMD)")

NCL_THREE = ["E09000007", "E09000014", "E09000019"]   # Camden, Haringey, Islington


@pytest.fixture(scope="module")
def london(tmp_path_factory):
    """All of London imported once: 4,994 LSOA 2021, 33 boroughs, IMD 2019 via the 2011→2021 lookup."""
    root = tmp_path_factory.mktemp("london")
    lookup = neighbourhood_lookup()
    lookup.to_csv(root / "lookup.csv", index=False)
    inputs = (REF / BOUNDARIES, root / "lookup.csv", REF / FILE_2, REF / CHANGES)
    before = digest(*inputs)
    start = time.perf_counter()
    report = import_geography(REF / BOUNDARIES, root / "lookup.csv", REF / FILE_2, root / "geo",
                              lsoa11_to_21=REF / CHANGES)
    seconds = time.perf_counter() - start
    assert digest(*inputs) == before, "the import must not modify its inputs"
    print(f"\nLondon import: {seconds:.1f} s\n{report.as_text()}")
    return root / "geo", report, lookup


def test_every_london_lsoa_lands_in_exactly_one_neighbourhood(london):
    geo_dir, report, lookup = london
    written = pd.read_csv(geo_dir / "area_lookup.csv", dtype=str)
    shapes = gpd.read_file(REF / BOUNDARIES)
    assert len(written) == 4994 and written["small_area_code"].is_unique
    assert set(written["small_area_code"]) == set(shapes["LSOA21CD"])
    mine = lookup.set_index("LSOA21CD")["neighbourhood_code"]
    assert (written.set_index("small_area_code")["neighbourhood_code"] == mine.reindex(written["small_area_code"])).all()
    names = shapes.set_index("LSOA21CD")["LSOA21NM"]
    assert (written.set_index("small_area_code")["small_area_name"] == names.reindex(written["small_area_code"])).all()
    assert written.groupby("neighbourhood_code")["place_code"].nunique().max() == 1
    assert report.counts == {"small areas": 4994, "neighbourhoods": lookup["neighbourhood_code"].nunique(),
                             "places": 33, "ICBs": 5}


def test_imd_2019_is_carried_from_lsoa_2011_to_2021(london):
    geo_dir, report, _ = london
    assert report.lsoa_changes == {"U": 4659, "S": 313, "M": 22} and report.unmapped == []
    depr = pd.read_csv(geo_dir / "deprivation.csv", dtype={"small_area_code": str}).set_index("small_area_code")
    assert len(depr) == 4994 and depr["imd_decile"].between(1, 10).all()
    imd = pd.read_csv(REF / FILE_2, encoding="utf-8-sig").set_index("LSOA code (2011)")
    changes = pd.read_csv(REF / CHANGES, dtype={"TotalRes11": float})
    one_to_one = changes[changes["CHGIND"].isin(["U", "S"])]
    inherited = imd[IMD_DECILE].reindex(one_to_one["LSOA11CD"]).to_numpy()
    assert (depr["imd_decile"].reindex(one_to_one["LSOA21CD"]).to_numpy() == inherited).all()
    for code21, parts in changes[changes["CHGIND"] == "M"].groupby("LSOA21CD"):
        rank = (imd[IMD_RANK].reindex(parts["LSOA11CD"]).to_numpy() * parts["TotalRes11"]).sum() / parts["TotalRes11"].sum()
        assert depr.loc[code21, "imd_decile"] == math.ceil(rank / 3284.4), code21
    assert "4,659 unchanged" in report.as_text() and "313 parts of 132 split 2011 areas" in report.as_text()


def test_dissolved_neighbourhoods_keep_the_area_and_meet_without_gaps(london):
    geo_dir, report, _ = london
    written = gpd.read_parquet(geo_dir / "small_areas.parquet")
    assert written.crs.to_epsg() == 4326 and written.geometry.is_valid.all()
    lookup = pd.read_csv(geo_dir / "area_lookup.csv", dtype=str)
    layer = build_layers(geo_dir, lookup)["neighbourhood"].to_crs("EPSG:27700")
    assert len(layer) == lookup["neighbourhood_code"].nunique()
    source = gpd.read_file(REF / BOUNDARIES).area.sum()
    assert abs(layer.area.sum() / source - 1) < 0.005
    assert shapely.coverage_is_valid(layer.geometry.values)
    assert not report.warnings, report.as_text()
    assert "the neighbourhood layer (dissolved, simplified): neighbours meet within 1 m" in report.as_text()


@pytest.fixture(scope="module")
def three_boroughs(tmp_path_factory):
    """Camden, Haringey and Islington clipped from the London-wide files (IMD scores from mySociety's
    copy of IoD2019, via the 2011→2021 lookup), with synthetic extracts whose residents live in real
    LSOAs, an analyst's own reference prevalence, and built marts."""
    from neighbourhood_health.pipeline.build import build_marts
    from neighbourhood_health.pipeline.demo.on_geography import generate_on_geography
    root = tmp_path_factory.mktemp("ncl")
    neighbourhood_lookup(NCL_THREE).to_csv(root / "lookup.csv", index=False)
    report = import_geography(REF / BOUNDARIES, root / "lookup.csv", REF / MYSOCIETY, root / "geo",
                              lsoa11_to_21=REF / CHANGES, clip_to_lookup=True)
    cfg = dataclasses.replace(settings(), data_dir=root / "data", geo_dir=root / "geo", auto_demo=False)
    generate_on_geography(cfg.geo_dir, cfg.extracts_dir, residents_per_area=120)
    own = pd.read_parquet(cfg.extracts_dir / "reference_prevalence.parquet")
    own["prevalence"] = (own["prevalence"] * 0.9).round(6)
    own.to_parquet(cfg.extracts_dir / "reference_prevalence.parquet", index=False)
    build_marts(cfg)
    return cfg, report, own


def test_three_boroughs_clip_the_london_file(three_boroughs):
    cfg, report, _ = three_boroughs
    assert report.counts["small areas"] == 130 + 147 + 126 and report.counts["places"] == 3
    assert "left out: not in lookup.csv" in report.as_text()


def test_own_reference_prevalence_replaces_the_demo_one(three_boroughs):
    cfg, _, own = three_boroughs
    built = pd.read_parquet(cfg.marts_dir / "reference_prevalence.parquet")
    keys = ["condition", "age_band", "sex", "imd_quintile"]
    both = built.merge(own, on=keys, suffixes=("_built", "_own"))
    assert len(both) == len(own) and (both["prevalence_built"] == both["prevalence_own"]).all()


def test_app_renders_on_the_imported_geography(three_boroughs, monkeypatch):
    cfg, _, _ = three_boroughs
    monkeypatch.setenv("NHD_DATA_DIR", str(cfg.data_dir))
    monkeypatch.setenv("NHD_GEO_DIR", str(cfg.geo_dir))
    monkeypatch.setenv("NHD_AUTO_DEMO", "0")
    at = open_app(area="E09000007")
    assert_clean(at)
    assert at.title[0].value == "Camden"
    lookup = pd.read_csv(cfg.geo_dir / "area_lookup.csv", dtype=str)
    first = lookup[lookup["place_code"] == "E09000007"].iloc[0]
    at = open_app(area=first["neighbourhood_code"], page="map.py")
    assert_clean(at)
    deck = at.get("deck_gl_json_chart")[0].proto.json
    camden_lsoas = lookup.loc[lookup["neighbourhood_code"] == first["neighbourhood_code"], "small_area_name"]
    assert first["small_area_name"].startswith("Camden 0") and all(name in deck for name in camden_lsoas)


# ------------------------------------------------------------------------------------- broken inputs

@pytest.fixture(scope="module")
def camden(tmp_path_factory):
    """Camden's 130 LSOA 2021 boundaries as a GeoPackage and a good lookup: the base of the broken cases."""
    root = tmp_path_factory.mktemp("camden")
    shapes = gpd.read_file(REF / BOUNDARIES)
    shapes[shapes["LAD22CD"] == "E09000007"].to_file(root / "camden.gpkg")
    lookup = neighbourhood_lookup(["E09000007"])
    lookup.to_csv(root / "lookup.csv", index=False)
    return root, lookup


def _changes():
    return pd.read_csv(REF / CHANGES, dtype=str)


def _keyed_by_2011(lookup):
    """The same neighbourhoods on LSOA 2011 codes, as an older lookup would have them."""
    old = _changes().merge(lookup, on="LSOA21CD").drop_duplicates("LSOA11CD")
    return old[["LSOA11CD", *lookup.columns[1:]]]


def _mixed(lookup):
    old = _keyed_by_2011(lookup).rename(columns={"LSOA11CD": "LSOA21CD"})
    changed = set(_changes().query("CHGIND != 'U'")["LSOA11CD"])
    return pd.concat([lookup, old[old["LSOA21CD"].isin(changed)]]).drop_duplicates("LSOA21CD")


BROKEN = {
    # case: (how to change the lookup, boundary file, deprivation, pass the 2011→2021 lookup?, expected words)
    "not a boundary file": (None, "lookup.csv", FILE_2, True, ["lookup.csv", "not a boundary file"]),
    "no CRS": (None, "no_crs.shp", FILE_2, True, ["no_crs.shp", "no coordinate reference system", "--crs"]),
    "codes absent from the boundaries": (
        lambda t: pd.concat([t, t.head(2).assign(LSOA21CD=["E01999991", "E01999992"])]),
        "camden.gpkg", FILE_2, True,
        ["lookup.csv, column LSOA21CD", "2 small area codes not in the boundaries (camden.gpkg)", "E01999991, E01999992"]),
    "boundaries absent from the lookup": (
        lambda t: t.iloc[5:], "camden.gpkg", FILE_2, True,
        ["camden.gpkg, column LSOA21CD", "5 small areas not in the lookup (lookup.csv)", "--clip-to-lookup"]),
    "two neighbourhoods": (
        lambda t: pd.concat([t, t.head(1).assign(neighbourhood_code="X70000999")]), "camden.gpkg", FILE_2, True,
        ["lookup.csv, column neighbourhood_code", "1 small areas assigned to more than one neighbourhood"]),
    "lookup on 2011 codes": (
        _keyed_by_2011, "camden.gpkg", FILE_2, False,
        ["lookup.csv, column LSOA11CD", "not in the boundaries", "these are LSOA 2011 (the column is named LSOA11CD)",
         "the boundaries use LSOA 2021", "pass --lsoa11-to-21"]),
    "deprivation on 2011 codes": (
        None, "camden.gpkg", FILE_2, False,
        [f"{FILE_2.split('/')[1]}, column LSOA code (2011)", "with no deprivation row",
         "these are LSOA 2011 (the column is named LSOA code (2011))", "pass --lsoa11-to-21"]),
    "2011 and 2021 codes mixed": (
        _mixed, "camden.gpkg", FILE_2, True,
        ["lookup.csv, column LSOA21CD", "mixes LSOA 2011 and LSOA 2021 codes", "2011-only", "2021-only"]),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_inputs_give_clear_errors_and_stay_unchanged(camden, tmp_path, case):
    root, lookup = camden
    change, shapes, deprivation, with_changes, words = BROKEN[case]
    (change or (lambda t: t))(lookup).to_csv(tmp_path / "lookup.csv", index=False)
    if shapes == "no_crs.shp":
        gpd.read_file(root / "camden.gpkg").to_file(tmp_path / "no_crs.shp")
        (tmp_path / "no_crs.prj").unlink()
    boundaries = tmp_path / shapes if shapes in ("lookup.csv", "no_crs.shp") else root / shapes
    inputs = (boundaries, tmp_path / "lookup.csv", REF / deprivation, REF / CHANGES)
    before = digest(*inputs)
    with pytest.raises(GeoImportError) as caught:
        import_geography(boundaries, tmp_path / "lookup.csv", REF / deprivation, tmp_path / "geo",
                         lsoa11_to_21=REF / CHANGES if with_changes else None)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert digest(*inputs) == before and not (tmp_path / "geo").exists()


def test_lookup_on_2011_codes_is_carried_over_and_defaults_named(camden, tmp_path, capsys):
    """A lookup keyed by LSOA 2011 codes with only neighbourhoods, mySociety IMD scores, through the CLI."""
    root, lookup = camden
    _keyed_by_2011(lookup)[["LSOA11CD", "neighbourhood_code", "neighbourhood_name"]].to_csv(
        tmp_path / "lookup.csv", index=False)
    code = cli(["import-geo", "--boundaries", str(root / "camden.gpkg"), "--lookup", str(tmp_path / "lookup.csv"),
                "--deprivation", str(REF / MYSOCIETY), "--lsoa11-to-21", str(REF / CHANGES),
                "--out", str(tmp_path / "geo")])
    out = capsys.readouterr().out
    assert code == 0, out
    written = pd.read_csv(tmp_path / "geo" / "area_lookup.csv", dtype=str)
    assert len(written) == 130 and set(written["place_name"]) == {"Camden"}
    assert set(written["icb_name"]) == {"Whole system (no ICB given)"}
    assert "the local authority holding most of its small areas" in out and "one ICB, X54000001" in out
    depr = pd.read_csv(tmp_path / "geo" / "deprivation.csv", dtype={"small_area_code": str}).set_index("small_area_code")
    scores = pd.read_csv(REF / MYSOCIETY).set_index("lsoa")["overall_local_score"]
    assert depr.loc["E01000907", "imd_score"] == scores["E01000907"]   # Camden 001A, unchanged
    assert "merged from 8 2011 areas (mean weighted by 2011 residents)" in out and "mean score on the input's score-to-decile cut points" in out
