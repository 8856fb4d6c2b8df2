"""Reading the input CSVs (area lookups, deprivation, the LSOA change lookup), with their columns found
by name whichever code system (small_area_code, LSOA 2011 or LSOA 2021) and spelling they use."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from neighbourhood_health.pipeline.geo_import.codes import check_codes
from neighbourhood_health.pipeline.geo_import.report import GeoImportError, problem

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


def read_csv(path: Path, notes: list[str] | None = None) -> pd.DataFrame:
    """A CSV as text columns. UTF-8 (with or without Excel's byte-order mark) is read as it is; a file
    that is not UTF-8 but is Windows-1252 (what Excel's plain "CSV" saves) is read as that, with a
    note saying so; anything else is refused with the line of the first byte that cannot be read."""
    raw = Path(path).read_bytes() if Path(path).is_file() else b""
    encoding = "utf-8-sig"
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        try:
            raw.decode("cp1252")
        except UnicodeDecodeError:
            raise GeoImportError(f"{Path(path).name}: line {line} is not UTF-8 text (byte 0x{raw[exc.start]:02X});"
                                 " save the file as \"CSV UTF-8\"") from exc
        encoding = "cp1252"
        if notes is not None:
            notes.append(f"{Path(path).name} is not UTF-8 (first at line {line}): read as Windows-1252, the"
                         " encoding of Excel's plain CSV; check its names, or save it as \"CSV UTF-8\"")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise GeoImportError(f"{Path(path).name}: cannot be read as CSV ({exc})") from exc
    return table.apply(lambda col: col.str.strip())


def number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")


def require_column(table: pd.DataFrame, path: Path, patterns: list[str], what: str) -> str:
    found = find_column(table.columns, patterns)
    if found is None:
        raise GeoImportError(f"{path.name}: no {what} column (columns are: {', '.join(map(str, table.columns))})")
    return found


# ------------------------------------------------------------------------------------- area lookup

def read_area_lookup(path: Path, notes: list[str] | None = None) -> tuple[pd.DataFrame, str]:
    """The lookup with whichever of the eight contract columns it has (place/ICB may be absent)."""
    path = Path(path)
    table = read_csv(path, notes)
    code = require_column(table, path, CODE, "small-area code (small_area_code, LSOA21CD, …)")
    check_codes(table.loc[table[code] != "", code], path, code)
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
