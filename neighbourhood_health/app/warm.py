"""Warm a running server process: every page of every area once, as an aggregate-only viewer.

What a page reads, derives and draws is worked out once per marts version, viewer's exact areas and
choices, and kept in the process's memory for every session (`cache.shared`). Without a warm-up the
first person to open each page of each area pays for working it out, and a room of people opening
their own areas at once queues behind all of it. `scripts/serve` runs this against each process
(directly on its loopback port, not through the proxy) once it is up, and again after a rebuild.

The warm-up viewer: a session whose query string carries `nhd_warm=<token>`, the token the process
was started with (NHD_WARM_TOKEN, made afresh by scripts/serve for each run and given to nobody
else), is a board member covering all areas: aggregate-only, so it can reach nothing that every
viewer with an aggregate-only role could not (`signin.warm_viewer`). It shares its results with
board members, place managing directors and analysts; an INT lead's exact figures are their own.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from neighbourhood_health.app.protocol import ProtocolSession

#: The query parameter that carries the warm-up token, and the variable the process reads it from.
WARM_PARAM, WARM_ENV = "nhd_warm", "NHD_WARM_TOKEN"
#: The area levels the sidebar offers (the whole extract has no page of its own).
LEVELS = ("icb", "place", "neighbourhood")


@dataclass
class Warmed:
    areas: int = 0
    runs: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"areas": self.areas, "runs": self.runs, "seconds": round(self.seconds, 1), "errors": self.errors[:20]}


async def warm(url: str, area_codes: list[str], token: str, parallel: int = 2) -> Warmed:
    """Every page of each area in `area_codes` once, `parallel` sessions at a time (a page's queries
    run in DuckDB outside Python's lock, so two keep one process busy); errors are collected, not raised."""
    done, queue, started = Warmed(), asyncio.Queue(), time.perf_counter()
    for code in area_codes:
        queue.put_nowait(code)

    async def one_area(code: str) -> None:
        query = urlencode({"area": code, WARM_PARAM: token})
        async with ProtocolSession(url) as session:
            seen = await session.open("", query)
            runs, failures = 1, [f"{code}: {e}" for e in seen.errors]
            for path in [p for p in session.pages if p]:
                session.query = query  # each page as a link to it opens it: no choice carried from the last
                seen = await session.navigate(path)
                runs += 1
                failures += [f"{code} /{path}: {e}" for e in seen.errors]
        done.areas, done.runs = done.areas + 1, done.runs + runs
        done.errors.extend(failures)

    async def worker() -> None:
        while not queue.empty():
            code = queue.get_nowait()
            try:
                await one_area(code)
            except Exception as exc:  # a dropped connection or a timeout: say so, go on with the next area
                done.errors.append(f"{code}: {type(exc).__name__}: {exc}"[:300])

    await asyncio.gather(*[worker() for _ in range(parallel)])
    done.seconds = time.perf_counter() - started
    return done


def warm_areas(tree, levels=LEVELS) -> list[str]:
    """The areas to warm, from the area tree (app/areas, or the marts' areas table), at `levels`:
    places first, then neighbourhoods, then ICBs (the costliest, and the fewest people's first page)."""
    order = {"place": 0, "neighbourhood": 1, "icb": 2}
    rows = tree[tree["area_level"].isin(levels)]
    return list(rows.assign(_o=rows["area_level"].map(order)).sort_values(["_o", "area_code"])["area_code"])
