"""scripts/serve's warm-up (neighbourhood_health/app/warm.py): every page of every area sent to each
process once it is up, as an aggregate-only viewer that only the warm-up's token, given straight to
a process and never through the proxy, makes.

Skips, saying why, where HAProxy is missing (as test_proxy.py does).
"""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from neighbourhood_health.app import warm
from neighbourhood_health.app.protocol import ProtocolSession
from neighbourhood_health.privacy.access import ROLES

from .test_proxy import start_serving, stop_serving, wait_for

pytestmark = pytest.mark.e2e

PAGES = 11  # app.py's pages
INT_LEAD = ROLES["int_lead"].label  # the demo's default viewer


def token_of(pid: int) -> str:
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return next(v.split(b"=", 1)[1].decode() for v in environ if v.startswith(warm.WARM_ENV.encode() + b"="))


async def _first_run(url: str, query: str) -> ProtocolSession:
    async with ProtocolSession(url, timeout=120) as session:
        await session.open("", query)
        return session


def first_run(url: str, query: str) -> ProtocolSession:
    """One session's first run, on an event loop of its own in another thread: the browser tests'
    Playwright (sync API) keeps a loop running in this one, where asyncio.run may not be called."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _first_run(url, query)).result()


def test_every_process_is_warmed_and_the_token_works_only_straight_to_it(demo_cfg, tmp_path):
    served = start_serving(demo_cfg, tmp_path, processes=1, warm=True, options=("--warm-levels", "icb"))
    try:
        done = wait_for(lambda: (w := served.state["warm"].get("app1")) and w["state"] == "done" and w,
                        timeout=600, what="the warm-up to finish")
        areas = pd.read_parquet(demo_cfg.marts_dir / "areas.parquet")
        expected = int((areas["area_level"] == "icb").sum())  # the ICBs only, to keep the test short
        assert done["errors"] == [] and done["areas"] == expected and done["runs"] == expected * PAGES, done
        assert done["cpu_seconds"] > 0
        assert "warmed app1" in (tmp_path / "serve.log").read_text()

        backend = served.state["backends"][0]
        token, direct = token_of(backend["pid"]), f"http://127.0.0.1:{backend['port']}"
        code = areas.loc[areas.area_level == "neighbourhood", "area_code"].iloc[0]
        query = f"area={code}&{warm.WARM_PARAM}={token}"
        # Straight to the process with the token: the warm-up's viewer, who has no role switcher.
        assert first_run(direct, query).value("demo_role") is None
        # The same through the proxy (which adds X-Forwarded-For), or with another token: the demo's own viewer.
        assert first_run(served.url, query).value("demo_role") == INT_LEAD
        wrong = f"area={code}&{warm.WARM_PARAM}={'0' * len(token)}"
        assert first_run(direct, wrong).value("demo_role") == INT_LEAD
    finally:
        assert stop_serving(served) == 0
    assert json.loads((tmp_path / "serve.json").read_text())["warm"]["app1"]["state"] == "done"
