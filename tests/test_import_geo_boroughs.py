"""Boundaries as they are often published: one GeoJSON per borough, LSOA 2011, in CRS84 (degrees).

The five North Central London boroughs import cleanly, with no warning; broken variants made from
them (a bow-tie, a missing area, a cp1252 lookup, a malformed code, a second file over the first)
each give the message that says what is wrong, and every input is unchanged afterwards.
Runs on ../shared/reference and skips cleanly when it is absent.
"""
from __future__ import annotations

import shutil

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from conftest import reference_dir
from digests import digest
from neighbourhood_health.__main__ import main as cli
from neighbourhood_health.pipeline.geo import build_layers
from neighbourhood_health.pipeline.geo_import import GeoImportError, import_geography
from neighbourhood_health.pipeline.geo_import.codes import code_system

REF = reference_dir()
PER_BOROUGH = "boundaries/lsoa11_by_borough_geojson"
LSOA21 = "boundaries/london_2021_census_shapefiles/london-2021-lsoa-gen20.shp"
HOCL = "lookups/hocl_lsoa11_geog_lookup_London.csv"
FILE_2 = "imd2019/File_2_-_IoD2019_Domains_of_Deprivation_London.csv"
NCL = ["E09000003", "E09000007", "E09000010", "E09000014", "E09000019"]   # Barnet … Islington
CAMDEN, ISLINGTON = "E09000007", "E09000019"
pytestmark = pytest.mark.skipif(REF is None or not (REF / PER_BOROUGH).exists(),
                                reason="needs ../shared/reference (ONS LSOA 2011 boundaries per borough)")


def msoa_lookup(boroughs=NCL) -> pd.DataFrame:
    """An analyst's own lookup: each borough's MSOAs in code order cut into three neighbourhoods, with
    an en dash in the names (as Excel users type them)."""
    lsoas = pd.read_csv(REF / HOCL, dtype=str)
    lsoas = lsoas[lsoas["LAD_CODE"].isin(boroughs)]
    msoas = lsoas.drop_duplicates("MSOA_CODE").sort_values("MSOA_CODE")
    msoas["run"] = msoas.groupby("LAD_CODE").cumcount() * 3 // msoas.groupby("LAD_CODE")["MSOA_CODE"].transform("size")
    msoas["neighbourhood_code"] = [f"X70{n + 1:06d}" for n in pd.factorize(msoas["LAD_CODE"] + msoas["run"].astype(str))[0]]
    msoas["neighbourhood_name"] = msoas["LAD_NAME"] + " – neighbourhood " + (msoas["run"] + 1).astype(str)
    out = lsoas.merge(msoas[["MSOA_CODE", "neighbourhood_code", "neighbourhood_name"]], on="MSOA_CODE")
    return pd.DataFrame({"LSOA11CD": out["LSOA_CODE"], "neighbourhood_code": out["neighbourhood_code"],
                         "neighbourhood_name": out["neighbourhood_name"], "place_code": out["LAD_CODE"],
                         "place_name": out["LAD_NAME"], "icb_code": "X54000001", "icb_name": "North Central London"})


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The five boroughs' files, copied into a folder as a user would download them."""
    root = tmp_path_factory.mktemp("ncl")
    (root / "boundaries").mkdir()
    for code in NCL:
        shutil.copy(REF / PER_BOROUGH / f"{code}.json", root / "boundaries" / f"{code}.json")
    msoa_lookup().to_csv(root / "lookup.csv", index=False)
    return root


@pytest.fixture(scope="module")
def clean(folder):
    inputs = [folder / "boundaries", folder / "lookup.csv", REF / FILE_2]
    before = digest(*inputs)
    report = import_geography(folder / "boundaries", folder / "lookup.csv", REF / FILE_2, folder / "geo")
    assert digest(*inputs) == before, "the import must not modify its inputs"
    return report


def test_a_folder_of_per_borough_files_imports_without_a_warning(clean):
    text = clean.as_text()
    assert clean.counts == {"small areas": 795, "neighbourhoods": 15, "places": 5, "ICBs": 1}, text
    assert not clean.warnings, text
    assert "5 boundary files merged" in text
    assert "small areas (vertices snapped to a 1 mm grid): neighbours meet within 1 m" in text
    # the one self-intersecting ring in Barnet's file is reported with its (nil) area change
    assert "E01000285 (Barnet 004A) in E09000003.json: ring self-intersection at (" in text and "area unchanged" in text


def _holes(geometries) -> int:
    return sum(len(p.interiors) for g in geometries for p in shapely.get_parts(g))


