"""The interventions catalogue: dated service changes to evaluate, as data (definitions/interventions.csv).

Each intervention names the areas it reached (place or neighbourhood codes or names, separated by
";"), its start date, the cohort it targets (optional) and the measures it should move, the first
being the primary outcome, and the direction it should move them. The demo ships its two service
changes; a deployment replaces the file with its own `interventions.csv` in the extracts folder,
as it does the measure and cohort catalogues. Areas are resolved against the area tree when an
intervention is evaluated (`measures.evaluation`), so one file serves real and synthetic codes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from neighbourhood_health.config import DEFINITIONS_DIR

COLUMNS = ["intervention_id", "name", "areas", "start_date", "cohort", "measures", "expected_direction", "notes"]
DIRECTIONS = {"lower", "higher"}


class InterventionError(ValueError):
    """The catalogue is malformed, or an intervention asked for is not in it: the message names the
    file, the row and the column."""


@dataclass(frozen=True)
class Intervention:
    intervention_id: str
    name: str
    areas: tuple[str, ...]
    start: pd.Timestamp
    cohort: str
    measures: tuple[str, ...]
    expected_direction: str
    notes: str

    @property
    def primary_measure(self) -> str:
        return self.measures[0]


def catalogue_path(extracts_dir: Path | None = None) -> Path:
    own = Path(extracts_dir) / "interventions.csv" if extracts_dir else None
    return own if own and own.exists() else DEFINITIONS_DIR / "interventions.csv"


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(text).split(";") if part.strip())


def load_interventions(extracts_dir: Path | None = None, measure_ids=None, cohort_ids=None) -> list[Intervention]:
    """Every intervention of the catalogue, checked; `measure_ids` and `cohort_ids`, when given,
    are the catalogues' identifiers the rows must name."""
    path = catalogue_path(extracts_dir)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InterventionError(f"{path}: missing column(s) {', '.join(missing)}")
    problems, out = [], []
    for i, row in table.iterrows():
        where = f"{path.name} row {i + 2} ({row.intervention_id or 'no id'})"
        start = pd.to_datetime(row.start_date, format="%Y-%m-%d", errors="coerce")
        if not row.intervention_id.strip():
            problems.append(f"{where}, column intervention_id: empty")
        if pd.isna(start):
            problems.append(f"{where}, column start_date: {row.start_date!r} is not a date written YYYY-MM-DD")
        elif start.day != 1:
            problems.append(f"{where}, column start_date: {row.start_date} is not the first day of a month "
                            "(outcomes are monthly, so a change is evaluated from the first month it covers)")
        if not _split(row.areas):
            problems.append(f"{where}, column areas: empty")
        measures = _split(row.measures)
        if not measures:
            problems.append(f"{where}, column measures: empty")
        unknown = [m for m in measures if measure_ids is not None and m not in set(measure_ids)]
        if unknown:
            problems.append(f"{where}, column measures: {', '.join(unknown)} not in the measure catalogue")
        if row.cohort and cohort_ids is not None and row.cohort not in set(cohort_ids):
            problems.append(f"{where}, column cohort: {row.cohort!r} is not in the cohort catalogue")
        if row.expected_direction not in DIRECTIONS:
            problems.append(f"{where}, column expected_direction: {row.expected_direction!r} is not one of "
                            f"{sorted(DIRECTIONS)}")
        if not problems:
            out.append(Intervention(row.intervention_id.strip(), row["name"], _split(row.areas), start, row.cohort,
                                    measures, row.expected_direction, row.notes))
    if table["intervention_id"].duplicated().any():
        problems.append(f"{path.name}, column intervention_id: duplicated "
                        f"{sorted(set(table.intervention_id[table.intervention_id.duplicated()]))}")
    if problems:
        raise InterventionError("\n".join(problems))
    return out


def find(interventions: list[Intervention], intervention_id: str) -> Intervention:
    for item in interventions:
        if item.intervention_id == intervention_id:
            return item
    raise InterventionError(f"no intervention {intervention_id!r}; the catalogue has "
                            f"{', '.join(i.intervention_id for i in interventions) or 'none'}")
