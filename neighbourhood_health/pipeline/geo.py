"""Small-area boundaries: find, read (any format and CRS geopandas reads), check, build map layers.

The build repairs invalid geometries, snaps vertices to a 1 mm grid in British National Grid (so the
two copies of a shared vertex in a file stored in degrees become one point again, and dissolving
leaves no microscopic holes), dissolves small areas into neighbourhoods, places and ICBs, simplifies
each layer as a coverage (shared edges are simplified once) so that neighbours keep touching
without gaps or overlaps, and reprojects to EPSG:4326 for the web map.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from neighbourhood_health.pipeline.problems import Problem

BOUNDARY_SUFFIXES = (".parquet", ".gpkg", ".geojson", ".json", ".shp")
WEB_CRS = "EPSG:4326"
GRID_METRES = 0.001              # vertices snapped to a 1 mm grid before coverage operations
SIMPLIFY_METRES = {"small_area": 8.0, "neighbourhood": 20.0, "place": 40.0, "icb": 60.0}


class GeoError(ValueError):
    """A boundary file cannot be used: the message names the file and the problem."""


def find_boundary_file(geo_dir: Path) -> Path | None:
    for suffix in BOUNDARY_SUFFIXES:
        path = Path(geo_dir) / f"small_areas{suffix}"
        if path.exists():
            return path
    return None


def read_boundaries(path: Path) -> gpd.GeoDataFrame:
    try:
        frame = gpd.read_parquet(path) if path.suffix == ".parquet" else gpd.read_file(path)
    except Exception as exc:  # geopandas raises many kinds; all mean "not a boundary file"
        raise GeoError(f"{path.name}: cannot be read as a boundary file ({exc})") from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        raise GeoError(f"{path.name}: has no geometry column")
    if frame.crs is None:
        raise GeoError(f"{path.name}: has no coordinate reference system (CRS); set one, e.g. EPSG:27700")
    if "small_area_code" not in frame.columns:
        raise GeoError(f"{path.name}, column small_area_code: required column is missing")
    return frame


def check_boundaries(geo_dir: Path, con=None) -> list[Problem]:
    """Problems with the boundary file; with a connection holding `area_lookup`, code mismatches too."""
    path = find_boundary_file(geo_dir)
    if path is None:
        return [Problem("small_areas.*", "", f"no boundary file in {geo_dir} (expected small_areas"
                        f" with one of {', '.join(BOUNDARY_SUFFIXES)})")]
    try:
        frame = read_boundaries(path)
    except GeoError as exc:
        return [Problem(path.name, "", str(exc).split(": ", 1)[-1])]
    problems = []
    kinds = set(frame.geometry.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        problems.append(Problem(path.name, "geometry", f"expected polygons, found {sorted(kinds)}"))
    invalid = frame.loc[~frame.geometry.is_valid, "small_area_code"]
    if len(invalid):
        problems.append(Problem(path.name, "geometry", "invalid geometry (the build repairs it with make_valid)",
                                len(invalid), ", ".join(map(str, invalid[:3])), "warning"))
    dupes = frame.loc[frame["small_area_code"].duplicated(), "small_area_code"]
    if len(dupes):
        problems.append(Problem(path.name, "small_area_code", "duplicate code", len(dupes), ", ".join(dupes[:3])))
    if con is not None:
        lookup = set(con.view("area_lookup").project("small_area_code").df()["small_area_code"])
        codes = set(frame["small_area_code"])
        for missing, where, what in ((lookup - codes, path.name, "in area_lookup.csv but has no boundary"),
                                     (codes - lookup, "area_lookup.csv", "has a boundary but is not in area_lookup.csv")):
            if missing:
                problems.append(Problem(where, "small_area_code", f"small area {what}", len(missing),
                                        ", ".join(sorted(missing)[:3])))
    return problems


def snap(geometries) -> np.ndarray:
    """Geometries (in metres) with vertices on the GRID_METRES grid; valid, as GEOS makes them."""
    return shapely.set_precision(np.asarray(geometries), GRID_METRES)


def _simplified(frame: gpd.GeoDataFrame, metres: float) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["geometry"] = shapely.coverage_simplify(frame.geometry.values, tolerance=metres, simplify_boundary=False)
    return out


def build_layers(geo_dir: Path, lookup: pd.DataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Map layers in EPSG:4326, one per level, each with code and name columns."""
    frame = read_boundaries(find_boundary_file(geo_dir))
    metric = frame.to_crs("EPSG:27700") if frame.crs.is_geographic else frame
    metric = metric[["small_area_code", "geometry"]].copy()
    metric["geometry"] = snap(metric.geometry.make_valid().values)
    metric = metric.merge(lookup, on="small_area_code", how="inner")
    layers = {"small_area": metric[["small_area_code", "small_area_name", "neighbourhood_code", "geometry"]]
              .rename(columns={"small_area_code": "area_code", "small_area_name": "area_name"})}
    for level in ("neighbourhood", "place", "icb"):
        dissolved = metric.dissolve(by=f"{level}_code", as_index=False)[[f"{level}_code", f"{level}_name", "geometry"]]
        layers[level] = dissolved.rename(columns={f"{level}_code": "area_code", f"{level}_name": "area_name"})
    return {level: _simplified(layer, SIMPLIFY_METRES[level]).to_crs(WEB_CRS) for level, layer in layers.items()}
