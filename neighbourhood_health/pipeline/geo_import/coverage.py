"""Whether small areas tile the ground: snapping, then gaps and overlaps measured in metres.

Published boundaries share their edges, but a file in degrees (GeoJSON in CRS84) stores each shared
vertex twice and the copies differ by about 1e-12 degrees; GEOS then sees thousands of microscopic
gaps, dissolving leaves holes and coverage simplification does nothing. So vertices are snapped to
a GRID_METRES grid in British National Grid first, which makes the copies one point again.

Then the coverage is measured: gaps are holes in the union of the small areas (a gap on the outer
edge cannot be told from the coastline and is not counted); overlaps are the shared interiors of
pairs of areas. Each is a fault only if it is wider than TOLERANCE_METRES (it survives an inward
buffer of half that), so slivers of generalisation are counted but not warned about, while a
missing area or a second file drawn over the first is named with its size and its neighbours.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from neighbourhood_health.pipeline.geo import GRID_METRES, snap
from neighbourhood_health.pipeline.geo_import.repair import hectares
from neighbourhood_health.pipeline.geo_import.report import examples

TOLERANCE_METRES = 1.0           # gaps and overlaps narrower than 1 m are slivers, not faults
WORST = 3                        # faults named in a warning


@dataclass(frozen=True)
class Fault:
    kind: str                    # 'gap' or 'overlap'
    area_m2: float
    codes: tuple[str, ...]       # the areas around a gap, or the two that overlap

    def __str__(self) -> str:
        where = "between" if self.kind == "overlap" else "surrounded by"
        return f"{hectares(self.area_m2)} {where} {examples(self.codes)}"


@dataclass
class Coverage:
    gap_m2: float = 0.0
    overlap_m2: float = 0.0
    pieces: int = 0              # gaps and overlaps of any width
    faults: list[Fault] = field(default_factory=list)

    def describe(self, what: str) -> list[str]:
        """One line when neighbours meet within tolerance; a WARNING per kind of fault otherwise."""
        total = (f"{_m2(self.gap_m2)} of gaps and {_m2(self.overlap_m2)} of overlaps in all"
                 + (f" ({self.pieces:,} piece{'s' * (self.pieces > 1)})" if self.pieces else ""))
        if not self.faults:
            return [f"{what}: neighbours meet within {TOLERANCE_METRES:g} m; {total}"]
        lines = []
        for kind, effect in (("gap", "the map shows a hole there"),
                             ("overlap", "the map draws that ground twice")):
            found = sorted((f for f in self.faults if f.kind == kind), key=lambda f: -f.area_m2)
            if found:
                lines.append(f"WARNING: {what}: {len(found):,} {kind}{'s' * (len(found) > 1)} wider than"
                             f" {TOLERANCE_METRES:g} m, {hectares(sum(f.area_m2 for f in found))} in all;"
                             f" largest: " + "; ".join(map(str, found[:WORST])) + f" ({effect}; {total})")
        return lines


def _m2(value: float) -> str:
    return f"{value:,.1f} m²" if value < 1e4 else hectares(value)


def _wide(geometry) -> bool:
    return not shapely.is_empty(shapely.buffer(geometry, -TOLERANCE_METRES / 2))


def measure(geometries, codes) -> Coverage:
    """Gaps and overlaps among `geometries` (valid, in metres), with the `codes` of the areas at each."""
    geoms, codes = np.asarray(geometries), np.asarray(codes, dtype=object)
    tree = shapely.STRtree(geoms)
    out = Coverage()
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    inside = shapely.relate_pattern(geoms[left], geoms[right], "2********")
    for i, j in zip(left[inside], right[inside]):
        shared = shapely.intersection(geoms[i], geoms[j])
        out.overlap_m2 += shared.area
        out.pieces += 1
        if _wide(shared):
            out.faults.append(Fault("overlap", shared.area, (codes[i], codes[j])))
    union = shapely.union_all(geoms)
    for ring in (r for part in shapely.get_parts(union) for r in getattr(part, "interiors", [])):
        hole = shapely.Polygon(ring)
        out.gap_m2 += hole.area
        out.pieces += 1
        if _wide(hole):
            around = tree.query(hole, predicate="intersects")
            out.faults.append(Fault("gap", hole.area, tuple(sorted(codes[around]))))
    return out
