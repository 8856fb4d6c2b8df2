"""Statistical process control: XmR charts as in NHS England "Making Data Count".

Calculations and special-cause rules follow NHSRplotthedots (the NHS-R
implementation of the "plot the dots" method), re-implemented here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from neighbourhood_health.stats._common import to_array
from neighbourhood_health.stats.compare import POLARITIES

__all__ = ["SPCResult", "spc", "LIMIT", "SCREEN_LIMIT"]

#: Process limits are mean ± 2.66·MR̄ (2.66 = 3/1.128, d2 for n = 2); 2-sigma lines at ⅔ of that.
LIMIT = 2.66
#: Moving ranges above 3.267·MR̄ (D4 for n = 2) are screened out when ``screen_outliers``.
SCREEN_LIMIT = 3.267
RULES = ("outside_limits", "shift", "trend", "two_in_three")


@dataclass
class SPCResult:
    """Result of :func:`spc`.

    points: one row per (non-missing) point with period, value, moving_range,
        mean, lpl, upl, lower_2s, upper_2s, special_cause ("improvement",
        "concern", "neutral", "common") and rule (comma-separated rules fired).
    variation_icon: icon for the latest point ("common_cause", "improvement_high",
        "improvement_low", "concern_high", "concern_low", "neutral_high",
        "neutral_low"), None when there are no points.
    assurance_icon: "consistently_passes", "consistently_fails", "hit_and_miss",
        or None (no target, or polarity "no_judgement").
    mean, mr_bar, lpl, upl: the fixed centre line, mean moving range and limits.
    notes: data-quality notes (dropped missing values, short series, …).
    """

    points: pd.DataFrame
    variation_icon: str | None
    assurance_icon: str | None
    mean: float
    mr_bar: float
    lpl: float
    upl: float
    polarity: str
    target: float | None = None
    notes: list[str] = field(default_factory=list)


def _run_flags(codes: np.ndarray, min_len: int) -> np.ndarray:
    """True for elements in runs of equal, non-zero codes at least ``min_len`` long."""
    flags = np.zeros(len(codes), dtype=bool)
    start = 0
    for i in range(1, len(codes) + 1):
        if i == len(codes) or codes[i] != codes[start]:
            if codes[start] != 0 and i - start >= min_len:
                flags[start:i] = True
            start = i
    return flags


def _trend(values: np.ndarray, trend_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Flags for points in runs of ``trend_length`` steadily rising/falling points, and the direction."""
    flags = np.zeros(len(values), dtype=bool)
    direction = np.zeros(len(values), dtype=int)
    if len(values) < 2:
        return flags, direction
    steps = np.sign(np.diff(values)).astype(int)
    step_flags = _run_flags(steps, trend_length - 1)
    for i in np.flatnonzero(step_flags):  # step i joins points i and i+1
        flags[i] = flags[i + 1] = True
        direction[i] = direction[i + 1] = steps[i]
    return flags, direction


