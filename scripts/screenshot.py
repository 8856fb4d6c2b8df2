"""Screenshot pages of a running app in headless Chromium (Debian's /usr/bin/chromium).

    python scripts/screenshot.py http://localhost:8501 overview:/?area=Z70000007 map:/map ...

Waits until Streamlit has finished running the script (no "running" indicator, no skeletons)
before each shot. Used to look at pages and for the README's pictures.
"""
from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def wait_for_app(page, timeout_ms: int = 60_000) -> None:
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') "
        "&& !document.querySelector('[data-testid=\"stSkeleton\"]') "
        "&& document.querySelector('[data-testid=\"stMainBlockContainer\"] h1')",
        timeout=timeout_ms)
    page.wait_for_timeout(1500)  # let charts and maps finish drawing


def main(base: str, shots: list[str], out_dir: Path = Path("docs/screenshots"), width: int = 1400,
         height: int = 1000) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        for shot in shots:
            name, path = shot.split(":", 1)
            page.goto(base.rstrip("/") + path)
            wait_for_app(page)
            page.screenshot(path=str(out_dir / f"{name}.png"), full_page=False)
            print(f"{out_dir / name}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
