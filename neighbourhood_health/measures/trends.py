"""Monthly series as SPC charts: values, Making Data Count judgements, and what they mean in words.

All limits and judgements come from `stats.spc` (XmR, the four special-cause rules, variation and
assurance icons); this module chooses its inputs (monthly values from numerators and denominators,
the catalogue's polarity and target, an optional fixed baseline) and says what the result means.

Small numbers: the queries give exact months only to a viewer who may see them (an INT lead in
their own neighbourhoods) and protected months to everyone else (`privacy.disclosure`);
`hide_small_months` blanks the protected months that could be a count of 1–7, the rule of every
other figure, and `spc_for` then leaves those months out of the calculation.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from neighbourhood_health.privacy import access
from neighbourhood_health.measures import indicators
from neighbourhood_health import stats
from neighbourhood_health.stats import seasonal
from neighbourhood_health.privacy import disclosure
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE

#: Making Data Count asks for at least 12 points before limits mean much; shorter series get no SPC.
MIN_POINTS = 12

VARIATION_LABEL = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause improvement (higher)",
    "improvement_low": "Special cause improvement (lower)",
    "concern_high": "Special cause concern (higher)",
    "concern_low": "Special cause concern (lower)",
    "neutral_high": "Special cause variation (higher, not judged)",
    "neutral_low": "Special cause variation (lower, not judged)",
}
ASSURANCE_LABEL = {
    "consistently_passes": "Consistently meets the target",
    "consistently_fails": "Consistently misses the target",
    "hit_and_miss": "Hit and miss: sometimes meets the target",
}
NO_ASSURANCE = "No target"


def monthly_values(series: pd.DataFrame) -> pd.DataFrame:
    """Each period's value and 95% interval from its numerator and denominator (rates per person-year)."""
    out = indicators.with_intervals(series)
    out["period"] = pd.to_datetime(out["period"])
    if "measure_id" not in out:
        return out.sort_values("period").reset_index(drop=True)
    order = pd.factorize(out["measure_id"])[0]  # keep the query's (catalogue) order of measures
    return out.assign(_order=order).sort_values(["_order", "period"]).drop(columns="_order").reset_index(drop=True)


def _target(rows: pd.DataFrame) -> float | None:
    target = rows["target"].iloc[0] if "target" in rows and len(rows) else None
    return None if target is None or pd.isna(target) else float(target)


def exact_for(db, user: access.User | None, area_code: str) -> bool:
    """Whether this viewer may see an area's exact monthly figures, small ones included.

    The one rule of access.py (`access.exact_figures`): a role that is not aggregate-only (an INT
    lead), in an area it covers, and in demo mode on synthetic data only. Nobody signed in, an
    unknown role, an aggregate-only role (board, place MD, analyst) or another area: protected.
    """
    return access.exact_figures(db, user, area_code)


def hide_small_months(rows: pd.DataFrame) -> pd.DataFrame:
    """Monthly rows (from `monthly_values`) as the viewer may see them, with a `suppressed` column:
    protected months that could be a count of 1–7 lose numerator, value and interval
    (`disclosure.hide`, the rule of every other figure). Exact months are never hidden."""
    return disclosure.hide(rows)


def _hidden(rows: pd.DataFrame) -> np.ndarray:
    """Which months `hide_small_months` hid (none, for rows it has not seen)."""
    return rows["suppressed"].to_numpy(dtype=bool) if "suppressed" in rows else np.zeros(len(rows), dtype=bool)


def spc_for(rows: pd.DataFrame, baseline: int | None = None) -> stats.SPCResult:
    """SPC of one measure's monthly values (rows from `monthly_values` or `hide_small_months`, one area, by period).

    Hidden months are left out of the calculation, not just out of the drawing: the mean and the
    limits (through the mean moving range) are sums over the points, so limits computed with a
    hidden month would, together with the months shown, give it back: one hidden month exactly
    from the mean, and the limits add a second equation for two. Mean, limits, special-cause
    rules and icons therefore come from the months shown only; runs and trends count those.
    `baseline` is the first `baseline` months; the points in it are the months shown among them.
    """
    hidden = _hidden(rows)
    shown = rows[~hidden]
    points = None
    if baseline:
        points = int((rows["value"].notna().to_numpy() & ~hidden)[:baseline].sum())
    result = stats.spc(shown["value"].to_numpy(dtype=float), shown["period"].to_numpy(), target=_target(rows),
                       polarity=rows["polarity"].iloc[0], baseline=None if points is None else max(points, 2))
    if points is not None and points < 2:
        result.notes.append(f"the baseline has {points} month(s) that can be shown, so the first 2 shown are used")
    return result


