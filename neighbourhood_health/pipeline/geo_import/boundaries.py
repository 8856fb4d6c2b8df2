"""Reading small-area boundaries from one or several files and folders into one checked layer.

Boundaries are often published one file per borough or region, so `--boundaries` takes files and
folders (every boundary file inside a folder, in name order). Each file is read in its own CRS
and brought to British National Grid (EPSG:27700), where areas are measured in square metres and
vertices are snapped (`coverage.snap`); a note says when files came in different CRSs. A small
area may appear in one file only: the same code in two files is an error naming both. Every file
must use one code system (`codes`), and invalid geometries are repaired with their area change
reported (`repair`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from neighbourhood_health.pipeline.geo_import.codes import check_codes, code_system
from neighbourhood_health.pipeline.geo import snap
from neighbourhood_health.pipeline.geo_import.reading import CODE, LAD, NAME, find_column
from neighbourhood_health.pipeline.geo_import.repair import Repair, repair
from neighbourhood_health.pipeline.geo_import.report import GeoImportError, examples, problem

METRIC_CRS = "EPSG:27700"
SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".parquet")


@dataclass
class SmallAreas:
    paths: list[Path]
    frame: gpd.GeoDataFrame   # small_area_code, small_area_name, lad_code, lad_name, source, geometry (EPSG:27700)
    code_column: str
    repairs: list[Repair] = field(default_factory=list)   # judged once coverage is measured (repair.judge)

    @property
    def codes(self) -> set[str]:
        return set(self.frame["small_area_code"])

    @property
    def name(self) -> str:
        """The boundary files as a message names them: 'camden.gpkg', or 'E09000003.json and 4 more files'."""
        first = self.paths[0].name
        return first if len(self.paths) == 1 else f"{first} and {len(self.paths) - 1} more boundary files"


def boundary_files(paths) -> list[Path]:
    """The files to read: each given file, and every boundary file inside each given folder."""
    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(f for f in path.rglob("*") if f.suffix.lower() in SUFFIXES and f.is_file())
            if not found:
                raise GeoImportError(f"{path.name}: a folder with no boundary files in it (looked for"
                                     f" {', '.join(SUFFIXES)})")
            files += found
        elif not path.exists():
            raise GeoImportError(f"{path.name}: no such file or folder ({path})")
        else:
            files.append(path)
    resolved = [f.resolve() for f in files]
    twice = next((f for f, r in zip(files, resolved) if resolved.count(r) > 1), None)
    if twice is not None:
        raise GeoImportError(f"{twice.name}: given more than once (as a file and inside a folder, or twice)")
    return files


def _has_geometry(frame: gpd.GeoDataFrame) -> bool:
    try:
        return frame.geometry is not None
    except AttributeError:  # a GeoDataFrame whose active geometry column is not set
        return False


def _read_geometries(path: Path, crs: str | None) -> gpd.GeoDataFrame:
    try:
        frame = gpd.read_parquet(path) if path.suffix == ".parquet" else gpd.read_file(path)
    except Exception as exc:  # geopandas and its drivers raise many kinds; all mean "cannot read it"
        raise GeoImportError(f"{path.name}: not a boundary file: it cannot be read as one"
                             f" ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from exc
    if not isinstance(frame, gpd.GeoDataFrame) or not _has_geometry(frame):
        raise GeoImportError(f"{path.name}: not a boundary file: it has no geometry column"
                             f" (columns are: {', '.join(map(str, frame.columns))})")
    kinds = set(frame.geometry.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise GeoImportError(f"{path.name}, column {frame.geometry.name}: not a boundary file: expected"
                             f" polygons, found {', '.join(sorted(kinds))}")
    if frame.crs is None and crs is None:
        raise GeoImportError(f"{path.name}: has no coordinate reference system (CRS) - a shapefile needs its"
                             " .prj beside it; or pass --crs (ONS publishes boundaries in EPSG:27700)")
    if frame.crs is None:
        return frame.set_crs(crs)
    if crs is not None and not frame.crs.equals(crs):
        raise GeoImportError(f"{path.name}: says its CRS is {frame.crs.to_string()}; --crs is only for files without one")
    return frame


def _read_one(path: Path, code_column: str | None, name_column: str | None, crs: str | None,
              notes: list[str]) -> tuple[gpd.GeoDataFrame, str, str]:
    """One file's small areas in EPSG:27700, with the code column it used and its CRS's name."""
    frame = _read_geometries(path, crs)
    code = code_column or find_column(frame.columns, CODE)
    if code is None or code not in frame.columns:
        raise GeoImportError(f"{path.name}, column {code or 'small_area_code'}: no small-area code column (looked for"
                             f" small_area_code, LSOA21CD, LSOA11CD, …; columns are:"
                             f" {', '.join(map(str, frame.columns))}); pass --code-column")
    name = name_column or find_column(frame.columns, NAME)
    if name is not None and name not in frame.columns:
        raise GeoImportError(f"{path.name}, column {name}: no such column; pass --name-column")
    lad_code, lad_name = find_column(frame.columns, LAD[0]), find_column(frame.columns, LAD[1])
    out = gpd.GeoDataFrame({
        "small_area_code": frame[code].astype(str).str.strip(),
        "small_area_name": frame[name].astype(str).str.strip() if name else "",
        "lad_code": frame[lad_code].astype(str) if lad_code and lad_name else "",
        "lad_name": frame[lad_name].astype(str) if lad_code and lad_name else "",
        "source": path.name,
    }, geometry=frame.geometry.values, crs=frame.crs)
    blank = out["small_area_code"].isin(["", "nan", "None"])
    if blank.any():
        raise GeoImportError(f"{path.name}, column {code}: {int(blank.sum()):,} features have no code")
    check_codes(out["small_area_code"], path, code)
    missing = out.loc[out.geometry.isna() | out.geometry.is_empty, "small_area_code"]
    if len(missing):
        raise GeoImportError(problem(path, out.geometry.name, "small areas without a geometry", set(missing)))
    dupes = out.loc[out["small_area_code"].duplicated(), "small_area_code"]
    if len(dupes):
        out = out.dissolve(by="small_area_code", as_index=False, aggfunc="first")
        notes.append(f"{path.name}: {len(set(dupes)):,} codes had several features, joined into one each"
                     f" (e.g. {examples(set(dupes))})")
    return out.to_crs(METRIC_CRS), code, frame.crs.to_string()


def _check_one_system(parts: list[tuple[Path, gpd.GeoDataFrame, str]]) -> None:
    systems = {path.name: code_system(frame["small_area_code"], code) for path, frame, code in parts}
    dated = {name: s for name, s in systems.items() if s.vintage}
    if len({s.vintage for s in dated.values()}) > 1:
        raise GeoImportError("the boundary files use different code systems: "
                             + "; ".join(f"{name} uses {s}" for name, s in dated.items())
                             + ". Pass files of one vintage")


def _check_disjoint(parts: list[tuple[Path, gpd.GeoDataFrame, str]]) -> None:
    owner: dict[str, str] = {}
    for path, frame, code in parts:
        for c in frame["small_area_code"]:
            if c in owner:
                both = set(frame["small_area_code"]) & {k for k, v in owner.items() if v == owner[c]}
                raise GeoImportError(problem(path, code, f"small areas that are also in {owner[c]}", both,
                                             "each small area must be in one boundary file: leave out the file"
                                             " that repeats them"))
        owner.update(dict.fromkeys(frame["small_area_code"], path.name))


def read_small_areas(paths, code_column: str | None = None, name_column: str | None = None,
                     crs: str | None = None, notes: list[str] | None = None) -> SmallAreas:
    """Read, check, merge, repair and snap boundary files; codes and names come from detected (or given) columns."""
    notes = notes if notes is not None else []
    files = boundary_files(paths)
    parts, crss = [], {}
    for path in files:
        frame, code, source_crs = _read_one(path, code_column, name_column, crs, notes)
        parts.append((path, frame, code))
        crss.setdefault(source_crs, []).append(path.name)
    _check_one_system(parts)
    _check_disjoint(parts)
    if len(crss) > 1:
        notes.append("the boundary files came in different coordinate systems, all brought to British National"
                     " Grid (EPSG:27700): " + "; ".join(f"{examples(names)} in {c}" for c, names in crss.items()))
    if len(files) > 1:
        notes.append(f"{len(files):,} boundary files merged ({examples([f.name for f in files])})")
    merged = gpd.GeoDataFrame(pd.concat([frame for _, frame, _ in parts], ignore_index=True),
                              geometry="geometry", crs=METRIC_CRS)
    merged, repairs = repair(merged)
    merged["geometry"] = snap(merged.geometry.values)
    return SmallAreas(files, merged, parts[0][2], repairs)
