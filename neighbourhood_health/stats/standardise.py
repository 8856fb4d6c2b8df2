"""Age standardisation: directly (DSR) and indirectly (ISR) standardised rates.

Methods follow the OHID/PHE technical guidance used by Fingertips and
PHEindicatormethods (``calculate_dsr``, ``calculate_ISRatio``,
``calculate_ISRate``), implemented from the published formulas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from neighbourhood_health.stats._common import (add_note, broadcast, check_conf, check_nonnegative, group_codes, index_from, interval_frame, missing_note, per_row_weights, to_array)
from neighbourhood_health.stats.intervals import poisson_limits

__all__ = ["ESP2013", "ESP2013_BANDS", "dsr", "isr", "isr_rate", "expected_counts"]

#: 2013 European Standard Population, 19 five-year bands 0-4 ... 85-89, 90+ (sums to 100,000).
ESP2013 = np.array(
    [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000],
    dtype=float,
)
ESP2013.flags.writeable = False

#: Band labels matching :data:`ESP2013`.
ESP2013_BANDS = tuple([f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"])


def _group_frame(labels: pd.Index | None, columns: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    if labels is not None:
        frame.insert(0, "group", labels)
    return frame


def dsr(
    x: Any,
    n: Any,
    standard_pop: Any = None,
    multiplier: float = 100000,
    conf: float = 0.95,
    groups: Any = None,
    min_count: float = 10,
) -> pd.DataFrame:
    """Directly standardised rate (DSR) with Dobson confidence limits.

    Inputs are one row per age band: event counts ``x`` and populations ``n``,
    optionally with ``groups`` (one label per row, e.g. ``df["area"]``) to get one
    DSR per group.  ``standard_pop`` defaults to :data:`ESP2013`; give either one
    weight per band (every group must then have that many rows, in band order) or
    one weight per row.

    Formulas (OHID technical guide; Dobson et al. 1991)::

        DSR      = Σ wᵢ xᵢ/nᵢ / Σ wᵢ × multiplier
        var(DSR) = Σ wᵢ² xᵢ/nᵢ² / (Σ wᵢ)²
        limits   = DSR + sqrt(var(DSR)/O) · (O_lim − O) × multiplier

    where O = Σ xᵢ is the total count and O_lim its Poisson limits (Byars for
    O ≥ 10, as PHEindicatormethods does; exact below 10 if ``min_count`` is lowered).  Why Dobson: it treats the DSR as a
    weighted sum of Poisson counts and scales the count's interval, which keeps
    good coverage where a normal approximation would not.

    Handling (PHE conventions): a missing count is treated as 0 events; a group
    with total count under ``min_count`` (10) is not reported (NaN, note "total
    count under 10: not reported"); a group with a zero or missing population in
    any band gives NaN with a note.  Negative counts, populations or weights
    raise ValueError.

    Returns one row per group: [group], total_count, total_pop, value, lower,
    upper, conf, method, note.
    """
    conf = check_conf(conf)
    xa, na = broadcast([to_array(x, "x"), to_array(n, "n")], ["x", "n"])
    check_nonnegative(xa, "x (count)")
    check_nonnegative(na, "n (population)")
    codes, labels = group_codes(groups, len(xa))
    w = per_row_weights(ESP2013 if standard_pop is None else standard_pop, codes, len(xa), "standard_pop")
    if np.isnan(w).any():
        raise ValueError("standard_pop contains missing values")
    check_nonnegative(w, "standard_pop")
    k = int(codes.max()) + 1 if len(codes) else 0

    x0 = np.nan_to_num(xa, nan=0.0)
    bad_pop = np.isnan(na) | (na == 0)
    safe_n = np.where(bad_pop, 1.0, na)
    total_count = np.bincount(codes, weights=x0, minlength=k)
    total_pop = np.bincount(codes, weights=np.nan_to_num(na, nan=0.0), minlength=k)
    total_w = np.bincount(codes, weights=w, minlength=k)
    rate_sum = np.bincount(codes, weights=w * x0 / safe_n, minlength=k)
    var_sum = np.bincount(codes, weights=w**2 * x0 / safe_n**2, minlength=k)
    group_bad_pop = np.bincount(codes, weights=bad_pop.astype(float), minlength=k) > 0

    with np.errstate(invalid="ignore", divide="ignore"):
        value = rate_sum / total_w
        var = var_sum / total_w**2
        lo_o, up_o, _ = poisson_limits(total_count, conf)
        factor = np.sqrt(var / total_count)
        lower = value + factor * (lo_o - total_count)
        upper = value + factor * (up_o - total_count)

    notes = np.full(k, "", dtype=object)
    add_note(notes, group_bad_pop, "zero or missing population in an age band")
    add_note(notes, total_w == 0, "standard population weights sum to zero")
    small = total_count < float(min_count)
    add_note(notes, small, f"total count under {min_count:g}: not reported")
    undefined = total_count == 0
    add_note(notes, undefined, "zero total count: limits undefined")
    bad = group_bad_pop | (total_w == 0) | small
    lower = np.where(undefined, 0.0, lower)
    multiplier = float(multiplier)
    return _group_frame(
        labels,
        {
            "total_count": total_count,
            "total_pop": np.where(np.bincount(codes, weights=np.isnan(na).astype(float), minlength=k) > 0, np.nan, total_pop),
            "value": np.where(bad, np.nan, value * multiplier),
            "lower": np.where(bad, np.nan, lower * multiplier),
            "upper": np.where(bad | undefined, np.nan, upper * multiplier),
            "conf": conf,
            "method": "Dobson",
            "note": notes,
        },
    )


def expected_counts(population: Any, reference_rate: Any, groups: Any = None) -> pd.DataFrame:
    """Expected events E = Σ populationᵢ × reference_rateᵢ (per group).

    ``reference_rate`` is the reference (e.g. England) rate per person in each
    band (reference count / reference population), given per row or once per band
    (every group then has that many rows in band order).  This is the expected
    count used by indirect standardisation and by expected prevalence.

    A missing population counts as 0 where the reference rate is 0 (it cannot
    contribute); elsewhere it makes the group's expected count NaN with a note.

    Returns one row per group: [group], expected, note.
    """
    pop = to_array(population, "population")
    check_nonnegative(pop, "population")
    codes, labels = group_codes(groups, len(pop))
    rr = per_row_weights(reference_rate, codes, len(pop), "reference_rate")
    check_nonnegative(rr, "reference_rate")
    k = int(codes.max()) + 1 if len(codes) else 0
    contrib = pop * rr
    contrib = np.where(rr == 0, 0.0, contrib)
    missing = np.bincount(codes, weights=np.isnan(contrib).astype(float), minlength=k) > 0
    expected = np.bincount(codes, weights=np.nan_to_num(contrib, nan=0.0), minlength=k)
    notes = np.full(k, "", dtype=object)
    add_note(notes, missing, "missing population or reference rate in a band")
    return _group_frame(labels, {"expected": np.where(missing, np.nan, expected), "note": notes})


def isr(observed: Any, expected: Any, multiplier: float = 1, conf: float = 0.95) -> pd.DataFrame:
    """Indirectly standardised ratio O/E × multiplier (e.g. an SMR with multiplier 100).

    Formula: value = O/E × multiplier; limits = Poisson limits of O (exact for
    O < 10, Byars for O ≥ 10) / E × multiplier.  Why: E is treated as fixed (it
    comes from a large reference population), so all the uncertainty is in the
    observed Poisson count — the OHID technical guide and PHEindicatormethods
    ``calculate_ISRatio`` method.  Use :func:`expected_counts` to get E.

    Handling: missing O or E, or E = 0, give NaN with a note; O = 0 gives 0 with
    an exact upper limit.  Returns observed, expected, value, lower, upper, conf,
    method, note (one row per input).
    """
    conf = check_conf(conf)
    o, e = broadcast([to_array(observed, "observed"), to_array(expected, "expected")], ["observed", "expected"])
    check_nonnegative(o, "observed")
    check_nonnegative(e, "expected")
    notes = np.full(len(o), "", dtype=object)
    bad = missing_note(notes, [(o, "observed"), (e, "expected")])
    zero = e == 0
    add_note(notes, zero, "expected count is zero")
    bad |= zero
    lo, up, method = poisson_limits(o, conf)
    multiplier = float(multiplier)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = multiplier / e
    return interval_frame({"observed": o, "expected": e}, o * scale, lo * scale, up * scale,
                          bad, conf, method, notes, index_from([observed, expected], len(o)))


def isr_rate(observed: Any, expected: Any, reference_rate: Any, multiplier: float = 100000, conf: float = 0.95) -> pd.DataFrame:
    """Indirectly standardised rate = (O/E) × overall reference rate × multiplier.

    ``reference_rate`` is the crude reference rate per person (total reference
    count / total reference population, *not* multiplied).  Limits are the ISR
    limits scaled the same way (OHID / PHEindicatormethods ``calculate_ISRate``).
    Returns the :func:`isr` columns plus reference_rate.
    """
    res = isr(observed, expected, multiplier=1, conf=conf)
    ref = to_array(reference_rate, "reference_rate")
    check_nonnegative(ref, "reference_rate")
    if len(ref) not in (1, len(res)):
        raise ValueError(f"reference_rate has length {len(ref)}; expected 1 or {len(res)}")
    ref = np.broadcast_to(ref, (len(res),))
    notes = res["note"].to_numpy(dtype=object).copy()
    add_note(notes, np.isnan(ref), "missing reference rate")
    scale = ref * float(multiplier)
    for col in ("value", "lower", "upper"):
        res[col] = res[col].to_numpy() * scale
    res.insert(2, "reference_rate", ref)
    res["note"] = notes
    return res
