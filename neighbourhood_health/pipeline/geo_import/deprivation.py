"""Small-area deprivation: read from whichever IMD columns the file has, carried onto 2021 areas
when it is keyed by LSOA 2011, and kept to the small areas being imported."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from neighbourhood_health.pipeline.geo_import.lsoa_change import LsoaChanges, deprivation_to_2021
from neighbourhood_health.pipeline.geo_import.boundaries import SmallAreas
from neighbourhood_health.pipeline.geo_import.codes import check_codes, codes_hint
from neighbourhood_health.pipeline.geo_import.reading import (CODE, DECILE, ENGLAND_LSOA11, RANK, SCORE, find_column,
                                                              number, read_csv, require_column)
from neighbourhood_health.pipeline.geo_import.report import GeoImportError, ImportReport, problem


def read_deprivation(path: Path, notes: list[str] | None = None) -> tuple[pd.DataFrame, str]:
    """small_area_code, imd_score, imd_rank, imd_decile (NaN where the file has no such column)."""
    path = Path(path)
    table = read_csv(path, notes)
    code = require_column(table, path, CODE, "small-area code (lsoa_code, LSOA code (2011), LSOA21CD, …)")
    check_codes(table.loc[table[code] != "", code], path, code)
    found = {key: find_column(table.columns, patterns) for key, patterns in
             (("imd_score", SCORE), ("imd_rank", RANK), ("imd_decile", DECILE))}
    if found["imd_decile"] is None and found["imd_rank"] is None:
        raise GeoImportError(f"{path.name}: no IMD decile column (e.g. imd_decile, 'Index of Multiple Deprivation"
                             f" (IMD) Decile (where 1 is most deprived 10% of LSOAs)'); columns are:"
                             f" {', '.join(map(str, table.columns))}")
    out = pd.DataFrame({"small_area_code": table[code]})
    for key, column in found.items():
        out[key] = number(table[column]).astype(float) if column else np.nan
    if found["imd_decile"] is None:
        out["imd_decile"] = np.ceil(out["imd_rank"] / (ENGLAND_LSOA11 / 10))
    bad = out.loc[~out["imd_decile"].isin(range(1, 11)), "small_area_code"]
    if len(bad):
        raise GeoImportError(problem(path, found["imd_decile"] or found["imd_rank"],
                                     "rows with an IMD decile missing or outside 1-10", set(bad)))
    dupes = out.loc[out["small_area_code"].duplicated(), "small_area_code"]
    if len(dupes):
        raise GeoImportError(problem(path, code, "duplicate small area codes", set(dupes)))
    return out, code


def match_deprivation(values: pd.DataFrame, path: Path, column: str, wanted: set[str], boundaries: SmallAreas,
                      changes: LsoaChanges | None, report: ImportReport) -> pd.DataFrame:
    codes = set(values["small_area_code"])
    if changes is not None and wanted - codes and changes.check_not_mixed(codes, path, column):
        values = deprivation_to_2021(values, changes, path, report)
        codes = set(values["small_area_code"])
    missing = wanted - codes
    if missing:
        hint = codes_hint(column, codes, boundaries.code_column, boundaries.codes) if changes is None else ""
        raise GeoImportError(problem(path, column, "small areas of the lookup with no deprivation row", missing, hint))
    if codes - wanted:
        report.notes.append(f"{len(codes - wanted):,} rows of {path.name} left out: not among the imported small areas")
    out = values[values["small_area_code"].isin(wanted)].sort_values("small_area_code", ignore_index=True)
    out["imd_score"] = out["imd_score"].round(3)
    out["imd_decile"] = out["imd_decile"].astype(int)
    scored = ["imd_score"] if out["imd_score"].notna().any() else []   # an empty column would read as text
    return out[["small_area_code", *scored, "imd_decile"]]
