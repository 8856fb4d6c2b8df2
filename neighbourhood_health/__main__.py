"""Command line: `python -m neighbourhood_health {demo,validate,build}`."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .config import settings


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
    sub.add_parser("build", help="validate extracts and build the marts the app reads")
    args = parser.parse_args(argv)
    cfg = settings()

    if args.command == "demo":
        from .demo import generate
        start = time.perf_counter()
        summary = generate(cfg, _bar)
        print(f"Generated in {time.perf_counter() - start:.1f} s: "
              + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in summary.items()))
        if args.no_build:
            return 0
        args.command = "build"

    if args.command == "validate":
        from .validate import validate_folder
        report = validate_folder(args.dir or cfg.extracts_dir, args.geo or cfg.geo_dir)
        print(report.as_text())
        return 0 if report.ok else 1

    if args.command == "build":
        from .build import build_marts
        start = time.perf_counter()
        try:
            summary = build_marts(cfg, progress=_bar)
        except Exception as exc:  # the build's own errors name file, column and problem
            print(f"Build failed: {exc}", file=sys.stderr)
            return 1
        print(f"Built marts in {time.perf_counter() - start:.1f} s: "
              + ", ".join(f"{k} {v:,} rows" for k, v in summary.items()))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
