"""Synthetic geography shaped like North Central and North West London.

Boroughs are Voronoi cells of their real approximate centroids (all 33 London boroughs seed the
tessellation so that our 13 get plausible shapes and sit where they really are), clipped to an
ellipse around Greater London. Each borough is tiled without gaps by Voronoi small areas of about
1,500 residents; neighbourhoods are equal-population wedges of small areas around the borough centre.
Work happens in British National Grid metres (EPSG:27700), the CRS ONS publishes boundaries in.

Codes start with "Z" so that they can never be mistaken for real ONS codes (E01…, E09…, E54…) while
keeping their shape: small areas Z01nnnnnn, boroughs Z09nnnnnn, neighbourhoods Z70nnnnnn,
places Z72nnnnnn, integrated care boards Z54nnnnnn.
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

BNG = "EPSG:27700"

# name, approximate centroid (lon, lat), real GP-registered population (approx.), ICS, neighbourhoods
OUR_BOROUGHS = [
    ("Barnet", -0.2183, 51.6152, 450_000, "NCL", 5),
    ("Camden", -0.1627, 51.5455, 310_000, "NCL", 3),
    ("Enfield", -0.0820, 51.6484, 360_000, "NCL", 4),
    ("Haringey", -0.1070, 51.5875, 320_000, "NCL", 3),
    ("Islington", -0.1092, 51.5470, 260_000, "NCL", 3),
    ("Brent", -0.2740, 51.5590, 460_000, "NWL", 5),
    ("Ealing", -0.3310, 51.5130, 430_000, "NWL", 5),
    ("Harrow", -0.3350, 51.5980, 280_000, "NWL", 3),
    ("Hillingdon", -0.4430, 51.5350, 350_000, "NWL", 4),
    ("Hounslow", -0.3680, 51.4680, 340_000, "NWL", 4),
    ("Hammersmith and Fulham", -0.2220, 51.4980, 250_000, "NWL", 3),
    ("Kensington and Chelsea", -0.1900, 51.5020, 170_000, "NWL", 2),
    ("Westminster", -0.1500, 51.5140, 320_000, "NWL", 3),
]
OTHER_BOROUGHS = [
    ("City of London", -0.0920, 51.5155), ("Hackney", -0.0600, 51.5450),
    ("Tower Hamlets", -0.0300, 51.5150), ("Newham", 0.0350, 51.5250),
    ("Waltham Forest", -0.0150, 51.5900), ("Redbridge", 0.0700, 51.5760),
    ("Barking and Dagenham", 0.1300, 51.5450), ("Havering", 0.2350, 51.5600),
    ("Lambeth", -0.1170, 51.4600), ("Southwark", -0.0800, 51.4730),
    ("Lewisham", -0.0200, 51.4450), ("Greenwich", 0.0500, 51.4750),
    ("Bexley", 0.1500, 51.4550), ("Bromley", 0.0500, 51.3700), ("Croydon", -0.0900, 51.3700),
    ("Sutton", -0.1900, 51.3600), ("Merton", -0.1900, 51.4100), ("Wandsworth", -0.2000, 51.4500),
    ("Kingston upon Thames", -0.2900, 51.3900), ("Richmond upon Thames", -0.3300, 51.4450),
]
# Real ONS borough numbers, reused after the synthetic "Z09" prefix so analysts can place them.
ONS_NUMBER = {
    "Barnet": 3, "Brent": 5, "Camden": 7, "Ealing": 9, "Enfield": 10, "Hammersmith and Fulham": 13,
    "Haringey": 14, "Harrow": 15, "Hillingdon": 17, "Hounslow": 18, "Islington": 19,
    "Kensington and Chelsea": 20, "Westminster": 33,
}
ICBS = {"NCL": ("Z54000001", "North Central London (synthetic)"),
        "NWL": ("Z54000002", "North West London (synthetic)")}
BI_BOROUGH = {"Kensington and Chelsea", "Westminster"}
# How much more deprived than London's average each borough tends to be (a smooth field adds local
# clusters on top); eastern parts of the northern boroughs are more deprived, as in life.
DEPRIVATION_BIAS = {
    "Barnet": -0.35, "Camden": 0.05, "Enfield": 0.35, "Haringey": 0.45, "Islington": 0.35,
    "Brent": 0.45, "Ealing": 0.15, "Harrow": -0.35, "Hillingdon": -0.1, "Hounslow": 0.15,
    "Hammersmith and Fulham": 0.05, "Kensington and Chelsea": -0.25, "Westminster": 0.0,
}
# Share of London's small areas in each national IMD decile (1 = most deprived), approx. IoD2019.
LONDON_DECILE_SHARE = np.array([0.05, 0.15, 0.17, 0.15, 0.13, 0.10, 0.09, 0.07, 0.05, 0.04])
RESIDENTS_PER_SMALL_AREA = 1_500
COMPASS = ["East", "North-East", "North", "North-West", "West", "South-West", "South", "South-East"]


@dataclass
class Geography:
    small_areas: gpd.GeoDataFrame   # small_area_code, small_area_name, geometry (BNG)
    lookup: pd.DataFrame            # small area → borough, neighbourhood, place, ICB codes and names
    deprivation: pd.DataFrame       # small_area_code, imd_score, imd_decile
    target_population: pd.Series   # residents to generate per small area (index small_area_code)
    # Optional, from real statistics (demo.london): each small area's residents by broad age band
    # (columns "0-15", "16-29", "30-44", "45-64", "65+", index small_area_code), and the recorded
    # prevalence to reach in each borough (borough_name, condition, prevalence, list_min_age).
    age_mix: pd.DataFrame | None = None
    recorded_targets: pd.DataFrame | None = None


def _to_bng(lon, lat):
    return Transformer.from_crs("EPSG:4326", BNG, always_xy=True).transform(lon, lat)


def _borough_polygons() -> dict[str, shapely.Polygon]:
    names = [b[0] for b in OUR_BOROUGHS] + [b[0] for b in OTHER_BOROUGHS]
    lon = np.array([b[1] for b in OUR_BOROUGHS] + [b[1] for b in OTHER_BOROUGHS])
    lat = np.array([b[2] for b in OUR_BOROUGHS] + [b[2] for b in OTHER_BOROUGHS])
    x, y = _to_bng(lon, lat)
    cx, cy = _to_bng(-0.11, 51.50)
    london = shapely.affinity.scale(shapely.Point(cx, cy).buffer(1.0, quad_segs=32), 27_000, 21_000)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(np.column_stack([x, y])), extend_to=london)
    polygons = {}
    for cell in shapely.get_parts(cells):
        for name, px, py in zip(names, x, y):
            if cell.contains(shapely.Point(px, py)):
                polygons[name] = cell.intersection(london)
    return {b[0]: polygons[b[0]] for b in OUR_BOROUGHS}


def _points_in(polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = polygon.bounds
    found = np.empty((0, 2))
    while len(found) < n:
        cand = rng.uniform([minx, miny], [maxx, maxy], size=(n * 3, 2))
        inside = shapely.contains_xy(polygon, cand[:, 0], cand[:, 1])
        found = np.vstack([found, cand[inside]])
    return found[:n]


def _tile(polygon, n: int, rng: np.random.Generator) -> list:
    """Voronoi tiles of n points inside polygon, relaxed twice (Lloyd) for even sizes."""
    points = _points_in(polygon, n, rng)
    for _ in range(3):
        cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=polygon))
        cells = [c.intersection(polygon) for c in cells]
        points = np.array([[c.centroid.x, c.centroid.y] for c in cells])
    return cells


def _deprivation_field(x, y, borough, rng) -> np.ndarray:
    """Smooth random field (Gaussian bumps) plus a borough bias and an east–west gradient."""
    centres = rng.uniform([x.min(), y.min()], [x.max(), y.max()], size=(60, 2))
    weights = rng.normal(0, 0.6, size=60)
    d2 = (x[:, None] - centres[:, 0]) ** 2 + (y[:, None] - centres[:, 1]) ** 2
    field = (weights * np.exp(-d2 / (2 * 1_800.0 ** 2))).sum(axis=1)
    field += np.array([DEPRIVATION_BIAS[b] for b in borough])
    field += (x - x.mean()) / 40_000.0 * 0.5
    field += rng.normal(0, 0.25, size=len(x))
    return field


def _decile_from_field(field: np.ndarray) -> np.ndarray:
    """Rank the field and cut it so deciles follow London's IMD distribution (1 = most deprived)."""
    order = np.argsort(-field)
    cuts = np.round(np.cumsum(LONDON_DECILE_SHARE) * len(field)).astype(int)
    decile = np.empty(len(field), dtype=np.int8)
    decile[order] = np.searchsorted(cuts, np.arange(len(field)), side="right") + 1
    return np.minimum(decile, 10)


