"""Benchmark at London scale: build, page queries, page renders, pandas baselines, memory, disk.

    .venv/bin/python benchmarks/run.py                 # about 9 million residents (scale 2.1)
    .venv/bin/python benchmarks/run.py --scale 0.25    # quicker look

Data lives in --root (default /tmp/nhd_bench/<scale>) and is reused when its manifest matches.
Results go to benchmarks/results/<date>-scale<scale>.{md,json}. Not part of the test suite: it
prints figures; targets are judged by reading them (see README, "Performance").
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from neighbourhood_health import store as db, stats  # noqa: E402
from neighbourhood_health.config import settings  # noqa: E402

import baselines  # noqa: E402

TARGETS = {"query_p95_ms": 150, "render_warm_s": 1.5, "recount_ms": 300, "ratio": 10,
           "build_s": 180, "memory_gib": 4}


def percentile(values, q):
    return float(np.percentile(values, q)) if values else float("nan")


def timed(fn, repeat):
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def disk_size(path: Path) -> int:
    path = Path(os.path.realpath(path))
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def prepare(cfg, log, reuse_marts: bool = False) -> dict:
    """Generate (or reuse) demo data at cfg.demo_scale and build the marts, timing each step."""
    from neighbourhood_health.pipeline.build import build_marts
    from neighbourhood_health.pipeline.demo import generate
    timings = {}
    manifest = cfg.extracts_dir / "manifest.json"
    reuse = manifest.exists() and json.loads(manifest.read_text()).get("scale") == cfg.demo_scale
    if reuse:
        log(f"Reusing demo data at scale {cfg.demo_scale} in {cfg.data_dir}")
    else:
        start = time.perf_counter()
        summary = generate(cfg)
        timings["generate_s"] = time.perf_counter() - start
        log(f"Generated {summary['residents']:,} residents in {timings['generate_s']:.1f} s")
    if reuse_marts and (cfg.marts_dir / "manifest.json").exists():
        log("Reusing the built marts (--reuse-marts): no build timing this run")
        return timings
    start = time.perf_counter()
    build_marts(cfg)
    timings["build_s"] = time.perf_counter() - start
    log(f"Built marts in {timings['build_s']:.1f} s")
    return timings


def pages_of_app() -> list[str]:
    """The page files app.py registers, in order."""
    text = (ROOT / "app.py").read_text()
    return list(dict.fromkeys(re.findall(r'st\.Page\("([^"]+\.py)"', text)))


def selections(database) -> dict[str, str]:
    areas = database.run("app/areas")
    icb = areas[areas.area_level == "icb"].sort_values("area_code").iloc[0]
    place = areas[(areas.area_level == "place") & (areas.parent_code == icb.area_code)].sort_values("area_code").iloc[0]
    nbhd = areas[(areas.area_level == "neighbourhood") & (areas.parent_code == place.area_code)].sort_values("area_code").iloc[0]
    return {"icb": icb.area_code, "place": place.area_code, "neighbourhood": nbhd.area_code}


def render_pages(pages, areas, log) -> tuple[list[dict], list]:
    """Render every page for every selection with AppTest (cold, then warm); record its queries."""
    from streamlit.testing.v1 import AppTest
    seen: dict = {}
    observer = lambda name, params, seconds: seen.setdefault(
        (name, json.dumps(params, sort_keys=True, default=str)), (name, dict(params)))
    db.observers.append(observer)
    rows = []
    try:
        for page in pages:
            for level, code in areas.items():
                at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
                at.query_params["area"] = code
                start = time.perf_counter()
                at.run()
                if page != pages[0]:
                    at.switch_page(page).run()
                cold = time.perf_counter() - start
                warm = []
                for _ in range(3):
                    start = time.perf_counter()
                    at.run()
                    warm.append(time.perf_counter() - start)
                errors = [e.value for e in at.exception]
                rows.append({"page": page, "selection": level, "cold_s": cold, "warm_s": statistics.median(warm),
                             "errors": len(errors)})
                log(f"render {page:<28} {level:<13} cold {cold:6.2f} s  warm {statistics.median(warm):6.3f} s"
                    + (f"  ERRORS {errors[:1]}" if errors else ""))
    finally:
        db.observers.remove(observer)
    return rows, list(seen.values())


def time_queries(cfg, seen, repeat, log) -> list[dict]:
    from neighbourhood_health.store import Database
    rows = []
    for name, params in sorted(seen, key=lambda s: (s[0], str(s[1]))):
        fresh = Database(cfg.marts_dir, cfg.extracts_dir)
        start = time.perf_counter()
        try:
            fresh.run(name, **params)
        except db.QueryError as exc:  # needs a frame its caller registers first (e.g. a cohort union)
            log(f"query {name:<32} not replayable on its own: {str(exc).splitlines()[0][:100]}")
            continue
        cold = (time.perf_counter() - start) * 1000
        warm = timed(lambda: fresh.run(name, **params), repeat)
        rows.append({"query": name, "params": json.dumps(dict(params), default=str)[:80], "cold_ms": cold,
                     "p50_ms": percentile(warm, 50), "p95_ms": percentile(warm, 95)})
    slowest = sorted(rows, key=lambda r: -r["p95_ms"])[:5]
    for r in slowest:
        log(f"query {r['query']:<32} p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  cold {r['cold_ms']:7.1f} ms")
    return rows


# A user building a cohort: each step changes one filter, as clicks on the Cohorts page do.
RECOUNT_STEPS = [
    {}, {"conditions": ("diabetes",)}, {"conditions": ("diabetes", "ckd")}, {"min_conditions": 2},
    {"risk_bands": ("rising", "high")}, {"age_bands": ("65-74", "75-84", "85+")}, {"sexes": ("F",)},
    {"imd_quintiles": (1, 2)}, {"activity_types": ("emergency_admission",), "min_events": 1},
    {"frailty": ("moderate", "severe")}, {"all_conditions": False}, {"ethnicities": ("Asian", "Black")},
]


def time_recounts(cfg, areas, repeat, log) -> list[dict]:
    """The builder's recount after each filter change, as the page computes it (query, pivot,
    totals) without Streamlit's cache: every step is a combination never counted before."""
    from neighbourhood_health.privacy import access
    from neighbourhood_health.measures import cohorts
    from neighbourhood_health.store import Database
    database = Database(cfg.marts_dir, cfg.extracts_dir)
    rows = []
    for level, code in areas.items():
        for role in ("int_lead", "board"):  # exact counts, and protected ones (protection costs time too)
            user = access.User("benchmark", "Benchmark", role, (code,))
            steps, chosen = [], {}
            # the builder counts where figures are exact only: an INT lead's own neighbourhood
            builder = role == "int_lead" and level == "neighbourhood"
            for _ in range(max(1, repeat // len(RECOUNT_STEPS)) if builder else 0):
                chosen = {}
                for step in RECOUNT_STEPS:
                    chosen.update(step)
                    filters = cohorts.Filters(**chosen)
                    steps += timed(lambda: cohorts.counts(database, user, filters, code), 1)
            if steps:
                rows.append({"selection": level, "role": role, "what": "builder", "recounts": len(steps),
                             "p50_ms": percentile(steps, 50), "p95_ms": percentile(steps, 95), "max_ms": max(steps)})
                log(f"recount {level:<13} {role:<9} p50 {percentile(steps, 50):7.1f} ms  p95 {percentile(steps, 95):7.1f} ms")
            catalogue = [timed(lambda: cohorts.counts(database, user, cohort_id, code), 1)[0]
                         for cohort_id in cohorts.load_cohorts(cfg.extracts_dir)]
            rows.append({"selection": level, "role": role, "what": f"each of the {len(catalogue)} catalogue cohorts",
                         "recounts": len(catalogue), "p50_ms": percentile(catalogue, 50),
                         "p95_ms": percentile(catalogue, 95), "max_ms": max(catalogue)})
    return rows


def compare_with_pandas(cfg, areas, repeat, log) -> list[dict]:
    from neighbourhood_health.store import Database
    database = Database(cfg.marts_dir, cfg.extracts_dir)
    frames = baselines.load(cfg)
    rows = []
    for question in baselines.QUESTIONS:
        ours = lambda: question.ours(database, areas)
        theirs = lambda: question.pandas(frames, areas)
        check = question.check(ours(), theirs())
        t_ours = timed(ours, repeat)
        t_pandas = timed(theirs, max(3, repeat // 4))
        ratio = percentile(t_pandas, 50) / percentile(t_ours, 50)
        rows.append({"question": question.title, "duckdb_p50_ms": percentile(t_ours, 50),
                     "duckdb_p95_ms": percentile(t_ours, 95), "pandas_p50_ms": percentile(t_pandas, 50),
                     "ratio": ratio, "same_answer": check})
        log(f"{question.title:<48} duckdb {percentile(t_ours, 50):8.1f} ms  pandas {percentile(t_pandas, 50):9.1f} ms"
            f"  ×{ratio:6.1f}  same answer: {check}")
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_memory(cfg, pages, areas, log) -> dict:
    """Start the app as a user would, open every page for every selection, read its peak memory."""
    from playwright.sync_api import sync_playwright
    sys.path.insert(0, str(ROOT / "scripts"))
    from screenshot import CHROMIUM_ARGS, wait_for_app
    port = free_port()
    env = {**os.environ, "NHD_DATA_DIR": str(cfg.data_dir), "NHD_GEO_DIR": str(cfg.geo_dir), "NHD_AUTO_DEMO": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
                             "true", "--server.port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(60):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for file in pages:
                path = "/" if file == pages[0] else "/" + Path(file).stem
                for code in areas.values():
                    page.goto(f"http://127.0.0.1:{port}{path}?area={code}")
                    wait_for_app(page, 300_000)
            browser.close()
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peak_kib = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    log(f"app peak memory {peak_kib / 2**20:.2f} GiB")
    return {"peak_gib": peak_kib / 2**20}


def report(result: dict, out: Path) -> str:
    lines = [f"# Benchmark {result['date']} — scale {result['scale']} ({result['residents']:,} residents, "
             f"{result['activity_rows']:,} activity rows), {result['cores']} cores", ""]
    lines += ["| step | seconds | target |", "|---|---|---|"]
    for k, v in result["timings"].items():
        lines.append(f"| {k} | {v:.1f} | {'< 180' if k == 'build_s' else ''} |")
    lines += ["", f"Disk: extracts {result['disk']['extracts_mb']:.0f} MB, marts {result['disk']['marts_mb']:.1f} MB;"
              f" app peak memory {result['memory'].get('peak_gib', float('nan')):.2f} GiB (target < 4).", ""]
    lines += ["## Page queries (warm p50/p95, cold first run, ms; target p95 < 150)", "",
              "| query | parameters | p50 | p95 | cold |", "|---|---|---|---|---|"]
    for r in sorted(result["queries"], key=lambda r: -r["p95_ms"]):
        lines.append(f"| {r['query']} | `{r['params']}` | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['cold_ms']:.1f} |")
    lines += ["", f"## Cohort counts: the builder's recount after a filter change (ms; target p50 < {TARGETS['recount_ms']})", "",
              "Each step adds or changes one filter (`RECOUNT_STEPS`), as clicks do; timed through",
              "`cohorts.counts` as the page calls it (query, pivot, suppression), with no cache in front;",
              "then each catalogue cohort's counts, as the Cohorts page and the board pack ask for them.", "",
              "| counts of | selection | role | counts | p50 | p95 | max |", "|---|---|---|---|---|---|---|"]
    for r in result.get("recounts", []):
        lines.append(f"| {r.get('what', 'builder')} | {r['selection']} | {r['role']} | {r['recounts']} | {r['p50_ms']:.1f} |"
                     f" {r['p95_ms']:.1f} | {r['max_ms']:.1f} |")
    lines += ["", "## Page renders with AppTest (seconds; target warm < 1.5)", "",
              "| page | selection | cold | warm | errors |", "|---|---|---|---|---|"]
    for r in result["renders"]:
        lines.append(f"| {r['page']} | {r['selection']} | {r['cold_s']:.2f} | {r['warm_s']:.3f} | {r['errors']} |")
    lines += ["", "## Against a pandas baseline (target ×10 or more)", "",
              "| question | DuckDB p50 ms | DuckDB p95 ms | pandas p50 ms | ratio | same answer |", "|---|---|---|---|---|---|"]
    for r in result["baselines"]:
        lines.append(f"| {r['question']} | {r['duckdb_p50_ms']:.1f} | {r['duckdb_p95_ms']:.1f} | {r['pandas_p50_ms']:.1f} |"
                     f" ×{r['ratio']:.1f} | {r['same_answer']} |")
    text = "\n".join(lines) + "\n"
    out.parent.joinpath(out.name + ".md").write_text(text)   # not with_suffix: "scale2.1" has a dot
    out.parent.joinpath(out.name + ".json").write_text(json.dumps(result, indent=2, default=str))
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("NHD_DEMO_SCALE", 2.1)))
    parser.add_argument("--root", type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-memory", action="store_true", help="do not start the app in Chromium")
    parser.add_argument("--reuse-marts", action="store_true", help="do not rebuild marts that exist")
    args = parser.parse_args()
    root = args.root or Path(f"/tmp/nhd_bench/scale{args.scale}")
    os.environ.update({"NHD_DATA_DIR": str(root / "data"), "NHD_GEO_DIR": str(root / "geo"),
                       "NHD_DEMO_SCALE": str(args.scale), "NHD_AUTO_DEMO": "0",
                       "NHD_DEMO_GEOGRAPHY": os.environ.get("NHD_DEMO_GEOGRAPHY", "voronoi")})
    cfg = settings()
    log = lambda m: print(m, flush=True)
    timings = prepare(cfg, log, args.reuse_marts)
    from neighbourhood_health.store import Database
    database = Database(cfg.marts_dir, cfg.extracts_dir)
    areas = selections(database)
    counts = duckdb.sql("SELECT (SELECT count(*) FROM read_parquet($p)), (SELECT count(*) FROM read_parquet($a))",
                        params={"p": str(cfg.extracts_dir / "persons.parquet"),
                                "a": str(cfg.extracts_dir / "activity.parquet")}).fetchall()[0]
    pages = pages_of_app()
    renders, seen = render_pages(pages, areas, log)
    queries = time_queries(cfg, seen, args.repeat, log)
    recounts = time_recounts(cfg, areas, args.repeat, log)
    base = compare_with_pandas(cfg, areas, args.repeat, log)
    memory = {} if args.skip_memory else app_memory(cfg, pages, areas, log)
    result = {"date": dt.date.today().isoformat(), "scale": args.scale, "cores": os.cpu_count(),
              "residents": counts[0], "activity_rows": counts[1], "timings": timings,
              "disk": {"extracts_mb": disk_size(cfg.extracts_dir) / 1e6, "marts_mb": disk_size(cfg.marts_dir) / 1e6},
              "memory": memory, "queries": queries, "recounts": recounts, "renders": renders, "baselines": base, "areas": areas}
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(exist_ok=True)
    print(report(result, out_dir / f"{result['date']}-scale{args.scale}"))


if __name__ == "__main__":
    main()
