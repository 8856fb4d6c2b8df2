"""The protection rule (neighbourhood_health.privacy.disclosure) as tests check a reader against it.

Each base cell's protected value comes from `disclosure.protect` with the key of the data folder
(tests of that function are in test_disclosure.py); what is checked here is what a reader builds
from the cells: every shown figure a sum of protected cells, hidden exactly where some cell in it
is a count of 1–7 and the sum is 0 or 5.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from neighbourhood_health.privacy import disclosure


def secret(db) -> str:
    """The key the build and the readers use: kept beside the marts, in the data folder."""
    return disclosure.key(Path(db.marts_dir).parent)


def protected_cells(raw: pd.DataFrame, key: str, prefix: str) -> pd.DataFrame:
    """Each cell of a rows × columns table of exact counts, protected under `prefix|row|column`."""
    out = raw.astype(float).copy()
    for r in raw.index:
        for c in raw.columns:
            out.loc[r, c] = disclosure.protect([raw.loc[r, c]], [disclosure.unit(key, f"{prefix}|{r}|{c}")])[0]
    return out


def expected_table(raw: pd.DataFrame, key: str, prefix: str, total: str = disclosure.TOTAL) -> pd.DataFrame:
    """The table an aggregate-only viewer should see: protected cells, row and column totals that
    are sums of the protected cells, NaN where a figure's protected value is 0 or 5 and one of its
    cells is a count of 1–7."""
    cells = protected_cells(raw, key, prefix)
    small = (raw >= 1) & (raw <= disclosure.THRESHOLD)
    shown = cells.copy()
    shown[total] = cells.sum(axis=1)
    shown.loc[total] = shown.sum(axis=0)
    flags = small.copy()
    flags[total] = small.any(axis=1)
    flags.loc[total] = flags.any(axis=0)
    return shown.mask(flags.astype(bool) & (shown < 7.5))


def assert_protected_figures(values) -> None:
    """What an aggregate-only viewer sees: multiples of 5 (or hidden), never a count of 1–4 or 6–7."""
    shown = pd.Series(np.asarray(values, dtype=float).ravel()).dropna()
    assert (shown % disclosure.ROUND_TO == 0).all(), f"not sums of protected cells: {sorted(set(shown[shown % 5 != 0]))[:5]}"
