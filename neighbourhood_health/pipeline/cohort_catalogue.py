"""The cohort catalogue: cohorts as data (definitions/cohorts.csv) and SQL (queries/cohorts/).

It lives in the pipeline because the build finds every catalogue cohort's members once
(cohort_membership) over the same windows the Cohorts page reads; the page's counts, lists and
access checks are in `measures.cohorts`. A deployment may replace the catalogue with its own
`cohorts.csv` in the extracts folder.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from neighbourhood_health.config import DEFINITIONS_DIR, QUERIES_DIR

COLUMNS = ["cohort_id", "name", "pillar", "params", "combines", "description"]
#: The event types of a cohort's activity trend, and their labels.
TREND_EVENTS = {"emergency_admission": "Emergency admissions", "ae_attendance": "A&E attendances"}


class CohortError(ValueError):
    """The cohort catalogue is malformed, or a cohort asked for is not in it."""


@dataclass
class Cohort:
    cohort_id: str
    name: str
    pillar: str
    params: dict
    combines: tuple[str, ...]
    description: str


def catalogue_path(extracts_dir: Path | None = None) -> Path:
    own = Path(extracts_dir) / "cohorts.csv" if extracts_dir else None
    return own if own and own.exists() else DEFINITIONS_DIR / "cohorts.csv"


def load_cohorts(extracts_dir: Path | None = None) -> dict[str, Cohort]:
    """The catalogue, checked: JSON params, a query file per cohort, known combined cohorts.

    Read once per version of the file (its modification time and size), not on every call: pages
    ask for it on every rerun."""
    path = catalogue_path(extracts_dir)
    stat = path.stat()
    return dict(_read_cohorts(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=16)
def _read_cohorts(path: Path, mtime_ns: int, size: int) -> dict[str, Cohort]:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise CohortError(f"{path}: missing column(s) {', '.join(missing)}")
    cohorts, problems = {}, []
    for i, row in table.iterrows():
        where = f"{path.name} row {i + 2} ({row.cohort_id})"
        try:
            params = json.loads(row.params or "{}")
            description = row.description.format(**params)
        except (json.JSONDecodeError, KeyError) as exc:
            problems.append(f"{where}: params must be JSON naming every {{placeholder}} in the description ({exc})")
            continue
        if not (QUERIES_DIR / "cohorts" / f"{row.cohort_id}.sql").exists():
            problems.append(f"{where}: no query file queries/cohorts/{row.cohort_id}.sql")
        combines = tuple(c for c in row.combines.split(";") if c)
        cohorts[row.cohort_id] = Cohort(row.cohort_id, row["name"], row.pillar, params, combines, description)
    for c in cohorts.values():
        for other in c.combines:
            if other not in cohorts or cohorts[other].combines:
                problems.append(f"{path.name} ({c.cohort_id}): combines {other!r}, which is not a simple cohort in the catalogue")
    if problems:
        raise CohortError("\n".join(problems))
    return cohorts


def risk_bands() -> pd.DataFrame:
    return _risk_bands().copy()


@lru_cache(maxsize=1)
def _risk_bands() -> pd.DataFrame:
    return pd.read_csv(DEFINITIONS_DIR / "risk_bands.csv")


def window(extract_date) -> dict:
    """Windows from the extract date: the 12 months to it, and the last 12 complete months.

    The build uses the same windows for the cohort marts, so the two cannot disagree.
    """
    extract = pd.Timestamp(extract_date)
    last = extract.to_period("M") if extract.is_month_end else extract.to_period("M") - 1
    return {"extract_date": extract.date(), "window_start": (extract - pd.DateOffset(months=12)).date(),
            "first_month": (last - 11).to_timestamp().date(), "last_month": last.to_timestamp().date(),
            "next_month": (last + 1).to_timestamp().date()}
