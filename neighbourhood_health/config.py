"""Configuration in one place: environment variables with defaults.

NHD_DATA_DIR     folder holding `extracts/` (inputs) and `marts/` (built tables); default `data/`
NHD_GEO_DIR      folder holding the small-area boundaries, lookup and deprivation; default `geo/`
NHD_DEMO_SCALE   fraction of the real population the demo generator makes; default 1.0
NHD_DEMO_GEOGRAPHY  "london" (default): the real LSOA 2021 map of North Central and North West London;
                 "voronoi": synthetic Voronoi boroughs, for scales and shapes the real map cannot give
NHD_DEMO_SEED    seed of the demo generator; default 20261128
NHD_AUTO_DEMO    "0" stops the app generating demo data on a first start with no data; default "1"
NHD_USERS_FILE   who may sign in: a CSV of email, name, role, areas (see config/users.example.csv); default `config/users.csv`
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The catalogues shipped with the package (measures, cohorts, risk bands); a deployment may replace them.
DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
QUERIES_DIR = PROJECT_ROOT / "queries"
DEMO_GEOGRAPHIES = ("london", "voronoi")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    geo_dir: Path
    demo_scale: float
    demo_seed: int
    auto_demo: bool
    users_file: Path = PROJECT_ROOT / "config" / "users.csv"
    demo_geography: str = "london"

    @property
    def extracts_dir(self) -> Path:
        return self.data_dir / "extracts"

    @property
    def marts_dir(self) -> Path:
        return self.data_dir / "marts"

    @property
    def audit_dir(self) -> Path:
        return self.data_dir / "audit"


def _path(name: str, default: str) -> Path:
    value = Path(os.environ.get(name, default))
    return value if value.is_absolute() else (PROJECT_ROOT / value)


def settings() -> Settings:
    """Read the environment each call, so tests and the CLI can point at other folders."""
    scale = float(os.environ.get("NHD_DEMO_SCALE", "1.0"))
    if not 0 < scale <= 4:
        raise ValueError(f"NHD_DEMO_SCALE must be in (0, 4], got {scale}")
    geography = os.environ.get("NHD_DEMO_GEOGRAPHY", "london")
    if geography not in DEMO_GEOGRAPHIES:
        raise ValueError(f"NHD_DEMO_GEOGRAPHY must be one of {', '.join(DEMO_GEOGRAPHIES)}, got {geography!r}")
    return Settings(
        data_dir=_path("NHD_DATA_DIR", "data"),
        geo_dir=_path("NHD_GEO_DIR", "geo"),
        demo_scale=scale,
        demo_seed=int(os.environ.get("NHD_DEMO_SEED", "20261128")),
        auto_demo=os.environ.get("NHD_AUTO_DEMO", "1") != "0",
        users_file=_path("NHD_USERS_FILE", "config/users.csv"),
        demo_geography=geography,
    )