def _two_in_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Flag points beyond 2 sigma (within the limits) when 2 of 3 consecutive points
    are, with all three points on the same side of the mean (NHSRplotthedots rule)."""
    flags = np.zeros(len(close), dtype=bool)
    for i in range(len(close) - 2):
        window = slice(i, i + 3)
        if close[window].sum() >= 2 and abs(side[window].sum()) == 3:
            flags[window] |= close[window]
    return flags


def spc(
    values: Any,
    periods: Any = None,
    target: float | None = None,
    polarity: str = "higher_is_better",
    baseline: int | None = None,
    run_length: int = 7,
    trend_length: int = 7,
    screen_outliers: bool = True,
) -> SPCResult:
    """XmR (individuals) SPC chart with NHS "Making Data Count" rules.

    Calculation (NHS England Making Data Count; NHSRplotthedots):
    mean and mean moving range MR̄ = mean |xᵢ − xᵢ₋₁| over the first ``baseline``
    points (all points by default); process limits mean ± 2.66·MR̄ (3 sigma, as
    sigma = MR̄/1.128); 2-sigma lines at mean ± ⅔·2.66·MR̄.  With
    ``screen_outliers`` (NHSRplotthedots' default) moving ranges of 3.267·MR̄ or
    more are dropped and MR̄ recomputed, so a single outlier does not inflate
    the limits.

    Special-cause rules (all points involved are flagged; ``rule`` lists them):
    ``outside_limits`` a point beyond a process limit; ``shift`` ``run_length``
    (7; use 6 if preferred) or more consecutive points on one side of the mean (a
    point on the mean breaks the run); ``trend`` ``trend_length`` or more
    consecutive points each higher (or each lower) than the one before (ties
    break it); ``two_in_three`` 2 of 3 consecutive points beyond 2 sigma but
    within the limits, all 3 on the same side of the mean.

    A flagged point is "improvement"/"concern" according to its side of the mean
    and ``polarity`` ("neutral" for "no_judgement"; for a point exactly on the
    mean the trend direction is used).  ``variation_icon`` describes the latest
    point.  ``assurance_icon`` with a ``target``: "consistently_passes" when the
    target lies beyond the process limit on the bad side (every expected value
    meets it), "consistently_fails" when beyond the limit on the good side,
    otherwise "hit_and_miss".

    Missing values are dropped (noted); under 12 points a note says the limits
    are provisional; a constant series gives MR̄ = 0 and zero-width limits.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}; got {polarity!r}")
    for name, val in (("run_length", run_length), ("trend_length", trend_length)):
        if int(val) != val or val < 2:
            raise ValueError(f"{name} must be an integer of at least 2; got {val!r}")
    if target is not None:
        target = float(target)
        if np.isnan(target):
            target = None
    y_all = to_array(values, "values")
    if periods is None:
        periods_all = values.index.to_numpy() if isinstance(values, pd.Series) else np.arange(1, len(y_all) + 1)
    else:
        periods_all = periods.to_numpy() if isinstance(periods, (pd.Series, pd.Index)) else np.asarray(periods)
        if len(periods_all) != len(y_all):
            raise ValueError(f"periods has length {len(periods_all)} but values has length {len(y_all)}")

    notes: list[str] = []
    keep = ~np.isnan(y_all)
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} missing value(s) dropped")
    y, per = y_all[keep], periods_all[keep]
    n = len(y)
    if n < 12:
        notes.append(f"only {n} point(s): at least 12 are recommended, limits are provisional")

    if baseline is not None:
        if int(baseline) != baseline or baseline < 2:
            raise ValueError(f"baseline must be an integer number of points, at least 2; got {baseline!r}")
        baseline = int(baseline)
        if baseline > n:
            notes.append(f"baseline of {baseline} points is longer than the series; all {n} points used")
    base = y[: baseline if baseline is not None else n]

    mean = float(base.mean()) if len(base) else np.nan
    mr = np.abs(np.diff(base))
    mr_bar = float(mr.mean()) if len(mr) else np.nan
    if len(mr) == 0 and n:
        notes.append("fewer than 2 points: no moving range, limits undefined")
    if screen_outliers and len(mr) and mr_bar > 0:
        kept = mr[mr < SCREEN_LIMIT * mr_bar]
        if len(kept) < len(mr):
            notes.append(f"{len(mr) - len(kept)} moving range(s) above {SCREEN_LIMIT}·MR̄ excluded from the limits")
        mr_bar = float(kept.mean())
    if mr_bar == 0:
        notes.append("constant series: mean moving range is 0, limits have zero width")
    upl, lpl = mean + LIMIT * mr_bar, mean - LIMIT * mr_bar
    upper_2s, lower_2s = mean + LIMIT * mr_bar * 2 / 3, mean - LIMIT * mr_bar * 2 / 3

    with np.errstate(invalid="ignore"):
        outside = (y > upl) | (y < lpl)
        side = np.sign(y - mean).astype(int) if n else np.zeros(0, dtype=int)
        close = ~outside & ((y > upper_2s) | (y < lower_2s))
    shift = _run_flags(side, run_length)
    trend, trend_dir = _trend(y, trend_length)
    two3 = _two_in_three(close, side)
    fired = {"outside_limits": outside, "shift": shift, "trend": trend, "two_in_three": two3}
    flagged = outside | shift | trend | two3
    rule = np.array([",".join(r for r in RULES if fired[r][i]) for i in range(n)], dtype=object)

    direction = np.where(side != 0, side, trend_dir)
    good = 1 if polarity == "higher_is_better" else -1
    special = np.full(n, "common", dtype=object)
    if polarity == "no_judgement":
        special[flagged] = "neutral"
    else:
        special[flagged & (direction == good)] = "improvement"
        special[flagged & (direction != good)] = "concern"

    points = pd.DataFrame(
        {
            "period": per,
            "value": y,
            "moving_range": np.concatenate([[np.nan], np.abs(np.diff(y))]) if n else np.zeros(0),
            "mean": mean,
            "lpl": lpl,
            "upl": upl,
            "lower_2s": lower_2s,
            "upper_2s": upper_2s,
            "special_cause": special,
            "rule": rule,
        }
    )

    variation_icon = None
    if n:
        last = n - 1
        if special[last] == "common":
            variation_icon = "common_cause"
        else:
            variation_icon = f"{special[last]}_{'high' if direction[last] > 0 else 'low'}"

    assurance_icon = None
    if target is not None and polarity != "no_judgement" and np.isfinite(upl):
        if target > upl:
            assurance_icon = "consistently_fails" if polarity == "higher_is_better" else "consistently_passes"
        elif target < lpl:
            assurance_icon = "consistently_passes" if polarity == "higher_is_better" else "consistently_fails"
        else:
            assurance_icon = "hit_and_miss"

    return SPCResult(
        points=points,
        variation_icon=variation_icon,
        assurance_icon=assurance_icon,
        mean=mean,
        mr_bar=mr_bar,
        lpl=lpl,
        upl=upl,
        polarity=polarity,
        target=target,
        notes=notes,
    )
