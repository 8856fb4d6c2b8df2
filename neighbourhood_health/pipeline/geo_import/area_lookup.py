"""Matching the area lookup to the boundaries: the same small areas, carried onto 2021 codes when
needed, with names, places and ICBs filled in so the hierarchy the app rolls up by holds."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from neighbourhood_health.pipeline.geo_import.lsoa_change import LsoaChanges, lookup_to_2021
from neighbourhood_health.pipeline.geo_import.boundaries import SmallAreas
from neighbourhood_health.pipeline.geo_import.codes import codes_hint
from neighbourhood_health.pipeline.geo_import.report import GeoImportError, problem

LOOKUP_COLUMNS = ["small_area_code", "small_area_name", "neighbourhood_code", "neighbourhood_name",
                  "place_code", "place_name", "icb_code", "icb_name"]
DEFAULT_PLACE = ("X72000001", "All neighbourhoods (no place given)")
DEFAULT_ICB = ("X54000001", "Whole system (no ICB given)")


def match_lookup(lookup: pd.DataFrame, path: Path, column: str, boundaries: SmallAreas,
                 changes: LsoaChanges | None, clip: bool, notes: list[str]) -> pd.DataFrame:
    """Lookup and boundaries must hold the same small areas (a national file may be clipped to the lookup)."""
    codes = set(lookup["small_area_code"])
    if changes is not None and codes - boundaries.codes:
        is_2011 = changes.check_not_mixed(codes, path, column)
        if is_2011 and boundaries.codes & changes.new_only:
            lookup = lookup_to_2021(lookup, changes, path, column, notes)
            codes = set(lookup["small_area_code"])
    missing = codes - boundaries.codes
    if missing:
        hint = codes_hint(column, codes, boundaries.code_column, boundaries.codes) if changes is None else ""
        raise GeoImportError(problem(path, column, f"small area codes not in the boundaries"
                                     f" ({boundaries.name})", missing, hint))
    extra = boundaries.codes - codes
    if extra and not clip:
        raise GeoImportError(problem(boundaries.name, boundaries.code_column, f"small areas not in the lookup"
                                     f" ({path.name})", extra,
                                     "pass --clip-to-lookup to keep only the lookup's areas"))
    if extra:
        notes.append(f"{len(extra):,} small areas of {boundaries.name} left out: not in {path.name}")
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
            raise GeoImportError(problem(path, f"{parent}_code", f"{child}s in more than one {parent}",
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
