"""Carrying LSOA 2011 data onto LSOA 2021 areas through the ONS LSOA (2011) to LSOA (2021) lookup.

IMD 2019 is published on LSOA 2011 codes while current boundaries use LSOA 2021. Deprivation (and an
area lookup keyed by 2011 codes) is carried over: unchanged (U) is copied; every part of a split (S)
2011 area inherits its value; a merged (M) or complex (X) 2021 area takes the population-weighted mean
(2011 residents when the lookup has them, else a plain mean) of its 2011 areas' scores and ranks, and
its decile is derived again - from the mean national rank when ranks are given (decile = ceil(rank /
3,284.4)), else from the mean score placed on the input's own score-to-decile cut points, else the
rounded mean decile (halves towards the more deprived decile).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from neighbourhood_health.pipeline.geo_import.reading import ENGLAND_LSOA11, find_column, number, read_csv
from neighbourhood_health.pipeline.geo_import.report import GeoImportError, ImportReport, examples, problem

KINDS = "USMX"   # ONS CHGIND: unchanged, split, merged, complex (in order of complexity)
KIND_TEXT = {"U": "{n:,} unchanged (copied)",
             "S": "{n:,} parts of {old:,} split 2011 areas (each inherits its 2011 value)",
             "M": "{n:,} merged from {old:,} 2011 areas ({mean})",
             "X": "{n:,} complex changes involving {old:,} 2011 areas ({mean})"}
CHANGE = {"lsoa11": [r"f?lsoa11cd"], "lsoa21": [r"lsoa21cd"], "lsoa21_name": [r"lsoa21nm"],
          "kind": [r"chgind", r"changeindicator"],
          "weight": [r"totalres11", r"(usual)?res(idents)?(20)?11", r"pop(ulation)?(20)?11", r"population"]}


@dataclass
class LsoaChanges:
    path: Path
    rows: pd.DataFrame   # lsoa11, lsoa21, lsoa21_name, kind (U/S/M/X), weight
    weighted: bool       # the lookup gives 2011 populations (else merged areas take a plain mean)

    @classmethod
    def read(cls, path: Path) -> "LsoaChanges":
        path = Path(path)
        table = read_csv(path)
        names = {key: find_column(table.columns, patterns) for key, patterns in CHANGE.items()}
        for key in ("lsoa11", "lsoa21", "kind"):
            if names[key] is None:
                raise GeoImportError(f"{path.name}: not an LSOA 2011 to 2021 lookup: no {key.upper()} column"
                                     f" (expected LSOA11CD, LSOA21CD and CHGIND; columns are:"
                                     f" {', '.join(map(str, table.columns))})")
        rows = pd.DataFrame({"lsoa11": table[names["lsoa11"]], "lsoa21": table[names["lsoa21"]],
                             "lsoa21_name": table[names["lsoa21_name"]] if names["lsoa21_name"] else "",
                             "kind": table[names["kind"]].str.upper(),
                             "weight": number(table[names["weight"]]) if names["weight"] else 1.0})
        odd = rows.loc[~rows["kind"].isin(list(KINDS)), "kind"]
        if len(odd):
            raise GeoImportError(problem(path, names["kind"], "change indicators not U, S, M or X", set(odd)))
        rows["weight"] = rows["weight"].where(rows["weight"] > 0, 1.0)
        return cls(path, rows.drop_duplicates(["lsoa11", "lsoa21"]), names["weight"] is not None)

    @property
    def old_only(self) -> set[str]:
        return set(self.rows["lsoa11"]) - set(self.rows["lsoa21"])

    @property
    def new_only(self) -> set[str]:
        return set(self.rows["lsoa21"]) - set(self.rows["lsoa11"])

    def check_not_mixed(self, codes: set[str], path: Path, column: str) -> bool:
        """True when `codes` are LSOA 2011 codes (some not valid in 2021); an error when they mix both."""
        old, new = codes & self.old_only, codes & self.new_only
        if old and new:
            raise GeoImportError(problem(path, column, f"mixes LSOA 2011 and LSOA 2021 codes: {len(old):,} are"
                                         f" 2011-only (e.g. {examples(old)}) and {len(new):,} 2021-only"
                                         f" (e.g. {examples(new)}); use one vintage"))
        return bool(old)

    def joined(self, table: pd.DataFrame) -> pd.DataFrame:
        """`table` (keyed by small_area_code, 2011) joined to its 2021 areas, with each 2021 area's kind."""
        order = list(KINDS)   # a 2021 area takes the most complex kind among its rows
        joined = self.rows.merge(table, left_on="lsoa11", right_on="small_area_code")
        parents = self.rows.groupby("lsoa21").size()
        worst = joined["kind"].map(order.index).groupby(joined["lsoa21"]).transform("max")
        joined["kind"] = worst.map(dict(enumerate(order)))
        joined["incomplete"] = joined.groupby("lsoa21")["lsoa11"].transform("size") < joined["lsoa21"].map(parents)
        return joined

    def note(self, joined: pd.DataFrame, what: str) -> tuple[dict[str, int], str]:
        areas = joined.drop_duplicates("lsoa21")
        counts = {k: int(n) for k, n in areas["kind"].value_counts().items()}
        old = joined.groupby("kind")["lsoa11"].nunique()
        mean = "mean weighted by 2011 residents" if self.weighted else "plain mean: the lookup gives no populations"
        parts = [KIND_TEXT[k].format(n=counts[k], old=old[k], mean=mean) for k in KINDS if counts.get(k)]
        incomplete = set(areas.loc[areas["incomplete"], "lsoa21"])
        tail = (f"; {len(incomplete):,} 2021 areas lack some of their 2011 areas and use those present"
                f" (e.g. {examples(incomplete)})" if incomplete else "")
        return counts, f"{what} carried from LSOA 2011 to 2021 through {self.path.name}: " + "; ".join(parts) + tail