# ---- seasonality --------------------------------------------------------------------------------

#: Where the seasonal factors come from: the whole extract's series of the measure (protected),
#: large enough that chance is small and that no one area's change is taken for a season.
SEASONAL_REFERENCE = "ALL"
SEASONAL_METHOD = (f"{seasonal.METHOD}; factors from every area in the extract, used only where the month-of-year "
                   "effects are significant (F test, p < 0.01)")


def seasonal_factors_for(run: Callable[..., pd.DataFrame]) -> dict[str, seasonal.SeasonalFactors]:
    """Per measure, the month-of-year factors of the whole extract's monthly series, for the measures
    that are seasonal there (at least 24 months and significant month-of-year effects)."""
    values = monthly_values(run("app/measure_series", area_code=SEASONAL_REFERENCE))
    out = {}
    for measure_id, part in values.groupby("measure_id", sort=False):
        found = seasonal.seasonal_factors(part["value"], part["period"])
        if found is not None and found.seasonal:
            out[measure_id] = found
    return out


def seasonally_adjusted(rows: pd.DataFrame, factors: seasonal.SeasonalFactors | None) -> pd.DataFrame:
    """Monthly rows with value and interval divided by each month's factor (unchanged without factors).
    Counts stay as they are: adjustment is of the rate, for judging it, never a new count."""
    if factors is None:
        return rows
    out = rows.copy()
    for column in ("value", "lower", "upper"):
        if column in out:
            out[column] = factors.adjust(out[column], out["period"])
    return out


def has_series(rows: pd.DataFrame) -> bool:
    return rows["value"].notna().sum() >= MIN_POINTS


