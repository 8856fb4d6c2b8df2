"""Bring your own geography: real ONS boundaries, a neighbourhood lookup and IMD into the geo folder.

`import_geography` reads a small-area boundary file (any format and CRS geopandas reads), a lookup
from small area to neighbourhood (optionally place and ICB) and small-area deprivation, checks that
they agree, and writes the three files the app reads (docs/data-contract.md) into a folder that is
swapped in atomically: `small_areas.parquet` (GeoParquet, EPSG:4326, invalid geometries repaired
with make_valid), `area_lookup.csv` and `deprivation.csv`. Before the swap it draws the map layers
exactly as the build will (geo.build_layers: dissolve, coverage-simplify) and reports whether
neighbours still meet without gaps and how the dissolved area compares with the input's.

IMD 2019 is published on LSOA 2011 codes while current boundaries use LSOA 2021. Given the ONS
LSOA (2011) to LSOA (2021) lookup, deprivation (and an area lookup keyed by 2011 codes) is carried
over: unchanged (U) is copied; every part of a split (S) 2011 area inherits its value; a merged (M)
or complex (X) 2021 area takes the population-weighted mean (2011 residents when the lookup has
them, else a plain mean) of its 2011 areas' scores and ranks, and its decile is derived again -
from the mean national rank when ranks are given (decile = ceil(rank / 3,284.4)), else from the
mean score placed on the input's own score-to-decile cut points, else the rounded mean decile
(halves towards the more deprived decile).

Inputs are only read. Every error is a GeoImportError naming the file, the column and the problem.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from neighbourhood_health.pipeline.atomic import staged_dir
from neighbourhood_health.pipeline.geo import WEB_CRS, build_layers

METRIC_CRS = "EPSG:27700"
ENGLAND_LSOA11 = 32_844          # LSOAs ranked by IMD 2019 (and 2015); a national decile is 3,284.4 of them
SHOWN = 10                       # codes listed in a message
AREA_TOLERANCE = 0.005           # dissolved layers may differ from the input area by 0.5%
LOOKUP_COLUMNS = ["small_area_code", "small_area_name", "neighbourhood_code", "neighbourhood_name",
                  "place_code", "place_name", "icb_code", "icb_name"]
DEFAULT_PLACE = ("X72000001", "All neighbourhoods (no place given)")
DEFAULT_ICB = ("X54000001", "Whole system (no ICB given)")
KINDS = "USMX"   # ONS CHGIND: unchanged, split, merged, complex (in order of complexity)
KIND_TEXT = {"U": "{n:,} unchanged (copied)",
             "S": "{n:,} parts of {old:,} split 2011 areas (each inherits its 2011 value)",
             "M": "{n:,} merged from {old:,} 2011 areas ({mean})",
             "X": "{n:,} complex changes involving {old:,} 2011 areas ({mean})"}

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
CHANGE = {"lsoa11": [r"f?lsoa11cd"], "lsoa21": [r"lsoa21cd"], "lsoa21_name": [r"lsoa21nm"],
          "kind": [r"chgind", r"changeindicator"],
          "weight": [r"totalres11", r"(usual)?res(idents)?(20)?11", r"pop(ulation)?(20)?11", r"population"]}


class GeoImportError(ValueError):
    """The geography cannot be imported: the message names the file, the column and the problem."""


@dataclass
class ImportReport:
    out_dir: Path
    counts: dict[str, int] = field(default_factory=dict)        # small areas, neighbourhoods, places, ICBs
    notes: list[str] = field(default_factory=list)
    lsoa_changes: dict[str, int] = field(default_factory=dict)  # CHGIND -> 2021 areas carried over
    unmapped: list[str] = field(default_factory=list)           # 2011 codes the ONS lookup does not know
    input_km2: float = 0.0
    dissolved_km2: float = 0.0
    gap_free: bool = True

    def as_text(self) -> str:
        lines = [f"Imported into {self.out_dir}: " + ", ".join(f"{n:,} {k}" for k, n in self.counts.items())]
        lines += [f"  {note}" for note in self.notes]
        lines.append(f"  Area: {self.input_km2:,.2f} km² of small areas, {self.dissolved_km2:,.2f} km² of"
                     f" dissolved, simplified neighbourhoods ({self.area_difference:+.3%});"
                     + (" neighbours meet without gaps or overlaps." if self.gap_free
                        else " WARNING: the neighbourhood layer has gaps or overlaps."))
        lines.append("Next: `python -m neighbourhood_health build` redraws the map layers and marts.")
        return "\n".join(lines)

    @property
    def area_difference(self) -> float:
        return self.dissolved_km2 / self.input_km2 - 1 if self.input_km2 else 0.0


# ---------------------------------------------------------------------------------------- helpers

def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _find(columns, patterns: list[str]) -> str | None:
    for pattern in patterns:
        for column in columns:
            if re.fullmatch(pattern, _norm(column)):
                return column
    return None


def _vintage(column: str | None) -> str | None:
    name = _norm(column or "")
    return "2011" if re.search(r"(lsoa|20)11", name) else "2021" if re.search(r"(lsoa|20)21", name) else None


def _examples(codes) -> str:
    codes = sorted(map(str, codes))
    return ", ".join(codes[:SHOWN]) + (", …" if len(codes) > SHOWN else "")


def _problem(path: Path, column: str | None, what: str, codes=None, advice: str = "") -> str:
    """'file, column col: 12 things wrong (e.g. first ten codes); what to do'."""
    where = Path(path).name + (f", column {column}" if column else "")
    what = f"{len(codes):,} {what} (e.g. {_examples(codes)})" if codes is not None else what
    return f"{where}: {what}" + (f"; {advice}" if advice else "")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise GeoImportError(f"{Path(path).name}: cannot be read as CSV ({exc})") from exc
    return table.apply(lambda col: col.str.strip())


def _number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")


def _column(table: pd.DataFrame, path: Path, patterns: list[str], what: str) -> str:
    found = _find(table.columns, patterns)
    if found is None:
        raise GeoImportError(f"{path.name}: no {what} column (columns are: {', '.join(map(str, table.columns))})")
    return found


# ---------------------------------------------------------------- the ONS LSOA 2011 -> 2021 lookup

@dataclass
class LsoaChanges:
    path: Path
    rows: pd.DataFrame   # lsoa11, lsoa21, lsoa21_name, kind (U/S/M/X), weight
    weighted: bool       # the lookup gives 2011 populations (else merged areas take a plain mean)

    @classmethod
    def read(cls, path: Path) -> "LsoaChanges":
        path = Path(path)
        table = _read_csv(path)
        names = {key: _find(table.columns, patterns) for key, patterns in CHANGE.items()}
        for key in ("lsoa11", "lsoa21", "kind"):
            if names[key] is None:
                raise GeoImportError(f"{path.name}: not an LSOA 2011 to 2021 lookup: no {key.upper()} column"
                                     f" (expected LSOA11CD, LSOA21CD and CHGIND; columns are:"
                                     f" {', '.join(map(str, table.columns))})")
        rows = pd.DataFrame({"lsoa11": table[names["lsoa11"]], "lsoa21": table[names["lsoa21"]],
                             "lsoa21_name": table[names["lsoa21_name"]] if names["lsoa21_name"] else "",
                             "kind": table[names["kind"]].str.upper(),
                             "weight": _number(table[names["weight"]]) if names["weight"] else 1.0})
        odd = rows.loc[~rows["kind"].isin(list(KINDS)), "kind"]
        if len(odd):
            raise GeoImportError(_problem(path, names["kind"], "change indicators not U, S, M or X", set(odd)))
        rows["weight"] = rows["weight"].where(rows["weight"] > 0, 1.0)
        return cls(path, rows.drop_duplicates(["lsoa11", "lsoa21"]), names["weight"] is not None)

    @property
    def old_only(self) -> set[str]:
        return set(self.rows["lsoa11"]) - set(self.rows["lsoa21"])

    @property
    def new_only(self) -> set[str]:
        return set(self.rows["lsoa21"]) - set(self.rows["lsoa11"])

    def check_not_mixed(self, codes: set[str], path: Path, column: str) -> bool:
        """True when `codes` are LSOA 2011 codes (some not valid in 2021); an error when they mix both."""
        old, new = codes & self.old_only, codes & self.new_only
        if old and new:
            raise GeoImportError(_problem(path, column, f"mixes LSOA 2011 and LSOA 2021 codes: {len(old):,} are"
                                          f" 2011-only (e.g. {_examples(old)}) and {len(new):,} 2021-only"
                                          f" (e.g. {_examples(new)}); use one vintage"))
        return bool(old)

    def joined(self, table: pd.DataFrame) -> pd.DataFrame:
        """`table` (keyed by small_area_code, 2011) joined to its 2021 areas, with each 2021 area's kind."""
        order = list(KINDS)   # a 2021 area takes the most complex kind among its rows
        joined = self.rows.merge(table, left_on="lsoa11", right_on="small_area_code")
        parents = self.rows.groupby("lsoa21").size()
        worst = joined["kind"].map(order.index).groupby(joined["lsoa21"]).transform("max")
        joined["kind"] = worst.map(dict(enumerate(order)))
        joined["incomplete"] = joined.groupby("lsoa21")["lsoa11"].transform("size") < joined["lsoa21"].map(parents)
        return joined

    def note(self, joined: pd.DataFrame, what: str) -> tuple[dict[str, int], str]:
        areas = joined.drop_duplicates("lsoa21")
        counts = {k: int(n) for k, n in areas["kind"].value_counts().items()}
        old = joined.groupby("kind")["lsoa11"].nunique()
        mean = "mean weighted by 2011 residents" if self.weighted else "plain mean: the lookup gives no populations"
        parts = [KIND_TEXT[k].format(n=counts[k], old=old[k], mean=mean) for k in KINDS if counts.get(k)]
        incomplete = set(areas.loc[areas["incomplete"], "lsoa21"])
        tail = (f"; {len(incomplete):,} 2021 areas lack some of their 2011 areas and use those present"
                f" (e.g. {_examples(incomplete)})" if incomplete else "")
        return counts, f"{what} carried from LSOA 2011 to 2021 through {self.path.name}: " + "; ".join(parts) + tail


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
    code = code_column or _find(frame.columns, CODE)
    if code is None or code not in frame.columns:
        raise GeoImportError(f"{path.name}, column {code or 'small_area_code'}: no small-area code column (looked for"
                             f" small_area_code, LSOA21CD, LSOA11CD, …; columns are:"
                             f" {', '.join(map(str, frame.columns))}); pass --code-column")
    name = name_column or _find(frame.columns, NAME)
    if name is not None and name not in frame.columns:
        raise GeoImportError(f"{path.name}, column {name}: no such column; pass --name-column")
    lad_code, lad_name = _find(frame.columns, LAD[0]), _find(frame.columns, LAD[1])
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
        raise GeoImportError(_problem(path, out.geometry.name, "small areas without a geometry", set(missing)))
    dupes = out.loc[out["small_area_code"].duplicated(), "small_area_code"]
    if len(dupes):
        out = out.dissolve(by="small_area_code", as_index=False, aggfunc="first")
        notes.append(f"{len(set(dupes)):,} codes had several features, joined into one each (e.g. {_examples(set(dupes))})")
    invalid = ~out.geometry.is_valid
    if invalid.any():
        out.loc[invalid, "geometry"] = [_polygonal(g) for g in out.geometry[invalid].make_valid()]
        notes.append(f"{int(invalid.sum()):,} invalid geometries repaired with make_valid"
                     f" (e.g. {_examples(set(out.loc[invalid, 'small_area_code']))})")
        broken = out.loc[out.geometry.is_empty, "small_area_code"]
        if len(broken):
            raise GeoImportError(_problem(path, code, "geometries with no area left after repair", set(broken)))
    return SmallAreas(path, out, code)


