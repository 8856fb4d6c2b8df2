"""Write the London demo's real public geography into neighbourhood_health/pipeline/demo/london/, so the demo
runs on the real map of North Central and North West London without ../shared at run time.

    .venv/bin/python scripts/make_london_demo_geography.py [--reference ../shared/reference]

From the reference files (../shared/reference/SOURCES.md) it writes: the 13 boroughs' LSOA 2021 boundaries
(snapped to a 0.1 m grid and coverage-simplified at 5 m, so neighbours still share edges), the ONS LSOA
2011 -> 2021 lookup, IMD 2019 and mid-2019 population rows on LSOA 2011, synthetic neighbourhoods of whole
MSOAs, and the folder's README. The same inputs always give the same files.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "neighbourhood_health" / "pipeline" / "demo" / "london"
SHAPES = Path("boundaries") / "london_2021_census_shapefiles"

NCL, NWL = ("E54000028", "North Central London"), ("E54000027", "North West London")
ICB_OF = {"E09000003": NCL, "E09000007": NCL, "E09000010": NCL, "E09000014": NCL, "E09000019": NCL,
          "E09000005": NWL, "E09000009": NWL, "E09000013": NWL, "E09000015": NWL, "E09000017": NWL,
          "E09000018": NWL, "E09000020": NWL, "E09000033": NWL}
NCL_TOTAL = 18                                  # North Central London's published neighbourhood count
PUBLISHED = {"E09000007": 5, "E09000019": 3, "E09000014": 3}   # Camden, Islington, Haringey
SHARED = ("E09000003", "E09000010")             # Barnet and Enfield share the rest by population
SMALLEST, LARGEST = 60_000, 130_000             # residents a neighbourhood is meant to have
GRID, TOLERANCE = 0.1, 5.0                      # metres: vertex grid, coverage simplification
CENTRAL_METRES = 1_000
COMPASS = ["North", "North-East", "East", "South-East", "South", "South-West", "West", "North-West"]
IMD_COLUMNS = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
               "Local Authority District name (2019)",
               "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
               "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"]
LSOA_COLUMNS = ["LSOA21CD", "LSOA21NM", "MSOA21CD", "LAD22CD", "LAD22NM", "geometry"]


def read_csv(path: Path) -> pd.DataFrame:
    """Every cell as the text it is in the file, so the shipped rows are the source's rows."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


# ------------------------------------------------------------------------------------------ boundaries

def small_areas(ref: Path) -> tuple[gpd.GeoDataFrame, dict]:
    """The 13 boroughs' LSOAs, snapped and simplified as one coverage so shared edges stay shared,
    with the figures of the checks that the map did not move."""
    source = gpd.read_file(ref / SHAPES / "london-2021-lsoa-gen20.shp")
    source = source[source["LAD22CD"].isin(ICB_OF)].sort_values("LSOA21CD").reset_index(drop=True)
    snapped = shapely.set_precision(source.geometry.values, GRID)
    simple = shapely.coverage_simplify(snapped, tolerance=TOLERANCE, simplify_boundary=False)
    areas = gpd.GeoDataFrame(source[LSOA_COLUMNS[:-1]], geometry=simple, crs="EPSG:27700")
    return areas, check_areas(areas, source, ref)