def lookup_to_2021(lookup: pd.DataFrame, changes: LsoaChanges, path: Path, column: str,
                   notes: list[str]) -> pd.DataFrame:
    """A lookup keyed by LSOA 2011 codes, moved onto 2021 codes; merged areas must agree."""
    joined = changes.joined(lookup)
    split = joined.groupby("lsoa21")["neighbourhood_code"].nunique()
    if (split > 1).any():
        raise GeoImportError(problem(path, column, "LSOA 2021 areas formed from 2011 areas in different"
                                     " neighbourhoods", set(split[split > 1].index),
                                     "assign them to one neighbourhood in the lookup"))
    moved = joined.drop_duplicates("lsoa21").assign(small_area_code=lambda f: f["lsoa21"],
                                                    small_area_name=lambda f: f["lsoa21_name"])
    notes.append(changes.note(joined, f"{path.name}: the area lookup")[1])
    unknown = lookup[~lookup["small_area_code"].isin(changes.rows["lsoa11"])]
    return pd.concat([moved[lookup.columns], unknown], ignore_index=True)


def _derived_decile(values: pd.DataFrame, merged: pd.DataFrame) -> tuple[pd.Series, str]:
    """Deciles of merged 2021 areas, from (in order of preference) mean rank, mean score, mean decile."""
    if merged["imd_rank"].notna().all():
        return np.ceil(merged["imd_rank"] / (ENGLAND_LSOA11 / 10)).clip(1, 10), "the mean national rank"
    if merged["imd_score"].notna().all() and values["imd_score"].notna().all():
        cuts = values.groupby("imd_decile")["imd_score"].min().sort_index()   # decile 1 has the highest scores
        above = merged["imd_score"].to_numpy()[:, None] >= cuts.to_numpy()[None, :]
        decile = np.where(above.any(axis=1), cuts.index.to_numpy()[above.argmax(axis=1)], cuts.index.max())
        return pd.Series(decile, index=merged.index), "the mean score on the input's score-to-decile cut points"
    return np.ceil(merged["imd_decile"] - 0.5), "the rounded mean decile"


def deprivation_to_2021(values: pd.DataFrame, changes: LsoaChanges, path: Path,
                        report: ImportReport) -> pd.DataFrame:
    """Carry 2011 deprivation onto 2021 areas (rule in the module docstring); report each kind."""
    joined = changes.joined(values)
    report.unmapped = sorted(set(values["small_area_code"]) - set(changes.rows["lsoa11"]))
    groups = joined.groupby("lsoa21")
    weight = joined["weight"]
    first = groups[["imd_score", "imd_rank", "imd_decile"]].first()
    out = first.copy()
    several = groups.size() > 1
    if several.any():
        mean = (joined[["imd_score", "imd_rank", "imd_decile"]].mul(weight, axis=0).groupby(joined["lsoa21"]).sum(min_count=1)
                .div(weight.groupby(joined["lsoa21"]).sum(), axis=0))[several]
        decile, how = _derived_decile(values, mean)
        out.loc[several, ["imd_score", "imd_rank"]] = mean[["imd_score", "imd_rank"]]
        out.loc[several, "imd_decile"] = decile
    report.lsoa_changes, note = changes.note(joined, f"{path.name}: deprivation")
    report.notes.append(note + (f"; deciles of merged areas derived again from {how}" if several.any() else ""))
    report.notes.append(f"{len(report.unmapped):,} codes of {path.name} are not in {changes.path.name} and could"
                        f" not be mapped" + (f" (e.g. {examples(report.unmapped)})" if report.unmapped else ""))
    return out.rename_axis("small_area_code").reset_index()