# ------------------------------------------------------------------------------------- area lookup

def read_area_lookup(path: Path) -> tuple[pd.DataFrame, str]:
    """The lookup with whichever of the eight contract columns it has (place/ICB may be absent)."""
    path = Path(path)
    table = _read_csv(path)
    code = _column(table, path, CODE, "small-area code (small_area_code, LSOA21CD, …)")
    nb_code = _column(table, path, NEIGHBOURHOOD[0], "neighbourhood_code")
    nb_name = _find(table.columns, NEIGHBOURHOOD[1])
    name = _find(table.columns, NAME)
    out = pd.DataFrame({"small_area_code": table[code], "small_area_name": table[name] if name else "",
                        "neighbourhood_code": table[nb_code],
                        "neighbourhood_name": table[nb_name] if nb_name else table[nb_code]})
    for level, (codes, names) in (("place", PLACE), ("icb", ICB), ("lad", LAD)):
        found_code, found_name = _find(table.columns, codes), _find(table.columns, names)
        if found_code:
            out[f"{level}_code"] = table[found_code]
            out[f"{level}_name"] = table[found_name] if found_name else table[found_code]
    out = out[out["small_area_code"] != ""].drop_duplicates()
    twice = out.groupby("small_area_code")["neighbourhood_code"].nunique()
    if (twice > 1).any():
        raise GeoImportError(_problem(path, nb_code, "small areas assigned to more than one neighbourhood",
                                      set(twice[twice > 1].index)))
    empty = out.loc[out["neighbourhood_code"] == "", "small_area_code"]
    if len(empty):
        raise GeoImportError(_problem(path, nb_code, "small areas with no neighbourhood", set(empty)))
    return out.drop_duplicates("small_area_code"), code


