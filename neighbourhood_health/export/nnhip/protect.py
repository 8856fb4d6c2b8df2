"""A submission's exact figures made into protected ones, by the project's one rule (docs/privacy.md).

Each metric row (and the cohort) is a table of base cells: its age groups, ethnic groups and
deprivation quintiles, each protected by `privacy.disclosure.protect` with the data folder's key.
The Total is the sum of the protected age groups, so every figure written is a sum of protected
base cells. The three breakdowns are three bases that add up to one true total: as the build
does for residents' breakdowns (`queries/build/protect/pinned_breakdowns.sql`), a row whose cells
would let someone told every protected value and which cells are hidden pin a hidden count is
drawn again with the next nonce.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from neighbourhood_health.pipeline.protect import ATTEMPTS
from neighbourhood_health.privacy import disclosure

from .layout import BREAKDOWNS, TOTAL

BASES = BREAKDOWNS[1:]
BASIS_OF_TOTAL = "Age Group"


def protect_figures(figures: pd.DataFrame, secret: str, prefix: str) -> pd.DataFrame:
    """`figures` (exact, one cohort per column) with protected counts and cohort; cells are keyed
    `prefix|row_key|breakdown|category|nonce` (the cohort's row key is "cohort")."""
    out = figures.copy()
    for row_key, rows in figures.groupby("row_key", sort=False):
        out.loc[rows.index, "count"] = _protect_row(rows, "count", secret, f"{prefix}|{row_key}")
    cohort = figures.drop_duplicates(["breakdown", "category"])
    protected = _protect_row(cohort, "cohort", secret, f"{prefix}|cohort")
    lookup = dict(zip(zip(cohort["breakdown"], cohort["category"]), protected))
    out["cohort"] = [lookup[(b, c)] for b, c in zip(out["breakdown"], out["category"])]
    return out.astype({"count": "int64", "cohort": "int64"})


def is_protected(values) -> bool:
    """Whether counts could be protected figures: sums of protected cells are multiples of ROUND_TO."""
    return bool((np.asarray(values, dtype="int64") % disclosure.ROUND_TO == 0).all())


def _protect_row(rows: pd.DataFrame, value: str, secret: str, name: str) -> list[int]:
    base = rows[rows["breakdown"] != TOTAL]
    exact = base[value].to_numpy(dtype=float)
    for nonce in range(ATTEMPTS):
        units = [disclosure.unit(secret, f"{name}|{b}|{c}|{nonce}") for b, c in zip(base["breakdown"], base["category"])]
        protected = disclosure.protect(exact, units)
        if not pinned(base["breakdown"].to_numpy(), exact, protected):
            break
    else:
        raise ValueError(f"{name}: after {ATTEMPTS} draws a hidden count could still be pinned from the "
                         f"protected breakdowns; this row cannot be submitted with protected figures")
    cells = pd.Series(protected, index=base.index)
    total = cells[base["breakdown"] == BASIS_OF_TOTAL].sum()
    return [int(total) if b == TOTAL else int(cells[i]) for i, b in zip(rows.index, rows["breakdown"])]


def pinned(sides, exact, protected) -> bool:
    """Whether someone told each base cell's protected value and whether it is hidden could work
    out a hidden count from the fact that every side adds up to the same total."""
    small = disclosure.is_small(exact)
    r = np.asarray(protected, dtype=float)
    span = disclosure.ROUND_TO - 1
    lo = np.where(small, np.maximum(1, r - span), np.where(r == 0, 0, np.maximum(disclosure.THRESHOLD + 1, r - span)))
    hi = np.where(small, np.minimum(disclosure.THRESHOLD, r + span), np.where(r == 0, 0, r + span))
    frame = pd.DataFrame({"side": sides, "lo": lo, "hi": hi, "small": small})
    totals = frame.groupby("side")[["lo", "hi"]].sum()
    t_lo, t_hi = totals["lo"].max(), totals["hi"].min()
    side_lo, side_hi = frame["side"].map(totals["lo"]), frame["side"].map(totals["hi"])
    cell_lo = np.maximum(frame["lo"], t_lo - (side_hi - frame["hi"]))
    cell_hi = np.minimum(frame["hi"], t_hi - (side_lo - frame["lo"]))
    return any(s and math.ceil(a - 1e-9) >= math.floor(b + 1e-9) for s, a, b in zip(frame["small"], cell_lo, cell_hi))
