"""Serve the app with `streamlit run` and drive it in headless Chromium: shared by the end-to-end
tests (tests/e2e) and the load test (benchmarks/load.py).

Chromium is Debian's (/usr/bin/chromium, or NHD_CHROMIUM): Playwright's own browser download does not
work here, so Playwright's Python package is pointed at it with `executable_path`.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT / "scripts"))

try:
    from screenshot import CHROMIUM_ARGS  # noqa: E402  (the flags Debian's Chromium needs here)
except ImportError:  # Playwright missing: browser_missing() says so and the tests skip
    CHROMIUM_ARGS = []

CHROMIUM = os.environ.get("NHD_CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

# --- Selectors --------------------------------------------------------------------------------
MAIN = "[data-testid='stMainBlockContainer']"
TITLE = f"{MAIN} h1"
SIDEBAR = "[data-testid='stSidebar']"
EXCEPTION = "[data-testid='stException']"
ERROR_ALERT = "[data-testid='stAlertContentError']"
PLOTLY = f"{MAIN} .js-plotly-plot .main-svg"
DECK = f"{MAIN} [data-testid='stDeckGlJsonChart']"
DATAFRAME = f"{MAIN} [data-testid='stDataFrame']"
METRIC = f"{MAIN} [data-testid='stMetric']"

# The app has finished running its script: Streamlit marks the root, its status widget (the
# "Running…" figure, drawn while a run is under way or requested) has gone, and nothing is left stale.
READY = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && !document.querySelector('[data-testid="stStatusWidget"]')
    && document.querySelector('[data-testid="stMainBlockContainer"] h1')
    && !document.querySelector('[data-testid="stSkeleton"]')
    && !document.querySelector('[data-stale="true"]');
}"""


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        return (f"Chromium not found at {CHROMIUM}: install Debian's package (`apt-get install -y chromium "
                "chromium-driver`, as .ci/run does) or set NHD_CHROMIUM")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: pip install -r requirements-dev.txt"
    return None


# --- The app server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen
    log: Path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@contextmanager