def _lookup_to_2021(lookup: pd.DataFrame, changes: LsoaChanges, path: Path, column: str,
                    notes: list[str]) -> pd.DataFrame:
    """A lookup keyed by LSOA 2011 codes, moved onto 2021 codes; merged areas must agree."""
    joined = changes.joined(lookup)
    split = joined.groupby("lsoa21")["neighbourhood_code"].nunique()
    if (split > 1).any():
        raise GeoImportError(_problem(path, column, "LSOA 2021 areas formed from 2011 areas in different"
                                      " neighbourhoods", set(split[split > 1].index),
                                      "assign them to one neighbourhood in the lookup"))
    moved = joined.drop_duplicates("lsoa21").assign(small_area_code=lambda f: f["lsoa21"],
                                                    small_area_name=lambda f: f["lsoa21_name"])
    notes.append(changes.note(joined, f"{path.name}: the area lookup")[1])
    unknown = lookup[~lookup["small_area_code"].isin(changes.rows["lsoa11"])]
    return pd.concat([moved[lookup.columns], unknown], ignore_index=True)


def _codes_hint(path: Path, column: str, codes: set[str], boundaries: SmallAreas) -> str:
    looks_2011 = _vintage(column) == "2011" or (_vintage(boundaries.code_column) == "2021" and
                                                all(re.fullmatch(r"[EW]01\d{6}", c) for c in codes))
    return ("these look like LSOA 2011 codes while the boundaries use LSOA 2021 codes: pass --lsoa11-to-21"
            " with the ONS LSOA (2011) to LSOA (2021) lookup" if looks_2011 else "")