def offered_series(series: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The measures a viewer is offered as SPC charts, and the names of those left out for hiding.

    `series` is app/measure_series for one area. Returns the monthly rows (`hide_small_months`) of
    the measures with at least MIN_POINTS months shown, and the names of measures that have enough
    months but too few once the months of 1–7 are hidden."""
    every = hide_small_months(monthly_values(series))
    monthly = every.groupby("measure_id", sort=False).filter(has_series)
    too_hidden = every[~every["measure_id"].isin(monthly["measure_id"])].groupby("measure_id", sort=False).filter(
        lambda part: len(part) >= MIN_POINTS and part["suppressed"].any())["name"].unique()
    return monthly, list(too_hidden)


#: The baseline choice every series has: mean and limits from all the months shown.
ALL_POINTS = "All points"
#: The baseline choice that asks for a number of months (`baseline_choices` maps it to "fixed").
FIXED = "A fixed number of months"


def baseline_choices(rows: pd.DataFrame, events: list[dict]) -> dict[str, int | str | None]:
    """The baselines offered for one measure's months (rows of `offered_series`), label -> baseline.

    "All points" (None, the default); for each service change (`events_for`), the months before it
    when at least 2 of them are shown and some months follow; and a fixed number ("fixed")."""
    choices: dict[str, int | str | None] = {ALL_POINTS: None}
    for event in events:
        months = points_before(rows["period"], event["date"])
        if 2 <= rows["value"].iloc[:months].notna().sum() and months < len(rows):
            choices[f"The {months} months before “{event['label']}”"] = months
    choices[FIXED] = "fixed"
    return choices


def fixed_baseline_default(rows: pd.DataFrame) -> int:
    """The fixed baseline first offered: MIN_POINTS months, or every month of a shorter series."""
    return min(MIN_POINTS, len(rows))


def facets(children: pd.DataFrame, baseline: int | None = None
           ) -> tuple[dict[str, pd.DataFrame], list[tuple[str, stats.SPCResult]], list[str]]:
    """One measure in each child area (app/measure_series_children), as the viewer may see it.

    Returns each area's shown months by name (sorted), the SPC of those with a series (same
    `baseline` as the main chart), and the names of those left out for too few months."""
    shown = {name: hide_small_months(part.reset_index(drop=True))
             for name, part in monthly_values(children).groupby("area_name", sort=True)}
    results = [(name, spc_for(part, baseline)) for name, part in shown.items() if has_series(part)]
    left_out = [name for name, part in shown.items() if not has_series(part)]
    return shown, results, left_out


def variation(result: stats.SPCResult) -> str | None:
    """The variation icon, or None when the limits have zero width (a series of almost only zeros,
    whose few non-zero months were screened out as outliers): there every month would be
    'outside the limits', which says nothing."""
    return result.variation_icon if np.isfinite(result.mr_bar) and result.mr_bar > 0 else None


NO_VARIATION = "Too little variation for SPC: the process limits have zero width"


def points_before(periods, date) -> int:
    """How many periods fall before a date: the fixed baseline that ends where a change began."""
    return int((pd.to_datetime(pd.Series(periods)) < pd.Timestamp(date)).sum())


def events_for(area_code: str, tree: pd.DataFrame, changes: list[dict]) -> list[dict]:
    """The manifest's dated service changes in the area's place (or in any place under an ICB)."""
    tree = tree.set_index("area_code", drop=False)
    area = tree.loc[area_code]
    places = tree[tree.area_level == "place"]
    if area["area_level"] == "icb":
        places = places[places.icb_code == area_code]
    elif area["area_level"] in ("place", "neighbourhood"):
        places = places[places.area_code == area["place_code"]]
    names = set(places["area_name"])
    return [{"date": pd.Timestamp(c["date"]), "label": c["label"], "place": c["place"]}
            for c in changes if c.get("place") in names]


# ---- plain words -------------------------------------------------------------------------------

def _run_back(flags) -> int:
    """Length of the run of True values ending at the last element."""
    count = 0
    for flag in reversed(list(flags)):
        if not flag:
            break
        count += 1
    return count


def _reasons(points: pd.DataFrame, result: stats.SPCResult, unit: str) -> list[str]:
    last = points.iloc[-1]
    rules = set(filter(None, str(last["rule"]).split(",")))
    above = last["value"] > result.mean
    month = pd.Timestamp(last["period"]).strftime("%B %Y")
    shown = indicators.format_value(last["value"], unit) + ("" if unit == "%" else f" {unit}")
    reasons = []
    if "outside_limits" in rules:
        reasons.append(f"the latest month ({month}, {shown}) is {'above the upper' if above else 'below the lower'} "
                       "process limit")
    if "shift" in rules:
        side = np.sign(points["value"].to_numpy() - result.mean)
        run = _run_back(side == side[-1])
        reasons.append(f"the latest {run} months are all {'above' if above else 'below'} the mean")
    if "trend" in rules:
        steps = np.sign(np.diff(points["value"].to_numpy()))
        run = _run_back(steps == steps[-1]) + 1
        reasons.append(f"the latest {run} months have each been {'higher' if steps[-1] > 0 else 'lower'} "
                       "than the month before")
    if "two_in_three" in rules:
        reasons.append(f"two of the latest three months are close to the {'upper' if above else 'lower'} "
                       "process limit")
    return reasons


def explain(result: stats.SPCResult, unit: str) -> str | None:
    """What the latest point's special cause is and why, or None when it shows common cause."""
    if variation(result) in (None, "common_cause"):
        return None
    kind = {"improvement": "special cause improvement", "concern": "special cause concern",
            "neutral": "special cause variation"}[result.variation_icon.split("_")[0]]
    reasons = _reasons(result.points, result, unit)
    return f"{kind} — {'; '.join(reasons)}" if reasons else kind


def describe(result: stats.SPCResult, name: str, unit: str) -> str | None:
    """One sentence on the latest point's special cause, or None when it shows common cause."""
    why = explain(result, unit)
    return f"{name}: {why}." if why else None


