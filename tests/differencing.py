"""A differencing attack on the published figures, as a curious viewer with a spreadsheet would try it.

Two attackers, both given the truth's structure (which cells add up to which figure):

- `pinned_by_protected_rule`: against the protection now in place (`privacy.disclosure`), and made
  stronger than any real viewer: it is told every base cell's protected value and whether the cell
  is a hidden count, as if every small area's every month were published, and it knows the exact
  relations between the bases (a neighbourhood's year is the sum of its small areas' months, and
  also of its residents' age bands, sexes and ethnic groups; a denominator that is the whole
  registered population is published exactly). Each (measure, neighbourhood) is one system of
  interval-bounded integers whose sides add up to one total, so the bounds it computes for every
  hidden cell are exact, not an approximation. It is written apart from the build's own check
  (queries/build/protect/pinned_breakdowns.sql), so each checks the other.
- `pinned_by_primary_suppression`: against the rule before this change (counts of 1–7 hidden where
  they are shown, everything else exact), at the grains the pages show for one place: small-area
  and neighbourhood years, neighbourhood and place months, deciles, quintiles and breakdowns by
  residents' sex, age band and ethnic group. Linear programming (HiGHS) bounds each hidden figure;
  the LP relaxation is weaker than the attacker's integer reasoning, so its count is a lower bound.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack

from neighbourhood_health.privacy.disclosure import ROUND_TO, THRESHOLD

PEOPLE_DIMENSIONS = ("sex", "age_band", "ethnicity")


def _con(marts: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    marts = Path(marts)
    con.sql("SELECT * FROM read_parquet($path, hive_partitioning = true)",
            params={"path": str(marts / "measure_values.parquet" / "**" / "*.parquet")}).create_view("measure_values")
    for name in ("small_areas", "breakdown_values", "measures", "areas"):
        con.sql("SELECT * FROM read_parquet($path)", params={"path": str(marts / f"{name}.parquet")}).create_view(name)
    return con


# --- what a protected cell says about its true value ---------------------------------------------

def bounds(protected: np.ndarray, small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The true counts a base cell can hold, given its protected value and whether it is a hidden count.

    Every count but 0 is rounded at random to a neighbouring multiple, so it lies strictly within
    ROUND_TO of the protected value; the flag says whether it is 1–THRESHOLD or not."""
    r = np.asarray(protected, dtype=float)
    s = np.asarray(small, dtype=bool)
    lo = np.where(s, np.maximum(1, r - ROUND_TO + 1), np.where(r == 0, 0, np.maximum(THRESHOLD + 1, r - ROUND_TO + 1)))
    hi = np.where(s, np.minimum(THRESHOLD, r + ROUND_TO - 1), np.where(r == 0, 0, r + ROUND_TO - 1))
    return lo.astype(float), hi.astype(float)


def pinned_cells(part: pd.DataFrame, figure: str, population: pd.Series | None) -> tuple[pd.DataFrame, pd.Series]:
    """Which hidden cells are pinned, system by system (rows: measure_id, neighbourhood_code, side,
    lo, hi, small and the true `figure`). Each side adds up to the system's one total, which lies
    where all sides' ranges meet (or is the published population); a cell's range is its own cut by
    the total less the most and the least the other cells of its side can hold."""
    system = ["measure_id", "neighbourhood_code"]
    sides = part.groupby([*system, "side"])[["lo", "hi"]].transform("sum")
    per_side = part.assign(side_lo=sides["lo"], side_hi=sides["hi"])
    totals = per_side.groupby(system).agg(t_lo=("side_lo", "max"), t_hi=("side_hi", "min"))
    totals = totals.join(part[part["side"] == "area"].groupby(system)[figure].sum().rename("true_total"))
    if population is not None:  # the whole registered population is published
        known = totals["true_total"].to_numpy() == population.reindex(
            totals.index.get_level_values("neighbourhood_code")).to_numpy()
        totals.loc[known, "t_lo"] = totals.loc[known, "t_hi"] = totals.loc[known, "true_total"]
    per_side = per_side.join(totals[["t_lo", "t_hi"]], on=system)
    lo = np.maximum(per_side["lo"], per_side["t_lo"] - (per_side["side_hi"] - per_side["hi"]))
    hi = np.minimum(per_side["hi"], per_side["t_hi"] - (per_side["side_lo"] - per_side["lo"]))
    return per_side, per_side["small"] & (np.ceil(lo - 1e-9) >= np.floor(hi + 1e-9))