def match_lookup(lookup: pd.DataFrame, path: Path, column: str, boundaries: SmallAreas,
                 changes: LsoaChanges | None, clip: bool, notes: list[str]) -> pd.DataFrame:
    """Lookup and boundaries must hold the same small areas (a national file may be clipped to the lookup)."""
    codes = set(lookup["small_area_code"])
    if changes is not None and codes - boundaries.codes:
        is_2011 = changes.check_not_mixed(codes, path, column)
        if is_2011 and boundaries.codes & changes.new_only:
            lookup = _lookup_to_2021(lookup, changes, path, column, notes)
            codes = set(lookup["small_area_code"])
    missing = codes - boundaries.codes
    if missing:
        hint = _codes_hint(path, column, missing, boundaries) if changes is None else ""
        raise GeoImportError(_problem(path, column, f"small area codes not in the boundaries"
                                      f" ({boundaries.path.name})", missing, hint))
    extra = boundaries.codes - codes
    if extra and not clip:
        raise GeoImportError(_problem(boundaries.path, boundaries.code_column, f"small areas not in the lookup"
                                      f" ({path.name})", extra,
                                      "pass --clip-to-lookup to keep only the lookup's areas"))
    if extra:
        notes.append(f"{len(extra):,} small areas of {boundaries.path.name} left out: not in {path.name}")
    return lookup


