"""Trends: is a measure changing in the chosen area beyond its usual month-to-month variation?

Who may see what is decided in the data layer: the queries give exact months only where the viewer
may see them (an INT lead in their own neighbourhood) and protected months elsewhere
(`privacy.disclosure`); `trends.hide_small_months` hides those that could be 1–7 and leaves them out
of the SPC, in the main chart, the small multiples and the icon summary alike.
"""
import pandas as pd
import streamlit as st

from neighbourhood_health.privacy import access
from neighbourhood_health.app import cache, session, signin
from neighbourhood_health.present.charts import spc as charts_spc
from neighbourhood_health.measures import trends
from neighbourhood_health.measures.indicators import format_value
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE, LEGEND, SUPPRESSED
from neighbourhood_health.measures.trends import ASSURANCE_LABEL, NO_ASSURANCE, VARIATION_LABEL
from neighbourhood_health.present.text import md

SEASONAL, RECORDED = "Seasonally adjusted", "As recorded"


def judged_months(run, area_code: str, measure: str, baseline, view: str, title: str):
    """One measure's months as judged (seasonally adjusted or as recorded), its SPC and its chart."""
    rows = trends.offered_series(run("app/measure_series", area_code=area_code))[0]
    rows = rows[rows.measure_id == measure].reset_index(drop=True)
    factors = cache.seasonal_factors().get(measure)
    judged = trends.seasonally_adjusted(rows, factors) if view == SEASONAL and factors is not None else rows
    result = trends.spc_for(judged, baseline)
    events = trends.events_for(area_code, run("app/areas"), cache.manifest().get("service_changes", []))
    return judged, result, charts_spc.spc_figure(result, title, rows.iloc[0]["unit"], judged, events, baseline)


def across(run, measure: str, parent_code: str, baseline, unit: str, highlight: str | None):
    """The small multiples of the area's siblings or children, or None; whether any month is hidden; who is left out."""
    shown, facets, left_out = trends.facets(run("app/measure_series_children", measure_id=measure,
                                                parent_code=parent_code), baseline)
    figure = charts_spc.small_multiples(facets, unit, highlight=highlight, monthly=shown) if facets else None
    return figure, any(part["suppressed"].any() for part in shown.values()), left_out


def every_measure(run, area_code: str):
    return trends.icon_summary(run("app/measure_series", area_code=area_code), cache.seasonal_factors())


area = session.current_area()
user = signin.current_user()
db = cache.database()
exact = trends.exact_for(db, user, area.code)
raw = cache.run("app/measure_series", area_code=area.code)
monthly, too_hidden = trends.offered_series(raw)
viewing = (f"Exact figures: you cover {md(area.name)}." if exact else
           f"{md(LEGEND)} Months that could be {HIDDEN_RANGE} are hidden (gaps in the line) and left out of the mean "
           "and process limits.")
if monthly.empty:
    st.title(f"Trends in {md(area.name)}")
    st.info(f"No measure has at least {trends.MIN_POINTS} months that can be shown for {md(area.name)}.")
    st.caption(viewing)
    st.stop()

heading = st.container()
names = monthly.drop_duplicates("measure_id").set_index("measure_id")["name"]
wanted = st.query_params.get("measure")
measure = st.selectbox("Measure", list(names.index), format_func=names.get, key="trend_measure",
                       index=list(names.index).index(wanted) if wanted in names.index else 0)
st.query_params["measure"] = measure
rows = monthly[monthly.measure_id == measure].reset_index(drop=True)
first = rows.iloc[0]

events = trends.events_for(area.code, cache.run("app/areas"), cache.manifest().get("service_changes", []))
choices = trends.baseline_choices(rows, events)
if st.session_state.get("trend_baseline") not in choices:  # another area's event is not offered here
    st.session_state["trend_baseline"] = trends.ALL_POINTS
choice = st.radio("Calculate the mean and process limits from", list(choices), horizontal=True,
                  key="trend_baseline", format_func=md)  # event labels come from the manifest
baseline = choices[choice]
if baseline == "fixed":
    baseline = int(st.number_input("Baseline: the first … months", min_value=2, max_value=len(rows),
                                   value=trends.fixed_baseline_default(rows), key="trend_baseline_months"))

factors = cache.seasonal_factors().get(measure)
view = RECORDED
if factors is not None:
    view = st.radio("Judge the months", [SEASONAL, RECORDED], horizontal=True, key="trend_view",
                    help="A seasonal measure rises every winter: judged as recorded, each winter looks like a change.")
title = f"{first['name']}, {area.name}" + (" (seasonally adjusted)" if view == SEASONAL else "")
judged, result, figure = cache.shared(judged_months, area.code, measure, baseline, view, title)
icon = trends.variation(result)
finding = trends.explain(result, first["unit"])
heading.title(f"{md(first['name'])} in {md(area.name)}")
reads = f"{view}: " if factors is not None else ""
if finding:
    heading.subheader(reads + md(finding if reads else finding[0].upper() + finding[1:]))
else:
    heading.subheader(reads + (trends.NO_VARIATION if icon is None else
                      "Common cause variation: no sign of change beyond the usual month-to-month variation"))
