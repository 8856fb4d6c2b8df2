"""Reading the input files: boundary files and area lookups, with their columns found by name
whichever code system (small_area_code, LSOA 2011 or LSOA 2021) and spelling they use."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from neighbourhood_health.pipeline.geo_import.report import GeoImportError, examples, problem

ENGLAND_LSOA11 = 32_844          # LSOAs ranked by IMD 2019 (and 2015); a national decile is 3,284.4 of them

# Accepted column names, as regular expressions over the name lower-cased with all but letters and
# digits removed ("LSOA code (2011)" -> "lsoacode2011"). The first pattern that matches wins.
CODE = [r"smallareacode", r"f?lsoa(20)?(11|21)cd", r"lsoacode(20)?(11|21)?", r"lsoa(20)?(11|21)?code",
        r"lsoa(20)?(11|21)?"]
NAME = [r"smallareaname", r"lsoa(20)?(11|21)nm", r"lsoaname(20)?(11|21)?", r"lsoa(20)?(11|21)?name"]
NEIGHBOURHOOD = ([r"neighbou?rhoodcode", r"nbhdcode"], [r"neighbou?rhoodname", r"nbhdname", r"neighbou?rhood"])
PLACE = ([r"placecode"], [r"placename", r"place"])
ICB = ([r"icbcode", r"icb\d\dcd"], [r"icbname", r"icb\d\dnm", r"icb"])
LAD = ([r"lad\d\dcd", r"ladcode", r"localauthority(district)?code.*"],
       [r"lad\d\dnm", r"ladname", r"localauthority(district)?name.*"])
DECILE = [r"imddecile", r"indexofmultipledeprivationimddecile.*", r"imd(20)?\d\ddecile", r"originaldecile"]
SCORE = [r"imdscore", r"indexofmultipledeprivationimdscore.*", r"imd(20)?\d\dscore", r"overalllocalscore"]
RANK = [r"imdrank", r"indexofmultipledeprivationimdrank.*", r"imd(20)?\d\drank"]


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def find_column(columns, patterns: list[str]) -> str | None:
    for pattern in patterns:
        for column in columns:
            if re.fullmatch(pattern, norm(column)):
                return column
    return None


def vintage(column: str | None) -> str | None:
    name = norm(column or "")
    return "2011" if re.search(r"(lsoa|20)11", name) else "2021" if re.search(r"(lsoa|20)21", name) else None


def read_csv(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise GeoImportError(f"{Path(path).name}: cannot be read as CSV ({exc})") from exc
    return table.apply(lambda col: col.str.strip())


def number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")


def require_column(table: pd.DataFrame, path: Path, patterns: list[str], what: str) -> str:
    found = find_column(table.columns, patterns)
    if found is None:
        raise GeoImportError(f"{path.name}: no {what} column (columns are: {', '.join(map(str, table.columns))})")
    return found


def codes_hint(path: Path, column: str, codes: set[str], boundaries: SmallAreas) -> str:
    """Advice for codes the boundaries lack: the usual cause is IMD on 2011 codes with 2021 boundaries."""
    looks_2011 = vintage(column) == "2011" or (vintage(boundaries.code_column) == "2021" and
                                               all(re.fullmatch(r"[EW]01\d{6}", c) for c in codes))
    return ("these look like LSOA 2011 codes while the boundaries use LSOA 2021 codes: pass --lsoa11-to-21"
            " with the ONS LSOA (2011) to LSOA (2021) lookup" if looks_2011 else "")


# --------------------------------------------------------------------------------------- boundaries

@dataclass
class SmallAreas:
    path: Path
    frame: gpd.GeoDataFrame   # small_area_code, small_area_name, lad_code, lad_name, geometry (source CRS)
    code_column: str

    @property
    def codes(self) -> set[str]:
        return set(self.frame["small_area_code"])


def _polygonal(geom):
    """The polygons of a repaired geometry (make_valid can return a collection with stray lines)."""
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


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


def read_small_areas(path: Path, code_column: str | None = None, name_column: str | None = None,
                     crs: str | None = None, notes: list[str] | None = None) -> SmallAreas:
    """Read, check and repair a boundary file; codes and names come from detected (or given) columns."""
    path, notes = Path(path), notes if notes is not None else []
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
    }, geometry=frame.geometry.values, crs=frame.crs)
    blank = out["small_area_code"].isin(["", "nan", "None"])
    if blank.any():
        raise GeoImportError(f"{path.name}, column {code}: {int(blank.sum()):,} features have no code")
    missing = out.loc[out.geometry.isna() | out.geometry.is_empty, "small_area_code"]
    if len(missing):
        raise GeoImportError(problem(path, out.geometry.name, "small areas without a geometry", set(missing)))
    dupes = out.loc[out["small_area_code"].duplicated(), "small_area_code"]
    if len(dupes):
        out = out.dissolve(by="small_area_code", as_index=False, aggfunc="first")
        notes.append(f"{len(set(dupes)):,} codes had several features, joined into one each (e.g. {examples(set(dupes))})")
    invalid = ~out.geometry.is_valid
    if invalid.any():
        out.loc[invalid, "geometry"] = [_polygonal(g) for g in out.geometry[invalid].make_valid()]
        notes.append(f"{int(invalid.sum()):,} invalid geometries repaired with make_valid"
                     f" (e.g. {examples(set(out.loc[invalid, 'small_area_code']))})")
        broken = out.loc[out.geometry.is_empty, "small_area_code"]
        if len(broken):
            raise GeoImportError(problem(path, code, "geometries with no area left after repair", set(broken)))
    return SmallAreas(path, out, code)


# ------------------------------------------------------------------------------------- area lookup

def read_area_lookup(path: Path) -> tuple[pd.DataFrame, str]:
    """The lookup with whichever of the eight contract columns it has (place/ICB may be absent)."""
    path = Path(path)
    table = read_csv(path)
    code = require_column(table, path, CODE, "small-area code (small_area_code, LSOA21CD, …)")
    nb_code = require_column(table, path, NEIGHBOURHOOD[0], "neighbourhood_code")
    nb_name = find_column(table.columns, NEIGHBOURHOOD[1])
    name = find_column(table.columns, NAME)
    out = pd.DataFrame({"small_area_code": table[code], "small_area_name": table[name] if name else "",
                        "neighbourhood_code": table[nb_code],
                        "neighbourhood_name": table[nb_name] if nb_name else table[nb_code]})
    for level, (codes, names) in (("place", PLACE), ("icb", ICB), ("lad", LAD)):
        found_code, found_name = find_column(table.columns, codes), find_column(table.columns, names)
        if found_code:
            out[f"{level}_code"] = table[found_code]
            out[f"{level}_name"] = table[found_name] if found_name else table[found_code]
    out = out[out["small_area_code"] != ""].drop_duplicates()
    twice = out.groupby("small_area_code")["neighbourhood_code"].nunique()
    if (twice > 1).any():
        raise GeoImportError(problem(path, nb_code, "small areas assigned to more than one neighbourhood",
                                     set(twice[twice > 1].index)))
    empty = out.loc[out["neighbourhood_code"] == "", "small_area_code"]
    if len(empty):
        raise GeoImportError(problem(path, nb_code, "small areas with no neighbourhood", set(empty)))
    return out.drop_duplicates("small_area_code"), code