def complete_lookup(lookup: pd.DataFrame, boundaries: SmallAreas, path: Path, notes: list[str]) -> pd.DataFrame:
    """Names from the boundaries; place and ICB defaults when the lookup has none; hierarchy checks."""
    own = boundaries.frame[["small_area_code", "small_area_name", "lad_code", "lad_name"]].rename(
        columns={"small_area_name": "small_area_name_b", "lad_code": "lad_code_b", "lad_name": "lad_name_b"})
    out = lookup.merge(pd.DataFrame(own), on="small_area_code")
    name = out["small_area_name_b"].where(out["small_area_name_b"] != "", out["small_area_name"])
    out["small_area_name"] = name.where(name != "", out["small_area_code"])
    if "place_code" not in out:
        out = _default_place(out, path, notes)
    if "icb_code" not in out:
        out["icb_code"], out["icb_name"] = DEFAULT_ICB
        notes.append(f"{path.name} has no icb_code: every place is in one ICB, {DEFAULT_ICB[0]} '{DEFAULT_ICB[1]}'")
    for child, parent in (("neighbourhood", "place"), ("place", "icb")):
        many = out.groupby(f"{child}_code")[f"{parent}_code"].nunique()
        if (many > 1).any():
            raise GeoImportError(_problem(path, f"{parent}_code", f"{child}s in more than one {parent}",
                                          set(many[many > 1].index)))
    return out[LOOKUP_COLUMNS].sort_values("small_area_code", ignore_index=True)


def _default_place(out: pd.DataFrame, path: Path, notes: list[str]) -> pd.DataFrame:
    """No place in the lookup: each neighbourhood's local authority (most of its small areas), else one place."""
    lad = out[["lad_code", "lad_name"]] if "lad_code" in out else None
    lad_b = out[["lad_code_b", "lad_name_b"]].set_axis(["lad_code", "lad_name"], axis=1)
    if lad is None or (lad["lad_code"] == "").all():
        lad = lad_b
    if (lad["lad_code"].replace("", None).notna()).all():
        majority = (lad.assign(nb=out["neighbourhood_code"]).groupby(["nb", "lad_code", "lad_name"]).size()
                    .rename("n").reset_index().sort_values("n", ascending=False, kind="stable")
                    .drop_duplicates("nb").set_index("nb"))
        out["place_code"] = out["neighbourhood_code"].map(majority["lad_code"])
        out["place_name"] = out["neighbourhood_code"].map(majority["lad_name"])
        notes.append(f"{path.name} has no place_code: each neighbourhood's place is the local authority holding"
                     " most of its small areas")
    else:
        out["place_code"], out["place_name"] = DEFAULT_PLACE
        notes.append(f"{path.name} has no place_code (nor local authority columns): every neighbourhood is in one"
                     f" place, {DEFAULT_PLACE[0]} '{DEFAULT_PLACE[1]}'")
    return out


# -------------------------------------------------------------------------------------- deprivation