def build_geography(scale: float, rng: np.random.Generator) -> Geography:
    boroughs = _borough_polygons()
    rows, geoms, targets = [], [], []
    area_no = 0
    place_codes: dict[str, str] = {}
    nbhd_no = 0
    for name, lon, lat, population, ics, n_nbhd in OUR_BOROUGHS:
        polygon = boroughs[name]
        n_areas = max(n_nbhd, int(round(population / RESIDENTS_PER_SMALL_AREA)))
        cells = _tile(polygon, n_areas, rng)
        pops = rng.normal(1.0, 0.12, size=len(cells)).clip(0.7, 1.3)
        pops = pops / pops.sum() * population * scale
        centre = polygon.centroid
        cx = np.array([c.centroid.x for c in cells])
        cy = np.array([c.centroid.y for c in cells])
        angle = np.arctan2(cy - centre.y, cx - centre.x)
        order = np.argsort(angle)
        share = np.cumsum(pops[order]) / pops.sum()
        group = np.empty(len(cells), dtype=int)
        group[order] = np.minimum((share * n_nbhd - 1e-9).astype(int), n_nbhd - 1)
        place = "Kensington and Chelsea and Westminster (Bi-borough)" if name in BI_BOROUGH else name
        if place not in place_codes:
            place_codes[place] = f"Z72{len(place_codes) + 1:06d}"
        nbhd_codes = {}
        for g in range(n_nbhd):
            nbhd_no += 1
            members = group == g
            ang = np.arctan2(cy[members].mean() - centre.y, cx[members].mean() - centre.x)
            direction = COMPASS[int(np.round(ang / (np.pi / 4))) % 8]
            nbhd_codes[g] = (f"Z70{nbhd_no:06d}", f"{name} {direction}")
        # Two wedges can face the same compass point: number them so names stay unique.
        names = [v[1] for v in nbhd_codes.values()]
        for g, (code, nm) in nbhd_codes.items():
            if names.count(nm) > 1:
                nbhd_codes[g] = (code, f"{nm} {sum(1 for h in range(g + 1) if nbhd_codes[h][1].startswith(nm))}")
        for i, cell in enumerate(cells):
            area_no += 1
            code, nb_name = nbhd_codes[group[i]]
            rows.append({
                "small_area_code": f"Z01{area_no:06d}",
                "small_area_name": f"{name} {i + 1:03d}{'ABCD'[i % 4]}",
                "borough_code": f"Z09{ONS_NUMBER[name]:06d}", "borough_name": name,
                "neighbourhood_code": code, "neighbourhood_name": nb_name,
                "place_code": place_codes[place], "place_name": place,
                "icb_code": ICBS[ics][0], "icb_name": ICBS[ics][1],
            })
            geoms.append(cell)
            targets.append(pops[i])
    lookup = pd.DataFrame(rows)
    small_areas = gpd.GeoDataFrame(
        lookup[["small_area_code", "small_area_name"]], geometry=geoms, crs=BNG)
    cent = small_areas.geometry.centroid
    field = _deprivation_field(cent.x.to_numpy(), cent.y.to_numpy(), lookup["borough_name"].to_numpy(), rng)
    decile = _decile_from_field(field)
    score = np.round(5 + 55 * (field - field.min()) / (field.max() - field.min()), 3)
    deprivation = pd.DataFrame({"small_area_code": lookup["small_area_code"], "imd_score": score,
                                "imd_decile": decile})
    target = pd.Series(np.round(targets).astype(int), index=lookup["small_area_code"])
    return Geography(small_areas, lookup, deprivation, target)
