"""Load test: concurrent users of the app, each with its own area and demo role, on one or more server processes.

    NHD_DATA_DIR=/tmp/nhd_load/data NHD_GEO_DIR=/tmp/nhd_load/geo NHD_DEMO_SCALE=0.25 \\
        .venv/bin/python -m neighbourhood_health demo                    # once: demo data at scale 0.25
    .venv/bin/python benchmarks/load.py                                 # 20 sessions, 2 of them in Chromium, 2 minutes
    .venv/bin/python benchmarks/load.py --processes 2                   # 2 processes behind HAProxy (scripts/serve)
    .venv/bin/python benchmarks/load.py --processes 1,2 --sessions 10,20,40   # the shape: every combination

With --processes 0 (the default) it starts one `streamlit run app.py` on a free loopback port, as a
single user's `scripts/start` would; with N ≥ 1 it starts `scripts/serve --processes N` (N Streamlit
processes behind HAProxy, sticky sessions) and the sessions go through the proxy, once scripts/serve
has warmed every process (every page of every area as an aggregate-only viewer; --no-warm: not;
its time and CPU are reported). Each process is also sent one visit to every page (directly, not
through the proxy) to load its imports, then
each --sessions count runs for --minutes, one after another on the same servers. Each session opens
a shared link to its own neighbourhood, chooses its own demo role, then keeps going to a random page,
changing a filter on it (the page's measure, condition or cohort) and now and then the neighbourhood
in the sidebar, pausing --think seconds between actions as a person would. After every action it
checks that the page names its own area and shows its own role (on Cohorts, "Viewing as <role>"), so
one session seeing another's selection counts as an error.

Most sessions speak Streamlit's own websocket protocol (what the browser sends and receives, without
drawing anything); --browsers of them are real Chromium tabs (Playwright contexts in one browser).
Why: the machine has 2 cores, shared by the server and the clients; 20 Chromium tabs drawing plotly
and deck.gl (in software, no GPU) would measure the browser starving the server, not the server.
Protocol clients cost little, so the server gets the load of 20 users; the browser tabs show what a
person waits for (drawing included) under that load.

Measured for each run: page-ready time (from the action to the end of the script run (protocol), or
to the page drawn with Streamlit idle (browser)), p50/p95 overall, by action and by page; throughput
(actions completed per minute); server CPU seconds per action, summed over every Streamlit process
(user + system time from /proc/<pid>/stat, all threads, DuckDB's included), and HAProxy's CPU apart;
peak memory (VmHWM) of each process; which process each session was given (from the proxy's
X-NHD-Backend header). Results go to benchmarks/results/load-<date>.md and .json (--name to choose);
the exit code is 1 if any session saw an error.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from e2e.harness import (ARM_RERUN, CHROMIUM, CHROMIUM_ARGS, RAN, READY, free_port,  # noqa: E402
                        registered_pages, serve_app)

from neighbourhood_health.app import protocol  # noqa: E402
from neighbourhood_health.app.protocol import Seen  # noqa: E402
from neighbourhood_health.privacy.access import ROLES  # noqa: E402
from neighbourhood_health.store import Database  # noqa: E402

PAGE_FILTERS = {"map": "map_measure", "prevalence_gaps": "gap_condition", "inequalities": "ineq_measure",
                "trends": "trend_measure", "cohorts": "cohort_choice"}
RUN_TIMEOUT_S = 120
# READY's conditions one by one, for the error of a browser session whose wait timed out.
STATE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const h1 = document.querySelector('[data-testid="stMainBlockContainer"] h1');
  return JSON.stringify({url: location.pathname, script: app && app.getAttribute('data-test-script-state'),
    connection: app && app.getAttribute('data-test-connection-state'), ran: window.__nhdRan,
    status: !!document.querySelector('[data-testid="stStatusWidget"]'), title: h1 && h1.innerText,
    skeleton: !!document.querySelector('[data-testid="stSkeleton"]'),
    stale: document.querySelectorAll('[data-stale="true"]').length,
    role: (document.querySelector('.st-key-demo_role input') || {}).value,
    listbox: !!document.querySelector('[role="listbox"]')});
}"""
DEFAULT_PAGE = next(p.name for p in registered_pages() if p.path == "/")


