"""The London demo's shipped geography (neighbourhood_health/pipeline/demo/london/): the files are whole,
tile the 13 boroughs, and group them into neighbourhoods as its README says; and, where the reference data
is present, they are the public files' rows and the map has not moved."""
from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from conftest import reference_dir

ROOT = Path(__file__).resolve().parents[1]
FILES = ROOT / "neighbourhood_health" / "pipeline" / "demo" / "london"

# LSOA 2021 count per borough (../shared/reference/SOURCES.md), and each borough's ICB
BOROUGHS = {"E09000003": 220, "E09000007": 130, "E09000010": 183, "E09000014": 147, "E09000019": 126,
            "E09000005": 181, "E09000009": 199, "E09000013": 115, "E09000015": 144, "E09000017": 170,
            "E09000018": 150, "E09000020": 101, "E09000033": 123}
NCL = {"E09000003", "E09000007", "E09000010", "E09000014", "E09000019"}
ICB = {"North Central London": "E54000028", "North West London": "E54000027"}
SMALLEST, LARGEST = 60_000, 130_000
# Outside 60,000-130,000 because Camden's published count (5) makes them small; listed in the README.
DOCUMENTED_EXCEPTIONS = {"Z70000008": "Camden East", "Z70000009": "Camden South-East", "Z70000010": "Camden South",
                         "Z70000011": "Camden West", "Z70000012": "Camden North"}
NEIGHBOURHOOD_COLUMNS = ["LSOA21CD", "neighbourhood_code", "neighbourhood_name", "place_code", "place_name",
                         "icb_code", "icb_name"]