if factors is not None:
    heading.caption(f"This measure is seasonal, so its months can be judged {md(trends.SEASONAL_METHOD)}. "
                    f"Month-of-year factors from {factors.months} months: "
                    + ", ".join(f"{pd.Timestamp(2000, m, 1):%b} {f:.2f}" for m, f in factors.factors.items()) + ".")

chart, icons = st.columns([6, 1])
chart.plotly_chart(figure, key="spc_chart", theme=None)
if icon:
    icons.markdown(charts_spc.variation_svg(icon), unsafe_allow_html=True)
icons.caption(f"Variation: {VARIATION_LABEL[icon] if icon else trends.NO_VARIATION}")
if result.assurance_icon:
    icons.markdown(charts_spc.assurance_svg(result.assurance_icon), unsafe_allow_html=True)
icons.caption(f"Assurance: {ASSURANCE_LABEL.get(result.assurance_icon, NO_ASSURANCE)}")
for note in result.notes:
    st.caption(f"Note: {md(note)}.")
hidden = rows.loc[rows["suppressed"], "period"]
who = access.ROLES[user.role].label if user is not None and user.role in access.ROLES else "nobody with a role"
st.caption(f"Viewing as {who}. {viewing}"
           + (f" Hidden here ({len(hidden)} of {len(rows)} months): {', '.join(f'{p:%b %Y}' for p in hidden)}."
              if len(hidden) else ""))
if rows["suppressed"].iloc[-1]:
    st.caption(f"The latest month ({rows['period'].iloc[-1]:%b %Y}) is hidden: the variation icon describes the "
               f"latest month shown ({result.points['period'].iloc[-1]:%b %Y}).")
if len(too_hidden):
    st.caption(f"Not offered: {md('; '.join(too_hidden))} (fewer than {trends.MIN_POINTS} months left to show "
               f"once months that could be {HIDDEN_RANGE} are hidden).")

with st.expander("How to read this"):
    st.markdown(
        "Each dot is one month's value. The solid line is the mean and the dashed lines are the process "
        "limits (mean ± 2.66 × the mean moving range): nearly all months fall between them when nothing "
        "has changed. Blue dots are **special cause improvement**, orange dots **special cause concern** and "
        "purple dots special cause variation in a measure we do not judge; grey dots are common cause. "
        "A point is special cause when it lies outside a limit, is one of 7 or more in a row on one side of "
        "the mean or steadily rising or falling, or is one of 2 in 3 close to a limit. "
        "The variation icon describes the latest month (H or L: higher or lower); the assurance icon says "
        "whether the process will reliably meet the target (P passes, F fails, ? hit and miss). "
        "When you know something changed, calculate the limits from the months before it: the later "
        "months are then judged against the old process. "
        f"Unless you may see exact figures for an area (INT leads, in their own neighbourhoods), counts are "
        f"protected ({md(LEGEND.lower())}); months that could be {HIDDEN_RANGE} are not drawn and are left out of "
        "the mean, the limits and the icons.")
    st.markdown(f"**Definition:** {md(first['definition'])}")

if area.level == "neighbourhood":
    parent_code, highlight = area.parent_code, area.name
else:
    parent_code, highlight = area.code, None
facets, any_hidden, left_out = cache.shared(across, measure, parent_code, baseline, first["unit"], highlight)
if facets is not None:
    level = "places" if area.level == "icb" else "neighbourhoods"
    st.header(f"Across the {level} of {md(area.name if highlight is None else session.parent_name(area))}")
    st.plotly_chart(facets, key="spc_facets", theme=None)
    if any_hidden:
        st.caption(f"Months that could be {HIDDEN_RANGE} are hidden (gaps) wherever you may not see exact figures, "
                   "and left out of that area's limits." + (f" Not shown: {md(', '.join(left_out))} (fewer than {trends.MIN_POINTS} "
                                       "months left to show)." if left_out else ""))

st.header(f"Every measure in {md(area.name)}: variation and assurance")
summary = cache.shared(every_measure, area.code)
st.dataframe(
    {"Measure": summary["name"],
     "Latest": summary["latest_period"].dt.strftime("%b %Y"),
     "Value": [SUPPRESSED if h else format_value(v, u)
               for v, u, h in zip(summary["latest_value"], summary["unit"], summary["latest_hidden"])],
     "variation_icon": charts_spc.icon_uris(summary["variation_icon"], "variation"),
     "Variation (latest month)": summary["variation_icon"].map(VARIATION_LABEL).fillna("–"),
     "assurance_icon": charts_spc.icon_uris(summary["assurance_icon"], "assurance"),
     "Assurance": summary["assurance_icon"].map(ASSURANCE_LABEL).fillna(NO_ASSURANCE),
     "Why": summary["meaning"]},
    column_config={"variation_icon": st.column_config.ImageColumn("", width=40),
                   "assurance_icon": st.column_config.ImageColumn("", width=40)},
    hide_index=True, width="stretch", height=36 * (len(summary) + 1) + 2, key="icon_summary")
st.caption("Seasonal measures (" + (md(", ".join(summary.loc[summary["seasonal"], "name"])) or "none") +
           ") are judged on their seasonally adjusted months. " + ("Icons use all points of each series. " if exact else
            f"Icons use the months shown; {md(SUPPRESSED)}: the latest month could be {HIDDEN_RANGE} and is hidden. ")
           + f"Measures with fewer than {trends.MIN_POINTS} months (annual surveys, snapshots at the extract date) "
           "have no SPC.")
