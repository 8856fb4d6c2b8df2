"""Small-number suppression (statistical disclosure control), applied in one place.

Counts from 1 to THRESHOLD (default 7) are suppressed; so is every figure derived from them
(value and interval), because a rate and its denominator give the count back. Zero is shown: it
discloses nothing about an individual.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

THRESHOLD = 7
#: The counts that are hidden, as every page, export and caption names them.
HIDDEN_RANGE = f"1–{THRESHOLD}"
SUPPRESSED = "*"


def is_small(counts) -> np.ndarray:
    values = pd.to_numeric(pd.Series(counts), errors="coerce").to_numpy()
    return (values >= 1) & (values <= THRESHOLD)


def suppress_measure_rows(frame: pd.DataFrame, numerator: str = "numerator",
                          derived: tuple[str, ...] = ("value", "lower", "upper")) -> pd.DataFrame:
    """Blank the numerator and derived figures of rows whose numerator is 1–THRESHOLD.

    Adds a boolean `suppressed` column so pages can say why a figure is missing.
    """
    out = frame.copy()
    small = is_small(out[numerator])
    out["suppressed"] = small
    for col in (numerator, *[c for c in derived if c in out.columns]):
        out[col] = out[col].astype(float).mask(small)
    return out


# --- Tables of counts with totals: primary and secondary suppression, optional rounding ---------
#
# Every aggregate shown to an aggregate-only role, and every export, passes through `protect_table`
# (a cross-tabulation with its totals) or `protect_counts` (counts that do not add up to anything
# shown). Hidden cells are NaN; pages show them as SUPPRESSED.

TOTAL = "Total"


def protect_counts(counts, round_to: int = 0) -> pd.Series:
    """Primary suppression of counts that are not summed anywhere shown (a monthly series).

    Counts 1–THRESHOLD become NaN; the rest are rounded to the nearest `round_to` when it is above 1.
    """
    values = pd.Series(counts, dtype=float)
    return round_counts(values.mask(is_small(values)), round_to)


def round_counts(values, round_to: int = 0):
    """Round to the nearest `round_to` (halves up); 0 or 1 leaves counts as they are. NaN stays NaN."""
    if not round_to or round_to <= 1:
        return values
    return np.floor(values / round_to + 0.5) * round_to


def with_totals(counts: pd.DataFrame, total: str = TOTAL) -> pd.DataFrame:
    """The table with a total column on the right and a total row at the bottom."""
    out = counts.astype(float).copy()
    out[total] = out.sum(axis=1)
    out.loc[total] = out.sum(axis=0)
    return out


def protect_table(counts: pd.DataFrame, round_to: int = 0, total: str = TOTAL) -> pd.DataFrame:
    """Add row and column totals, then hide what could disclose a count of 1–THRESHOLD.

    Primary: cells and totals of 1–THRESHOLD are hidden. Secondary: each row and each column,
    totals included, is an equation (cells add up to the total), so a row or column with exactly
    one hidden figure would give it back by subtraction; the next smallest figure there is hidden
    too (a non-zero one if there is one), repeatedly until no row or column has exactly one.
    That rule alone can leave a hidden cell that a combination of rows and columns still pins
    down (a "bridge" between two blocks of hidden cells), so the pattern is then checked with
    linear algebra and widened until no hidden cell is determined by the published figures.
    Rounding (`round_to`) is applied last, to the figures left visible.
    """
    full = with_totals(counts, total)
    hidden = secondary_suppression(full.to_numpy(), is_small(full.to_numpy().ravel()).reshape(full.shape))
    return round_counts(full.mask(hidden), round_to)


def secondary_suppression(values: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """The hidden pattern widened so that no hidden figure can be worked out from the others.

    `values` is a table whose last row and last column are totals of the others.
    """
    values = np.asarray(values, dtype=float)
    hidden = np.array(hidden, dtype=bool)
    while True:
        _one_per_group_fixed_point(values, hidden)
        determined = determined_cells(values.shape, hidden)
        if not determined.any():
            return hidden
        _hide_companion(values, hidden, tuple(np.argwhere(determined)[0]))


def _one_per_group_fixed_point(values: np.ndarray, hidden: np.ndarray) -> None:
    changed = True
    while changed:
        changed = False
        for axis in (0, 1):
            for i in range(values.shape[axis]):
                group = hidden[i, :] if axis == 0 else hidden[:, i]
                if group.sum() == 1:
                    line = values[i, :] if axis == 0 else values[:, i]
                    j = _next_smallest(line, group)
                    if axis == 0:
                        hidden[i, j] = True
                    else:
                        hidden[j, i] = True
                    changed = True


def _next_smallest(line: np.ndarray, hidden_in_line: np.ndarray) -> int:
    """Index of the smallest visible figure, preferring non-zero ones (a hidden zero protects less)."""
    visible = np.flatnonzero(~hidden_in_line)
    nonzero = visible[line[visible] != 0]
    pool = nonzero if nonzero.size else visible
    return int(pool[np.argmin(line[pool])])


def _hide_companion(values: np.ndarray, hidden: np.ndarray, cell: tuple[int, int]) -> None:
    """Hide one more figure beside a determined cell: in its row, else its column, else anywhere."""
    i, j = cell
    for line, mask, place in ((values[i, :], hidden[i, :], lambda k: (i, k)),
                              (values[:, j], hidden[:, j], lambda k: (k, j))):
        if not mask.all():
            hidden[place(_next_smallest(line, mask))] = True
            return
    flat = np.flatnonzero(~hidden.ravel())
    hidden.flat[flat[np.argmin(values.ravel()[flat])]] = True


def determined_cells(shape: tuple[int, int], hidden: np.ndarray) -> np.ndarray:
    """Hidden cells whose value follows exactly from the visible figures and the additive structure.

    Unknowns are the hidden cells; each row and column (totals included) gives one linear
    equation. A hidden cell is determined exactly when its unit vector lies in the row space of
    the equations, i.e. every vector of the null space is zero there.
    """
    rows, cols = shape
    cells = np.argwhere(hidden)
    out = np.zeros(shape, dtype=bool)
    if len(cells) == 0:
        return out
    index = {tuple(c): k for k, c in enumerate(cells)}
    equations = []
    for i in range(rows):
        equations.append([(i, j) for j in range(cols)])
    for j in range(cols):
        equations.append([(i, j) for i in range(rows)])
    a = np.zeros((len(equations), len(cells)))
    for e, members in enumerate(equations):
        *parts, total = members  # parts add up to the total: sum(parts) - total = 0
        for cell in parts:
            if cell in index:
                a[e, index[cell]] = 1.0
        if total in index:
            a[e, index[total]] = -1.0
    a = a[np.abs(a).sum(axis=1) > 0]
    if len(a) == 0:
        return out
    _, s, vt = np.linalg.svd(a)
    rank = int((s > 1e-9 * max(1.0, s.max())).sum())
    null = vt[rank:]
    fixed = np.abs(null).max(axis=0) < 1e-9 if len(null) else np.ones(len(cells), dtype=bool)
    for k, cell in enumerate(cells):
        out[tuple(cell)] = fixed[k]
    return out