SHAPES = "boundaries/london_2021_census_shapefiles"


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(FILES / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def lsoas() -> gpd.GeoDataFrame:
    return gpd.read_parquet(FILES / "lsoa21.parquet")


@pytest.fixture(scope="module")
def areas(lsoas) -> pd.DataFrame:
    """The area lookup beside each LSOA's boundary attributes and its mid-2019 residents."""
    table = read("neighbourhoods.csv").merge(lsoas.drop(columns="geometry"), on="LSOA21CD", how="outer",
                                             indicator=True, validate="one_to_one")
    return table.merge(residents_2021().rename("residents"), left_on="LSOA21CD", right_index=True, how="left")


def residents_2021() -> pd.Series:
    """Mid-2019 residents on LSOA 2021: a split 2011 area shared by its parts' 2021 residents."""
    changes = read("lsoa11_to_lsoa21.csv")
    new = changes["TotalRes21"].astype(float)
    parts = changes.groupby("LSOA11CD")["LSOA21CD"].transform("size")
    share = (new / new.groupby(changes["LSOA11CD"]).transform("sum")).where(parts > 1, 1.0)
    people = read("population_mid2019_lsoa11.csv").set_index("LSOA11CD")["Persons_All-Ages"].astype(float)
    carried = people.reindex(changes["LSOA11CD"]).to_numpy() * share.to_numpy()
    return pd.Series(carried).groupby(changes["LSOA21CD"].to_numpy()).sum()


def test_boundaries_are_the_13_boroughs_lsoas_as_a_valid_coverage(lsoas):
    assert list(lsoas.columns) == ["LSOA21CD", "LSOA21NM", "MSOA21CD", "LAD22CD", "LAD22NM", "geometry"]
    assert lsoas.crs.to_epsg() == 27700
    assert lsoas["LSOA21CD"].is_unique
    assert lsoas["LAD22CD"].value_counts().to_dict() == BOROUGHS
    assert lsoas.is_valid.all()
    assert shapely.coverage_is_valid(lsoas.geometry.values)
    assert (FILES / "lsoa21.parquet").stat().st_size < 1_500_000


def test_lookup_has_every_small_area_once_in_one_neighbourhood_of_its_borough(areas):
    assert list(read("neighbourhoods.csv").columns) == NEIGHBOURHOOD_COLUMNS
    assert (areas["_merge"] == "both").all(), "every LSOA in the lookup is a boundary, and vice versa"
    assert (areas["place_code"] == areas["LAD22CD"]).all() and (areas["place_name"] == areas["LAD22NM"]).all()
    assert areas.groupby("neighbourhood_code")["place_code"].nunique().eq(1).all()
    assert areas.groupby("MSOA21CD")["neighbourhood_code"].nunique().eq(1).all(), "whole MSOAs"
    names = areas.drop_duplicates("neighbourhood_code")
    assert names["neighbourhood_name"].is_unique
    assert names["neighbourhood_code"].str.fullmatch(r"Z7\d{7}").all(), "synthetic codes, visibly not ONS"
    assert all(n.startswith(p + " ") for n, p in zip(names["neighbourhood_name"], names["place_name"]))


def test_icbs_are_north_central_and_north_west_london(areas):
    boroughs = areas.drop_duplicates("place_code").set_index("place_code")
    assert boroughs["icb_name"].map(ICB).eq(boroughs["icb_code"]).all()
    assert set(boroughs.index[boroughs["icb_code"] == ICB["North Central London"]]) == NCL
    assert len(boroughs) == 13


def test_neighbourhoods_are_contiguous(lsoas, areas):
    """One piece each after dissolving; islands in the Thames (pieces of the borough on their own) aside."""
    codes = areas.set_index("LSOA21CD")["neighbourhood_code"]
    for lad, borough in lsoas.groupby("LAD22CD"):
        mainland = max(shapely.get_parts(shapely.coverage_union_all(borough.geometry.values)), key=shapely.area)
        for code, group in borough.groupby(borough["LSOA21CD"].map(codes)):
            parts = shapely.get_parts(shapely.coverage_union_all(group.geometry.values))
            on_mainland = shapely.contains(mainland, shapely.point_on_surface(parts)).sum()
            assert on_mainland == 1, f"{lad} {code}: {on_mainland} pieces"


def test_neighbourhood_counts_and_sizes(areas):
    assert areas["residents"].notna().all()
    hoods = areas.groupby(["neighbourhood_code", "neighbourhood_name", "place_code"])["residents"].sum().reset_index()
    per_borough = hoods["place_code"].value_counts()
    assert per_borough[sorted(NCL)].sum() == 18
    assert per_borough[["E09000007", "E09000019", "E09000014"]].tolist() == [5, 3, 3]
    people = areas.groupby("place_code")["residents"].sum()
    for lad in set(BOROUGHS) - NCL:
        assert per_borough[lad] == max(2, round(people[lad] / 100_000)), lad
    outside = hoods[(hoods["residents"] < SMALLEST) | (hoods["residents"] > LARGEST)]
    assert dict(zip(outside["neighbourhood_code"], outside["neighbourhood_name"])) == DOCUMENTED_EXCEPTIONS


def test_readme_documents_the_exceptions_and_sources():
    text = (FILES / "README.md").read_text()
    for code, name in DOCUMENTED_EXCEPTIONS.items():
        assert re.search(rf"- {code} {re.escape(name)}: [\d,]+ residents", text), code
    for phrase in ("Open Government Licence v3.0", "Contains OS data © Crown copyright and database right 2022",
                   "English Indices of Deprivation 2019", "synthetic", "cb6c94edcc36a3d33102041138f79e21d95c2736"):
        assert phrase in text
    assert "pipeline/demo/london/README.md" in (ROOT / "NOTICE").read_text()


# ------------------------------------------------------------------------ against the reference data

@pytest.fixture(scope="module")
def ref():
    found = reference_dir()
    if found is None:
        pytest.skip("reference data folder not found")
    return found


def reference_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_tables_are_the_reference_rows(ref):
    changes = reference_csv(ref / "lookups" / "lsoa11_to_lsoa21_london_exactfit.csv").iloc[:, 1:]
    expected = changes[changes["LAD22CD"].isin(BOROUGHS)].reset_index(drop=True)
    pd.testing.assert_frame_equal(read("lsoa11_to_lsoa21.csv"), expected)
    old = set(expected["LSOA11CD"])
    imd = reference_csv(ref / "imd2019" / "File_2_-_IoD2019_Domains_of_Deprivation_London.csv")
    shipped = read("imd2019_lsoa11.csv")
    assert set(shipped["LSOA code (2011)"]) == old
    pd.testing.assert_frame_equal(shipped, imd[imd["LSOA code (2011)"].isin(old)][list(shipped.columns)]
                                  .reset_index(drop=True))
    people = reference_csv(ref / "population" / "london-mid2019-pop_lsoa11.csv")
    pd.testing.assert_frame_equal(read("population_mid2019_lsoa11.csv"),
                                  people[people["LSOA11CD"].isin(old)].reset_index(drop=True))


def test_boundaries_match_the_ons_ones(ref, lsoas):
    source = gpd.read_file(ref / SHAPES / "london-2021-lsoa-gen20.shp")
    source = source[source["LAD22CD"].isin(BOROUGHS)].sort_values("LSOA21CD").reset_index(drop=True)
    attributes = ["LSOA21CD", "LSOA21NM", "MSOA21CD", "LAD22CD", "LAD22NM"]
    pd.testing.assert_frame_equal(lsoas[attributes].sort_values("LSOA21CD").reset_index(drop=True),
                                  pd.DataFrame(source[attributes]), check_dtype=False)
    assert lsoas.area.sum() == pytest.approx(source.area.sum(), rel=0.001)
    lad = gpd.read_file(ref / SHAPES / "london-2021-lad22-gen20.shp").set_index("LAD22CD").area
    dissolved = {code: shapely.coverage_union_all(g.geometry.values).area for code, g in lsoas.groupby("LAD22CD")}
    for code, area in dissolved.items():
        assert area == pytest.approx(lad[code], rel=0.005), code
