"""A small dataset on real geography, made as an analyst would from the public files in
../shared/reference: `import-geo` on the ONS LSOA 2021 boundaries of Camden and Islington (one ICB),
clipped to a neighbourhood lookup drawn from the ONS LSOA → MSOA → LAD hierarchy, with IMD 2019
carried from LSOA 2011 codes; synthetic residents living in those LSOAs; built marts.

Shared by the AppTest run of every page (test_real_geography_pages.py) and its browser twin
(e2e/test_real_geography.py), so that both render the same data.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from conftest import reference_dir
from reference import SKIP_REASON
from neighbourhood_health.config import Settings, settings

REF = reference_dir()
BOUNDARIES = "boundaries/london_2021_census_shapefiles/london-2021-lsoa-gen20.shp"
HIERARCHY = "lookups/lsoa21_msoa21_lad22_london_from_dbf.csv"
CHANGES = "lookups/lsoa11_to_lsoa21_london_exactfit.csv"
FILE_2 = "imd2019/File_2_-_IoD2019_Domains_of_Deprivation_London.csv"
BOROUGHS = ("E09000007", "E09000019")            # Camden and Islington
ICB = ("X54000001", "North Central London")     # a synthetic code for their real ICB (as in ICBS)
# Small enough to build in seconds, large enough that most figures survive protection.
RESIDENTS_PER_AREA = 60


def missing() -> str | None:
    """Why the dataset cannot be built here, or None when the reference files are present."""
    if REF is None:
        return SKIP_REASON
    absent = [name for name in (BOUNDARIES, HIERARCHY, CHANGES, FILE_2) if not (REF / name).exists()]
    return f"reference data incomplete: {', '.join(absent)} not found in {REF}" if absent else None


# London's five integrated care boards, by borough code (synthetic X54 codes, real groupings).
ICBS = {
    ("X54000001", "North Central London"): [3, 7, 10, 14, 19],
    ("X54000002", "North West London"): [5, 9, 13, 15, 17, 18, 20, 33],
    ("X54000003", "North East London"): [1, 2, 12, 16, 25, 26, 30, 31],
    ("X54000004", "South East London"): [4, 6, 11, 22, 23, 28],
    ("X54000005", "South West London"): [8, 21, 24, 27, 29, 32],
}


def neighbourhood_lookup(boroughs=None, per_borough: int = 3) -> pd.DataFrame:
    """LSOA21 → neighbourhood (each borough's MSOAs, in code order, cut into `per_borough` runs) →
    place (the borough, LAD22) → ICB (ICBS), for `boroughs` or all of London."""
    lsoas = pd.read_csv(REF / HIERARCHY, dtype=str)
    if boroughs:
        lsoas = lsoas[lsoas["LAD22CD"].isin(boroughs)]
    msoas = lsoas.drop_duplicates("MSOA21CD").sort_values("MSOA21CD")
    in_borough = msoas.groupby("LAD22CD")["MSOA21CD"]
    msoas["run"] = msoas.groupby("LAD22CD").cumcount() * per_borough // in_borough.transform("size")
    key = msoas["LAD22CD"] + "/" + msoas["run"].astype(str)
    msoas["neighbourhood_code"] = [f"X70{n + 1:06d}" for n in pd.factorize(key)[0]]
    msoas["neighbourhood_name"] = msoas["LAD22NM"] + " neighbourhood " + (msoas["run"] + 1).astype(str)
    out = lsoas.merge(msoas[["MSOA21CD", "neighbourhood_code", "neighbourhood_name"]], on="MSOA21CD")
    icb_of = {f"E09{n:06d}": icb for icb, members in ICBS.items() for n in members}
    return pd.DataFrame({"LSOA21CD": out["LSOA21CD"], "neighbourhood_code": out["neighbourhood_code"],
                         "neighbourhood_name": out["neighbourhood_name"], "place_code": out["LAD22CD"],
                         "place_name": out["LAD22NM"], "icb_code": out["LAD22CD"].map(lambda c: icb_of[c][0]),
                         "icb_name": out["LAD22CD"].map(lambda c: icb_of[c][1])})


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str


@dataclass(frozen=True)
class RealGeography:
    cfg: Settings
    icb: Area
    place: Area
    neighbourhood: Area   # in `place`

    @property
    def areas(self) -> tuple[Area, Area, Area]:
        return self.icb, self.place, self.neighbourhood

    @property
    def env(self) -> dict[str, str]:
        """The environment that points the app at this dataset."""
        return {"NHD_DATA_DIR": str(self.cfg.data_dir), "NHD_GEO_DIR": str(self.cfg.geo_dir), "NHD_AUTO_DEMO": "0"}


def build(root: Path, residents_per_area: int = RESIDENTS_PER_AREA) -> RealGeography:
    """Import the geography with the command line, generate residents on it and build the marts in root."""
    from neighbourhood_health.__main__ import main as cli
    from neighbourhood_health.pipeline.build import build_marts
    from neighbourhood_health.pipeline.demo.on_geography import generate_on_geography
    from neighbourhood_health.store import Database
    neighbourhood_lookup(BOROUGHS).to_csv(root / "lookup.csv", index=False)
    code = cli(["import-geo", "--boundaries", str(REF / BOUNDARIES), "--lookup", str(root / "lookup.csv"),
                "--deprivation", str(REF / FILE_2), "--lsoa11-to-21", str(REF / CHANGES), "--clip-to-lookup",
                "--out", str(root / "geo")])
    assert code == 0, "import-geo failed (its message is in the captured stderr)"
    cfg = dataclasses.replace(settings(), data_dir=root / "data", geo_dir=root / "geo", auto_demo=False)
    generate_on_geography(cfg.geo_dir, cfg.extracts_dir, residents_per_area=residents_per_area)
    build_marts(cfg)
    tree = Database(cfg.marts_dir, cfg.extracts_dir).run("app/areas").set_index("area_code")
    place = tree.loc[BOROUGHS[0]]
    neighbourhood = tree[tree.parent_code == BOROUGHS[0]].sort_index().iloc[0]
    return RealGeography(cfg, Area(ICB[0], tree.loc[ICB[0], "area_name"], "icb"),
                         Area(BOROUGHS[0], place["area_name"], "place"),
                         Area(neighbourhood.name, neighbourhood["area_name"], "neighbourhood"))
