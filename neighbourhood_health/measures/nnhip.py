"""The NNHIP national scorecard: one place's monthly submission, and the scorecard page's readers.

`submission_figures` gives every figure of one month's submission (the template's SubmissionTemplate
sheet: each metric's count and the cohort behind it, in total and by age group, ethnic group and
deprivation quintile) as exact counts of person-level data: the cohort's members from
`cohort_membership`, their records from `persons`, their activity (queries/nnhip/events.sql, the
Definitions sheet's rules) and the caseload. It applies no privacy rule: the writer
(`export.nnhip`) protects what it writes. `scorecard_series` and `scorecard_funnel` read the
protected mart `nnhip_monthly` for the page, as the other readers read theirs.

Who is counted. The template's age groups start at 18 (it is for adults), so members under 18 are
left out of the submission altogether, not put under "Not known" (which would say their age is not
recorded): a cohort with no member aged 18 or over has no submission (ValueError). The page counts
every member, as the Cohorts page does. Members are today's (the cohort as found at the extract
date), looked back at month by month, as the Cohorts page's activity trend does, and their ages
are at the extract date: the extract holds no dates of birth.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from neighbourhood_health.config import DEFINITIONS_DIR
from neighbourhood_health.measures.cohorts import dates
from neighbourhood_health.pipeline import national_codes
from neighbourhood_health.privacy import disclosure
from neighbourhood_health.store import relation_on, run_on

ROW_KEYS = ["O1_new", "O1_followup", "O1_procedures", "O2_los0", "O2_los1", "O3_beddays", "O4_cat1", "O4_cat2",
            "O4_cat3", "O4_cat4", "O5_type1", "O5_other", "O6_gp", "O6_community", "P1_caseload"]
#: The template's header cells (SubmissionTemplate row 5), breakdown by breakdown. Its last age
#: column reads "85+" though no 80–84 column comes before it: people aged 80 and over are counted
#: there, so that every member 18 or over is in one age group and the groups add up to the Total.
AGE_GROUPS = ["18-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "85+", "Not known"]
ETHNIC_GROUPS = ["White", "Black", "Asian", "Mixed", "Other", "Not known"]
DEPRIVATION = ["1", "2", "3", "4", "5", "Not Known"]
BREAKDOWNS = {"Total": ["Total"], "Age Group": AGE_GROUPS, "Ethnic Group": ETHNIC_GROUPS,
              "Deprivation Quintile": DEPRIVATION}
COLUMNS = ["row_key", "breakdown", "category", "count", "cohort"]
PROJECTS_FILE = DEFINITIONS_DIR / "nnhip_projects.csv"
METRICS_FILE = DEFINITIONS_DIR / "nnhip_metrics.csv"


@dataclass(frozen=True)
class Submitter:
    """Who a submission is for: the project's name in the template (or our place's name) and its places."""
    name: str
    project_name: str | None
    place_codes: tuple[str, ...]


def projects() -> pd.DataFrame:
    """definitions/nnhip_projects.csv: each NNHIP project's places, by code or by name."""
    return pd.read_csv(PROJECTS_FILE, dtype=str, keep_default_na=False)


def metrics() -> pd.DataFrame:
    """definitions/nnhip_metrics.csv: each template row's name, family, pillar and polarity, by row_key."""
    return pd.read_csv(METRICS_FILE, dtype=str, keep_default_na=False).set_index("row_key", drop=False)


def submitter(run: Callable[..., pd.DataFrame], place: str) -> Submitter:
    """One of our places (its code) or an NNHIP project (its name in the template's Lookups sheet,
    whose places nnhip_projects.csv gives by code or name); ValueError naming both kinds otherwise."""
    places = run("app/areas").query("area_level == 'place'")
    if place in set(places["area_code"]):
        name = places.set_index("area_code").at[place, "area_name"]
        project = next(iter(projects().query("place_code == @place or place == @name")["project_name"]), None)
        return Submitter(name, project, (place,))
    rows = projects().query("project_name == @place")
    codes = places[places["area_code"].isin(rows["place_code"]) | places["area_name"].isin(rows["place"])]
    if rows.empty or codes.empty:
        known = ", ".join(sorted(projects()["project_name"].unique()))
        where = "" if rows.empty else " (none of its places is in the area tree)"
        raise ValueError(f"{place!r} is neither a place code of the area tree nor an NNHIP project with places "
                         f"here{where}; projects in {PROJECTS_FILE.name}: {known}")
    return Submitter(place, place, tuple(codes["area_code"]))


