"""Disclosure control: the one rule that makes small counts safe to publish, however they are combined.

The rule (docs/privacy.md says why):

1. Counts are protected once, at a **base grain** (a small area × month for measures, a
   neighbourhood × category for residents' breakdowns, a neighbourhood × table cell for
   cohorts): 0 stays 0; every other count goes up or down to a multiple of ROUND_TO at random,
   up with chance equal to its distance from the multiple below (2 becomes 0 with chance 3/5
   and 5 with chance 2/5), so sums of protected counts are right on average (unbiased random
   rounding). The chance comes from a keyed hash of the cell (`unit`), so the same cell always
   gets the same protected value, on every page and after every rebuild, and nobody without the
   key can tell which way a cell went. Counts of 1 to THRESHOLD are *hidden counts*.
2. Every figure shown to a viewer who may not see exact counts is a **sum of protected base
   cells**: a neighbourhood's month is its small areas' protected months summed, its year their
   months, a place its neighbourhoods, a decile its small areas. Subtracting one shown figure
   from another therefore gives a sum of protected cells, never a hidden count: a hidden cell
   is 0, 5 or 10 whatever its value, which places it among 1–4, 1–7 or 6–7 at most. Residents'
   breakdowns (sex, age band, ethnic group) are a second base that adds up to the same total
   as the small areas; the build checks every neighbourhood's against its small areas and
   redraws (or withholds) any that would pin a hidden count (`pipeline.protect`).
3. A figure is shown as SUPPRESSED when its protected value could be a hidden count: it is 5, or
   it is 0 although a hidden cell is in it (`shown_hidden`). Rates, intervals, SPC and every
   sentence are computed from the protected counts.

Exact figures go only to a role that may see them (an INT lead) for the neighbourhoods it covers
(`exact_areas`); the readers put both through the same queries.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

THRESHOLD = 7
ROUND_TO = 5
#: The counts that are hidden, as every page, export and caption names them.
HIDDEN_RANGE = f"1–{THRESHOLD}"
SUPPRESSED = "*"
#: What every page, the pack and the exports say about the figures an aggregate-only viewer sees.
LEGEND = (f"Counts are rounded up or down to a multiple of {ROUND_TO} at random (right on average); "
          f"a count that could be {HIDDEN_RANGE} is shown as {SUPPRESSED}; totals add up the rounded counts.")
KEY_FILE = "privacy.key"


# --- the key --------------------------------------------------------------------------------

def key(data_dir: Path) -> str:
    """The secret that decides which way each hidden cell is rounded; made once per data folder.

    Kept beside the extracts and marts (never inside the marts, which are swapped on each build),
    readable by the server's user only. A new key would re-round every cell, so it is kept.
    """
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
    return path.read_text().strip()


def unit(secret: str, cell: str) -> float:
    """A number in [0, 1) fixed by the key and the cell's name: the MD5 of "key|cell", as the
    build's SQL computes it (`md5_number_lower`), so both sides round a cell the same way.
    Without the 256-bit key nobody can compute it, so nobody can tell which way a cell went."""
    digest = hashlib.md5(f"{secret}|{cell}".encode()).digest()
    return int.from_bytes(digest[8:], "little") / 2.0 ** 64


# --- the rule on one cell ---------------------------------------------------------------------

def is_small(counts) -> np.ndarray:
    values = pd.to_numeric(pd.Series(counts), errors="coerce").to_numpy(dtype=float)
    return (values > 0) & (values <= THRESHOLD)


def protect(counts, units) -> np.ndarray:
    """Base cells' protected values: 0 stays 0; any other count goes to one of the two multiples of
    ROUND_TO around it, the upper with chance equal to its distance from the lower (decided by
    `units`), so a protected count is the true one on average and within ROUND_TO − 1 of it."""
    n = pd.to_numeric(pd.Series(counts), errors="coerce").to_numpy(dtype=float)
    u = np.asarray(units, dtype=float)
    low = np.floor(n / ROUND_TO)
    out = np.where(n <= 0, 0.0, ROUND_TO * (low + (u < n / ROUND_TO - low)))
    return np.where(np.isnan(n), np.nan, out)


def shown_hidden(protected, any_small) -> np.ndarray:
    """Whether a figure (a sum of protected cells) is shown as SUPPRESSED: a hidden cell is in it
    and its protected value is 0 or 5, so it could itself be a count of 1–THRESHOLD. Exact figures
    come with `any_small` False and are never hidden."""
    p = pd.to_numeric(pd.Series(protected), errors="coerce").to_numpy(dtype=float)
    small = pd.Series(any_small).fillna(False).to_numpy(dtype=bool)
    return small & ~(p >= THRESHOLD + 0.5)


def hide(frame: pd.DataFrame, numerator: str = "numerator", denominator: str = "denominator",
         derived: tuple[str, ...] = ("value", "lower", "upper")) -> pd.DataFrame:
    """Rows as a viewer may see them: where the numerator or denominator could be a hidden count,
    the numerator and the `derived` figures are blanked, and so is a denominator that could itself
    be one (a rate's denominator is a count of people too). Adds `suppressed` so pages can say why.

    `frame` comes from a query of `queries/app/`, which gives each figure's `<column>_small`."""
    out = frame.copy()
    hidden = shown_hidden(out[numerator], out[f"{numerator}_small"])
    if denominator in out:
        small_denominator = shown_hidden(out[denominator], out[f"{denominator}_small"])
        hidden |= small_denominator
        out[denominator] = out[denominator].astype(float).mask(small_denominator)
    out["suppressed"] = hidden
    for col in (numerator, *[c for c in derived if c in out.columns]):
        out[col] = out[col].astype(float).mask(hidden)
    return out


def for_viewer(run, exact: list[str]):
    """A query runner that binds `exact_areas` (see `exact_areas`) to every query, whatever the caller passes."""
    exact = list(exact)

    def protected_run(name: str, **params):
        return run(name, **{**params, "exact_areas": exact})
    return protected_run


# --- who sees exact figures --------------------------------------------------------------------

def exact_areas(user, synthetic: bool) -> list[str]:
    """The neighbourhoods whose exact figures this viewer may see: an INT lead's own, none otherwise.

    In demo mode (a role switcher instead of sign-in) only on the synthetic demo data."""
    if user is None:
        return []
    role = user.role_info
    if role.aggregate_only or (user.demo and not synthetic):
        return []
    return sorted(user.areas)


# --- tables counted at read time (cohorts) ------------------------------------------------------

TOTAL = "Total"


def protect_table(counts: pd.DataFrame, secret: str, prefix: str, total: str = TOTAL) -> pd.DataFrame:
    """A table of base cells (rows × columns) protected cell by cell, with row and column totals
    that are sums of the protected cells; NaN where a figure could be a hidden count.

    Each cell's key is `prefix|row|column`, so the same cell of the same definition always gets
    the same protected value, in whichever table (an ICB's, a place's) it appears."""
    cells = counts.astype(float)
    stacked = cells.stack()
    protected = pd.Series(protect(stacked.to_numpy(), [unit(secret, f"{prefix}|{r}|{c}") for r, c in stacked.index]),
                          index=stacked.index).unstack().reindex(index=cells.index, columns=cells.columns)
    small = pd.DataFrame(is_small(stacked.to_numpy()), index=stacked.index).iloc[:, 0].unstack() \
        .reindex(index=cells.index, columns=cells.columns).fillna(False).astype(bool)
    table, flags = with_totals(protected, total), _flags_with_totals(small, total)
    hidden = shown_hidden(table.to_numpy().ravel(), flags.to_numpy().ravel()).reshape(table.shape)
    return table.mask(hidden)


def with_totals(counts: pd.DataFrame, total: str = TOTAL) -> pd.DataFrame:
    """The table with a total column on the right and a total row at the bottom."""
    out = counts.astype(float).copy()
    out[total] = out.sum(axis=1)
    out.loc[total] = out.sum(axis=0)
    return out


def _flags_with_totals(small: pd.DataFrame, total: str) -> pd.DataFrame:
    out = small.copy()
    out[total] = out.any(axis=1)
    out.loc[total] = out.any(axis=0)
    return out


def protect_series(frame: pd.DataFrame, cell: list[str], by: list[str], value: str, secret: str,
                   prefix: str) -> pd.DataFrame:
    """Base cells (one row each, named by the `cell` columns) protected and summed `by` the given
    columns; `value` is NaN where the sum could be a hidden count. For a monthly series of a
    place: its neighbourhoods' protected months, summed."""
    names = frame[cell].astype(str).agg("|".join, axis=1)
    out = frame.assign(**{value: protect(frame[value].to_numpy(), [unit(secret, f"{prefix}|{n}") for n in names]),
                          "_small": is_small(frame[value])})
    summed = out.groupby(by, sort=False).agg(**{value: (value, "sum"), "_small": ("_small", "any")}).reset_index()
    summed[value] = summed[value].mask(shown_hidden(summed[value], summed["_small"]))
    return summed.drop(columns="_small")
