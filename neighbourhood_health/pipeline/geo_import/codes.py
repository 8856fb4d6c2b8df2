"""Which code system a file's small-area codes use, read from the codes themselves and the column name,
so that every message says what the inputs are and gives advice only when it follows from them.

ONS codes are nine characters: an entity prefix (E01 is an English LSOA, W01 a Welsh one, E02 an MSOA,
E00 an output area, E06–E09 local authorities) and six digits. LSOA 2011 codes run to E01033768;
the 2021 revision kept most of them and numbered its new areas from E01033769, so a code above that
is LSOA 2021 only. Without the ONS 2011→2021 lookup a file of codes common to both cannot be dated
except by its column name (LSOA11CD, 'LSOA code (2011)'). Synthetic codes (the demo's Z01…, an
analyst's X…) are one letter and eight digits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from neighbourhood_health.pipeline.geo_import.report import GeoImportError, problem

LAST_LSOA11 = 33_768             # E01033768: the last English LSOA 2011; 2021's new LSOAs follow it
LSOA = re.compile(r"[EW]01\d{6}")
ONS = re.compile(r"[EWSN]\d{8}")
SYNTHETIC = re.compile(r"[XYZ]\d{8}")
ENTITY = {"E00": "output area", "W00": "output area", "E01": "LSOA", "W01": "LSOA", "E02": "MSOA",
          "W02": "MSOA", "E06": "local authority", "E07": "local authority", "E08": "local authority",
          "E09": "local authority", "W06": "local authority", "E38": "sub-ICB location", "E54": "ICB"}
FORM = "a small-area code is nine characters: E01 (or W01) and six digits, e.g. E01000907"


@dataclass(frozen=True)
class CodeSystem:
    """What a column of codes is: 'LSOA 2011', 'LSOA 2021', 'LSOA' (codes common to both), 'synthetic'."""
    name: str
    why: str                     # how it was told: 'the column is named LSOA11CD', '12 codes above E01033768'

    @property
    def vintage(self) -> str | None:
        return self.name.split()[-1] if self.name in ("LSOA 2011", "LSOA 2021") else None

    def __str__(self) -> str:
        return f"{self.name} ({self.why})"


def column_vintage(column: str | None) -> str | None:
    name = re.sub(r"[^a-z0-9]", "", str(column or "").lower())
    return "2011" if re.search(r"(lsoa|20)11", name) else "2021" if re.search(r"(lsoa|20)21", name) else None


def is_2021_only(code: str) -> bool:
    return bool(LSOA.fullmatch(code)) and code[0] == "E" and int(code[3:]) > LAST_LSOA11


def check_codes(codes, path, column: str) -> None:
    """Refuse codes that are not small-area codes at all: malformed ones, or another geography's."""
    codes = set(map(str, codes))
    malformed = {c for c in codes if not (ONS.fullmatch(c) or SYNTHETIC.fullmatch(c))}
    if malformed:
        raise GeoImportError(problem(path, column, "malformed small-area codes", malformed, FORM))
    other = {c for c in codes if ONS.fullmatch(c) and not LSOA.fullmatch(c)}
    if other:
        kinds = sorted({ENTITY.get(c[:3], f"{c[:3]}…") for c in other})
        raise GeoImportError(problem(path, column, f"codes that are not LSOAs ({', '.join(kinds)} codes)", other,
                                     "the column must hold LSOA codes (E01…); map other geographies to LSOAs first"))


def code_system(codes, column: str | None) -> CodeSystem:
    """The code system of a column, from the codes where they tell and from the column name where they do not."""
    codes = set(map(str, codes))
    if codes and all(SYNTHETIC.fullmatch(c) for c in codes):
        return CodeSystem("synthetic", "codes start X, Y or Z")
    newer = {c for c in codes if is_2021_only(c)}
    named = column_vintage(column)
    if newer:
        return CodeSystem("LSOA 2021", f"{len(newer):,} codes above E01033768, the last LSOA 2011")
    if named:
        return CodeSystem(f"LSOA {named}", f"the column is named {column}")
    return CodeSystem("LSOA", "2011 or 2021: its codes are common to both and its column name does not say")


def codes_hint(column: str | None, codes, boundaries_column: str | None, boundary_codes) -> str:
    """The advice for codes the boundaries lack, when the two systems say what to do; else ''."""
    mine, theirs = code_system(codes, column), code_system(boundary_codes, boundaries_column)
    if mine.vintage == "2011" and theirs.vintage == "2021":
        return (f"these are {mine} while the boundaries use {theirs}: pass --lsoa11-to-21 with the ONS"
                " LSOA (2011) to LSOA (2021) lookup")
    if mine.vintage == "2021" and theirs.vintage == "2011":
        return (f"these are {mine} while the boundaries use {theirs}: use LSOA 2021 boundaries (the import"
                " carries 2011 data onto 2021 areas, not the reverse)")
    if mine.name == theirs.name:
        return f"both files use {mine.name} codes: these small areas are not in the boundary files given"
    return f"these are {mine}; the boundaries use {theirs}"
