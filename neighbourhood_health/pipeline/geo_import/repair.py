"""Repairing invalid boundaries, each repair reported with what it did to the map.

`make_valid` keeps every point a polygon covered but may cut a self-intersecting ring into pieces
and drop what was drawn twice: on a bow-tie the shape can change a lot and a hole can open beside
it. What the outline "should" have been is unknowable, so a repair is judged by two measures, both
in British National Grid square metres: its area before (the shoelace area its outline encloses)
and after, and the ground around it that, once repaired, no small area covers or two cover
(`coverage`). Each repaired area is reported with GEOS's reason and both measures; one that moves
either by more than REPAIR_TOLERANCE of its area is an error naming it, unless the user accepts
repairs, when it is a warning that names it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import geopandas as gpd
import shapely

from neighbourhood_health.pipeline.geo_import.report import GeoImportError, SHOWN

REPAIR_TOLERANCE = 0.01          # a repair may change a small area's area by up to 1%


@dataclass(frozen=True)
class Repair:
    code: str
    name: str
    source: str                  # the file it came from
    reason: str                  # GEOS's is_valid_reason, e.g. 'Ring Self-intersection[524114.8 195546.9]'
    before_m2: float
    after_m2: float
    uncovered_m2: float = 0.0    # gaps beside it after the repair (coverage faults it borders)
    doubled_m2: float = 0.0      # ground it and a neighbour both cover after the repair

    @property
    def change(self) -> float:
        return self.after_m2 / self.before_m2 - 1 if self.before_m2 else float("inf")

    @property
    def too_large(self) -> bool:
        damage = (self.uncovered_m2 + self.doubled_m2) / self.after_m2 if self.after_m2 else float("inf")
        return abs(self.change) > REPAIR_TOLERANCE or damage > REPAIR_TOLERANCE

    def __str__(self) -> str:
        label = f"{self.code}" + (f" ({self.name})" if self.name and self.name != self.code else "")
        change = ("area unchanged" if abs(self.change) < 5e-5 else
                  f"area {self.change:+.2%}, {hectares(self.before_m2)} to {hectares(self.after_m2)}")
        around = [f"{hectares(v)} {what}" for v, what in ((self.uncovered_m2, "beside it left uncovered"),
                                                           (self.doubled_m2, "covered twice with a neighbour"))
                  if v > 0]
        return f"{label} in {self.source}: {_reason(self.reason)}; {change}" + (
            f"; {' and '.join(around)}" if around else "")


def hectares(m2: float) -> str:
    return f"{m2 / 1e4:,.2f} ha" if m2 >= 1e3 else f"{m2:,.1f} m²"


def _reason(text: str) -> str:
    """GEOS's 'Ring Self-intersection[x y]' as 'ring self-intersection at (x, y)'."""
    what, _, where = text.partition("[")
    coords = where.rstrip("]").split()
    return what.lower() + (f" at ({float(coords[0]):.1f}, {float(coords[1]):.1f}) in British National Grid" if len(coords) >= 2 else "")


def _polygonal(geom):
    """The polygons of a repaired geometry (make_valid can return a collection with stray lines)."""
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def repair(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[Repair]]:
    """`frame` (metric CRS; small_area_code, small_area_name, source) with invalid geometries repaired,
    and what each repair did to its area. A repair that leaves no area is an error."""
    invalid = ~frame.geometry.is_valid
    if not invalid.any():
        return frame, []
    out = frame.copy()
    bad = out[invalid]
    fixed = [_polygonal(g) for g in shapely.make_valid(bad.geometry.values)]
    repairs = [Repair(r.small_area_code, r.small_area_name, r.source, shapely.is_valid_reason(r.geometry),
                      float(shapely.area(r.geometry)), float(shapely.area(g)))
               for r, g in zip(bad.itertuples(), fixed)]
    emptied = [r for r in repairs if r.after_m2 == 0]
    if emptied:
        raise GeoImportError(f"{emptied[0].source}: {len(emptied):,} small areas have no area left after repair: "
                             + "; ".join(map(str, emptied[:SHOWN])))
    out.loc[invalid, "geometry"] = fixed
    return out, repairs


def judge(repairs: list[Repair], faults, notes: list[str], accept: bool = False) -> None:
    """Report every repair with the coverage `faults` (coverage.Fault) beside it: a note each, an error
    for one beyond REPAIR_TOLERANCE (a WARNING naming it when `accept`)."""
    if not repairs:
        return
    judged = [replace(r, uncovered_m2=sum(f.area_m2 for f in faults if f.kind == "gap" and r.code in f.codes),
                      doubled_m2=sum(f.area_m2 for f in faults if f.kind == "overlap" and r.code in f.codes))
              for r in repairs]
    large = [r for r in judged if r.too_large]
    if large and not accept:
        raise GeoImportError(f"{large[0].source}: {len(large):,} invalid small areas change by more than"
                             f" {REPAIR_TOLERANCE:.0%} of their area when repaired: " + "; ".join(map(str, large[:SHOWN]))
                             + ". Correct the boundary where it came from, or pass --accept-repairs to import"
                               " it as repaired")
    small = [r for r in judged if not r.too_large]
    if small:
        notes.append(f"{len(small):,} invalid geometries repaired with make_valid, each within"
                     f" {REPAIR_TOLERANCE:.0%} of its area: " + "; ".join(map(str, small[:SHOWN]))
                     + ("; …" if len(small) > SHOWN else ""))
    for r in large:
        notes.append(f"WARNING: repaired as accepted (--accept-repairs), changing by more than"
                     f" {REPAIR_TOLERANCE:.0%} of its area: {r}")
