"""Fingertips-style significance comparison of an indicator with a benchmark."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from neighbourhood_health.stats._common import broadcast, to_array

__all__ = ["POLARITIES", "compare", "compare_levels"]

POLARITIES = ("higher_is_better", "lower_is_better", "no_judgement")


def _polarity_array(polarity: Any, size: int) -> np.ndarray:
    pol = np.atleast_1d(np.asarray(polarity.to_numpy() if isinstance(polarity, pd.Series) else polarity, dtype=object))
    bad = sorted({str(p) for p in pol if p not in POLARITIES})
    if bad:
        raise ValueError(f"polarity must be one of {POLARITIES}; got {bad}")
    if len(pol) not in (1, size):
        raise ValueError(f"polarity has length {len(pol)}; expected 1 or {size}")
    return np.broadcast_to(pol, (size,))


def _wrap(result: np.ndarray, inputs: list[Any]) -> np.ndarray | pd.Series:
    for obj in inputs:
        if isinstance(obj, pd.Series) and len(obj) == len(result):
            return pd.Series(result, index=obj.index, dtype=object)
    return result


def _direction(value, lower, upper, benchmark) -> tuple[np.ndarray, np.ndarray]:
    """(+1 significantly higher, -1 lower, 0 similar) and a 'not compared' mask."""
    missing = np.isnan(value) | np.isnan(lower) | np.isnan(upper) | np.isnan(benchmark)
    direction = np.where(missing, 0, np.where(lower > benchmark, 1, np.where(upper < benchmark, -1, 0)))
    return direction, missing


def _label(direction: np.ndarray, polarity: np.ndarray) -> np.ndarray:
    out = np.full(len(direction), "similar", dtype=object)
    hib, lib, nj = polarity == "higher_is_better", polarity == "lower_is_better", polarity == "no_judgement"
    up, down = direction > 0, direction < 0
    out[up & hib] = "better"
    out[down & hib] = "worse"
    out[up & lib] = "worse"
    out[down & lib] = "better"
    out[up & nj] = "higher"
    out[down & nj] = "lower"
    return out


def compare(value: Any, lower: Any, upper: Any, benchmark: Any, polarity: Any = "higher_is_better") -> np.ndarray | pd.Series:
    """Compare each value's confidence interval with a benchmark (Fingertips method).

    The OHID Fingertips rule: significantly *higher* when the lower limit is above
    the benchmark, significantly *lower* when the upper limit is below it,
    otherwise *similar* (an interval touching the benchmark is similar).  Pass the
    95% or the 99.8% limits, as the dashboard requires.  ``polarity`` (one value
    or one per row) turns higher/lower into "better"/"worse"
    ("higher_is_better", "lower_is_better"); "no_judgement" keeps
    "higher"/"similar"/"lower".  Rows with a missing value, limit or benchmark
    are "not compared".

    Returns an object array of strings, or a Series aligned to the first Series
    argument.
    """
    names = ["value", "lower", "upper", "benchmark"]
    v, lo, up, bm = broadcast([to_array(a, nm) for a, nm in zip([value, lower, upper, benchmark], names)], names)
    pol = _polarity_array(polarity, len(v))
    direction, missing = _direction(v, lo, up, bm)
    out = _label(direction, pol)
    out[missing] = "not compared"
    return _wrap(out, [value, lower, upper, benchmark])


def compare_levels(
    value: Any,
    lower_95: Any,
    upper_95: Any,
    lower_998: Any,
    upper_998: Any,
    benchmark: Any,
    polarity: Any = "higher_is_better",
) -> np.ndarray | pd.Series:
    """Two-level Fingertips comparison using both the 95% and 99.8% intervals.

    Returns "better (99.8%)" / "better (95%)" / "similar" / "worse (95%)" /
    "worse (99.8%)" (or "higher …"/"lower …" for "no_judgement"), and
    "not compared" where any input is missing.  The 99.8% level wins when both
    intervals exclude the benchmark.
    """
    names = ["value", "lower_95", "upper_95", "lower_998", "upper_998", "benchmark"]
    v, l95, u95, l998, u998, bm = broadcast(
        [to_array(a, nm) for a, nm in zip([value, lower_95, upper_95, lower_998, upper_998, benchmark], names)], names
    )
    pol = _polarity_array(polarity, len(v))
    d95, miss95 = _direction(v, l95, u95, bm)
    d998, miss998 = _direction(v, l998, u998, bm)
    label95, label998 = _label(d95, pol), _label(d998, pol)
    out = np.where(d998 != 0, label998 + " (99.8%)", np.where(d95 != 0, label95 + " (95%)", "similar")).astype(object)
    out[miss95 | miss998] = "not compared"
    return _wrap(out, [value, lower_95, upper_95, lower_998, upper_998, benchmark])