def read_deprivation(path: Path) -> tuple[pd.DataFrame, str]:
    """small_area_code, imd_score, imd_rank, imd_decile (NaN where the file has no such column)."""
    path = Path(path)
    table = _read_csv(path)
    code = _column(table, path, CODE, "small-area code (lsoa_code, LSOA code (2011), LSOA21CD, …)")
    found = {key: _find(table.columns, patterns) for key, patterns in
             (("imd_score", SCORE), ("imd_rank", RANK), ("imd_decile", DECILE))}
    if found["imd_decile"] is None and found["imd_rank"] is None:
        raise GeoImportError(f"{path.name}: no IMD decile column (e.g. imd_decile, 'Index of Multiple Deprivation"
                             f" (IMD) Decile (where 1 is most deprived 10% of LSOAs)'); columns are:"
                             f" {', '.join(map(str, table.columns))}")
    out = pd.DataFrame({"small_area_code": table[code]})
    for key, column in found.items():
        out[key] = _number(table[column]).astype(float) if column else np.nan
    if found["imd_decile"] is None:
        out["imd_decile"] = np.ceil(out["imd_rank"] / (ENGLAND_LSOA11 / 10))
    bad = out.loc[~out["imd_decile"].isin(range(1, 11)), "small_area_code"]
    if len(bad):
        raise GeoImportError(_problem(path, found["imd_decile"] or found["imd_rank"],
                                      "rows with an IMD decile missing or outside 1-10", set(bad)))
    dupes = out.loc[out["small_area_code"].duplicated(), "small_area_code"]
    if len(dupes):
        raise GeoImportError(_problem(path, code, "duplicate small area codes", set(dupes)))
    return out, code


def _derived_decile(values: pd.DataFrame, merged: pd.DataFrame) -> tuple[pd.Series, str]:
    """Deciles of merged 2021 areas, from (in order of preference) mean rank, mean score, mean decile."""
    if merged["imd_rank"].notna().all():
        return np.ceil(merged["imd_rank"] / (ENGLAND_LSOA11 / 10)).clip(1, 10), "the mean national rank"
    if merged["imd_score"].notna().all() and values["imd_score"].notna().all():
        cuts = values.groupby("imd_decile")["imd_score"].min().sort_index()   # decile 1 has the highest scores
        above = merged["imd_score"].to_numpy()[:, None] >= cuts.to_numpy()[None, :]
        decile = np.where(above.any(axis=1), cuts.index.to_numpy()[above.argmax(axis=1)], cuts.index.max())
        return pd.Series(decile, index=merged.index), "the mean score on the input's score-to-decile cut points"
    return np.ceil(merged["imd_decile"] - 0.5), "the rounded mean decile"


def deprivation_to_2021(values: pd.DataFrame, changes: LsoaChanges, path: Path,
                        report: ImportReport) -> pd.DataFrame:
    """Carry 2011 deprivation onto 2021 areas (rule in the module docstring); report each kind."""
    joined = changes.joined(values)
    report.unmapped = sorted(set(values["small_area_code"]) - set(changes.rows["lsoa11"]))
    groups = joined.groupby("lsoa21")
    weight = joined["weight"]
    first = groups[["imd_score", "imd_rank", "imd_decile"]].first()
    out = first.copy()
    several = groups.size() > 1
    if several.any():
        mean = (joined[["imd_score", "imd_rank", "imd_decile"]].mul(weight, axis=0).groupby(joined["lsoa21"]).sum(min_count=1)
                .div(weight.groupby(joined["lsoa21"]).sum(), axis=0))[several]
        decile, how = _derived_decile(values, mean)
        out.loc[several, ["imd_score", "imd_rank"]] = mean[["imd_score", "imd_rank"]]
        out.loc[several, "imd_decile"] = decile
    report.lsoa_changes, note = changes.note(joined, f"{path.name}: deprivation")
    report.notes.append(note + (f"; deciles of merged areas derived again from {how}" if several.any() else ""))
    report.notes.append(f"{len(report.unmapped):,} codes of {path.name} are not in {changes.path.name} and could"
                        f" not be mapped" + (f" (e.g. {_examples(report.unmapped)})" if report.unmapped else ""))
    return out.rename_axis("small_area_code").reset_index()


