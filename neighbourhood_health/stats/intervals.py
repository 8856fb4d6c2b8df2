"""Crude proportions and rates with their confidence intervals.

Conventions follow the OHID/PHE "Technical Guide: Confidence Intervals" used by
Fingertips and by the PHEindicatormethods R package (implemented here from the
published formulas, not from that package's code).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from neighbourhood_health.stats._common import (add_note, broadcast, check_conf, check_nonnegative, index_from, interval_frame, missing_note, to_array, z_for)

__all__ = [
    "wilson_limits",
    "byars_limits",
    "exact_poisson_limits",
    "poisson_limits",
    "proportion",
    "rate",
]

#: Counts below this use exact Poisson limits; at or above it Byars' approximation.
EXACT_BELOW = 10


def wilson_limits(x: Any, n: Any, conf: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion x/n (on the 0-1 scale).

    Formula (Wilson 1927, in the form given by Newcombe 1998 and the PHE
    technical guide)::

        lower, upper = (2x + z² ∓ z·sqrt(z² + 4x(1 − x/n))) / (2(n + z²))

    Why: unlike the normal ("Wald") interval it stays inside [0, 1] and behaves
    well for small counts and for x = 0 or x = n.  Non-integer x is allowed.
    """
    conf = check_conf(conf)
    x, n = broadcast([to_array(x, "x"), to_array(n, "n")], ["x", "n"])
    z = z_for(conf)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = 2 * x + z * z
        spread = z * np.sqrt(np.maximum(z * z + 4 * x * (1 - x / n), 0.0))
        denom = 2 * (n + z * z)
        phat = x / n
        # the interval always contains x/n; min/max only guard against rounding (e.g. x = n)
        lower = np.clip(np.fmin((centre - spread) / denom, phat), 0.0, 1.0)
        upper = np.clip(np.fmax((centre + spread) / denom, phat), 0.0, 1.0)
    return lower, upper


def byars_limits(x: Any, conf: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byars' approximation to exact Poisson limits for a count x.

    Formula (Breslow & Day 1987, as in the PHE technical guide)::

        lower = x·(1 − 1/(9x) − z/(3√x))³
        upper = (x+1)·(1 − 1/(9(x+1)) + z/(3√(x+1)))³

    Why: accurate to a fraction of a percent for x ≥ 10 and closed-form.  Where
    the bracket of the lower limit is negative (tiny x, high confidence) the
    approximation fails and NaN is returned (PHEindicatormethods does the same).
    """
    conf = check_conf(conf)
    x = to_array(x, "x")
    z = z_for(conf)
    with np.errstate(invalid="ignore", divide="ignore"):
        base = 1 - 1 / (9 * x) - z / (3 * np.sqrt(x))
        lower = np.where(base >= 0, x * base**3, np.nan)
        x1 = x + 1
        upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    return lower, upper


def exact_poisson_limits(x: Any, conf: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) Poisson limits for a count x via the chi-square distribution.

    Formula: lower = χ²(α/2; 2x)/2 (0 when x = 0), upper = χ²(1 − α/2; 2x + 2)/2,
    with α = 1 − conf.  Why: guaranteed coverage for small counts, where
    normal-based limits fail.
    """
    conf = check_conf(conf)
    x = to_array(x, "x")
    alpha = 1 - conf
    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, _st.chi2.ppf(alpha / 2, 2 * np.where(x > 0, x, 1)) / 2, 0.0)
        upper = _st.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
    lower = np.where(np.isnan(x), np.nan, lower)
    return lower, upper


