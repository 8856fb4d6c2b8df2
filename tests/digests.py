"""Fingerprints of input files, so a test can show that reading them changed nothing."""
from __future__ import annotations

import hashlib
from pathlib import Path


def digest(*paths) -> dict[str, str]:
    """sha256 of every file among `paths`: a file (a shapefile with its sidecar files), or every
    file inside a folder, however deep."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(f for f in path.rglob("*") if f.is_file())
        elif path.suffix == ".shp":
            files += sorted(path.parent.glob(path.stem + ".*"))
        else:
            files.append(path)
    return {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