def _month(db, month: str) -> pd.Timestamp:
    try:
        start = pd.Timestamp(pd.Period(str(month), freq="M").start_time)
    except ValueError as exc:
        raise ValueError(f"month must be YYYY-MM, not {month!r}") from exc
    if len(str(month)) != 7:
        raise ValueError(f"month must be YYYY-MM, not {month!r}")
    extract = pd.Timestamp(dates(db)["extract_date"])
    if start > extract:
        raise ValueError(f"{month} is after the extract date ({extract:%Y-%m-%d}): there is no activity for it yet")
    return start


def check_submission(runner, place_code: str, cohort_id: str, month: str) -> tuple[Submitter, pd.Timestamp]:
    """Who submits and the month's first day, if there is a submission to make; ValueError saying why
    not otherwise (an unknown place, a month the extract does not reach, a cohort with no adults).
    Cheap beside the figures: the page asks it first and works the figures out only for a download."""
    who = submitter(runner.run, place_code)
    start = _month(runner, month)
    with runner.cursor() as cur:
        members = run_on(cur, "nnhip/submission_members", cohort_id=cohort_id, place_codes=list(who.place_codes))
    if members.empty:
        raise ValueError(f"Cohort {cohort_id!r} has no members aged 18 or over in {who.name}: the NNHIP template "
                         "counts adults only (its age groups start at 18), so there is nothing to submit")
    return who, start


def submission_figures(runner, place_code: str, cohort_id: str, month: str) -> pd.DataFrame:
    """Every figure of one month's NNHIP submission for a place (or project) and cohort, exact:
    columns row_key, breakdown, category, count (the metric's count; bed days for O3_beddays;
    members on the caseload for P1_caseload) and cohort (members in that category), every row_key
    × category present, zeros included. Each breakdown sums to its Total. `runner` is a
    `store.Database` over the marts and extracts."""
    who, start = check_submission(runner, place_code, cohort_id, month)
    next_month = (start + pd.offsets.MonthBegin()).date()
    with runner.cursor() as cur:
        cur.register("nnhip_members", relation_on(cur, "nnhip/submission_members", cohort_id=cohort_id,
                                                  place_codes=list(who.place_codes)))
        cur.register("nnhip_events", relation_on(cur, "nnhip/events", first_month=start.date(), next_month=next_month,
                                                 **national_codes.counting_rules()))
        cur.register("nnhip_caseload", relation_on(cur, "nnhip/caseload_months", months=[start.date()]))
        rows = run_on(cur, "nnhip/submission_figures", cohort_id=cohort_id)
    return _complete(rows, who, month)


def _complete(rows: pd.DataFrame, who: Submitter, month: str) -> pd.DataFrame:
    """The figures with every row_key × category, zeros where nothing was counted."""
    grid = pd.DataFrame([(k, b, c) for k in ROW_KEYS for b, cats in BREAKDOWNS.items() for c in cats],
                        columns=["row_key", "breakdown", "category"])
    counts = rows.dropna(subset=["row_key"]).set_index(["row_key", "breakdown", "category"])["n"]
    cohort = rows[rows["row_key"].isna()].set_index(["breakdown", "category"])["n"]
    out = grid.assign(
        count=counts.reindex(pd.MultiIndex.from_frame(grid)).fillna(0).astype(int).to_numpy(),
        cohort=cohort.reindex(pd.MultiIndex.from_frame(grid[["breakdown", "category"]])).fillna(0).astype(int).to_numpy())
    out.attrs.update(place=who.name, project_name=who.project_name, place_codes=list(who.place_codes), month=month,
                     protected=False)
    return out


# --- the scorecard page --------------------------------------------------------------------

