"""A private copy of the session's demo data, for tests that change what the loaded extract says.

The shared fixture (conftest.demo_cfg) is never edited: the extracts and built marts are copied
(the marts as a plain folder, which the app reads as one marts version) and the copy changed.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path


def copy_demo(demo_cfg, root: Path, source: str | None = None) -> Path:
    """Copy the demo's extracts and marts to `root`/data and return that data folder; with `source`,
    the marts' manifest says the extract came from there (so it is no longer the synthetic demo)."""
    data = Path(root) / "data"
    for folder in (demo_cfg.extracts_dir, demo_cfg.marts_dir):
        shutil.copytree(os.path.realpath(folder), data / folder.name)
    if source is not None:
        set_source(data / "marts", source)
    return data


def set_source(marts: Path, source: str) -> None:
    manifest = Path(marts) / "manifest.json"
    content = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**content, "source": source}, indent=2))


def point_app_at(monkeypatch, data: Path, geo: Path) -> None:
    """Make the app (and anything reading settings()) use this data folder and geography."""
    monkeypatch.setenv("NHD_DATA_DIR", str(data))
    monkeypatch.setenv("NHD_GEO_DIR", str(geo))
    monkeypatch.setenv("NHD_AUTO_DEMO", "0")
