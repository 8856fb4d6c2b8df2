"""What `python -m neighbourhood_health nnhip` and `nnhip-check` run: no Streamlit involved."""
from __future__ import annotations

import csv
from pathlib import Path

from neighbourhood_health.config import DEFINITIONS_DIR

from .check import read_submission
from .layout import layout
from .write import check_month, write_submission

PROJECTS_FILE = DEFINITIONS_DIR / "nnhip_projects.csv"


def run_nnhip(cfg, place: str, cohort: str, month: str, out) -> Path:
    """Write the month's submission for a place's NNHIP cohort from the extracts and marts of `cfg`,
    protected with the data folder's key, and read it back: a file the programme would fail is
    not left behind. `place` is one of our place codes or the programme's project name."""
    from neighbourhood_health.measures.nnhip import submission_figures
    from neighbourhood_health.pipeline.contract_files import register_extracts
    from neighbourhood_health.privacy import disclosure
    from neighbourhood_health.store import Database
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"Cannot write an NNHIP submission as {out.suffix or 'a file without a suffix'}: use .xlsx")
    project, period = project_name(place), check_month(month)
    if not (cfg.marts_dir / "measure_values.parquet").exists():
        raise ValueError(f"No marts in {cfg.marts_dir}: run `python -m neighbourhood_health build` first")
    db = Database(cfg.marts_dir, cfg.extracts_dir, register_extracts)  # parquet or CSV extracts, as the app
    figures = submission_figures(db, place, cohort, period)
    protected = bool(figures.attrs.get("protected", False))
    write_submission(figures, project, period, out, protected=protected,
                     secret=None if protected else disclosure.key(cfg.data_dir))
    check = read_submission(out)
    if not check.ok:
        out.unlink()
        raise ValueError("the written submission fails the programme's checks:\n" + check.as_text())
    return out


def run_check(path) -> int:
    """Print what the programme's checks find in a submission; 0 when it passes (alerts allowed)."""
    check = read_submission(path)
    print(check.as_text())
    return 0 if check.ok else 1


def project_name(place: str) -> str:
    """The template's project name for one of our places (definitions/nnhip_projects.csv), or the
    name itself when it is already one of the template's."""
    lay = layout()
    if lay.project(place):
        return lay.project(place)
    for row in _projects():
        if place in (row.get("place_code"), row.get("place")) and lay.project(row.get("project_name") or ""):
            return lay.project(row["project_name"])
    known = ", ".join(sorted({r.get("place_code") or r.get("place") or "" for r in _projects()} - {""})) or "none"
    raise ValueError(f"{place!r} is neither a project name in the template's Lookups sheet nor a place in "
                     f"{PROJECTS_FILE.name} (places there: {known})")


def _projects() -> list[dict]:
    if not PROJECTS_FILE.exists():
        return []
    with PROJECTS_FILE.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
