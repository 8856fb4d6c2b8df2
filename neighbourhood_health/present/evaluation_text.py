"""What an evaluation found, in plain English, with its uncertainty, assumptions and weak points.

A rate ratio r is said as a percentage change ("12% lower"); the 95% interval as the range of
changes it allows. When the interval includes no change the finding says "consistent with no
change" first, then which way the estimate points, so nobody reads chance as an effect; when it
excludes no change the finding still says how wide the range is.
"""
from __future__ import annotations

import math

import pandas as pd

DESIGN_LABELS = {
    "did": "Difference-in-differences against matched comparators",
    "synthetic": "Synthetic control",
    "its": "Interrupted time series",
}

ASSUMPTIONS = {
    "did": ("Without the intervention, the treated neighbourhoods' outcome would have moved in step with the "
            "comparators' (parallel trends); the comparators were not reached by it or by anything like it; "
            "months are independent once area and month are allowed for."),
    "synthetic": ("A weighted mix of neighbourhoods the intervention did not reach reproduces the treated areas' "
                  "path before the start, and would have gone on doing so; the effect is the same proportion in "
                  "every month after the start (for the interval); any area is as likely as another to show a "
                  "gap of this size by chance (placebo-in-space inference)."),
    "its": ("Without the intervention, the treated areas' trend and seasonal pattern would have carried on; "
            "nothing else changed at the same time. There is no comparator, so a change that happened "
            "everywhere at once is counted as the intervention's."),
}

UNDERMINED_BY = {
    "did": ("Pre-period estimates in the event study that drift away from no difference; another service change "
            "in the treated or comparator areas; comparators poorly balanced on deprivation or age mix; "
            "people moving between areas because of the intervention."),
    "synthetic": ("A poor fit before the start (a large pre-period error compared with the placebos'); the synthetic "
                  "control resting on one or two donors; donors changed by something else after the start."),
    "its": ("A regional change at the same date (another policy, a coding change, a pandemic wave); a trend "
            "that was already bending; too few months after the start to tell a new level from a new slope."),
}


def change_words(ratio: float) -> str:
    """A rate ratio as a change: 0.66 -> "34% lower", 1.2 -> "20% higher", 1 -> "no different"."""
    if not math.isfinite(ratio):
        return "not estimable"
    percent = round(abs(ratio - 1) * 100)
    if percent == 0:
        return "no different"
    return f"{percent}% {'lower' if ratio < 1 else 'higher'}"


def interval_words(lower: float, upper: float) -> str:
    """The 95% interval as a range of changes ("from 42% lower to 5% higher")."""
    if not math.isfinite(lower) and not math.isfinite(upper):
        return "too wide to estimate"
    upper_words = "an unbounded rise" if not math.isfinite(upper) else change_words(upper)
    return f"from {change_words(lower)} to {upper_words}"


def excludes_no_change(lower: float, upper: float) -> bool:
    return math.isfinite(lower) and math.isfinite(upper) and (upper < 1 or lower > 1)


def finding(design: str, ratio: float, lower: float, upper: float, measure: str, areas: str, expected: str = "") -> str:
    """The one sentence a design's result is read by."""
    if not math.isfinite(ratio):
        return f"{DESIGN_LABELS[design]}: no estimate."
    versus = {"did": "than expected from the matched comparators",
              "synthetic": "than its synthetic control",
              "its": "than the trend and seasonal pattern before the start predicted"}[design]
    estimate = f"{measure} in {areas} was {change_words(ratio)} {versus}"
    span = f"95% interval {interval_words(lower, upper)}"
    if excludes_no_change(lower, upper):
        direction = "lower" if upper < 1 else "higher"
        agrees = ""
        if expected:
            agrees = (" — the direction the intervention aimed for" if expected == direction
                      else " — the opposite of the direction the intervention aimed for")
        return f"{estimate} ({span}){agrees}."
    return f"Consistent with no change: {estimate[0].lower() + estimate[1:]}, but the {span} includes no change."


def summary(estimates: pd.DataFrame) -> str:
    """How the designs agree: the page's headline."""
    done = estimates.dropna(subset=["ratio"])
    if done.empty:
        return "No design could be estimated"
    clear = done[[excludes_no_change(lo, up) for lo, up in zip(done["lower"], done["upper"])]]
    lower = int((done["ratio"] < 1).sum())
    direction = ("lower" if lower == len(done) else "higher" if lower == 0 else "lower" if lower * 2 > len(done)
                 else "higher")
    if 0 < lower < len(done):
        direction = f"{direction} in {max(lower, len(done) - lower)} of {len(done)}"
    if len(clear) == len(done):
        return f"All {len(done)} designs find the outcome {direction} after the start, beyond chance"
    if clear.empty:
        return (f"Consistent with no change: {len(done)} of {len(done)} designs' intervals include no change "
                f"(estimates point {direction})")
    rest = "the other is" if len(done) - len(clear) == 1 else "the others are"
    return (f"{len(clear)} of {len(done)} designs find a change beyond chance; {rest} consistent with "
            f"no change (estimates point {direction})")