def url_path(page: str) -> str:
    return "" if page == DEFAULT_PAGE else page


# --- What the sessions do and see -------------------------------------------------------------

@dataclass
class Plan:
    number: int
    kind: str               # "protocol" or "browser"
    area: str               # neighbourhood code
    area_name: str
    siblings: list[str]     # names of the other neighbourhoods of its place
    role: str               # role id
    seed: int
    backend: str = ""       # the server process the proxy gave it (X-NHD-Backend), "" when direct

    @property
    def role_label(self) -> str:
        return ROLES[self.role].label


@dataclass
class Record:
    session: int
    kind: str
    action: str             # open, role, navigate, filter, area
    page: str
    seconds: float
    error: str = ""
    ended: float = 0.0      # time.monotonic() when it finished: inside the run's window or after it


def check(plan: Plan, page: str, seen: Seen, role_shown: str, area_shown: str, action: str) -> str:
    """Why what a session sees is not its own (or is broken); empty when all is well.

    On opening, before the session has chosen its role, the role is the demo's default.
    """
    if seen.errors:
        return "; ".join(seen.errors)[:300]
    if action != "open" and role_shown != plan.role_label:
        return f"role shown is {role_shown!r}, not {plan.role_label!r}"
    if area_shown != plan.area_name:
        return f"sidebar area is {area_shown!r}, not {plan.area_name!r}"
    if seen.fragment:  # the title and the role line are outside the fragment, not redrawn
        return ""
    if page != "data" and not any(plan.area_name in t for t in seen.titles):
        return f"title {seen.titles[:1]} does not name {plan.area_name!r}"
    viewing = [t.replace("**", "") for t in seen.texts if t.startswith("Viewing as")]
    if action != "open" and viewing and not re.match(rf"Viewing as {re.escape(plan.role_label)}\b", viewing[0]):
        return f"cohorts page says {viewing[0][:60]!r}, expected role {plan.role_label!r}"
    return ""


# --- Sessions that speak Streamlit's websocket protocol ---------------------------------------

class ProtocolSession(protocol.ProtocolSession):
    """The package's protocol client (`neighbourhood_health.app.protocol`), with pages by name
    and the process the proxy gave it recorded on the session's plan."""

    def __init__(self, url: str, plan: Plan):
        super().__init__(url, timeout=RUN_TIMEOUT_S)
        self.plan = plan
        self.page = ""

    async def __aenter__(self):
        await super().__aenter__()
        self.plan.backend = self.backend
        return self

    async def open(self, page: str, query: str) -> Seen:
        self.page = page
        return await super().open(url_path(page), query)

    async def navigate(self, page: str) -> Seen:
        self.page = page
        return await super().navigate(url_path(page))


async def protocol_user(url: str, plan: Plan, pages: list[str], until: float, think: tuple, records: list):
    rng = random.Random(plan.seed)
    async with ProtocolSession(url, plan) as s:
        async def act(action: str, step) -> None:
            started = time.perf_counter()
            try:
                seen = await step
                error = check(plan, s.page, seen, s.value("demo_role"), s.value("pick_neighbourhood"), action)
            except Exception as exc:  # a timeout or a dropped connection is an error of this session
                error = f"{type(exc).__name__}: {exc}"[:300]
            records.append(Record(plan.number, plan.kind, action, s.page,
                                  time.perf_counter() - started, error, time.monotonic()))
            if error.startswith(("TimeoutError", "ConnectionClosed")):
                raise RuntimeError(error)

        await act("open", s.open(rng.choice(pages), f"area={plan.area}"))
        if plan.role_label != s.value("demo_role"):
            await act("role", s.change("demo_role", plan.role_label))
        while time.monotonic() < until:
            await asyncio.sleep(rng.uniform(*think))
            await act("navigate", s.navigate(rng.choice([p for p in pages if p != s.page])))
            key = PAGE_FILTERS.get(s.page)
            if key and s.options(key) and rng.random() < 0.7:
                await asyncio.sleep(rng.uniform(*think))
                await act("filter", s.change(key, rng.choice([o for o in s.options(key) if o != s.value(key)]
                                                             or s.options(key))))
            others = [n for n in plan.siblings if n != plan.area_name]
            if others and rng.random() < 0.15:
                await asyncio.sleep(rng.uniform(*think))
                plan.area_name = rng.choice(others)
                await act("area", s.change("pick_neighbourhood", plan.area_name))