def pinned_by_protected_rule(marts: Path) -> pd.DataFrame:
    """Every hidden base cell whose true value the strong attacker can narrow to one number (none, we expect)."""
    con = _con(marts)
    cells = con.sql("""
        WITH latest AS (SELECT measure_id, max(period) AS last_period FROM measure_values GROUP BY measure_id),
        person AS (SELECT DISTINCT measure_id FROM breakdown_values)
        SELECT v.measure_id, s.neighbourhood_code, 'area' AS side, v.area_code || ' ' || CAST(v.period AS VARCHAR) AS cell,
               v.numerator, v.p_numerator, v.denominator, v.p_denominator,
               v.numerator > 0 AND v.numerator <= 7 AS numerator_small,
               v.denominator > 0 AND v.denominator <= 7 AS denominator_small
        FROM measure_values v JOIN latest l USING (measure_id) JOIN small_areas s ON s.small_area_code = v.area_code
        WHERE v.area_level = 'small_area' AND v.period > l.last_period - INTERVAL 12 MONTH
          AND v.measure_id IN (SELECT measure_id FROM person)
        UNION ALL
        SELECT measure_id, neighbourhood_code, dimension, category, numerator, p_numerator, denominator, p_denominator,
               numerator_small, denominator_small
        FROM breakdown_values WHERE dimension IN ('sex', 'age_band', 'ethnicity')
    """).df()
    methods = con.sql("SELECT measure_id, method FROM measures").df().set_index("measure_id")["method"]
    population = con.sql("SELECT area_code, population FROM areas WHERE area_level = 'neighbourhood'").df() \
        .set_index("area_code")["population"]
    found = []
    for figure in ("numerator", "denominator"):
        part = cells.copy()
        if figure == "denominator":  # person-years of rates are exposure, not counts of people
            part = part[part["measure_id"].map(methods).eq("proportion")]
        part["lo"], part["hi"] = bounds(part[f"p_{figure}"], part[f"{figure}_small"])
        part["small"] = part[f"{figure}_small"].astype(bool)
        per_side, pinned = pinned_cells(part, figure, population if figure == "denominator" else None)
        for _, row in per_side[pinned].iterrows():
            found.append({"figure": figure, "measure_id": row["measure_id"], "neighbourhood_code": row["neighbourhood_code"],
                          "cell": f"{row['side']} {row['cell']}", "true": row[figure]})
    return pd.DataFrame(found, columns=["figure", "measure_id", "neighbourhood_code", "cell", "true"])


# --- the rule before: primary suppression only ----------------------------------------------------

