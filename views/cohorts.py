"""Cohorts: who in the chosen area is at high or rising risk, and whom to contact this month.

What each role sees is decided in the data layer (neighbourhood_health.privacy.access and .cohorts); the
page presents what it is given and says why anything is missing.
"""
import pandas as pd
import streamlit as st

from neighbourhood_health.privacy import access, audit
from neighbourhood_health.app import cache, session, signin
from neighbourhood_health.app.widgets import audited_download
from neighbourhood_health.measures import cohorts
from neighbourhood_health.present import provenance
from neighbourhood_health.present.charts.cohorts import activity_lines, count_bars
from neighbourhood_health.present.text import md
from neighbourhood_health.config import settings
from neighbourhood_health.pipeline.contract import CONDITIONS, ETHNIC_GROUPS, EVENT_TYPES, SEXES
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE, LEGEND, SUPPRESSED, TOTAL

if "area" not in st.session_state:  # opened by a deep link before the entry point ran: start there
    st.switch_page("app.py")
cfg = settings()
area = session.current_area()
user = signin.current_user()
db = cache.database()
version = cache.marts_version()


@st.cache_data(show_spinner=False, max_entries=256)
def cached_counts(version: str, user: access.User, definition, area_code: str):
    return cohorts.counts(cache.database(), user, definition, area_code)


@st.cache_data(show_spinner=False, max_entries=128)
def cached_trend(version: str, user: access.User, definition, area_code: str):
    return cohorts.activity_trend(cache.database(), user, definition, area_code)


def fmt(value, pattern: str = "{:,.0f}") -> str:
    return SUPPRESSED if pd.isna(value) else pattern.format(value)


def show_table(frame: pd.DataFrame, formats: dict | None = None) -> None:
    styler = frame.style.format(formats or "{:,.0f}", na_rep=SUPPRESSED)
    st.dataframe(styler, width="stretch")


def builder_filters() -> cohorts.Filters:
    def some(values):
        return tuple(values) or None
    bands = cohorts.risk_bands().set_index("band")["label"]
    left, middle, right = st.columns(3)
    conditions = left.multiselect("Long-term conditions", CONDITIONS, key="b_conditions",
                                  format_func=lambda c: c.replace("_", " ").capitalize())
    match = left.radio("People with", ["all of these", "any of these"], horizontal=True, key="b_match")
    fewest, most = left.slider("Number of long-term conditions", 0, len(CONDITIONS), (0, len(CONDITIONS)), key="b_ltcs")
    risk = middle.multiselect("Risk band", list(bands.index), format_func=bands.get, key="b_risk")
    frailty = middle.multiselect("Frailty (eFI)", cohorts.FRAILTY_OPTIONS, key="b_frailty")
    ages = middle.multiselect("Age band", cohorts.AGE_BANDS, key="b_ages")
    sexes = right.multiselect("Sex", SEXES, key="b_sexes")
    ethnicities = right.multiselect("Ethnic group", ETHNIC_GROUPS, key="b_ethnicities")
    quintiles = right.multiselect("Deprivation quintile (1 = most deprived fifth)", [1, 2, 3, 4, 5], key="b_quintiles")
    a, b, c = st.columns([2, 1, 1])
    activity = a.multiselect("Recent activity of type (any type if none chosen)", EVENT_TYPES, key="b_activity",
                             format_func=lambda e: e.replace("_", " ").replace("ae ", "A&E ").capitalize())
    min_events = b.number_input("At least this many in 12 months (0 = no activity filter)", 0, 50, 0, key="b_events")
    low_acuity = c.checkbox("Low-acuity A&E only", key="b_low_acuity")
    return cohorts.Filters(
        conditions=some(conditions), all_conditions=match == "all of these",
        min_conditions=fewest or None, max_conditions=most if most < len(CONDITIONS) else None,
        risk_bands=some(risk), frailty=some(frailty), age_bands=some(ages), sexes=some(sexes),
        ethnicities=some(ethnicities), imd_quintiles=some(quintiles), activity_types=some(activity),
        min_events=int(min_events) or None, low_acuity_only=low_acuity)