# --- Sessions in Chromium ---------------------------------------------------------------------

async def browser_user(browser, url: str, plan: Plan, pages: list[str], until: float, think: tuple, records: list):
    rng = random.Random(plan.seed)
    # Tall enough that the sidebar's last widget ("Act as") opens its list on screen.
    context = await browser.new_context(viewport={"width": 1400, "height": 1600})
    context.set_default_timeout(RUN_TIMEOUT_S * 1000)
    page = await context.new_page()
    current = {"page": ""}

    async def seen_now() -> tuple[Seen, str, str]:
        seen = Seen(titles=await page.locator("[data-testid='stMainBlockContainer'] h1").all_inner_texts(),
                    texts=[t for t in await page.locator("[data-testid='stMainBlockContainer'] p").all_inner_texts()
                           if t.startswith("Viewing as")])
        seen.errors = [f"error on page: {t[:200]}" for t in await page.locator(
            "[data-testid='stException'], [data-testid='stAlertContentError']").all_inner_texts()]
        role = await page.locator(".st-key-demo_role input").input_value()
        area = await page.locator(".st-key-pick_neighbourhood input").input_value()
        return seen, role, area

    async def page_state() -> str:
        """What the tab showed when a wait failed: which of READY's conditions did not hold."""
        try:
            return " | page: " + await page.evaluate(STATE)
        except Exception as exc:
            return f" | page state unreadable: {type(exc).__name__}"

    async def act(action: str, do, page_name: str) -> None:
        started = time.perf_counter()
        try:
            if action != "open":
                await page.evaluate(ARM_RERUN)
            await do()
            if action != "open":
                await page.wait_for_function(RAN)
            await page.wait_for_function(READY)
            current["page"] = page_name
            error = check(plan, page_name, *(await seen_now()), action)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:200] + await page_state()
        records.append(Record(plan.number, plan.kind, action, page_name, time.perf_counter() - started, error,
                              time.monotonic()))

    async def choose(key: str, option: str) -> None:
        await page.locator(f".st-key-{key} input").click()
        await page.get_by_role("option", name=option, exact=True).click()

    async def options(key: str) -> list[str]:
        await page.locator(f".st-key-{key} input").click()
        found = await page.get_by_role("option").all_inner_texts()
        await page.keyboard.press("Escape")
        return found

    try:
        first = rng.choice(pages)
        async def go() -> None:
            response = await page.goto(f"{url}/{url_path(first)}?area={plan.area}")
            plan.backend = (response.headers.get("x-nhd-backend", "") if response else "") or plan.backend

        await act("open", go, first)
        if plan.role_label != await page.locator(".st-key-demo_role input").input_value():
            await act("role", lambda: choose("demo_role", plan.role_label), current["page"])
        while time.monotonic() < until:
            await asyncio.sleep(rng.uniform(*think))
            target = rng.choice([p for p in pages if p != current["page"]])
            link = page.locator(f"[data-testid='stSidebarNavLink'][href$='/{url_path(target)}']")
            await act("navigate", lambda: link.first.click(), target)
            key = PAGE_FILTERS.get(current["page"])
            if key and await page.locator(f".st-key-{key}").count() and rng.random() < 0.7:
                await asyncio.sleep(rng.uniform(*think))
                choices = [o for o in await options(key)
                           if o != await page.locator(f".st-key-{key} input").input_value()]
                if choices:
                    await act("filter", lambda: choose(key, rng.choice(choices)), current["page"])
            others = [n for n in plan.siblings if n != plan.area_name]
            if others and rng.random() < 0.15:
                await asyncio.sleep(rng.uniform(*think))
                plan.area_name = rng.choice(others)
                await act("area", lambda: choose("pick_neighbourhood", plan.area_name), current["page"])
    finally:
        await context.close()