def match_deprivation(values: pd.DataFrame, path: Path, column: str, wanted: set[str], boundaries: SmallAreas,
                      changes: LsoaChanges | None, report: ImportReport) -> pd.DataFrame:
    codes = set(values["small_area_code"])
    if changes is not None and wanted - codes and changes.check_not_mixed(codes, path, column):
        values = deprivation_to_2021(values, changes, path, report)
        codes = set(values["small_area_code"])
    missing = wanted - codes
    if missing:
        hint = _codes_hint(path, column, codes - wanted, boundaries) if changes is None else ""
        raise GeoImportError(_problem(path, column, "small areas of the lookup with no deprivation row", missing, hint))
    if codes - wanted:
        report.notes.append(f"{len(codes - wanted):,} rows of {path.name} left out: not among the imported small areas")
    out = values[values["small_area_code"].isin(wanted)].sort_values("small_area_code", ignore_index=True)
    out["imd_score"] = out["imd_score"].round(3)
    out["imd_decile"] = out["imd_decile"].astype(int)
    scored = ["imd_score"] if out["imd_score"].notna().any() else []   # an empty column would read as text
    return out[["small_area_code", *scored, "imd_decile"]]


# ----------------------------------------------------------------------------------------- import

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
    report.input_km2 = float(areas.to_crs(METRIC_CRS).area.sum() / 1e6)
    report.dissolved_km2 = float(neighbourhoods.area.sum() / 1e6)
    report.gap_free = bool(shapely.coverage_is_valid(neighbourhoods.geometry.values))
    if abs(report.area_difference) > AREA_TOLERANCE:
        raise GeoImportError(f"{report.out_dir}: dissolved neighbourhoods cover {report.dissolved_km2:,.2f} km²"
                             f" against {report.input_km2:,.2f} km² of small areas ({report.area_difference:+.2%});"
                             " the boundaries may overlap")


def import_geography(boundaries: Path, lookup: Path, deprivation: Path, out_dir: Path, *,
                     lsoa11_to_21: Path | None = None, code_column: str | None = None,
                     name_column: str | None = None, crs: str | None = None,
                     clip_to_lookup: bool = False) -> ImportReport:
    """Check the three inputs against each other and write the geo folder the app reads."""
    boundaries, lookup, deprivation, out_dir = map(Path, (boundaries, lookup, deprivation, out_dir))
    inputs = [boundaries, lookup, deprivation] + ([Path(lsoa11_to_21)] if lsoa11_to_21 else [])
    for path in inputs:
        if not path.exists():
            raise GeoImportError(f"{path.name}: no such file ({path})")
    _refuse_inside(out_dir, inputs)
    report = ImportReport(out_dir)
    changes = LsoaChanges.read(lsoa11_to_21) if lsoa11_to_21 else None
    areas = read_small_areas(boundaries, code_column, name_column, crs, report.notes)
    table, table_code = read_area_lookup(lookup)
    table = match_lookup(table, lookup, table_code, areas, changes, clip_to_lookup, report.notes)
    table = complete_lookup(table, areas, lookup, report.notes)
    values, values_code = read_deprivation(deprivation)
    depr = match_deprivation(values, deprivation, values_code, set(table["small_area_code"]), areas, changes, report)

    kept = areas.frame[areas.frame["small_area_code"].isin(table["small_area_code"])]
    metric = kept.to_crs(METRIC_CRS)
    if not shapely.coverage_is_valid(metric.geometry.values):
        edges = shapely.coverage_invalid_edges(metric.geometry.values)
        odd = set(kept.loc[~shapely.is_empty(edges), "small_area_code"])
        report.notes.append(f"WARNING: {len(odd):,} small areas overlap or do not meet their neighbours exactly"
                            f" (e.g. {_examples(odd)}); maps may show slivers")
    web = kept[["small_area_code", "geometry"]].merge(table[["small_area_code", "small_area_name"]])
    with staged_dir(out_dir) as tmp:
        gpd.GeoDataFrame(web, geometry="geometry", crs=kept.crs).to_crs(WEB_CRS).to_parquet(tmp / "small_areas.parquet")
        table.to_csv(tmp / "area_lookup.csv", index=False)
        depr.to_csv(tmp / "deprivation.csv", index=False)
        _check_layers(tmp, table, kept, report)
    report.counts = {"small areas": len(table), "neighbourhoods": table["neighbourhood_code"].nunique(),
                     "places": table["place_code"].nunique(), "ICBs": table["icb_code"].nunique()}
    return report