def poisson_limits(x: Any, conf: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PHE rule for a Poisson count: exact limits below 10, Byars from 10 up.

    Returns (lower, upper, method) where method is "Exact", "Byars" or "" (missing x).
    """
    x = to_array(x, "x")
    small = x < EXACT_BELOW
    el, eu = exact_poisson_limits(x, conf)
    bl, bu = byars_limits(np.where(small, EXACT_BELOW, x), conf)
    lower = np.where(small, el, bl)
    upper = np.where(small, eu, bu)
    method = np.where(np.isnan(x), "", np.where(small, "Exact", "Byars")).astype(object)
    return lower, upper, method


def _min_count_note(notes: np.ndarray, x: np.ndarray, min_count: float | None) -> np.ndarray:
    if min_count is None:
        return np.zeros(len(x), dtype=bool)
    small = x < float(min_count)
    add_note(notes, small, f"count under {min_count:g}: not reported")
    return small


def proportion(x: Any, n: Any, conf: float = 0.95, multiplier: float = 1, min_count: float | None = None) -> pd.DataFrame:
    """Proportion x/n × multiplier with a Wilson score confidence interval.

    value = x/n × multiplier; lower/upper from :func:`wilson_limits`
    (Wilson 1927 / Newcombe 1998, the OHID Fingertips and PHEindicatormethods
    ``phe_proportion`` method) × multiplier.  Use ``multiplier=100`` for
    percentages.

    Handling: a missing x or n, or n = 0, gives NaN with a ``note`` (n = 0 takes
    precedence over x > n); x = 0 gives 0 with a non-zero upper limit.  ``min_count`` optionally suppresses small
    numerators (disclosure control).  Raises ValueError for negative values,
    x > n, or conf outside (0, 1).

    Returns a DataFrame (one row per input) with columns numerator, denominator,
    value, lower, upper, conf, method, note.  The index is taken from the first
    pandas Series argument, so results align with the caller's frame.
    """
    conf = check_conf(conf)
    xa, na = broadcast([to_array(x, "x"), to_array(n, "n")], ["x", "n"])
    check_nonnegative(xa, "x (numerator)")
    check_nonnegative(na, "n (denominator)")
    over = np.flatnonzero((xa > na) & (na > 0))  # n = 0 is reported as a note, not an error
    if over.size:
        i = over[0]
        raise ValueError(
            f"numerator greater than denominator in {over.size} row(s) (first at position {i}: {xa[i]:g} > {na[i]:g}); "
            "a proportion needs x <= n"
        )
    multiplier = float(multiplier)
    notes = np.full(len(xa), "", dtype=object)
    bad = missing_note(notes, [(xa, "numerator"), (na, "denominator")])
    zero = na == 0
    add_note(notes, zero, "denominator is zero")
    bad |= zero | _min_count_note(notes, xa, min_count)
    lower, upper = wilson_limits(xa, np.where(zero, 1.0, na), conf)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = xa / na * multiplier
    return interval_frame({"numerator": xa, "denominator": na}, value, lower * multiplier, upper * multiplier,
                          bad, conf, "Wilson", notes, index_from([x, n], len(xa)))


def rate(x: Any, n: Any, multiplier: float = 100000, conf: float = 0.95, min_count: float | None = None) -> pd.DataFrame:
    """Crude rate x/n × multiplier with Poisson confidence limits.

    value = x/n × multiplier.  Limits treat x as Poisson: exact chi-square limits
    for x < 10 (lower = χ²(α/2; 2x)/2, upper = χ²(1−α/2; 2x+2)/2) and Byars'
    approximation for x ≥ 10, each divided by n and multiplied — the OHID /
    PHEindicatormethods ``phe_rate`` rule (Byars is accurate for x ≥ 10; exact
    limits keep coverage for small counts).  ``n`` may be person-years (float).

    Handling: missing x or n, or n = 0, give NaN with a ``note``; x = 0 gives a
    rate of 0 with exact limits [0, 3.69/n·multiplier] at 95%.  ``min_count``
    optionally suppresses small counts.  Raises ValueError for negative values
    or conf outside (0, 1).

    Returns a DataFrame with numerator, denominator, value, lower, upper, conf,
    method ("Exact"/"Byars"), note.
    """
    conf = check_conf(conf)
    xa, na = broadcast([to_array(x, "x"), to_array(n, "n")], ["x", "n"])
    check_nonnegative(xa, "x (count)")
    check_nonnegative(na, "n (denominator)")
    multiplier = float(multiplier)
    notes = np.full(len(xa), "", dtype=object)
    bad = missing_note(notes, [(xa, "numerator"), (na, "denominator")])
    zero = na == 0
    add_note(notes, zero, "denominator is zero")
    bad |= zero | _min_count_note(notes, xa, min_count)
    lo, up, method = poisson_limits(xa, conf)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = multiplier / na
        value = xa * scale
    return interval_frame({"numerator": xa, "denominator": na}, value, lo * scale, up * scale,
                          bad, conf, method, notes, index_from([x, n], len(xa)))