def test_snapping_lets_dissolve_and_simplification_work(folder, clean):
    """Unsnapped, the published file dissolves into neighbourhoods full of microscopic holes that
    coverage simplification cannot touch; snapped, the holes go and simplification does its work."""
    raw = gpd.GeoDataFrame(pd.concat([gpd.read_file(folder / "boundaries" / f"{c}.json") for c in NCL])).to_crs("EPSG:27700")
    lookup = pd.read_csv(folder / "geo" / "area_lookup.csv", dtype=str)
    unsnapped = raw.rename(columns={"LSOA11CD": "small_area_code"}).merge(lookup).dissolve("neighbourhood_code")
    vertices = shapely.get_num_coordinates(unsnapped.geometry.values).sum()
    simplified = shapely.coverage_simplify(unsnapped.geometry.values, 20.0, simplify_boundary=False)
    assert _holes(unsnapped.geometry) > 1000 and shapely.get_num_coordinates(simplified).sum() == vertices
    layers = build_layers(folder / "geo", lookup)
    for level in ("neighbourhood", "place", "icb"):
        assert _holes(layers[level].geometry) == 0, f"{level}: holes left by dissolving"
    assert shapely.get_num_coordinates(layers["neighbourhood"].geometry.values).sum() < 0.25 * vertices
    assert len(layers["icb"]) == 1 and shapely.get_num_geometries(layers["icb"].geometry.iloc[0]) == 1


def test_the_names_of_a_cp1252_lookup_are_read_and_the_encoding_said(folder, tmp_path):
    msoa_lookup([CAMDEN]).to_csv(tmp_path / "lookup.csv", index=False, encoding="cp1252")
    report = import_geography(folder / "boundaries" / f"{CAMDEN}.json", tmp_path / "lookup.csv", REF / FILE_2,
                              tmp_path / "geo")
    assert "lookup.csv is not UTF-8 (first at line 2): read as Windows-1252" in report.as_text()
    written = pd.read_csv(tmp_path / "geo" / "area_lookup.csv")
    assert "Camden – neighbourhood 1" in set(written["neighbourhood_name"])


def test_a_file_that_is_neither_utf8_nor_cp1252_is_refused_with_what_to_do(folder, tmp_path):
    (tmp_path / "lookup.csv").write_bytes(msoa_lookup([CAMDEN]).to_csv(index=False).encode() + b"E01\x81\n")
    with pytest.raises(GeoImportError, match=r'lookup.csv: line \d+ is not UTF-8 text .*save the file as "CSV UTF-8"'):
        import_geography(folder / "boundaries" / f"{CAMDEN}.json", tmp_path / "lookup.csv", REF / FILE_2, tmp_path / "geo")


def test_several_flags_and_folders_through_the_command_line(folder, tmp_path, capsys):
    msoa_lookup([CAMDEN, ISLINGTON]).to_csv(tmp_path / "lookup.csv", index=False)
    code = cli(["import-geo", "--boundaries", str(folder / "boundaries" / f"{CAMDEN}.json"),
                "--boundaries", str(folder / "boundaries" / f"{ISLINGTON}.json"),
                "--lookup", str(tmp_path / "lookup.csv"), "--deprivation", str(REF / FILE_2),
                "--out", str(tmp_path / "geo")])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "2 boundary files merged (E09000007.json, E09000019.json)" in out.out
    assert set(pd.read_csv(tmp_path / "geo" / "area_lookup.csv")["place_code"]) == {CAMDEN, ISLINGTON}


# ------------------------------------------------------------------------------------- broken variants

def _camden():
    return gpd.read_file(REF / PER_BOROUGH / f"{CAMDEN}.json")


def _bow_tie(path):
    """Camden 001A with two of its outline's vertices swapped: the ring crosses itself."""
    shapes = _camden()
    i = shapes.index[shapes["LSOA11CD"] == "E01000907"][0]
    ring = list(shapes.geometry[i].exterior.coords)[:-1]
    k, n = len(ring) // 3, len(ring) // 3
    ring[k], ring[k + n] = ring[k + n], ring[k]
    shapes.loc[i, "geometry"] = shapely.Polygon(ring)
    shapes.to_file(path, driver="GeoJSON")


INTERIOR = "E01000842"   # Camden 011A, which touches no edge of the borough: leaving it out makes a hole


def _missing(path):
    _camden().query(f"LSOA11CD != '{INTERIOR}'").to_file(path, driver="GeoJSON")


def _second_over_first(path):
    """Three of Camden's shapes again, under Islington's codes: a second file drawn over the first."""
    shapes = _camden().head(3).copy()
    shapes["LSOA11CD"] = msoa_lookup([ISLINGTON])["LSOA11CD"].head(3).to_numpy()
    shapes.to_file(path, driver="GeoJSON")


def _repeat(path):
    _camden().head(4).to_file(path, driver="GeoJSON")


def _malformed(lookup):
    return lookup.assign(LSOA11CD=lookup["LSOA11CD"].where(lookup.index != lookup.index[0], "E0100090"))


def _without(lookup):
    return lookup[lookup["LSOA11CD"] != INTERIOR]


def _with_islington_codes(lookup):
    extra = msoa_lookup([ISLINGTON]).head(3).assign(neighbourhood_code="X70000101")
    return pd.concat([lookup, extra])


