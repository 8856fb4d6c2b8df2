"""Shared input handling for the statistics modules (private).

Every public function accepts scalars, lists, numpy arrays or pandas Series and
returns one output row per input element.  The helpers here turn those inputs into
1-D float arrays, broadcast them, validate them with clear ``ValueError`` messages
and recover a pandas index so results can be joined back onto the caller's frame.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st


class StatsWarning(UserWarning):
    """Data-quality warning raised by :mod:`neighbourhood_health.stats`."""


def check_conf(conf: Any, name: str = "conf") -> float:
    """Return ``conf`` as a float in the open interval (0, 1) or raise ValueError."""
    try:
        c = float(conf)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number strictly between 0 and 1 (e.g. 0.95 or 0.998); got {conf!r}") from None
    if not (0.0 < c < 1.0) or math.isnan(c):
        raise ValueError(f"{name} must be strictly between 0 and 1 (e.g. 0.95 or 0.998); got {conf!r}")
    return c


def z_for(conf: float) -> float:
    """Two-sided standard normal quantile for confidence level ``conf``."""
    return float(_st.norm.ppf(1.0 - (1.0 - conf) / 2.0))


def conf_suffix(conf: float) -> str:
    """Column suffix for a confidence level: 0.95 -> '95', 0.998 -> '998'."""
    return f"{conf * 100:.10g}".replace(".", "")


def to_array(values: Any, name: str) -> np.ndarray:
    """Convert a scalar / list / array / Series to a 1-D float array (NaN for missing)."""
    if values is None:
        raise ValueError(f"{name} is required")
    if isinstance(values, pd.DataFrame):
        raise ValueError(f"{name} must be one column (a Series), not a DataFrame")
    if callable(values):
        raise ValueError(f"{name} must be numeric data, not a callable (did you mean df['{name}']?)")
    try:
        if isinstance(values, (pd.Series, pd.Index)):
            arr = pd.to_numeric(values, errors="raise")
            arr = np.asarray(pd.Series(arr).to_numpy(dtype=float, na_value=np.nan), dtype=float)
        else:
            try:
                arr = np.asarray(values, dtype=float)
            except (TypeError, ValueError):
                arr = pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(values, dtype=object))), errors="raise")
                arr = arr.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain only numbers or missing values ({exc})") from None
    arr = np.atleast_1d(arr)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {arr.shape}")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values")
    return arr


def broadcast(arrays: Sequence[np.ndarray], names: Sequence[str]) -> list[np.ndarray]:
    """Broadcast 1-D arrays (length 1 or a common length) to a common length."""
    lengths = {len(a) for a in arrays if len(a) != 1}
    if len(lengths) > 1:
        desc = ", ".join(f"{n}={len(a)}" for n, a in zip(names, arrays))
        raise ValueError(f"inputs have different lengths ({desc})")
    size = lengths.pop() if lengths else 1
    return [np.broadcast_to(a, (size,)).astype(float, copy=True) for a in arrays]


def index_from(inputs: Sequence[Any], length: int) -> pd.Index:
    """Index of the first pandas Series input with the right length, else a RangeIndex."""
    for obj in inputs:
        if isinstance(obj, pd.Series) and len(obj) == length:
            return obj.index
    return pd.RangeIndex(length)


def check_nonnegative(arr: np.ndarray, name: str) -> None:
    bad = np.flatnonzero(arr < 0)  # NaN compares False
    if bad.size:
        raise ValueError(f"{name} must not be negative ({bad.size} negative value(s), first at position {bad[0]}: {arr[bad[0]]!r})")


def add_note(notes: np.ndarray, mask: np.ndarray, text: str) -> None:
    """Write ``text`` into ``notes`` where ``mask`` is true and no note exists yet."""
    free = mask & (notes == "")
    notes[free] = text


def missing_note(notes: np.ndarray, parts: Sequence[tuple[np.ndarray, str]]) -> np.ndarray:
    """Flag rows with a missing input; note lists which inputs are missing."""
    any_missing = np.zeros(len(notes), dtype=bool)
    for arr, _ in parts:
        any_missing |= np.isnan(arr)
    for i in np.flatnonzero(any_missing & (notes == "")):
        names = [nm for arr, nm in parts if np.isnan(arr[i])]
        notes[i] = "missing " + " and ".join(names)
    return any_missing


def group_codes(groups: Any, length: int) -> tuple[np.ndarray, pd.Index | None]:
    """Integer group codes (order of first appearance) and the group labels."""
    if groups is None:
        return np.zeros(length, dtype=np.intp), None
    g = pd.Series(groups.to_numpy() if isinstance(groups, (pd.Series, pd.Index)) else list(np.atleast_1d(groups)))
    if len(g) != length:
        raise ValueError(f"groups has length {len(g)} but the data have length {length}")
    if g.isna().any():
        raise ValueError("groups contains missing labels")
    codes, labels = pd.factorize(g, sort=False)
    return codes.astype(np.intp), pd.Index(labels)


def per_row_weights(weights: Any, codes: np.ndarray, length: int, name: str) -> np.ndarray:
    """Expand per-band weights to one per row.

    ``weights`` may already have one value per row, or one value per band, in which
    case every group must have exactly that many rows, in the same band order.
    """
    w = to_array(weights, name)
    if len(w) == length:
        return w
    sizes = np.bincount(codes)
    if np.all(sizes == len(w)):
        position = pd.Series(codes).groupby(codes).cumcount().to_numpy()
        return w[position]
    raise ValueError(
        f"{name} has {len(w)} values; it needs one per row ({length}) or one per band with every group "
        f"having that many rows (group sizes: {sorted(set(sizes.tolist()))})"
    )


def interval_frame(counts: dict[str, np.ndarray], value, lower, upper, bad: np.ndarray, conf: float,
                   method, notes: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """The shape every interval function returns: its counts, value and limits (NaN where `bad`),
    the confidence level, the method and a note saying why a figure is missing."""
    return pd.DataFrame(
        {
            **counts,
            "value": np.where(bad, np.nan, value),
            "lower": np.where(bad, np.nan, lower),
            "upper": np.where(bad, np.nan, upper),
            "conf": conf,
            "method": method,
            "note": notes,
        },
        index=index,
    )