def check_areas(areas: gpd.GeoDataFrame, source: gpd.GeoDataFrame, ref: Path) -> dict:
    """Refuse a simplification that broke the tiling or moved the map; print how close it stayed."""
    geoms = areas.geometry.values
    assert shapely.is_valid(geoms).all(), "simplified LSOAs are valid"
    assert shapely.coverage_is_valid(geoms), "simplified LSOAs still tile without gaps or overlaps"
    change = shapely.area(geoms).sum() / source.geometry.area.sum() - 1
    assert abs(change) < 0.001, f"total area changed by {change:.4%}"
    lad = gpd.read_file(ref / SHAPES / "london-2021-lad22-gen20.shp").set_index("LAD22CD").geometry.area
    ratios = borough_outlines(areas).area / lad.reindex(sorted(ICB_OF))
    worst = ratios.sub(1).abs().idxmax()
    checks = {"lsoas": len(areas), "vertices": int(shapely.get_num_coordinates(geoms).sum()),
              "source_vertices": int(shapely.get_num_coordinates(source.geometry.values).sum()),
              "area_change": change, "worst_borough": source.set_index("LAD22CD")["LAD22NM"][worst].iloc[0],
              "worst_ratio": ratios[worst], "ratios": (ratios.min(), ratios.max())}
    print(f"LSOAs: {checks['lsoas']}, vertices {checks['vertices']:,} (source {checks['source_vertices']:,}); "
          f"total area change {change:+.5%}; borough area / ONS LAD 2022: {ratios.min():.6f}-{ratios.max():.6f}, "
          f"worst {worst} {ratios[worst]:.6f}")
    assert (ratios - 1).abs().max() < 0.005, "dissolved boroughs are within 0.5% of the ONS LAD boundaries"
    return checks


def borough_outlines(areas: gpd.GeoDataFrame) -> gpd.GeoSeries:
    parts = {code: shapely.coverage_union_all(group.geometry.values)
             for code, group in areas.groupby("LAD22CD", sort=True)}
    return gpd.GeoSeries(parts, crs=areas.crs)


# ---------------------------------------------------------------------------------------- the tables

def table_subsets(ref: Path) -> dict[str, pd.DataFrame]:
    """The lookup, IMD and population rows of the 13 boroughs, cells verbatim."""
    changes = read_csv(ref / "lookups" / "lsoa11_to_lsoa21_london_exactfit.csv")
    if changes.columns[0] == "" or changes.columns[0].startswith("Unnamed"):
        changes = changes.drop(columns=changes.columns[0])
    changes = changes[changes["LAD22CD"].isin(ICB_OF)]
    old = set(changes["LSOA11CD"])
    imd = read_csv(ref / "imd2019" / "File_2_-_IoD2019_Domains_of_Deprivation_London.csv")[IMD_COLUMNS]
    people = read_csv(ref / "population" / "london-mid2019-pop_lsoa11.csv")
    tables = {"lsoa11_to_lsoa21.csv": changes, "imd2019_lsoa11.csv": imd[imd["LSOA code (2011)"].isin(old)],
              "population_mid2019_lsoa11.csv": people[people["LSOA11CD"].isin(old)]}
    for name in ("imd2019_lsoa11.csv", "population_mid2019_lsoa11.csv"):
        assert len(tables[name]) == tables[name].iloc[:, 0].nunique() == len(old), f"{name}: one row per LSOA 2011"
    return tables


