"""Funnel-plot control limits and funnel significance (PHE methods)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import special as _sp

from neighbourhood_health.stats._common import (broadcast, check_conf, check_nonnegative, conf_suffix, index_from, to_array, z_for)

__all__ = ["funnel_limits", "funnel_significance"]

KINDS = ("proportion", "rate", "ratio")
_DEFAULT_MULTIPLIER = {"proportion": 1.0, "rate": 100000.0, "ratio": 1.0}


def _poisson_count_limits(expected: np.ndarray, conf: float) -> tuple[np.ndarray, np.ndarray]:
    """Counts O at which an exact Poisson interval for O just reaches ``expected``.

    lower: the O whose exact upper limit χ²(1−α/2; 2O+2)/2 equals E, i.e.
    P(Gamma(O+1) ≤ E) = 1 − α/2; upper: the O whose exact lower limit
    χ²(α/2; 2O)/2 equals E, i.e. P(Gamma(O) ≤ E) = α/2.  O is continuous, which
    gives smooth funnels (PHEindicatormethods ``calculate_funnel_limits``).
    """
    alpha = 1 - conf
    with np.errstate(invalid="ignore"):
        positive = expected > 0
        e = np.where(positive, expected, 1.0)
        lower = np.maximum(_sp.gdtrib(1.0, 1 - alpha / 2, e) - 1, 0.0)
        upper = _sp.gdtrib(1.0, alpha / 2, e)
    return np.where(positive, lower, np.nan), np.where(positive, upper, np.nan)


def funnel_limits(
    denominators: Any,
    benchmark: float,
    kind: str = "proportion",
    multiplier: float | None = None,
    conf_levels: Sequence[float] = (0.95, 0.998),
) -> pd.DataFrame:
    """Funnel-plot control limits around ``benchmark`` for each denominator.

    ``benchmark`` is on the output scale (already × ``multiplier``).  Defaults:
    multiplier 1 for proportions and ratios, 100,000 for rates.

    * ``kind="proportion"``: p ± z·sqrt(p(1 − p)/n), clipped to [0, 1], with
      p = benchmark/multiplier.  These are the observed proportions whose Wilson
      score interval just touches p — the score-test acceptance region, as in
      PHEindicatormethods ``calculate_funnel_limits(statistic = "proportion")``.
    * ``kind="rate"``: exact Poisson limits around the expected count
      E = p·n: the (continuous) counts whose exact interval just reaches E,
      divided by n × multiplier (denominators may be person-years).
    * ``kind="ratio"``: as "rate" with denominators = expected counts and
      benchmark usually 1 × multiplier (ISR/SMR funnels).

    Returns denominator, lower_95, upper_95, lower_998, upper_998 (one pair per
    conf level), benchmark.  Zero or missing denominators give NaN limits.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    multiplier = _DEFAULT_MULTIPLIER[kind] if multiplier is None else float(multiplier)
    if multiplier <= 0:
        raise ValueError("multiplier must be positive")
    n = to_array(denominators, "denominators")
    check_nonnegative(n, "denominators")
    bm = float(benchmark)
    p = bm / multiplier
    if np.isnan(p) or p < 0 or (kind == "proportion" and p > 1):
        raise ValueError(f"benchmark {benchmark!r} is not a valid {kind} on the multiplier {multiplier:g} scale")
    confs = [check_conf(c, "conf_levels") for c in conf_levels]
    frame = pd.DataFrame({"denominator": n}, index=index_from([denominators], len(n)))
    valid = n > 0
    safe_n = np.where(valid, n, 1.0)
    for c in confs:
        if kind == "proportion":
            half = z_for(c) * np.sqrt(p * (1 - p) / safe_n)
            lo, up = np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)
        else:
            o_lo, o_up = _poisson_count_limits(p * safe_n, c)
            lo, up = o_lo / safe_n, o_up / safe_n
        sfx = conf_suffix(c)
        frame[f"lower_{sfx}"] = np.where(valid, lo * multiplier, np.nan)
        frame[f"upper_{sfx}"] = np.where(valid, up * multiplier, np.nan)
    frame["benchmark"] = bm
    return frame


def funnel_significance(
    numerator: Any,
    denominator: Any,
    benchmark: float,
    kind: str = "proportion",
    multiplier: float | None = None,
    conf_levels: Sequence[float] = (0.95, 0.998),
) -> np.ndarray | pd.Series:
    """Classify points against funnel limits: "High (0.001)", "High (0.025)",
    "Not significant", "Low (0.025)", "Low (0.001)" (PHE labels; the number is
    the one-sided tail of each conf level), or "not compared" when missing.

    value = numerator/denominator × multiplier is compared with
    :func:`funnel_limits` at its own denominator (for ``kind="ratio"`` pass
    observed and expected counts).  A point exactly on a limit is not beyond it.
    """
    multiplier = _DEFAULT_MULTIPLIER.get(kind, 1.0) if multiplier is None else float(multiplier)
    x, n = broadcast([to_array(numerator, "numerator"), to_array(denominator, "denominator")], ["numerator", "denominator"])
    check_nonnegative(x, "numerator")
    confs = sorted(check_conf(c, "conf_levels") for c in conf_levels)
    lim = funnel_limits(n, benchmark, kind=kind, multiplier=multiplier, conf_levels=confs)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = x / n * multiplier
    out = np.full(len(x), "Not significant", dtype=object)
    for c in confs:  # widest last, so it overrides
        sfx = conf_suffix(c)
        tail = f"{(1 - c) / 2:.6g}"
        out[value > lim[f"upper_{sfx}"].to_numpy()] = f"High ({tail})"
        out[value < lim[f"lower_{sfx}"].to_numpy()] = f"Low ({tail})"
    out[np.isnan(value) | np.isnan(lim[f"lower_{conf_suffix(confs[0])}"].to_numpy())] = "not compared"
    for obj in (numerator, denominator):
        if isinstance(obj, pd.Series) and len(obj) == len(out):
            return pd.Series(out, index=obj.index, dtype=object)
    return out