def list_view(definition, key: str) -> pd.DataFrame:
    """Fetch (and audit) a list once per definition shown; reruns of the same view reuse it."""
    view = (user, repr(definition), area.code, version)
    held = st.session_state.get(key)
    if held is None or held[0] != view:
        rows = cohorts.person_list(db, user, definition, area.code, cfg.audit_dir)
        st.session_state[key] = (view, rows)
    return st.session_state[key][1]


# --- Who is looking, and may they see this area ----------------------------------------------
st.title(f"High and rising risk in {md(area.name)}")
if user is None:
    st.info("Sign in (in the sidebar) to see cohorts. Your role decides what you can see.")
    st.stop()
role = user.role_info
try:
    access.require_aggregates(db, user, area.code)
except access.AccessDenied as exc:
    st.warning(f"{md(exc)}. Choose one of your areas:")
    names = cache.run("app/areas").set_index("area_code")["area_name"]
    for code in user.areas:
        if code in names.index:
            st.button(md(names[code]), key=f"go_{code}", on_click=session.request_area, args=(code,))
    st.stop()

catalogue = cohorts.load_cohorts(db.extracts_dir)
manifest = cache.manifest()
exact = access.exact_figures(db, user, area.code)
scope = ("exact counts and, for your neighbourhoods, the list of people" if exact else
         f"protected counts: {md(LEGEND[0].lower() + LEGEND[1:-1])}")
st.markdown(f"Viewing as **{role.label}**{' (demo)' if user.demo else ''}: {scope}. "
            f"Data extracted {md(provenance.extracted(manifest['extract_date'], manifest.get('source')))}.")

# --- All cohorts at a glance ------------------------------------------------------------------
glance = pd.DataFrame([
    {"Cohort": c.name, "Pillar": c.pillar, "People": r.total,
     "Per 1,000 residents": cohorts.total_per_thousand(r)}
    for c in catalogue.values()
    for r in [cached_counts(version, user, c.cohort_id, area.code)]])
biggest = glance.dropna(subset=["People"]).sort_values("People", ascending=False).head(1)
if not biggest.empty:
    st.subheader(f"The largest cohort is {md(biggest.Cohort.iloc[0].lower())}: {fmt(biggest.People.iloc[0])} people, "
                 f"{fmt(biggest['Per 1,000 residents'].iloc[0], '{:.1f}')} per 1,000 residents")
show_table(glance.set_index("Cohort"), {"People": "{:,.0f}", "Per 1,000 residents": "{:.1f}"})
st.caption("Cohorts overlap: one person can be in several, so the counts do not add up.")

# --- One cohort -------------------------------------------------------------------------------
st.header("One cohort, by neighbourhood and segment")
chosen = st.selectbox("Cohort", list(catalogue), key="cohort_choice", format_func=lambda c: catalogue[c].name)
cohort = catalogue[chosen]
result = cached_counts(version, user, chosen, area.code)
st.markdown(f"**{fmt(result.total)} people** in {md(area.name)} · {md(cohort.description)}")
tabs = ["By neighbourhood", "By population segment", "Full table"]
if area.level == "neighbourhood":  # one bar says little: lead with the segments
    tabs[:2] = tabs[1::-1]
named = dict(zip(tabs, st.tabs(tabs)))
by_neighbourhood, by_segment, full = (named[t] for t in ("By neighbourhood", "By population segment", "Full table"))
with by_neighbourhood:
    summary = cohorts.neighbourhood_summary(result)
    st.plotly_chart(count_bars(summary.drop(index=TOTAL)["Per 1,000 residents"],
                               f"{cohort.name}: people per 1,000 registered residents", "Per 1,000 residents",
                               "{:.1f}"), width="stretch")
    show_table(summary, {"People": "{:,.0f}", "Per 1,000 residents": "{:.1f}", "Registered residents": "{:,.0f}"})
with by_segment:
    segments = result.table.loc[TOTAL].drop(TOTAL)
    st.plotly_chart(count_bars(segments, f"{cohort.name}: people by Bridges to Health segment", "People"),
                    width="stretch")
with full:
    show_table(result.table)