def residents_2021(changes: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    """Mid-2019 residents on LSOA 2021. A split 2011 area is shared by its parts' 2021 residents: the
    lookup's prop21 is a land-area share (and 2 on merged rows), so it is not used; merged areas sum."""
    new = changes["TotalRes21"].astype(float)
    parts = changes.groupby("LSOA11CD")["LSOA21CD"].transform("size")
    share = (new / new.groupby(changes["LSOA11CD"]).transform("sum")).where(parts > 1, 1.0)
    old = people.set_index("LSOA11CD")["Persons_All-Ages"].astype(float)
    carried = old.reindex(changes["LSOA11CD"]).to_numpy() * share.to_numpy()
    return pd.Series(carried).groupby(changes["LSOA21CD"].to_numpy()).sum()


# ------------------------------------------------------------------------------------ neighbourhoods

def neighbourhood_counts(population: pd.Series) -> dict[str, int]:
    """Published counts where there are any; Barnet and Enfield share NCL's rest by population (largest
    remainder); each NWL borough one per 100,000 residents, at least 2."""
    counts = dict(PUBLISHED)
    rest = NCL_TOTAL - sum(PUBLISHED.values())
    quota = population[list(SHARED)] / population[list(SHARED)].sum() * rest
    counts |= {code: int(math.floor(q)) for code, q in quota.items()}
    left_over = rest - sum(counts[code] for code in SHARED)
    for code in (quota - np.floor(quota)).sort_values(ascending=False).index[:left_over]:
        counts[code] += 1
    counts |= {code: max(2, round(population[code] / 100_000)) for code, icb in ICB_OF.items() if icb == NWL}
    return counts


def adjacency(geoms: np.ndarray) -> list[set[int]]:
    """Which MSOAs share an edge (a common point alone does not join two areas)."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right])))
    neighbours: list[set[int]] = [set() for _ in geoms]
    for a, b in zip(left[shared > 0], right[shared > 0]):
        neighbours[a].add(b)
        neighbours[b].add(a)
    return neighbours


def pieces(members: list[int], neighbours: list[set[int]]) -> list[list[int]]:
    """The connected pieces of a set of MSOAs, largest first."""
    left, found = set(members), []
    while left:
        stack, piece = [min(left)], set()
        while stack:
            node = stack.pop()
            if node in piece:
                continue
            piece.add(node)
            stack.extend(neighbours[node] & left - piece)
        left -= piece
        found.append(sorted(piece))
    return sorted(found, key=lambda p: (-len(p), p))


def ring_cuts(order: np.ndarray, people: np.ndarray, k: int) -> list[list[int]]:
    """Cut MSOAs in ring order into k runs, each ending where the running total is nearest j/k of it."""
    running = np.cumsum(people[order])
    ends, start = [], 0
    for j in range(1, k):
        lo, hi = start + 1, len(order) - (k - j)
        ends.append(start := lo + int(np.argmin(np.abs(running[lo - 1:hi] - running[-1] * j / k))))
    bounds = [0, *ends, len(order)]
    return [sorted(order[a:b].tolist()) for a, b in zip(bounds, bounds[1:])]


def mainland_pieces(shape, mainland) -> int:
    """How many pieces a dissolved group has on the borough's main piece: islands in the Thames (pieces of
    the borough outline on their own) go with their MSOA and do not count as breaking a group."""
    parts = shapely.get_parts(shape)
    return int(shapely.contains(mainland, shapely.point_on_surface(parts)).sum())


def group_borough(msoas: gpd.GeoDataFrame, k: int, centre, mainland) -> list[list[int]]:
    """k contiguous groups of whole MSOAs of near-equal residents: MSOAs in order of bearing round the
    borough centre, the ring cut into runs of equal population from whichever starting MSOA leaves the
    fewest broken runs (by dissolving) and then the most even sizes; any run still in pieces gives its
    stray pieces to the neighbouring group they share most edge with."""
    geoms, people = msoas.geometry.values, msoas["residents"].to_numpy()
    neighbours = adjacency(geoms)
    points = shapely.centroid(geoms)
    bearing = np.degrees(np.arctan2(shapely.get_x(points) - centre.x, shapely.get_y(points) - centre.y)) % 360
    ring = np.lexsort((msoas["MSOA21CD"].to_numpy(), bearing))

    def score(groups):
        sizes = [people[g].sum() for g in groups]
        broken = sum(mainland_pieces(shapely.coverage_union_all(geoms[g]), mainland) > 1 for g in groups)
        return broken, max(sizes) - min(sizes)

    groups = min((ring_cuts(np.roll(ring, -shift), people, k) for shift in range(len(ring))), key=score)
    groups = mend(groups, neighbours, geoms)
    return balance(groups, neighbours, geoms, people, mainland)


def balance(groups, neighbours, geoms, people, mainland) -> list[list[int]]:
    """Even the sizes out: move a border MSOA to the neighbouring group while that lowers the spread of
    sizes (squared distance from the mean) and leaves both groups in one piece; best move first."""
    owner = {m: g for g, members in enumerate(groups) for m in members}
    mean = people.sum() / len(groups)
    while True:
        sizes = np.array([people[[m for m, o in owner.items() if o == g]].sum() for g in range(len(groups))])
        moves = []
        for m in sorted(owner):
            for b in sorted({owner[n] for n in neighbours[m]} - {owner[m]}):
                a, after = owner[m], sizes.copy()
                after[a] -= people[m]
                after[b] += people[m]
                gain = ((sizes - mean) ** 2).sum() - ((after - mean) ** 2).sum()
                if gain > 1e-6:
                    moves.append((-gain, m, b))
        for _, m, b in sorted(moves):
            rest = [n for n, o in owner.items() if o == owner[m] and n != m]
            grown = [n for n, o in owner.items() if o == b] + [m]
            if rest and all(mainland_pieces(shapely.coverage_union_all(geoms[g]), mainland) == 1 for g in (rest, grown)):
                owner[m] = b
                break
        else:
            return [sorted(m for m, o in owner.items() if o == g) for g in range(len(groups))]


def mend(groups: list[list[int]], neighbours: list[set[int]], geoms: np.ndarray) -> list[list[int]]:
    owner = {m: g for g, members in enumerate(groups) for m in members}
    for g in range(len(groups)):
        for stray in pieces([m for m, o in owner.items() if o == g], neighbours)[1:]:
            edge: dict[int, float] = {}
            for m in stray:
                for n in neighbours[m]:
                    if owner[n] != g:
                        line = shapely.intersection(shapely.boundary(geoms[m]), shapely.boundary(geoms[n]))
                        edge[owner[n]] = edge.get(owner[n], 0.0) + shapely.length(line)
            target = max(sorted(edge), key=edge.get)
            owner.update({m: target for m in stray})
    return [sorted(m for m, o in owner.items() if o == g) for g in range(len(groups))]


def compass(point: shapely.Point, centre: shapely.Point) -> tuple[str, float]:
    """The group's direction from the borough centre, and its bearing for ordering (Central first)."""
    dx, dy = point.x - centre.x, point.y - centre.y
    if math.hypot(dx, dy) < CENTRAL_METRES:
        return "Central", -1.0
    bearing = math.degrees(math.atan2(dx, dy)) % 360
    return COMPASS[int((bearing + 22.5) // 45) % 8], bearing


def neighbourhoods(areas: gpd.GeoDataFrame, residents: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The area lookup (one row per LSOA 2021) and a summary row per neighbourhood."""
    areas = areas.assign(residents=residents.reindex(areas["LSOA21CD"]).to_numpy())
    assert areas["residents"].notna().all(), "every LSOA 2021 has residents"
    counts = neighbourhood_counts(areas.groupby("LAD22CD")["residents"].sum())
    rows, summary, number = [], [], 0
    for lad, lsoas in areas.groupby("LAD22CD", sort=True):
        msoas = (lsoas.groupby("MSOA21CD", sort=True)
                 .agg(residents=("residents", "sum"), geometry=("geometry", shapely.coverage_union_all))
                 .reset_index())
        msoas = gpd.GeoDataFrame(msoas, geometry="geometry", crs=areas.crs)
        outline = shapely.coverage_union_all(msoas.geometry.values)
        centre, mainland = outline.centroid, max(shapely.get_parts(outline), key=shapely.area)
        named = []
        for members in group_borough(msoas, counts[lad], centre, mainland):
            shape = shapely.coverage_union_all(msoas.geometry.values[members])
            direction, bearing = compass(shape.centroid, centre)
            named.append((bearing, direction, msoas["MSOA21CD"].iloc[members].tolist(), shape))
        named.sort(key=lambda g: (g[0], g[2]))
        place, seen = lsoas["LAD22NM"].iloc[0], {}
        directions = [d for _, d, *_ in named]
        for _, direction, codes, shape in named:
            number += 1
            seen[direction] = seen.get(direction, 0) + 1
            suffix = f" {seen[direction]}" if directions.count(direction) > 1 else ""
            code, name = f"Z7{number:07d}", f"{place} {direction}{suffix}"
            members = lsoas[lsoas["MSOA21CD"].isin(codes)]
            summary.append({"neighbourhood_code": code, "neighbourhood_name": name, "place_code": lad,
                            "place_name": place, "msoas": len(codes), "lsoas": len(members),
                            "residents": members["residents"].sum(), "pieces": mainland_pieces(shape, mainland),
                            "islands": shapely.get_num_geometries(shape) - mainland_pieces(shape, mainland)})
            rows.append(pd.DataFrame({"LSOA21CD": members["LSOA21CD"], "neighbourhood_code": code,
                                      "neighbourhood_name": name, "place_code": lad, "place_name": place,
                                      "icb_code": ICB_OF[lad][0], "icb_name": ICB_OF[lad][1]}))
    lookup = pd.concat(rows).sort_values("LSOA21CD").reset_index(drop=True)
    return lookup, pd.DataFrame(summary)


# -------------------------------------------------------------------------------------------- output

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, default=ROOT.parent / "shared" / "reference")
    ref = parser.parse_args().reference
    areas, checks = small_areas(ref)
    tables = table_subsets(ref)
    changes = tables["lsoa11_to_lsoa21.csv"]
    assert set(changes["LSOA21CD"]) == set(areas["LSOA21CD"]), "the lookup covers exactly the shipped LSOAs"
    lookup, summary = neighbourhoods(areas, residents_2021(changes, tables["population_mid2019_lsoa11.csv"]))
    assert (summary["pieces"] == 1).all(), "every neighbourhood is one connected piece"
    OUT.mkdir(parents=True, exist_ok=True)
    areas[LSOA_COLUMNS].to_parquet(OUT / "lsoa21.parquet", compression="zstd", compression_level=19,
                                   write_covering_bbox=False)
    for name, table in tables.items():
        table.to_csv(OUT / name, index=False)
    lookup.to_csv(OUT / "neighbourhoods.csv", index=False)
    (OUT / "README.md").write_text(readme(tables, summary, checks))
    print(sizes_table(summary))
    for row in outside(summary).itertuples():
        print(f"Below {SMALLEST:,} or above {LARGEST:,}: {row.neighbourhood_code} {row.neighbourhood_name}"
              f" ({row.residents:,.0f}), kept: the borough's published count")
    for path in sorted(OUT.iterdir()):
        print(f"  {path.relative_to(ROOT)}  {path.stat().st_size:,} bytes")


def outside(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[(summary["residents"] < SMALLEST) | (summary["residents"] > LARGEST)]


def sizes_table(summary: pd.DataFrame) -> str:
    by = summary.groupby(["place_code", "place_name"], sort=True)["residents"]
    lines = ["| borough | ICB | neighbourhoods | fewest residents | most residents |", "|---|---|---|---|---|"]
    for (code, name), people in by:
        lines.append(f"| {name} ({code}) | {ICB_OF[code][1]} | {len(people)} | {people.min():,.0f} | {people.max():,.0f} |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- README

LSOA_SOURCE = ("`boundaries/london_2021_census_shapefiles/london-2021-lsoa-gen20.*` — repository "
               "`jamesdamillington/london-data`, path `data/geographies/census/london-2021-lsoa-gen20.*`, commits "
               "`0d6088121a263fccbb272a9b16c2bd7344567be4` (.shp/.shx/.prj/.cpg) and "
               "`d482ac689eb07a2db1e1bbe0e0ad9311cdc14f14` (.dbf): ONS LSOA 2021 boundaries generalised to 20 m")
LAD_SOURCE = ("`boundaries/london_2021_census_shapefiles/london-2021-lad22-gen20.*` — same repository, "
              "commit `d482ac689eb07a2db1e1bbe0e0ad9311cdc14f14` (used only to check the borough outlines)")
SOURCES = {
    "lsoa11_to_lsoa21.csv": "`lookups/lsoa11_to_lsoa21_london_exactfit.csv` — repository `jamesdamillington/london-data`, "
                            "path `data/census/merge_efit.csv`, commit `cb6c94edcc36a3d33102041138f79e21d95c2736`: the ONS "
                            "LSOA 2011 → 2021 exact-fit lookup with Census 2011 and 2021 usual residents",
    "imd2019_lsoa11.csv": "`imd2019/File_2_-_IoD2019_Domains_of_Deprivation_London.csv` — repository "
                          "`anetobradley/energy_flex`, path `02-EnergyModel/Energy_Intensity_Analysis/data/imd/"
                          "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz`, commit `9ed0574760bbe6fa7ac41205d9bef62fe83feb48`: "
                          "MHCLG's English Indices of Deprivation 2019, File 2",
    "population_mid2019_lsoa11.csv": "`population/london-mid2019-pop_lsoa11.csv` — repository "
                                     "`jamesdamillington/london-data`, path `data/population/london-mid2019-pop.csv`, "
                                     "commit `4acd902869808c2c583110a4e50d5c0e360dff37`: ONS mid-2019 LSOA population "
                                     "estimates by sex and broad age band (0-15, 16-29, 30-44, 45-64, 65+)",
}


def readme(tables: dict[str, pd.DataFrame], summary: pd.DataFrame, checks: dict) -> str:
    """The folder's README: what each file is, where it came from, its licence, and how it was made."""
    low = outside(summary)
    exceptions = "\n".join(f"- {r.neighbourhood_code} {r.neighbourhood_name}: {r.residents:,.0f} residents"
                           for r in low.itertuples()) or "- none"
    islands = ", ".join(sorted(summary.loc[summary["islands"] > 0, "place_name"].unique())) or "none"
    counts = {name: len(t) for name, t in tables.items()}
    return f"""# The London demo's real geography

Real public small-area geography, deprivation and population for the 13 boroughs of North Central London
(Barnet, Camden, Enfield, Haringey, Islington) and North West London (Brent, Ealing, Hammersmith and
Fulham, Harrow, Hillingdon, Hounslow, Kensington and Chelsea, Westminster), shipped with the package so
the demo runs on London's real map without the reference folder. Written by
`scripts/make_london_demo_geography.py` from `../shared/reference` (paths below are inside it; see its
`SOURCES.md`); run it again to remake the files, which come out the same each time.

## Files

| file | what | rows | from |
|---|---|---|---|
| `lsoa21.parquet` | GeoParquet, EPSG:27700 (British National Grid, metres): `LSOA21CD`, `LSOA21NM`, `MSOA21CD`, `LAD22CD`, `LAD22NM`, `geometry` | {checks['lsoas']:,} | {LSOA_SOURCE} |
| `lsoa11_to_lsoa21.csv` | the rows whose `LAD22CD` is one of the 13 boroughs, all columns (the unnamed row index dropped), cells verbatim | {counts['lsoa11_to_lsoa21.csv']:,} | {SOURCES['lsoa11_to_lsoa21.csv']} |
| `imd2019_lsoa11.csv` | the rows of every LSOA 2011 in that lookup; columns `LSOA code (2011)`, `LSOA name (2011)`, the 2019 local authority code and name, and the IMD rank and decile (national: 1 is most deprived of 32,844), headers and cells verbatim | {counts['imd2019_lsoa11.csv']:,} | {SOURCES['imd2019_lsoa11.csv']} |
| `population_mid2019_lsoa11.csv` | the same LSOAs' rows, all columns verbatim | {counts['population_mid2019_lsoa11.csv']:,} | {SOURCES['population_mid2019_lsoa11.csv']} |
| `neighbourhoods.csv` | the area lookup the demo imports: `LSOA21CD`, `neighbourhood_code`, `neighbourhood_name`, `place_code`, `place_name`, `icb_code`, `icb_name` | {checks['lsoas']:,} | made here (below) |
| `qof_borough_prevalence.csv` | recorded prevalence per borough the demo calibrates to, written by `scripts/make_london_demo_qof.py` (see its docstring) | | House of Commons Library, `houseofcommonslibrary/local-health-data-from-QOF`, `outputs/output_lad_prevalence.csv`, commit `f81b851cc6caf6dc8255c383b5cb31ba9d05ffe0` (modelled from QOF 2019/20) |

## Licences and attribution

- Boundaries, lookup and population: Office for National Statistics, Open Government Licence v3.0
  (<https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/>).
  "Source: Office for National Statistics licensed under the Open Government Licence v.3.0.
  Contains OS data © Crown copyright and database right 2022." The repository that carries them,
  `jamesdamillington/london-data`, is MIT-licensed; the data keep their OGL terms.
- Deprivation: "Ministry of Housing, Communities and Local Government, English Indices of Deprivation 2019,
  Open Government Licence v3.0." (The CSV conversion is from `anetobradley/energy_flex`, MIT.)
- QOF prevalence: House of Commons Library, Open Parliament Licence v3.0: "Contains Parliamentary
  information licensed under the Open Parliament Licence v3.0." Built on NHS Digital's QOF 2019/20 (OGL v3.0).
- The neighbourhood groupings are this project's own work, under the project's terms.

## How the boundaries were made smaller

Vertices were snapped to a {GRID:g} m grid (`shapely.set_precision`), then the LSOAs were simplified together
as one coverage at a tolerance of {TOLERANCE:g} m (`shapely.coverage_simplify(..., simplify_boundary=False)`),
so neighbours still share their edges exactly and the outer edge is left as it was. Checks when written:
every shape valid; `shapely.coverage_is_valid` true; {checks['vertices']:,} vertices (the source has
{checks['source_vertices']:,}); total area changed by {checks['area_change']:+.5%}; each borough dissolved
from its LSOAs is {checks['ratios'][0]:.6f}–{checks['ratios'][1]:.6f} of the ONS LAD 2022 boundary's area
(required: within 0.5%; worst {checks['worst_borough']}, {checks['worst_ratio']:.6f}), from {LAD_SOURCE}.

## Neighbourhoods (synthetic)

**The neighbourhood codes and names are synthetic groupings made for the demo, not any partnership's real
neighbourhoods.** Codes run `Z70000001`… (prefix Z: visibly not an ONS code) in borough-code order; a name is
the borough and the compass direction of the group's centre from the borough's centre ("Central" within
{CENTRAL_METRES:,} m), with a number only where two would be the same. Places are the boroughs
(`place_code` = `LAD22CD`). ICBs are the real ones: North Central London `{NCL[0]}`, North West London
`{NWL[0]}` (ONS ICB July 2022 GSS codes, NHS ODS QMJ and QRV; as listed in
`rcpch/rcpch-nhs-organisations`, `rcpch_nhs_organisations/hospitals/constants/integrated_care_boards.py`,
commit `4e3c1333fbd11980e0df942ea850f3b53761bddd`).

Each neighbourhood is whole MSOA 2021s in one borough, in one connected piece. Pieces of a borough's outline
that stand on their own (Thames islands, and slivers across the river) go with their MSOA and are not
counted as breaking a neighbourhood; boroughs with such pieces: {islands}. Residents are mid-2019
estimates carried to LSOA 2021: an unchanged or merged 2021 area takes its 2011 areas' residents; a split
2011 area is shared among its parts by their Census 2021 residents (`TotalRes21`). The lookup's `prop21` is
not used: it is the part's share of the 2011 area's land (it equals the `sqkm21` share) and is 2 on merged rows.

How many: North Central London has {NCL_TOTAL} in all, Camden {PUBLISHED['E09000007']}, Islington
{PUBLISHED['E09000019']} and Haringey {PUBLISHED['E09000014']} as published, Barnet and Enfield sharing the rest
in proportion to residents; each North West London borough one per 100,000 residents (rounded), at least 2.
How: the borough's MSOAs in order of bearing round its centre, the ring cut into runs of equal residents
from the starting MSOA that leaves the fewest runs in pieces and the most even sizes; then a border MSOA
moves to the neighbouring group while that evens the sizes and keeps both groups in one piece.

{sizes_table(summary)}

Meant to be {SMALLEST:,}–{LARGEST:,} residents each. Outside that range, kept because it is what the
borough's published count gives (Camden's 5 share about {summary.loc[summary['place_code'] == 'E09000007', 'residents'].sum():,.0f} residents):

{exceptions}
"""


if __name__ == "__main__":
    main()