def scorecard_series(run: Callable[..., pd.DataFrame], area_code: str, cohort_id: str) -> pd.DataFrame:
    """Month by month for one area and cohort, from the protected mart (exact where `run` binds
    the area as exact): for each metric, its count among all members, among the members on the
    caseload and the rest of the cohort, and each per 1,000 of them; members, members on the
    caseload and the engagement rate (caseload per 1,000 members) on every row. Counts that could
    be 1–7 are NaN, and so is everything worked out from them (`*_hidden` says which)."""
    cells = run("app/nnhip_series", area_code=area_code, cohort_id=cohort_id)
    members = cells[cells["row_key"] == "members"]
    size = float(members["count"].sum())
    size_hidden = bool(disclosure.shown_hidden([size], [members["count_small"].any()])[0])
    monthly = cells[cells["row_key"] != "members"].copy()
    months = sorted(monthly["month"].dropna().unique())
    table = monthly.pivot_table(index=["row_key", "month"], columns="population", values="count", aggfunc="sum")
    small = monthly.pivot_table(index=["row_key", "month"], columns="population", values="count_small", aggfunc="any")
    index = pd.MultiIndex.from_product([ROW_KEYS, months], names=["row_key", "month"])
    table = table.reindex(index=index, columns=["cohort", "caseload"]).fillna(0.0)
    small = small.reindex(index=index, columns=["cohort", "caseload"]).fillna(False).astype(bool)
    caseload = table.loc["P1_caseload", "caseload"]
    caseload_small = small.loc["P1_caseload", "caseload"]
    out = pd.DataFrame({
        "row_key": index.get_level_values(0), "month": pd.to_datetime(index.get_level_values(1)),
        "cohort": table["cohort"].to_numpy(), "caseload": table["caseload"].to_numpy(),
        "members": size, "on_caseload": np.tile(caseload.to_numpy(), len(ROW_KEYS)),
    })
    out["cohort_hidden"] = disclosure.shown_hidden(out["cohort"], small["cohort"].to_numpy())
    out["caseload_hidden"] = disclosure.shown_hidden(out["caseload"], small["caseload"].to_numpy())
    out["members_hidden"] = size_hidden
    out["on_caseload_hidden"] = np.tile(disclosure.shown_hidden(caseload, caseload_small.to_numpy()), len(ROW_KEYS))
    out.loc[out["row_key"] == "P1_caseload", "cohort"] = out["caseload"]
    out["rest"] = out["cohort"] - out["caseload"]
    out["rest_members"] = out["members"] - out["on_caseload"]
    out["rest_hidden"] = out["cohort_hidden"] | out["caseload_hidden"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["per_1000"] = _per_1000(out["cohort"], out["members"], out["cohort_hidden"] | out["members_hidden"])
        out["caseload_per_1000"] = _per_1000(out["caseload"], out["on_caseload"],
                                             out["caseload_hidden"] | out["on_caseload_hidden"])
        out["rest_per_1000"] = _per_1000(out["rest"], out["rest_members"], out["rest_hidden"] | out["members_hidden"]
                                         | out["on_caseload_hidden"])
        out["engagement_per_1000"] = _per_1000(out["on_caseload"], out["members"],
                                               out["on_caseload_hidden"] | out["members_hidden"])
    for column in ("cohort", "caseload", "rest"):
        out[column] = out[column].mask(out[f"{column}_hidden"])
    out["members"] = out["members"].mask(out["members_hidden"])
    out["on_caseload"] = out["on_caseload"].mask(out["on_caseload_hidden"])
    tags = metrics()
    return out.join(tags[["name", "short_name", "family", "pillar", "polarity", "unit"]], on="row_key")


def _per_1000(count: pd.Series, people: pd.Series, hidden: pd.Series) -> pd.Series:
    value = count / people.where(people > 0) * 1000
    return value.mask(hidden)


def latest_months(series: pd.DataFrame, months: int = 12) -> tuple:
    """The first and last of the latest `months` months with figures."""
    shown = sorted(series["month"].dropna().unique())[-months:]
    return (pd.Timestamp(shown[0]).date(), pd.Timestamp(shown[-1]).date()) if shown else (None, None)


def scorecard_funnel(run: Callable[..., pd.DataFrame], scope_code: str, level: str, cohort_id: str, row_key: str,
                     first_month, last_month) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """The neighbourhoods or places (`level`) inside `scope_code` on a funnel plot of one metric per
    1,000 members per month over the months given: points (value, judgement) and the 95%/99.8%
    limits around the scope's own rate. Protected figures, as every area's shown for comparison."""
    from neighbourhood_health import stats
    from neighbourhood_health.measures.inequalities import _judgement
    rows = run("app/nnhip_areas", scope_code=scope_code, area_level=level, cohort_id=cohort_id, row_key=row_key,
               first_month=first_month, last_month=last_month)
    n_months = len(pd.date_range(first_month, last_month, freq="MS"))
    rows["denominator"] = rows["members"] * n_months
    hidden = disclosure.shown_hidden(rows["count"], rows["count_small"]) | \
        disclosure.shown_hidden(rows["members"], rows["members_small"])
    points = rows[~hidden & (rows["denominator"] > 0)].copy()
    if points.empty:
        return points, pd.DataFrame(), float("nan")
    benchmark = float(rows.loc[rows["denominator"] > 0, "count"].sum() / rows["denominator"].sum() * 1000)
    points["value"] = points["count"] / points["denominator"] * 1000
    polarity = metrics().at[row_key, "polarity"]
    points["funnel"] = np.asarray(stats.funnel_significance(points["count"], points["denominator"], benchmark,
                                                            kind="rate", multiplier=1000))
    points["judgement"] = [_judgement(f, polarity) for f in points["funnel"]]
    grid = np.geomspace(max(points["denominator"].min() * 0.7, 1.0), points["denominator"].max() * 1.3, 120)
    return points.reset_index(drop=True), stats.funnel_limits(grid, benchmark, kind="rate", multiplier=1000), benchmark


def comparison(run: Callable[..., pd.DataFrame], area_code: str, cohort_id: str, months: int = 12) -> pd.DataFrame:
    """Each metric over the latest `months` months per 1,000 members per month, for the members on
    the caseload against the rest of the cohort, with the catalogue's family and pillar tags.
    Sums of the protected monthly cells (exact where `run` binds the area as exact); a figure that
    could be 1–7 is NaN with everything from it. Member-months: the members on the caseload are
    counted in each month they were on it, the rest in the others."""
    cells = run("app/nnhip_series", area_code=area_code, cohort_id=cohort_id)
    members = cells[cells["row_key"] == "members"]
    monthly = cells[cells["row_key"] != "members"]
    window = sorted(monthly["month"].dropna().unique())[-months:]
    monthly = monthly[monthly["month"].isin(window)]
    total = lambda key, population: monthly.query("row_key == @key and population == @population")
    caseload = total("P1_caseload", "caseload")
    caseload_months, caseload_small = float(caseload["count"].sum()), bool(caseload["count_small"].any())
    member_months = float(members["count"].sum()) * len(window)
    members_small = bool(members["count_small"].any())
    rows = []
    for key, tag in metrics().iterrows():
        if key == "P1_caseload":
            continue
        every, on = total(key, "cohort"), total(key, "caseload")
        n_all, n_on = float(every["count"].sum()), float(on["count"].sum())
        all_hidden = disclosure.shown_hidden([n_all], [every["count_small"].any()])[0]
        on_hidden = disclosure.shown_hidden([n_on], [on["count_small"].any()])[0]
        on_people_hidden = disclosure.shown_hidden([caseload_months], [caseload_small])[0]
        rest_people = member_months - caseload_months
        rows.append({
            "row_key": key, "metric": tag["short_name"], "family": tag["family"], "pillar": tag["pillar"],
            "polarity": tag["polarity"],
            "caseload_count": np.nan if on_hidden else n_on,
            "caseload_per_1000": np.nan if (on_hidden or on_people_hidden or caseload_months <= 0)
            else n_on / caseload_months * 1000,
            "rest_count": np.nan if (all_hidden or on_hidden) else n_all - n_on,
            "rest_per_1000": np.nan if (all_hidden or on_hidden or members_small or on_people_hidden or rest_people <= 0)
            else (n_all - n_on) / rest_people * 1000,
        })
    out = pd.DataFrame(rows)
    out.attrs.update(months=len(window), first=pd.Timestamp(window[0]) if window else None,
                     last=pd.Timestamp(window[-1]) if window else None,
                     caseload_months=np.nan if disclosure.shown_hidden([caseload_months], [caseload_small])[0]
                     else caseload_months)
    return out