audited_download("Download these counts (CSV, as shown here)", key="export_counts", mime="text/csv",
                 file_name=f"{chosen}_{area.code}_counts.csv", what=f"cohort counts: {chosen}", area_code=area.code,
                 user=user, audited_by_reader=True,  # export_counts_csv records the cohort's definition
                 data=lambda: cohorts.export_counts_csv(db, user, chosen, area.code, cfg.audit_dir))

trend = cached_trend(version, user, chosen, area.code)
st.plotly_chart(activity_lines(trend, f"Emergency admissions and A&E attendances of today's {cohort.name.lower()} "
                                      "cohort, last 12 months"), width="stretch")
with st.expander("How to read this"):
    st.markdown(
        "The line chart follows **the people in the cohort today** back over the last 12 complete months and "
        "counts their emergency admissions and A&E attendances each month. It is not the size of the cohort "
        "month by month: the extract holds each person's conditions, frailty and risk score as at the extract "
        "date only, so who would have been in the cohort a year ago cannot be worked out honestly. For cohorts "
        "chosen *because* of their recent activity (frail with repeated admissions, infants with frequent "
        "A&E attendances) the activity is high by construction and tends to fall back afterwards. "
        f"Unless you see exact counts here, each neighbourhood's months are protected and summed, and a month "
        f"that could be {HIDDEN_RANGE} is a gap in the line.")

# --- Cohort builder ---------------------------------------------------------------------------
st.header("Cohort builder")
st.caption("Combine conditions and characteristics; the counts update as you choose. Leave a filter empty for any.")
filters = None
if not cohorts.builder_allowed(db, user, area.code):
    st.info("The builder counts only where you see exact figures (INT leads, in their own neighbourhoods): "
            "protected counts of definitions that differ by one filter could be subtracted to reveal small numbers.")
else:
    filters = builder_filters()
    built = cached_counts(version, user, filters, area.code)
    st.markdown(f"**{fmt(built.total)} people** in {md(area.name)} match these filters.")
    show_table(cohorts.neighbourhood_summary(built), {"People": "{:,.0f}", "Per 1,000 residents": "{:.1f}",
                                              "Registered residents": "{:,.0f}"})

# --- Pseudonymised list -----------------------------------------------------------------------
st.header("Whom to contact: the pseudonymised list")
if not role.lists:
    st.info(f"{role.label}s see counts only. Lists of people are for INT leads, in their own neighbourhoods.")
else:
    source = st.radio("List the people in", ["cohort", "builder"] if filters else ["cohort"], horizontal=True,
                      key="list_source",
                      format_func={"cohort": f"the cohort chosen above ({md(cohort.name)})",
                                   "builder": "the cohort builder's selection"}.get)
    definition = chosen if source == "cohort" else filters
    if not st.toggle("Show the list (each list shown and each download is recorded in the audit log)",
                     key="show_list"):
        st.session_state.pop("_cohort_list", None)
    else:
        try:
            rows = list_view(definition, "_cohort_list")
        except access.AccessDenied as exc:
            st.warning(md(exc))
        else:
            st.markdown(f"**{len(rows):,} people**, highest risk first; click a column heading to sort.")
            st.dataframe(rows, hide_index=True, width="stretch", column_config={
                "Risk score (%)": st.column_config.NumberColumn(format="%.1f"),
                **{c: st.column_config.DateColumn(format="D MMM YYYY") for c in rows.columns if c.startswith("Last ")}})
            audited_download("Download the list (CSV)", key="export_list", mime="text/csv",
                             file_name=f"cohort_list_{area.code}.csv", what="pseudonymised list", area_code=area.code,
                             user=user, audited_by_reader=True,  # export_list_csv records the list's definition
                             data=lambda: cohorts.export_list_csv(db, user, definition, area.code, cfg.audit_dir))

# --- Audit log (analysts) ---------------------------------------------------------------------
if role.audit:
    st.header("Audit log")
    log = audit.read_log(user, cfg.audit_dir)
    st.markdown(f"**{len(log):,} events** recorded: every list shown, every download and every refusal, newest first.")
    st.dataframe(log.head(1000), hide_index=True, width="stretch")
