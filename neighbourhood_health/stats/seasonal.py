"""Seasonal factors for monthly series, so that SPC can judge a winter without calling it a change.

Classical multiplicative decomposition by regression: log(value) = a + b·t + s(month of year),
the month-of-year effects s fitted by least squares with a linear trend, centred so that their
mean is zero; each month's factor is exp(s). A seasonally adjusted value is the value divided by
its month's factor (as ONS describes seasonal adjustment: "removing the effects of the calendar";
ONS, Guide to seasonal adjustment with X-13ARIMA-SEATS, 2007, §2 — the method here is the
simplest member of that family, chosen because it needs only two years and no external program).

Seasonality is declared only when the month-of-year effects are jointly significant (F test
against the trend-only model, p below `alpha`, 0.01 by default so that, among the dozens of
measures, few non-seasonal ones are adjusted by chance). Factors are best estimated on a large
area's series (the whole extract), where chance is small and no local change is absorbed, and
then applied to any area's series of the same measure.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as st

MIN_MONTHS = 24
METHOD = ("seasonally adjusted: each month divided by its month-of-year factor, from a log-linear "
          "regression with a linear trend (classical multiplicative decomposition)")


@dataclass(frozen=True)
class SeasonalFactors:
    factors: pd.Series      # month of year 1–12 -> factor (geometric mean 1)
    p_value: float          # F test of the month-of-year effects
    months: int             # months the factors were estimated from
    seasonal: bool          # p_value < alpha

    def adjust(self, values, periods) -> np.ndarray:
        """Values divided by their month's factor (NaN stays NaN)."""
        month = pd.DatetimeIndex(pd.to_datetime(periods)).month
        return np.asarray(values, dtype=float) / self.factors.reindex(month).to_numpy(dtype=float)


def seasonal_factors(values, periods, alpha: float = 0.01) -> SeasonalFactors | None:
    """Month-of-year factors of a monthly series, or None with fewer than MIN_MONTHS positive months
    or a month of the year never observed."""
    values = np.asarray(values, dtype=float)
    periods = pd.DatetimeIndex(pd.to_datetime(periods))
    keep = np.isfinite(values) & (values > 0)
    values, periods = values[keep], periods[keep]
    if len(values) < MIN_MONTHS or len(set(periods.month)) < 12:
        return None
    y = np.log(values)
    t = ((periods.year - periods[0].year) * 12 + periods.month - periods[0].month).to_numpy(dtype=float)
    dummies = (periods.month.to_numpy()[:, None] == np.arange(2, 13)[None, :]).astype(float)
    trend_only = np.column_stack([np.ones_like(t), t])
    full = np.column_stack([trend_only, dummies])
    rss = lambda x: float(np.sum((y - x @ np.linalg.lstsq(x, y, rcond=None)[0]) ** 2))
    rss0, rss1 = rss(trend_only), rss(full)
    df1, df2 = dummies.shape[1], len(y) - full.shape[1]
    if df2 <= 0:
        return None
    f = ((rss0 - rss1) / df1) / (rss1 / df2) if rss1 > 0 else np.inf
    p = float(st.f.sf(f, df1, df2))
    coef = np.linalg.lstsq(full, y, rcond=None)[0]
    effects = np.concatenate([[0.0], coef[2:]])
    factors = pd.Series(np.exp(effects - effects.mean()), index=range(1, 13), name="factor")
    return SeasonalFactors(factors=factors, p_value=p, months=len(values), seasonal=p < alpha)
