"""Bring your own geography: real ONS boundaries, a neighbourhood lookup and IMD into the geo folder.

`import_geography` reads small-area boundaries (one or several files or folders, any format and CRS
geopandas reads: `boundaries`), a lookup from small area to neighbourhood (optionally place and ICB)
and small-area deprivation, checks that they agree, and writes the three files the app reads
(docs/data-contract.md) into a folder that is swapped in atomically: `small_areas.parquet`
(GeoParquet, EPSG:4326, repaired and snapped), `area_lookup.csv` and `deprivation.csv`. It reports
how well the small areas tile the ground (`coverage`, gaps and overlaps in m², warned about only when
wider than its tolerance); then, before the swap, it draws the map layers exactly as the build will
(geo.build_layers: dissolve, coverage-simplify) and measures them the same way.

IMD on LSOA 2011 codes is carried onto LSOA 2021 boundaries by lsoa_change. Inputs are only read.
Every error is a GeoImportError naming the file, the column and the problem.
"""
from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from neighbourhood_health.pipeline.atomic import staged_dir
from neighbourhood_health.pipeline.geo import WEB_CRS, build_layers
from neighbourhood_health.pipeline.geo_import import coverage
from neighbourhood_health.pipeline.geo_import.area_lookup import complete_lookup, match_lookup
from neighbourhood_health.pipeline.geo_import.boundaries import METRIC_CRS, boundary_files, read_small_areas
from neighbourhood_health.pipeline.geo_import.deprivation import match_deprivation, read_deprivation
from neighbourhood_health.pipeline.geo_import.lsoa_change import LsoaChanges
from neighbourhood_health.pipeline.geo_import.reading import read_area_lookup
from neighbourhood_health.pipeline.geo_import.repair import judge
from neighbourhood_health.pipeline.geo_import.report import GeoImportError, ImportReport

__all__ = ["GeoImportError", "ImportReport", "import_geography"]

AREA_TOLERANCE = 0.005           # dissolved layers may differ from the input area by 0.5%


def _refuse_inside(out_dir: Path, inputs: list[Path]) -> None:
    """The output folder is replaced whole, so it must not hold an input."""
    out = Path(os.path.realpath(out_dir))
    for path in inputs:
        real = Path(os.path.realpath(path))
        if out == real or out in real.parents:
            raise GeoImportError(f"{Path(path).name}: is inside the output folder {out_dir}, which the import"
                                 " replaces whole; move the input or choose another --out")


def _check_layers(folder: Path, lookup: pd.DataFrame, areas: gpd.GeoDataFrame, report: ImportReport) -> None:
    """Draw the layers as the build will, and measure them in British National Grid metres."""
    neighbourhoods = build_layers(folder, lookup)["neighbourhood"].to_crs(METRIC_CRS)
    report.input_km2 = float(areas.area.sum() / 1e6)   # `areas` are in METRIC_CRS already (boundaries.read_small_areas)
    report.dissolved_km2 = float(neighbourhoods.area.sum() / 1e6)
    layer = coverage.measure(shapely.make_valid(neighbourhoods.geometry.values), neighbourhoods["area_code"])
    report.layer_coverage = layer.describe("the neighbourhood layer (dissolved, simplified)")
    if abs(report.area_difference) > AREA_TOLERANCE:
        overlaps = [w.removeprefix("WARNING: ") for w in report.warnings if "overlap" in w.split(";")[0]]
        raise GeoImportError(f"{report.out_dir}: dissolved neighbourhoods cover {report.dissolved_km2:,.2f} km²"
                             f" against {report.input_km2:,.2f} km² of small areas ({report.area_difference:+.2%}); "
                             + ("; ".join(overlaps) or "the boundaries may overlap"))


def import_geography(boundaries, lookup: Path, deprivation: Path, out_dir: Path, *,
                     lsoa11_to_21: Path | None = None, code_column: str | None = None,
                     name_column: str | None = None, crs: str | None = None,
                     clip_to_lookup: bool = False, accept_repairs: bool = False) -> ImportReport:
    """Check the inputs against each other and write the geo folder the app reads.

    `boundaries` is a file or folder, or a list of them (one file per borough is how they are often published)."""
    lookup, deprivation, out_dir = map(Path, (lookup, deprivation, out_dir))
    files = boundary_files(boundaries)
    inputs = files + [lookup, deprivation] + ([Path(lsoa11_to_21)] if lsoa11_to_21 else [])
    for path in inputs:
        if not path.exists():
            raise GeoImportError(f"{path.name}: no such file ({path})")
    _refuse_inside(out_dir, inputs)
    report = ImportReport(out_dir)
    changes = LsoaChanges.read(lsoa11_to_21) if lsoa11_to_21 else None
    areas = read_small_areas(files, code_column, name_column, crs, report.notes)
    table, table_code = read_area_lookup(lookup, report.notes)
    table = match_lookup(table, lookup, table_code, areas, changes, clip_to_lookup, report.notes)
    table = complete_lookup(table, areas, lookup, report.notes)
    values, values_code = read_deprivation(deprivation, report.notes)
    depr = match_deprivation(values, deprivation, values_code, set(table["small_area_code"]), areas, changes, report)

    kept = areas.frame[areas.frame["small_area_code"].isin(table["small_area_code"])]
    tiling = coverage.measure(kept.geometry.values, kept["small_area_code"])
    judge(areas.repairs, tiling.faults, report.notes, accept_repairs)
    report.notes += tiling.describe(f"small areas (vertices snapped to a {coverage.GRID_METRES * 1000:g} mm grid)")
    web = kept[["small_area_code", "geometry"]].merge(table[["small_area_code", "small_area_name"]])
    with staged_dir(out_dir) as tmp:
        gpd.GeoDataFrame(web, geometry="geometry", crs=kept.crs).to_crs(WEB_CRS).to_parquet(tmp / "small_areas.parquet")
        table.to_csv(tmp / "area_lookup.csv", index=False)
        depr.to_csv(tmp / "deprivation.csv", index=False)
        _check_layers(tmp, table, kept, report)
    report.counts = {"small areas": len(table), "neighbourhoods": table["neighbourhood_code"].nunique(),
                     "places": table["place_code"].nunique(), "ICBs": table["icb_code"].nunique()}
    return report