def icon_summary(series: pd.DataFrame, seasonal_factors: dict | None = None) -> pd.DataFrame:
    """One row per measure: latest value, variation and assurance icons, and the plain-words reason.

    With `seasonal_factors` (`seasonal_factors_for`), a seasonal measure's icons judge its seasonally
    adjusted months (`seasonal` says so); the latest value shown is as recorded.

    Months that could be 1–7 are hidden first (`hide_small_months`): `latest_hidden` says the latest
    value is one of them, and the icons come from the months shown (`spc_for`).
    """
    values = hide_small_months(monthly_values(series))
    rows = []
    for measure_id, part in values.groupby("measure_id", sort=False):
        first = part.iloc[0]
        row = {"measure_id": measure_id, "name": first["name"], "family": first["family"],
               "family_order": first["family_order"],
               "unit": first["unit"], "points": int(part["value"].notna().sum()),
               "hidden": int(part["suppressed"].sum()), "latest_hidden": bool(part["suppressed"].iloc[-1]),
               "latest_period": part["period"].iloc[-1], "latest_value": part["value"].iloc[-1],
               "variation_icon": None, "assurance_icon": None, "meaning": "",
               "seasonal": measure_id in (seasonal_factors or {})}
        if has_series(part):
            result = spc_for(seasonally_adjusted(part, (seasonal_factors or {}).get(measure_id)))
            icon = variation(result)
            why = ("; ".join(_reasons(result.points, result, first["unit"])) if icon != "common_cause"
                   else "no sign of change") if icon else NO_VARIATION
            row.update(variation_icon=icon, assurance_icon=result.assurance_icon if icon else None,
                       meaning=why[0].upper() + why[1:])
        else:
            row["meaning"] = f"Too few points for SPC ({row['points']})" if not row["hidden"] else (
                f"Too few points for SPC ({row['points']} shown; {row['hidden']} months of {HIDDEN_RANGE} hidden)")
        rows.append(row)
    out = pd.DataFrame(rows)
    order = out["variation_icon"].isna().astype(int) * 10 + out["family_order"]
    return out.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def recent_trend(rows: pd.DataFrame, factors: seasonal.SeasonalFactors | None = None) -> tuple[str | None, str]:
    """Recent trend of one measure for the scorecard: (variation icon or None, label).

    With a monthly series, the SPC variation of the latest month; with a few periods (annual
    surveys), the latest period's 95% interval against the previous period's value (Fingertips
    comparison); with one period, nothing to say. Rows from `hide_small_months`: hidden months are left out
    of the SPC, and a hidden latest period is not described at all, since the label would be about it.
    """
    hidden = _hidden(rows)
    monthly = len(rows) >= MIN_POINTS
    if len(hidden) and hidden[-1]:
        return None, f"Latest {'month' if monthly else 'period'} hidden ({HIDDEN_RANGE})"
    rows = rows[rows["value"].notna()]
    if hidden.any() and monthly and not has_series(rows):
        return None, f"Too few months shown for SPC ({len(rows)})"
    if has_series(rows):
        icon = variation(spc_for(seasonally_adjusted(rows, factors)))
        label = VARIATION_LABEL[icon] if icon else NO_VARIATION
        return icon, label + (" (seasonally adjusted)" if factors is not None and icon else "")
    if len(rows) < 2:
        return None, "One period only"
    last, previous = rows.iloc[-1], rows.iloc[-2]
    judgement = stats.compare([last["value"]], [last["lower"]], [last["upper"]], [previous["value"]],
                              last["polarity"])[0]
    since = f"{pd.Timestamp(previous['period']):%b %Y}"
    if judgement == "not compared":
        return None, "Not compared"
    if judgement == "similar":
        return None, f"Similar to {since}"
    return None, f"{indicators.SIGNIFICANCE_LABEL[judgement]} than {since}"


def changes(series: pd.DataFrame, seasonal_factors: dict | None = None) -> list[str]:
    """Sentences for every measure whose latest month shown has special cause variation, judged on
    seasonally adjusted months for the measures in `seasonal_factors` (and saying so).

    Months that could be 1–7 are hidden first (`hide_small_months`): a sentence quotes the latest
    month's value, which must never be a hidden one.
    """
    values = hide_small_months(monthly_values(series))
    out = []
    for measure_id, part in values.groupby("measure_id", sort=False):
        if has_series(part):
            factors = (seasonal_factors or {}).get(measure_id)
            name = part["name"].iloc[0] + (" (seasonally adjusted)" if factors is not None else "")
            sentence = describe(spc_for(seasonally_adjusted(part, factors)), name, part["unit"].iloc[0])
            if sentence:
                out.append(sentence)
    return out


def what_changed(area_code: str, run: Callable[..., pd.DataFrame]) -> list[str]:
    """Measures with special cause variation in the latest month for an area, in plain words; a
    seasonal measure is judged on its seasonally adjusted months (`seasonal_factors_for`).

    `run` runs a named query for the viewer (the app's cached runner, or `disclosure.for_viewer`),
    which decides whether the months are exact or protected.
    """
    return changes(run("app/measure_series", area_code=area_code), seasonal_factors_for(run))
