"""The measure catalogue: measures as data (definitions/measures.csv), not code.

A deployment may replace it by putting its own `measures.csv` in the extracts folder. Each
person-level measure names a query file in queries/measures/ and the parameters it is run with;
a measure with no query arrives aggregated in aggregate_measures.parquet.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from neighbourhood_health.config import DEFINITIONS_DIR, QUERIES_DIR

DEFAULT_MEASURES = DEFINITIONS_DIR / "measures.csv"
FAMILIES = ["Population health outcomes", "Standards and KPIs", "Patient/resident and staff experience"]
POLARITIES = {"higher_is_better", "lower_is_better", "no_judgement"}
METHODS = {"proportion", "rate"}
LIFE_STAGES = {"start", "live", "age well"}
COLUMNS = ["measure_id", "name", "family", "pillar", "life_stage", "polarity", "unit", "method",
           "multiplier", "target", "source", "definition", "query", "query_params"]


class CatalogueError(ValueError):
    """The catalogue file is malformed: the message names the file, the column and the row."""


def measures_path(extracts_dir: Path | None = None) -> Path:
    own = Path(extracts_dir) / "measures.csv" if extracts_dir else None
    return own if own and own.exists() else DEFAULT_MEASURES


def load_measures(extracts_dir: Path | None = None) -> pd.DataFrame:
    """The measure catalogue, checked; read once per version of the file (modification time and size)."""
    path = measures_path(extracts_dir)
    stat = path.stat()
    return _read_measures(path, stat.st_mtime_ns, stat.st_size).copy()


@lru_cache(maxsize=16)
def _read_measures(path: Path, mtime_ns: int, size: int) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise CatalogueError(f"{path}: missing column(s) {', '.join(missing)}")
    problems = []
    for i, row in table.iterrows():
        where = f"{path.name} row {i + 2} ({row.measure_id})"
        if row.family not in FAMILIES:
            problems.append(f"{where}, column family: {row.family!r} is not one of {FAMILIES}")
        if row.polarity not in POLARITIES:
            problems.append(f"{where}, column polarity: {row.polarity!r} is not one of {sorted(POLARITIES)}")
        if row.method not in METHODS:
            problems.append(f"{where}, column method: {row.method!r} is not one of {sorted(METHODS)}")
        if row.life_stage not in LIFE_STAGES:
            problems.append(f"{where}, column life_stage: {row.life_stage!r} is not one of {sorted(LIFE_STAGES)}")
        if row.query and not (QUERIES_DIR / "measures" / f"{row.query}.sql").exists():
            problems.append(f"{where}, column query: no file queries/measures/{row.query}.sql")
        try:
            json.loads(row.query_params or "{}")
        except json.JSONDecodeError as exc:
            problems.append(f"{where}, column query_params: not JSON ({exc})")
    if table["measure_id"].duplicated().any():
        problems.append(f"{path.name}, column measure_id: duplicated {sorted(set(table.measure_id[table.measure_id.duplicated()]))}")
    if problems:
        raise CatalogueError("\n".join(problems))
    table["multiplier"] = pd.to_numeric(table["multiplier"])
    table["target"] = pd.to_numeric(table["target"].replace("", None))
    table["family_order"] = table["family"].map({f: i for i, f in enumerate(FAMILIES)})
    table["display_order"] = range(len(table))  # the file's order: headline measures first
    return table
