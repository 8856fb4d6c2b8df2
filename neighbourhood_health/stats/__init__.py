"""Public-health statistics for the Neighbourhood Health Dashboard.

Methods follow the OHID Fingertips / PHEindicatormethods conventions
(confidence intervals, standardisation, inequality, funnel plots) and NHS
England "Making Data Count" SPC (as NHSRplotthedots implements it).  Every
function is vectorised, accepts scalars, lists, numpy arrays or pandas Series,
and returns a pandas DataFrame (or, for :func:`compare`, an array/Series of
labels) with a ``note`` column explaining any NaN.

Modules: :mod:`.intervals` (proportion, rate), :mod:`.standardise` (dsr, isr),
:mod:`.inequality` (sii), :mod:`.compare`, :mod:`.funnel`, :mod:`.spc`.
"""

from neighbourhood_health.stats._common import StatsWarning
from neighbourhood_health.stats.compare import POLARITIES, compare, compare_levels
from neighbourhood_health.stats.funnel import funnel_limits, funnel_significance
from neighbourhood_health.stats.inequality import sii
from neighbourhood_health.stats.intervals import (byars_limits, exact_poisson_limits, poisson_limits, proportion, rate, wilson_limits)
from neighbourhood_health.stats.spc import SPCResult, spc
from neighbourhood_health.stats.standardise import ESP2013, ESP2013_BANDS, dsr, expected_counts, isr, isr_rate

__all__ = [
    "ESP2013",
    "ESP2013_BANDS",
    "POLARITIES",
    "SPCResult",
    "StatsWarning",
    "byars_limits",
    "compare",
    "compare_levels",
    "dsr",
    "exact_poisson_limits",
    "expected_counts",
    "funnel_limits",
    "funnel_significance",
    "isr",
    "isr_rate",
    "poisson_limits",
    "proportion",
    "rate",
    "sii",
    "spc",
    "wilson_limits",
]