def serve_app(data_dir: Path, geo_dir: Path, log: Path, *, extra_env: dict | None = None,
              timeout: float = 90) -> AppServer:
    """`streamlit run app.py` on a free loopback port against the given data; stopped on exit."""
    port = free_port()
    env = {**os.environ, "NHD_DATA_DIR": str(data_dir), "NHD_GEO_DIR": str(geo_dir), "NHD_AUTO_DEMO": "0",
           "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
               "--server.port", str(port), "--server.headless", "true", "--server.fileWatcherType", "none",
               "--server.runOnSave", "false", "--browser.gatherUsageStats", "false"]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = AppServer(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_healthy(server, timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_healthy(server: AppServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit did not answer on {server.url} within {timeout:.0f} s:\n{server.log_tail()}")


def launch(playwright, **kwargs):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, **kwargs)


# --- Pages ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegisteredPage:
    name: str    # the file's stem under views/
    title: str   # its title in the sidebar
    path: str    # its URL path: "/" for the default page, else "/<stem>"


def registered_pages(app_file: Path = PROJECT_ROOT / "app.py") -> list[RegisteredPage]:
    """Every page app.py registers when the data is ready, in its order (read from its source)."""
    source = app_file.read_text()
    block = source[source.index("pages = ["):source.index("]", source.index("pages = ["))]
    pages = []
    for match in re.finditer(r'st\.Page\("views/(\w+)\.py",\s*title="([^"]+)"([^)]*)\)', block):
        stem, title, rest = match.groups()
        pages.append(RegisteredPage(stem, title, "/" if "default=True" in rest else f"/{stem}"))
    return pages


# --- Driving the app --------------------------------------------------------------------------

def wait_ready(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished running the script and drawn the page."""
    page.wait_for_function(READY, timeout=timeout_ms)


# Notice the next script run: set before an action, so that a run too quick to poll is not missed
# (a run that started and ended between two callbacks still leaves 'running' as a record's old value).
ARM_RERUN = """() => {
  window.__nhdRan = false;
  const app = document.querySelector('[data-testid="stApp"]');
  if (window.__nhdObserver) window.__nhdObserver.disconnect();
  window.__nhdObserver = new MutationObserver(records => {
    if (app.getAttribute('data-test-script-state') === 'running'
        || records.some(r => r.oldValue === 'running')) window.__nhdRan = true; });
  window.__nhdObserver.observe(app, {attributes: true, attributeOldValue: true,
                                     attributeFilter: ['data-test-script-state']});
}"""
RAN = "() => window.__nhdRan"


def after_rerun(page, action, timeout_ms: int = 60_000) -> None:
    """Do `action` (a click, a choice) and wait for the script run it causes to finish.

    Waits for the run itself, not for some text: text the page (or the sidebar) already shows would
    end the wait before the run began, and the figures read after it would be the old ones.
    """
    page.evaluate(ARM_RERUN)
    action()
    page.wait_for_function(RAN, timeout=timeout_ms)
    wait_ready(page, timeout_ms)


def open_page(page, url: str, timeout_ms: int = 90_000) -> None:
    page.goto(url)
    wait_ready(page, timeout_ms)


def title(page) -> str:
    return page.locator(TITLE).first.inner_text()


def choose(page, key: str, option: str) -> None:
    """Pick `option` in the selectbox with widget key `key` (sidebar or page)."""
    page.locator(f".st-key-{key} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def selected(page, key: str) -> str:
    return page.locator(f".st-key-{key} input").input_value()


def problems(page) -> list[str]:
    """Exceptions and error boxes on the page, as text."""
    return [f"{kind}: {el.inner_text()[:500]}" for kind, sel in (("exception", EXCEPTION), ("error", ERROR_ALERT))
            for el in page.locator(sel).all()]


def figure_signature(page) -> str:
    """What the page's figures show: plotly data and text, map labels, metric values."""
    return page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMainBlockContainer"]');
        const plots = Array.from(main.querySelectorAll('.js-plotly-plot')).map(g => JSON.stringify(
            (g.data || []).map(t => [t.x, t.y, t.text, t.base])) + g.textContent);
        const maps = Array.from(main.querySelectorAll('[data-testid="stDeckGlJsonChart"]'))
            .map(d => d.getAttribute('aria-label'));
        const metrics = Array.from(main.querySelectorAll('[data-testid="stMetric"]')).map(m => m.innerText);
        return [...plots, ...maps, ...metrics].join('\\n');
    }""")


def canvas_colours(locator) -> int:
    """How many distinct colours an element's screenshot has (a blank canvas has one or two)."""
    from PIL import Image
    image = Image.open(io.BytesIO(locator.screenshot())).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 16)
    return len(colours) if colours is not None else 1 << 16


NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def map_drawn(page, timeout_ms: int = 15_000) -> bool:
    """The first deck.gl map on the page has drawn shapes (its canvas is not blank).

    deck.gl draws in animation frames after the run ends, so each look waits for the browser's next
    frames rather than for a fixed time.
    """
    deck = page.locator(DECK).first
    deck.scroll_into_view_if_needed()
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        if canvas_colours(deck.locator("canvas").first) > 8:
            return True
        page.evaluate(NEXT_FRAME)
    return False


# --- Accessibility (axe-core) -----------------------------------------------------------------

def run_axe(page) -> list[dict]:
    """axe-core's violations on the page as it is now (WCAG 2.x A/AA rules and best practices)."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    for violation in result["violations"]:
        for node in violation["nodes"]:
            node["disabled_label"] = page.evaluate(
                "sel => { const e = document.querySelector(sel);"
                " return !!(e && e.closest('label[data-testid=\"stWidgetLabel\"][disabled]')); }",
                node["target"][0] if isinstance(node["target"][0], str) else "")
    return result["violations"]