# --- Server memory and CPU --------------------------------------------------------------------

def _proc_status(pid: int, field_name: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field_name}:\s+(\d+)", text).group(1))


def _proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far, all its threads (DuckDB's too)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine since boot (all cores)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, total = ticks[3] + ticks[4], sum(ticks[:8])
    return (total - idle) / os.sysconf("SC_CLK_TCK"), total / os.sysconf("SC_CLK_TCK")


class ServerWatch:
    """The server processes (name → pid): samples their summed resident memory each second; reads
    each one's peak (VmHWM) and their summed CPU time."""

    def __init__(self, pids: dict[str, int]):
        self.pids, self.rss_kib, self._stop = pids, [], threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def rss_kib_now(self) -> int:
        return sum(_proc_status(pid, "VmRSS") for pid in self.pids.values())

    def peak_kib(self) -> dict[str, int]:
        return {name: _proc_status(pid, "VmHWM") for name, pid in self.pids.items()}

    def cpu_seconds(self) -> dict[str, float]:
        return {name: _proc_cpu_seconds(pid) for name, pid in self.pids.items()}

    def _sample(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.rss_kib.append(self.rss_kib_now())
            except (OSError, AttributeError):  # a process restarted: skip the sample
                pass

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# --- The servers ------------------------------------------------------------------------------

@dataclass
class Servers:
    url: str                      # where the sessions go: the app, or the proxy in front of several
    backends: dict[str, str]      # process name → its own URL (for the warm-up)
    pids: dict[str, int]          # process name → pid (Streamlit processes only)
    proxy_pid: int | None
    logs: Path
    served_warm: dict = None      # scripts/serve's warm-up of each process (serve.json "warm"), {} when none


@contextmanager
def single_process(data: Path, geo: Path, log_dir: Path):
    """One `streamlit run app.py`, used directly (no proxy)."""
    with serve_app(data, geo, log_dir / "streamlit.log") as server:
        yield Servers(server.url, {"app": server.url}, {"app": server.process.pid}, None, log_dir)


@contextmanager
def behind_proxy(data: Path, geo: Path, processes: int, log_dir: Path, warm: bool = True, timeout: float = 1800):
    """`scripts/serve --processes N`: N Streamlit processes behind HAProxy; stopped on exit."""
    port = free_port()
    env = {**os.environ, "NHD_DATA_DIR": str(data), "NHD_GEO_DIR": str(geo), "NHD_AUTO_DEMO": "0"}
    with open(log_dir / "serve.out", "wb") as out:
        process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "serve"), "--processes", str(processes),
                                    "--address", "127.0.0.1", "--port", str(port), "--run-dir", str(log_dir),
                                    *([] if warm else ["--no-warm"])],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        state_file, deadline = log_dir / "serve.json", time.monotonic() + timeout
        def state() -> dict:
            return json.loads(state_file.read_text()) if state_file.exists() else {}

        def warmed(s: dict) -> bool:  # every process warmed (scripts/serve's warm-up), or warming is off
            return not warm or (len(s.get("warm", {})) == processes
                                and all(w.get("state") == "done" for w in s["warm"].values()))
        while not (state().get("ready") and warmed(state())):
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"scripts/serve did not start (see {log_dir}):\n{(log_dir / 'serve.out').read_text()[-3000:]}")
            time.sleep(0.5)
        state = state()
        yield Servers(state["url"], {b["name"]: f"http://127.0.0.1:{b['port']}" for b in state["backends"]},
                      {b["name"]: b["pid"] for b in state["backends"]}, state["proxy"]["pid"], log_dir,
                      state.get("warm", {}))
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(60)


# --- Running it -------------------------------------------------------------------------------