BROKEN = {
    # case: (extra boundary file maker or None, replaces Camden's file?, lookup change, error or None, words)
    "bow-tie": (_bow_tie, True, None, True,
                ["camden_variant.geojson", "1 invalid small areas change by more than 1% of their area when repaired",
                 "E01000907 (Camden 001A)", "self-intersection at (", "left uncovered", "covered twice",
                 "--accept-repairs"]),
    "missing area, also left out of the lookup": (
        _missing, True, _without, False,
        ["WARNING: small areas", "1 gap wider than 1 m", "ha in all", "surrounded by E01000", "the map shows a hole"]),
    "missing area": (_missing, True, None, True,
                     ["lookup.csv, column LSOA11CD", "1 small area codes not in the boundaries",
                      "(camden_variant.geojson) (e.g. E01000842)", "both files use LSOA 2011 codes"]),
    "malformed code": (None, False, _malformed, True,
                       ["lookup.csv, column LSOA11CD", "1 malformed small-area codes (e.g. E0100090)",
                        "nine characters"]),
    "a second file over the first": (
        _second_over_first, False, _with_islington_codes, False,
        ["WARNING: small areas", "3 overlaps wider than 1 m, 30.30 ha in all", "11.47 ha between E01000844, E01002696",
         "the map draws that ground twice", "WARNING: the neighbourhood layer"]),
    "the same areas in two files": (
        _repeat, False, None, True,
        ["camden_variant.geojson, column LSOA11CD", "4 small areas that are also in E09000007.json",
         "each small area must be in one boundary file"]),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_variants_say_what_is_wrong_and_change_nothing(folder, tmp_path, case):
    make, replaces, change, fails, words = BROKEN[case]
    boundaries = [folder / "boundaries" / f"{CAMDEN}.json"]
    if make:
        make(tmp_path / "camden_variant.geojson")
        boundaries = ([] if replaces else boundaries) + [tmp_path / "camden_variant.geojson"]
    (change or (lambda t: t))(msoa_lookup([CAMDEN])).to_csv(tmp_path / "lookup.csv", index=False)
    inputs = [*boundaries, tmp_path / "lookup.csv", REF / FILE_2]
    before = digest(*inputs)
    if fails:
        with pytest.raises(GeoImportError) as caught:
            import_geography(boundaries, tmp_path / "lookup.csv", REF / FILE_2, tmp_path / "geo")
        message = str(caught.value)
        assert not (tmp_path / "geo").exists()
    else:
        message = import_geography(boundaries, tmp_path / "lookup.csv", REF / FILE_2, tmp_path / "geo").as_text()
    for word in words:
        assert word in message, message
    assert digest(*inputs) == before


def test_an_accepted_repair_is_a_warning_that_names_the_area(folder, tmp_path):
    _bow_tie(tmp_path / "camden_variant.geojson")
    msoa_lookup([CAMDEN]).to_csv(tmp_path / "lookup.csv", index=False)
    report = import_geography(tmp_path / "camden_variant.geojson", tmp_path / "lookup.csv", REF / FILE_2,
                              tmp_path / "geo", accept_repairs=True)
    assert any(w.startswith("WARNING: repaired as accepted") and "E01000907 (Camden 001A)" in w for w in report.warnings)
    assert any("gap" in w and "E01000907" in w for w in report.warnings)


def test_advice_follows_from_the_code_systems(folder, tmp_path):
    """2011 lookup codes absent from 2011 boundaries: no --lsoa11-to-21 advice; 2021 boundaries: the advice."""
    lookup = pd.concat([msoa_lookup([CAMDEN]), msoa_lookup([ISLINGTON]).head(2).assign(neighbourhood_code="X70000101")])
    lookup.to_csv(tmp_path / "lookup.csv", index=False)
    with pytest.raises(GeoImportError) as caught:
        import_geography(folder / "boundaries" / f"{CAMDEN}.json", tmp_path / "lookup.csv", REF / FILE_2, tmp_path / "geo")
    assert "--lsoa11-to-21" not in str(caught.value) and "both files use LSOA 2011 codes" in str(caught.value)
    shapes = gpd.read_file(REF / LSOA21)
    shapes[shapes["LAD22CD"] == CAMDEN].to_file(tmp_path / "camden21.gpkg")
    with pytest.raises(GeoImportError) as caught:
        import_geography(tmp_path / "camden21.gpkg", tmp_path / "lookup.csv", REF / FILE_2, tmp_path / "geo")
    assert "these are LSOA 2011 (the column is named LSOA11CD) while the boundaries use LSOA 2021" in str(caught.value)
    assert "pass --lsoa11-to-21" in str(caught.value)
    with pytest.raises(GeoImportError, match="the boundary files use different code systems: E09000007.json uses LSOA"
                                             " 2011 .*camden21.gpkg uses LSOA 2021"):
        import_geography([folder / "boundaries" / f"{CAMDEN}.json", tmp_path / "camden21.gpkg"],
                         tmp_path / "lookup.csv", REF / FILE_2, tmp_path / "geo")


@pytest.mark.parametrize("codes, column, expected", [
    (["E01000907", "E01033769"], "code", "LSOA 2021"),
    (["E01000907"], "LSOA11CD", "LSOA 2011"),
    (["E01000907"], "lsoa", "LSOA"),
    (["Z01000001"], "small_area_code", "synthetic"),
])
def test_code_systems_are_told_from_codes_then_column_names(codes, column, expected):
    assert code_system(codes, column).name == expected
