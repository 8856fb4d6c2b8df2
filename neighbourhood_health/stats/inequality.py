"""Slope and relative index of inequality (SII / RII) across deprivation quantiles.

Method as documented for PHEindicatormethods ``phe_sii`` (OHID), implemented from
the published description and checked against its test data.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import pandas as pd

from neighbourhood_health.stats._common import (StatsWarning, broadcast, check_conf, check_nonnegative, to_array, z_for)

__all__ = ["sii"]

VALUE_TYPES = ("other", "rate", "proportion")
_SIM_CHUNK = 20000


def _transforms(value_type: str, transform: bool) -> tuple[Callable, Callable]:
    if not transform:
        return (lambda v: v), (lambda v: v)
    if value_type == "rate":
        return np.log, np.exp
    return (lambda p: np.log(p / (1 - p))), (lambda t: 1 / (1 + np.exp(-t)))


def _wls(share: np.ndarray, ridit: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Population-weighted least squares of y on the ridit; y may be (reps, k)."""
    xbar = share @ ridit
    dx = ridit - xbar
    ybar = y @ share
    slope = (y @ (share * dx)) / (share @ dx**2)
    return ybar - slope * xbar, slope


def sii(
    quantile: Any,
    population: Any,
    value: Any,
    lower: Any = None,
    upper: Any = None,
    se: Any = None,
    value_type: str = "other",
    transform: bool = False,
    conf: float = 0.95,
    repetitions: int = 100000,
    rii: bool = True,
    multiplier: float = 1,
    seed: int | np.random.Generator | None = 0,
    ci_conf: float = 0.95,
    small_population: float = 100,
) -> pd.DataFrame:
    """Slope index of inequality (SII) and relative index (RII) for one area.

    Inputs: one row per deprivation quantile, ordered 1 = most deprived … k =
    least deprived; the quantile's population, its indicator ``value`` and either
    its standard error ``se`` or its ``lower``/``upper`` limits (at ``ci_conf``,
    95% by default).

    Method (PHEindicatormethods ``phe_sii`` documentation; Low & Low 2004):

    * each quantile gets the midpoint of its range in the cumulative population
      share (the ridit): xᵢ = Σⱼ<ᵢ sⱼ + sᵢ/2 with sᵢ = popᵢ / Σ pop;
    * the value (log of a rate / logit of a proportion when ``transform=True``)
      is regressed on xᵢ by population-weighted least squares: f(y) = a + b·x;
    * SII = g(a + b) − g(a) and RII = g(a + b) / g(a), with g the inverse
      transform — the modelled gap and ratio between the least (x = 1) and most
      (x = 0) deprived ends.  ``intercept`` = g(a).  (Without a transform this
      is SII = b and RII = (a + b)/a, as in ``phe_sii``.)
    * confidence limits by simulation: each quantile's (transformed) value is
      drawn from Normal(f(value), se) ``repetitions`` times, the regression is
      refitted and the α/2, 1 − α/2 percentiles taken.  se = (f(upper) −
      f(lower)) / (2·z) when not supplied.
    * ``multiplier`` scales SII and its limits (and the intercept by its size); a
      negative multiplier flips the SII's sign and inverts the RII, to express
      inequality in the opposite polarity.

    Why: the regression uses the whole social gradient and the population share
    of each quantile, so it is comparable between areas with differently-sized
    quantiles, unlike a simple most-vs-least-deprived gap.

    Quantiles with a missing value, population or standard error, or zero
    population, are dropped with a :class:`StatsWarning`; a warning is also
    given for fewer than 5 quantiles or populations under ``small_population``.
    With fewer than 2 usable quantiles the result is NaN with a note.  Invalid
    arguments (negative populations/standard errors, proportions outside [0, 1],
    duplicate quantiles, se with ``transform``) raise ValueError.

    Returns one row: sii, sii_lower, sii_upper, [rii, rii_lower, rii_upper],
    intercept, n_quantiles, conf, note.  Simulated limits are reproducible for a
    given ``seed`` (fixed by default; pass None for fresh randomness).
    """
    conf = check_conf(conf)
    ci_conf = check_conf(ci_conf, "ci_conf")
    if value_type not in VALUE_TYPES:
        raise ValueError(f"value_type must be one of {VALUE_TYPES}; got {value_type!r}")
    if transform and value_type == "other":
        raise ValueError("transform=True needs value_type 'rate' (log) or 'proportion' (logit)")
    if se is not None and transform:
        raise ValueError("give lower/upper limits, not se, when transform=True (se must be on the transformed scale)")
    if se is None and (lower is None or upper is None):
        raise ValueError("sii needs either se or both lower and upper confidence limits")
    try:
        repetitions = int(repetitions)
    except (TypeError, ValueError):
        raise ValueError(f"repetitions must be an integer; got {repetitions!r}") from None
    if repetitions < 1000:
        raise ValueError("repetitions must be at least 1000")
    multiplier = float(multiplier)
    if multiplier == 0 or np.isnan(multiplier):
        raise ValueError("multiplier must be non-zero")

    names = ["quantile", "population", "value"]
    arrays = [to_array(quantile, "quantile"), to_array(population, "population"), to_array(value, "value")]
    if se is not None:
        names.append("se")
        arrays.append(to_array(se, "se"))
    else:
        names += ["lower", "upper"]
        arrays += [to_array(lower, "lower"), to_array(upper, "upper")]
    cols = dict(zip(names, broadcast(arrays, names)))
    q, pop, val = cols["quantile"], cols["population"], cols["value"]

    check_nonnegative(pop, "population")
    if se is not None:
        check_nonnegative(cols["se"], "se")
    else:
        flipped = np.flatnonzero(cols["lower"] > cols["upper"])
        if flipped.size:
            raise ValueError(f"lower limit above upper limit at position {flipped[0]}")
    if value_type == "proportion":
        for nm in ("value", "lower", "upper"):
            if nm in cols and ((cols[nm] < 0) | (cols[nm] > 1)).any():
                raise ValueError(f"{nm} must be a proportion between 0 and 1 for value_type='proportion'")
    qs = q[~np.isnan(q)]
    if len(np.unique(qs)) != len(qs):
        raise ValueError("quantile labels must be unique (one row per quantile)")

    f, g = _transforms(value_type, transform)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = f(val)
        if se is not None:
            s = cols["se"]
        else:
            s = (f(cols["upper"]) - f(cols["lower"])) / (2 * z_for(ci_conf))
    usable = ~(np.isnan(q) | np.isnan(pop) | np.isnan(y) | np.isnan(s) | np.isinf(y) | np.isinf(s) | (pop == 0))
    dropped = int((~usable).sum())
    if dropped:
        warnings.warn(
            f"{dropped} quantile(s) removed from the SII: missing or zero population, missing value or limits"
            + (", or values outside the log/logit range" if transform else ""),
            StatsWarning,
            stacklevel=2,
        )

    order = np.argsort(q[usable], kind="stable")
    pop_u, y_u, s_u = pop[usable][order], y[usable][order], s[usable][order]
    k = len(pop_u)
    out: dict[str, float | str | int] = {
        "sii": np.nan, "sii_lower": np.nan, "sii_upper": np.nan,
        "rii": np.nan, "rii_lower": np.nan, "rii_upper": np.nan,
        "intercept": np.nan, "n_quantiles": k, "conf": conf, "note": "",
    }
    if k < 2:
        out["note"] = "fewer than 2 usable quantiles"
        return _finish(out, rii)
    if k < 5:
        warnings.warn(f"SII from only {k} quantiles is unstable (5 or more recommended)", StatsWarning, stacklevel=2)
    if (pop_u < small_population).any():
        warnings.warn(
            f"{int((pop_u < small_population).sum())} quantile(s) have population under {small_population:g}; the SII may be unstable",
            StatsWarning,
            stacklevel=2,
        )

    share = pop_u / pop_u.sum()
    ridit = np.cumsum(share) - share / 2
    a, b = _wls(share, ridit, y_u)
    with np.errstate(invalid="ignore", divide="ignore"):
        v0, v1 = g(a), g(a + b)
        sii_hat, rii_hat = v1 - v0, v1 / v0

    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    sii_sims, rii_sims = [], []
    remaining = repetitions
    while remaining > 0:
        m = min(remaining, _SIM_CHUNK)
        draws = rng.normal(y_u, s_u, size=(m, k))
        a_s, b_s = _wls(share, ridit, draws)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            w0, w1 = g(a_s), g(a_s + b_s)
            sii_sims.append(w1 - w0)
            rii_sims.append(w1 / w0)
        remaining -= m
    alpha = 1 - conf
    probs = [alpha / 2, 1 - alpha / 2]
    sii_lim = np.quantile(np.concatenate(sii_sims), probs)
    rii_lim = np.nanquantile(np.concatenate(rii_sims), probs)

    sii_vals = np.array([sii_hat, *sii_lim]) * multiplier
    if multiplier < 0:
        sii_vals[1:] = sii_vals[1:][::-1]
        with np.errstate(divide="ignore"):
            rii_vals = 1 / np.array([rii_hat, rii_lim[1], rii_lim[0]])
    else:
        rii_vals = np.array([rii_hat, *rii_lim])
    out.update(
        sii=sii_vals[0], sii_lower=sii_vals[1], sii_upper=sii_vals[2],
        rii=rii_vals[0], rii_lower=rii_vals[1], rii_upper=rii_vals[2],
        intercept=v0 * abs(multiplier),
    )
    if not np.isfinite(rii_hat):
        out["note"] = "RII undefined: modelled value at the most deprived end is zero"
    return _finish(out, rii)


def _finish(out: dict, rii: bool) -> pd.DataFrame:
    frame = pd.DataFrame([out])
    if not rii:
        frame = frame.drop(columns=["rii", "rii_lower", "rii_upper"])
    return frame