def make_plans(database, sessions: int, browsers: int, seed: int) -> list[Plan]:
    tree = database.run("app/areas")
    nbhds = tree[tree.area_level == "neighbourhood"].sort_values("area_code")
    roles = list(ROLES)
    plans = []
    for i in range(sessions):
        row = nbhds.iloc[(i * 7) % len(nbhds)]  # spread over both ICBs and many places
        siblings = list(nbhds.loc[nbhds.parent_code == row.parent_code, "area_name"])
        plans.append(Plan(i + 1, "browser" if i < browsers else "protocol", row.area_code, row.area_name,
                          siblings, roles[i % len(roles)], seed + i))
    return plans


async def warm_up(url: str, plan: Plan, pages: list[str]) -> list[float]:
    """One visit to every page, so the measured sessions do not pay for first imports and cold caches."""
    times = []
    async with ProtocolSession(url, plan) as s:
        for number, page in enumerate(pages):
            started = time.perf_counter()
            await (s.open(page, f"area={plan.area}") if number == 0 else s.navigate(page))
            times.append(time.perf_counter() - started)
    return times


async def run_load(url: str, plans: list[Plan], pages: list[str], until: float, think: tuple) -> list[Record]:
    """Every session until `until` (time.monotonic()); an action under way then is waited for."""
    records: list[Record] = []
    browser_plans = [p for p in plans if p.kind == "browser"]
    tasks = [protocol_user(url, p, pages, until, think, records) for p in plans if p.kind == "protocol"]
    if not browser_plans:
        await asyncio.gather(*tasks, return_exceptions=True)
        return records
    from playwright.async_api import async_playwright
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tasks += [browser_user(browser, url, p, pages, until, think, records) for p in browser_plans]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        await browser.close()
    for plan, result in zip([p for p in plans if p.kind == "protocol"] + browser_plans, results):
        if isinstance(result, Exception) and not any(r.session == plan.number and r.error for r in records):
            records.append(Record(plan.number, plan.kind, "session", "", 0.0, f"{type(result).__name__}: {result}"))
    return records


def summary(records: list[Record]) -> dict:
    def stats(rs):
        times = [r.seconds for r in rs if not r.error]
        if not times:
            return {"n": 0, "errors": sum(1 for r in rs if r.error)}
        return {"n": len(times), "p50_s": float(np.percentile(times, 50)), "p95_s": float(np.percentile(times, 95)),
                "max_s": max(times), "mean_s": statistics.fmean(times), "errors": sum(1 for r in rs if r.error)}
    out = {"all": stats(records)}
    for kind in ("protocol", "browser"):
        out[kind] = stats([r for r in records if r.kind == kind])
    out["by_action"] = {a: stats([r for r in records if r.action == a])
                        for a in ("open", "role", "navigate", "filter", "area")}
    out["by_page"] = {p: stats([r for r in records if r.page == p]) for p in sorted({r.page for r in records if r.page})}
    return out


def stats_row(name: str, st: dict) -> str:
    if not st.get("n"):
        return f"| {name} | 0 | – | – | – | {st.get('errors', 0)} |"
    return f"| {name} | {st['n']} | {st['p50_s']:.2f} | {st['p95_s']:.2f} | {st['max_s']:.2f} | {st['errors']} |"


def servers_label(processes: int) -> str:
    return "1 process, direct" if processes == 0 else f"{processes} process{'es' if processes > 1 else ''} behind HAProxy"


def served_warm(warmed: dict) -> str:
    """scripts/serve's warm-up of each process, before the runs."""
    return ("scripts/serve's warm-up (every page of every ICB, place and neighbourhood once, as an aggregate-only "
            "viewer, before the runs): " + "; ".join(
                f"{name}: {w.get('runs', 0)} page runs for {w.get('areas', 0)} areas in {w.get('seconds', 0):.0f} s, "
                f"{w.get('cpu_seconds', 0):.0f} CPU-s, {len(w.get('errors', []))} failed" for name, w in warmed.items()) + ".")


