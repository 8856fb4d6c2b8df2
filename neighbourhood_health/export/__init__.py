"""The board pack: one content builder (`content`) drawn by the presentation page and by the
PowerPoint (`pptx`) and HTML (`html`) exporters, with the map rendered offline (`map_image`).

`write_pack` is what `python -m neighbourhood_health pack` runs: no Streamlit involved.
"""
from __future__ import annotations

from pathlib import Path

FORMATS = {".pptx": "PowerPoint", ".html": "HTML", ".htm": "HTML"}
MIME = {".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".html": "text/html", ".htm": "text/html"}


def render(pack, suffix: str) -> bytes:
    """The pack as a file's bytes: .pptx (PowerPoint) or .html (self-contained HTML)."""
    suffix = suffix.lower()
    if suffix == ".pptx":
        from neighbourhood_health.export.pptx import render as draw
    elif suffix in (".html", ".htm"):
        from neighbourhood_health.export.html import render as draw
    else:
        raise ValueError(f"Cannot write a board pack as {suffix or 'a file without a suffix'}: "
                         f"use one of {', '.join(FORMATS)}")
    return draw(pack)


def write_pack(cfg, area_code: str, out: Path) -> Path:
    """Build the pack for one area from the marts of `cfg` and write it to `out` (format by suffix)."""
    from neighbourhood_health.export.content import build
    from neighbourhood_health.pipeline.contract_files import register_extracts
    from neighbourhood_health.store import Database
    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        render(None, out.suffix)  # raises the error that names the formats
    if not (cfg.marts_dir / "measure_values.parquet").exists():
        raise ValueError(f"No marts in {cfg.marts_dir}: run `python -m neighbourhood_health build` first")
    pack = build(Database(cfg.marts_dir, cfg.extracts_dir, register_extracts), area_code)  # parquet or CSV, as the app
    data = render(pack, out.suffix)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")  # a scheduled job never leaves half a file behind
    partial.write_bytes(data)
    partial.replace(out)
    return out