def pinned_by_primary_suppression(marts: Path, place_code: str, measure_id: str) -> tuple[int, int, int]:
    """(hidden figures, recovered exactly, wrong) for one measure in one place under primary suppression.

    Unknowns are the true base cells (small area × month, and neighbourhood × people category);
    each figure the pages show is one equation, exact when shown and between 1 and 7 when hidden."""
    con = _con(marts)
    atoms = con.sql("""
        WITH latest AS (SELECT max(period) AS last_period FROM measure_values WHERE measure_id = $m)
        SELECT s.small_area_code, s.neighbourhood_code, s.imd_decile, v.period, v.numerator
        FROM measure_values v CROSS JOIN latest l JOIN small_areas s ON s.small_area_code = v.area_code
        WHERE v.measure_id = $m AND v.area_level = 'small_area' AND s.place_code = $p
          AND v.period > l.last_period - INTERVAL 12 MONTH
    """, params={"m": measure_id, "p": place_code}).df()
    people = con.sql("""
        SELECT b.neighbourhood_code, b.dimension, b.category, b.numerator
        FROM breakdown_values b JOIN small_areas s ON s.neighbourhood_code = b.neighbourhood_code
        WHERE b.measure_id = $m AND s.place_code = $p AND b.dimension IN ('sex', 'age_band', 'ethnicity')
        GROUP BY ALL
    """, params={"m": measure_id, "p": place_code}).df()
    n_a = len(atoms)
    values = np.concatenate([atoms["numerator"].to_numpy(float), people["numerator"].to_numpy(float)])
    figures: list[np.ndarray] = []   # each shown figure: the indices of the unknowns it sums

    def add(frame: pd.DataFrame, keys: list[str], offset: int = 0) -> None:
        for _, index in frame.groupby(keys).indices.items():
            figures.append(np.asarray(index) + offset)

    add(atoms, ["small_area_code"])                       # Map: small areas, latest 12 months
    add(atoms, ["neighbourhood_code"])                    # Overview, Map: neighbourhoods
    figures.append(np.arange(n_a))                        # the place
    add(atoms, ["neighbourhood_code", "period"])          # Trends: the place's neighbourhoods, by month
    add(atoms, ["period"])                                # Trends: the place, by month
    add(atoms, ["neighbourhood_code", "imd_decile"])      # Inequalities: deciles, per neighbourhood
    add(atoms, ["imd_decile"])                            # and for the place
    add(atoms.assign(q=(atoms["imd_decile"] + 1) // 2), ["neighbourhood_code", "q"])
    add(atoms.assign(q=(atoms["imd_decile"] + 1) // 2), ["q"])
    add(people, ["neighbourhood_code", "dimension", "category"], n_a)   # residents' categories
    add(people, ["dimension", "category"], n_a)                         # and the place's
    truth = np.array([values[f].sum() for f in figures])
    hidden = (truth >= 1) & (truth <= THRESHOLD)

    rows, cols, data, lo, hi = [], [], [], [], []
    for k, members in enumerate(figures):
        rows += [k] * len(members)
        cols += list(members)
        data += [1.0] * len(members)
        lo.append(1.0 if hidden[k] else truth[k])
        hi.append(float(THRESHOLD) if hidden[k] else truth[k])
    # every dimension of residents adds up to the neighbourhood's total of small areas
    for neighbourhood, index in people.groupby(["neighbourhood_code", "dimension"]).indices.items():
        k = len(lo)
        area_cells = np.flatnonzero(atoms["neighbourhood_code"].to_numpy() == neighbourhood[0])
        rows += [k] * (len(area_cells) + len(index))
        cols += list(area_cells) + list(np.asarray(index) + n_a)
        data += [1.0] * len(area_cells) + [-1.0] * len(index)
        lo.append(0.0)
        hi.append(0.0)
    a = coo_matrix((data, (rows, cols)), shape=(len(lo), len(values))).tocsr()
    lo, hi = np.array(lo), np.array(hi)
    # a shown 0 forces all its cells to 0: drop them, so each LP is small
    zero = np.zeros(len(values), dtype=bool)
    for k, members in enumerate(figures):
        if not hidden[k] and truth[k] == 0:
            zero[members] = True
    keep = np.flatnonzero(~zero)
    a = a[:, keep]
    a_ub = vstack([a, -a]).tocsr()
    b_ub = np.concatenate([hi, -lo])
    recovered = wrong = 0
    for k in np.flatnonzero(hidden):
        objective = np.zeros(len(keep))
        members = np.searchsorted(keep, figures[k][~zero[figures[k]]])
        objective[members] = 1.0
        low = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        high = linprog(-objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        if low.status != 0 or high.status != 0:
            continue
        least, most = np.ceil(low.fun - 1e-6), np.floor(-high.fun + 1e-6)
        if least == most:
            recovered += 1
            wrong += int(least != truth[k])
    return int(hidden.sum()), recovered, wrong