def report(result: dict) -> str:
    head = ["| | actions | p50 s | p95 s | max s | errors |", "|---|---|---|---|---|---|"]
    runs = result["runs"]
    lines = [f"# Load test {result['date']}: {', '.join(str(n) for n in result['sessions'])} concurrent sessions; "
             f"{' and '.join(servers_label(p) for p in result['processes'])}; {result['minutes']:g} minutes a run",
             "", f"Command: `{result['command']}`", "",
             f"Data: synthetic demo at scale {result['scale']} ({result['residents']:,} residents). Machine: "
             f"{result['cores']} cores, servers and clients on the same machine over loopback. Sessions: "
             f"{result['browsers']} of each run in Chromium (one browser, a context each), the others speaking "
             f"Streamlit's websocket protocol; think time {result['think'][0]:g}–{result['think'][1]:g} s between "
             "actions. Each session has its own neighbourhood and demo role (the four roles in turn) and checks "
             "after every action that the page names its area and shows its role. Runs follow one another on the "
             "same warmed servers; \"server CPU\" is user + system time summed over every Streamlit process "
             "(all threads), per action completed.", "",
             "## Summary", "",
             "| servers | sessions | actions | actions/min | p50 s | p95 s | server CPU-s per action | server cores busy | "
             "HAProxy CPU-s | peak memory MiB (sum) | errors |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        a = run["summary"]["all"]
        proxy = f"{run['proxy_cpu_s']:.1f}" if run["proxy_cpu_s"] is not None else "–"
        lines.append(f"| {servers_label(run['processes'])} | {run['sessions']} | {a.get('n', 0)} | "
                     f"{run['actions_per_minute']:.0f} | {a.get('p50_s', float('nan')):.2f} | "
                     f"{a.get('p95_s', float('nan')):.2f} | {run['server_cpu_s_per_action']:.3f} | "
                     f"{run['server_cpu_s'] / run['wall_s']:.2f} | {proxy} | "
                     f"{sum(run['memory']['peak_mib'].values()):.0f} | {a.get('errors', 0)} |")
    for run in runs:
        s, mem = run["summary"], run["memory"]
        lines += ["", f"## {servers_label(run['processes'])}, {run['sessions']} sessions", "",
                  "Warm-up (one visit to every page on each process before the runs, seconds): " +
                  "; ".join(f"{name}: " + ", ".join(f"{p} {t:.2f}" for p, t in times.items())
                            for name, times in run["warm_up"].items()) + ".", "",
                  *([served_warm(run["served_warm"]), ""] if run.get("served_warm") else []),
                  "### Page-ready time", "", *head, stats_row("all sessions", s["all"]),
                  stats_row("protocol sessions", s["protocol"]), stats_row("browser sessions", s["browser"]), "",
                  "By action:", "", *head, *[stats_row(a, st) for a, st in s["by_action"].items()], "",
                  "By page:", "", *head, *[stats_row(p, st) for p, st in s["by_page"].items()], "",
                  "### Servers", "",
                  f"Throughput: **{run['actions_per_minute']:.0f} actions per minute** ({run['actions_in_window']} "
                  f"finished in the {result['minutes']:g}-minute window; {run['actions_after_window']} under way at "
                  f"its end finished after it, in {run['wall_s']:.0f} s in all). Server CPU: **{run['server_cpu_s_per_action']:.3f} s per "
                  f"action**, {run['server_cpu_s']:.0f} s in all ({', '.join(f'{k} {v:.0f} s' for k, v in run['server_cpu_by_process_s'].items())}), "
                  f"{run['server_cpu_s'] / run['wall_s']:.2f} of the {result['cores']} cores on average"
                  + (f"; HAProxy {run['proxy_cpu_s']:.1f} s" if run["proxy_cpu_s"] is not None else "") + ". "
                  f"The whole machine was busy {run['machine_busy_cpu_s'] / run['wall_s']:.2f} cores' worth (servers, "
                  f"clients and anything else running); the protocol clients (this script's process) used "
                  f"{run['protocol_clients_cpu_s']:.0f} s. Load average (1 min) {run['load_average']['before'][0]:.1f} "
                  f"at the start, {run['load_average']['after'][0]:.1f} at the end.", "",
                  "Peak memory (VmHWM): " + ", ".join(f"{k} **{v:.0f} MiB**" for k, v in mem["peak_mib"].items()) +
                  f"; all processes resident at the start {mem['rss_start_mib']:.0f} MiB, at the end "
                  f"{mem['rss_end_mib']:.0f} MiB.", ""]
        if run["sessions_by_backend"]:
            lines += ["Sessions per process (as the proxy placed them): " +
                      ", ".join(f"{k} {v}" for k, v in run["sessions_by_backend"].items()) + ".", ""]
        errors = run["errors"]
        lines += ["### Errors", "", f"{len(errors)} error(s)." if errors else
                  "None: every session always saw its own area and role, with no exception or error box."]
        lines += [f"- session {e['session']} ({e['kind']}), {e['action']} on {e['page']}: {e['error']}"
                  for e in errors[:30]]
    return "\n".join(lines) + "\n"


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def profiled(pids: dict[str, int], seconds: float, out: Path | None, label: str):
    """With --profile: py-spy samples every server process (all threads, on CPU only) for the run,
    as collapsed stacks (`<label>-<process>.txt`, one line per stack and its sample count)."""
    if out is None:
        yield
        return
    out.mkdir(parents=True, exist_ok=True)
    spies = [subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--rate", "50", "--format", "raw",
                               "--gil", "--nonblocking", "--duration", str(int(seconds)),
                               "--output", str(out / f"{label}-{name}.txt")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for name, pid in pids.items()]
    try:
        yield
    finally:
        for spy in spies:
            spy.wait()


def measure(servers: Servers, watch: ServerWatch, processes: int, plans: list[Plan], pages: list[str],
            minutes: float, think: tuple, profile: Path | None = None) -> dict:
    """One run: the sessions at once for --minutes, with the servers' CPU, memory and throughput."""
    rss_start, load_before = watch.rss_kib_now(), os.getloadavg()
    cpu_start, wall_start, machine_start = watch.cpu_seconds(), time.monotonic(), machine_cpu_seconds()
    proxy_start = _proc_cpu_seconds(servers.proxy_pid) if servers.proxy_pid else None
    clients_start = _own_cpu_seconds()
    until = wall_start + minutes * 60
    with profiled(servers.pids, minutes * 60, profile, f"p{processes}-s{len(plans)}"):
        records = asyncio.run(run_load(servers.url, plans, pages, until, think))
    wall = time.monotonic() - wall_start
    cpu = {name: used - cpu_start[name] for name, used in watch.cpu_seconds().items()}
    proxy_cpu = _proc_cpu_seconds(servers.proxy_pid) - proxy_start if servers.proxy_pid else None
    machine_busy = machine_cpu_seconds()[0] - machine_start[0]
    clients_cpu = _own_cpu_seconds() - clients_start
    done = sum(1 for r in records if not r.error)
    # Throughput counts the actions finished inside the window: one that hangs until its timeout
    # after the window would otherwise stretch the divisor and hide what the servers served.
    in_window = sum(1 for r in records if not r.error and r.ended <= until)
    by_backend: dict[str, int] = {}
    for plan in plans:
        if plan.backend:
            by_backend[plan.backend] = by_backend.get(plan.backend, 0) + 1
    return {
        "processes": processes, "sessions": len(plans), "summary": summary(records),
        "actions_per_minute": in_window / minutes, "actions_in_window": in_window,
        "actions_after_window": done - in_window, "server_cpu_s": sum(cpu.values()),
        "server_cpu_by_process_s": cpu, "server_cpu_s_per_action": sum(cpu.values()) / max(done, 1),
        "proxy_cpu_s": proxy_cpu, "wall_s": wall, "machine_busy_cpu_s": machine_busy,
        "protocol_clients_cpu_s": clients_cpu, "load_average": {"before": load_before, "after": os.getloadavg()},
        "memory": {"peak_mib": {k: v / 1024 for k, v in watch.peak_kib().items()}, "rss_start_mib": rss_start / 1024,
                   "rss_end_mib": watch.rss_kib_now() / 1024, "rss_samples_mib": [v / 1024 for v in watch.rss_kib]},
        "sessions_by_backend": dict(sorted(by_backend.items())),
        "errors": [r.__dict__ for r in records if r.error], "records": [r.__dict__ for r in records],
    }


def int_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("NHD_DATA_DIR", "/tmp/nhd_load/data")))
    parser.add_argument("--geo", type=Path, default=Path(os.environ.get("NHD_GEO_DIR", "/tmp/nhd_load/geo")))
    parser.add_argument("--sessions", type=int_list, default=[20],
                        help="concurrent sessions; a list (10,20,40) runs each in turn (default 20)")
    parser.add_argument("--processes", type=int_list, default=[0],
                        help="0: one Streamlit process used directly (default); N: N processes behind HAProxy "
                             "(scripts/serve); a list (1,2) runs each")
    parser.add_argument("--browsers", type=int, default=2, help="how many of the sessions are Chromium tabs")
    parser.add_argument("--minutes", type=float, default=2.0, help="length of each run")
    parser.add_argument("--think", default="1,3", help="seconds between a session's actions, MIN,MAX")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--no-warm", action="store_true",
                        help="start scripts/serve with --no-warm: the runs begin on processes that have not been "
                             "sent every page of every area first")
    parser.add_argument("--profile", type=Path, help="a folder: sample the servers with py-spy during each run "
                        "(pip install py-spy; collapsed stacks per process and run)")
    parser.add_argument("--name", help="results file name without extension (default load-<date>)")
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split(","))
    manifest = args.data / "marts" / "manifest.json"
    if not manifest.exists():
        sys.exit(f"No marts in {args.data}: generate demo data first (see the top of {Path(__file__).name}).")
    if any(p > 0 for p in args.processes) and not (ROOT / "scripts" / "serve").exists():
        sys.exit("scripts/serve is missing: it starts the processes behind HAProxy")
    database = Database(args.data / "marts", args.data / "extracts")
    pages = [p.name for p in registered_pages()]
    runs = []
    for processes in args.processes:
        log_dir = Path(tempfile.mkdtemp(prefix=f"nhd-load-p{processes}-"))
        start = single_process(args.data, args.geo, log_dir) if processes == 0 else \
            behind_proxy(args.data, args.geo, processes, log_dir, warm=not args.no_warm)
        with start as servers, ServerWatch(servers.pids) as watch:
            print(f"{servers_label(processes)}: {servers.url}; logs in {log_dir}", flush=True)
            warm = {}
            for name, url in servers.backends.items():
                times = asyncio.run(warm_up(url, make_plans(database, 1, 0, args.seed)[0], pages))
                warm[name] = dict(zip(pages, times))
                print(f"warm-up {name}: " + ", ".join(f"{p} {t:.1f}s" for p, t in warm[name].items()), flush=True)
            for sessions in args.sessions:
                plans = make_plans(database, sessions, min(args.browsers, sessions), args.seed)
                print(f"{sessions} sessions ({min(args.browsers, sessions)} in Chromium) on {len(pages)} pages "
                      f"for {args.minutes:g} min", flush=True)
                run = measure(servers, watch, processes, plans, pages, args.minutes, think, args.profile)
                run["warm_up"], run["served_warm"] = warm, servers.served_warm or {}
                a = run["summary"]["all"]
                print(f"  {a.get('n', 0)} actions, p50 {a.get('p50_s', float('nan')):.2f} s, p95 "
                      f"{a.get('p95_s', float('nan')):.2f} s, {run['actions_per_minute']:.0f}/min, server "
                      f"{run['server_cpu_s_per_action']:.3f} CPU-s per action, {a.get('errors', 0)} errors", flush=True)
                runs.append(run)

    residents = int(database.run("app/areas").query("area_level == 'icb'")["population"].sum())
    result = {
        "date": dt.date.today().isoformat(), "command": " ".join(["python", *sys.argv]),
        "scale": json.loads(manifest.read_text()).get("scale"), "residents": residents, "cores": os.cpu_count(),
        "sessions": args.sessions, "processes": args.processes, "browsers": args.browsers,
        "minutes": args.minutes, "think": think, "runs": runs,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / (args.name or f"load-{result['date']}")
    text = report(result)
    out.with_suffix(".md").write_text(text)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str))
    print(text)
    print(f"Written {out}.md and .json")
    return 1 if any(run["errors"] for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
