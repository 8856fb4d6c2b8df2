"""Command line: `python -m neighbourhood_health {demo,validate,build,import-geo,pack,nnhip,nnhip-check,evaluate}`."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from neighbourhood_health.config import settings


def _bar(fraction: float, message: str) -> None:
    width = 30
    filled = int(round(fraction * width))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} {message:<50}")
    if fraction >= 1:
        sys.stderr.write("\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m neighbourhood_health",
                                     description="Neighbourhood Health Dashboard tools")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="generate synthetic demo data (NHD_DEMO_SCALE, NHD_DEMO_SEED)")
    demo.add_argument("--no-build", action="store_true", help="only write extracts, do not build marts")
    val = sub.add_parser("validate", help="check a folder of extracts against the data contract")
    val.add_argument("dir", nargs="?", type=Path, help="extracts folder (default: NHD_DATA_DIR/extracts)")
    val.add_argument("--geo", type=Path, help="geography folder (default: NHD_GEO_DIR)")
    build = sub.add_parser("build", help="validate extracts and build the marts the app reads")
    build.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                       help="where the build's SQL runs: embedded DuckDB (default) or Apache Spark")
    build.add_argument("--master", help="Spark master URL (default local[*]: this machine's cores)")
    build.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="a Spark setting (repeatable)")
    imp = sub.add_parser("import-geo", help="import real boundaries, a neighbourhood lookup and deprivation into the geo folder")
    imp.add_argument("--boundaries", type=Path, required=True, nargs="+", action="extend", metavar="FILE_OR_FOLDER",
                     help="small-area boundary files or folders of them (any format and CRS geopandas reads);"
                          " several may be given, e.g. one file per borough")
    imp.add_argument("--lookup", type=Path, required=True, help="CSV: small area -> neighbourhood (optionally place and ICB)")
    imp.add_argument("--deprivation", type=Path, required=True, help="CSV: IMD decile (and score) by small area")
    imp.add_argument("--lsoa11-to-21", type=Path, help="ONS LSOA (2011) to LSOA (2021) lookup with CHGIND")
    imp.add_argument("--code-column", help="code column of the boundary file (default: detected, e.g. LSOA21CD)")
    imp.add_argument("--name-column", help="name column of the boundary file (default: detected, e.g. LSOA21NM)")
    imp.add_argument("--crs", help="CRS of a boundary file that has none, e.g. EPSG:27700")
    imp.add_argument("--accept-repairs", action="store_true",
                     help="import invalid boundaries that repairing changes by more than 1%% of their area (warned)")
    imp.add_argument("--clip-to-lookup", action="store_true", help="keep only the lookup's small areas of a larger boundary file")
    imp.add_argument("--out", type=Path, help="geography folder to write (default: NHD_GEO_DIR); replaced whole")
    pack = sub.add_parser("pack", help="write the board pack for an area: PowerPoint (.pptx) or HTML (.html)")
    pack.add_argument("--area", required=True, help="area code: an ICB, place or neighbourhood")
    pack.add_argument("--out", type=Path, required=True, help="file to write; .pptx or .html by its suffix")
    nnhip = sub.add_parser("nnhip", help="write a place's NNHIP monthly submission (the programme's template, protected figures)")
    nnhip.add_argument("--place", required=True, help="place code, or the NNHIP project name")
    nnhip.add_argument("--cohort", required=True, help="cohort id (definitions/cohorts.csv)")
    nnhip.add_argument("--month", required=True, help="submission period YYYY-MM (the template's Lookups: 2026-01 to 2028-03)")
    nnhip.add_argument("--out", type=Path, required=True, help=".xlsx file to write")
    nnhip_check = sub.add_parser("nnhip-check", help="check an NNHIP submission as the programme reads it")
    nnhip_check.add_argument("file", type=Path)
    evaluate = sub.add_parser("evaluate", help="evaluate an intervention of the catalogue: DiD, synthetic control, "
                              "interrupted time series (protected figures)")
    evaluate.add_argument("--intervention", required=True, help="intervention id (interventions.csv)")
    evaluate.add_argument("--measure", help="outcome measure id (default: the intervention's primary measure)")
    evaluate.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)
    cfg = settings()

    if args.command == "demo":
        from neighbourhood_health.pipeline.demo import generate
        start = time.perf_counter()
        summary = generate(cfg, _bar)
        print(f"Generated in {time.perf_counter() - start:.1f} s: "
              + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in summary.items()))
        if args.no_build:
            return 0
        args.command = "build"

    if args.command == "validate":
        from neighbourhood_health.pipeline.validate import validate_folder
        report = validate_folder(args.dir or cfg.extracts_dir, args.geo or cfg.geo_dir)
        print(report.as_text())
        return 0 if report.ok else 1

    if args.command == "build":
        from neighbourhood_health.pipeline.build import build_marts
        start = time.perf_counter()
        try:
            summary = build_marts(cfg, progress=_bar, engine=getattr(args, "engine", "duckdb"),
                                  master=getattr(args, "master", None),
                                  conf=dict(c.split("=", 1) for c in getattr(args, "conf", [])))
        except Exception as exc:  # the build's own errors name file, column and problem
            print(f"Build failed: {exc}", file=sys.stderr)
            return 1
        print(f"Built marts in {time.perf_counter() - start:.1f} s: "
              + ", ".join(f"{k} {v:,} rows" for k, v in summary.items()))
        return 0
    if args.command == "import-geo":
        from neighbourhood_health.pipeline.geo_import import GeoImportError, import_geography
        start = time.perf_counter()
        try:
            report = import_geography(args.boundaries, args.lookup, args.deprivation, args.out or cfg.geo_dir,
                                      lsoa11_to_21=args.lsoa11_to_21, code_column=args.code_column,
                                      name_column=args.name_column, crs=args.crs, clip_to_lookup=args.clip_to_lookup,
                                      accept_repairs=args.accept_repairs)
        except GeoImportError as exc:
            print(f"Import failed: {exc}", file=sys.stderr)
            return 1
        print(report.as_text() + f"\nTook {time.perf_counter() - start:.1f} s.")
        return 0
    if args.command == "pack":
        from neighbourhood_health.export import write_pack
        start = time.perf_counter()
        try:
            written = write_pack(cfg, args.area, args.out)
        except ValueError as exc:
            print(f"Pack failed: {exc}", file=sys.stderr)
            return 1
        print(f"Wrote {written} in {time.perf_counter() - start:.1f} s.")
        return 0
    if args.command == "nnhip":
        from neighbourhood_health.export.nnhip.cli import run_nnhip
        try:
            written = run_nnhip(cfg, args.place, args.cohort, args.month, args.out)
        except ValueError as exc:
            print(f"NNHIP submission failed: {exc}", file=sys.stderr)
            return 1
        print(f"Wrote {written}.")
        return 0
    if args.command == "evaluate":
        import warnings
        from neighbourhood_health.export.evaluation_report import run_evaluate
        warnings.filterwarnings("ignore", category=RuntimeWarning)   # optimisers' overflow on empty months
        try:
            print(run_evaluate(cfg, args.intervention, args.measure, args.json))
        except ValueError as exc:   # InterventionError among them
            print(f"Evaluation failed: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "nnhip-check":
        from neighbourhood_health.export.nnhip.cli import run_check
        return run_check(args.file)
    return 2


if __name__ == "__main__":
    sys.exit(main())
