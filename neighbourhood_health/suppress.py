"""Small-number suppression (statistical disclosure control), applied in one place.

Counts from 1 to THRESHOLD (default 7) are suppressed; so is every figure derived from them
(value and interval), because a rate and its denominator give the count back. Zero is shown: it
discloses nothing about an individual.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

THRESHOLD = 7
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
