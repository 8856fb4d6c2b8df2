"""Inequalities: who is left behind? A measure by deprivation, ethnic group, age band and sex for the
chosen area; slope and relative index of inequality; neighbourhoods on a funnel plot."""
import pandas as pd
import streamlit as st

from neighbourhood_health.app import cache, session
from neighbourhood_health.measures import inequalities
from neighbourhood_health.present.charts.place import category_bars, funnel_plot
from neighbourhood_health.present.findings import (gradient_finding, quintile_gap_sentence, sii_sentence, with_unit)
from neighbourhood_health.present.text import md
from neighbourhood_health.app.widgets import definition, measure_picker, protection_note
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE


def measure_row(run, measure_id: str) -> pd.Series:
    row = run("app/place_view_measures").set_index("measure_id").loc[measure_id].copy()
    row["measure_id"] = measure_id
    return row


def by_group(run, area_code: str, area_name: str, measure_id: str) -> dict:
    """Everything the page shows of one measure's breakdown in one area: worked out once, shared."""
    measure = measure_row(run, measure_id)
    unit = measure["unit"]
    by = inequalities.by_dimension(inequalities.breakdown(
        run("app/inequality_breakdown", measure_id=measure_id, scope_code=area_code), measure))
    average = inequalities.area_average(by["sex"], measure)
    result, notes = inequalities.slope_index(by["imd_decile"], measure)
    out = {"sentence": quintile_gap_sentence(inequalities.quintile_gap(by["imd_quintile"]), measure, area_name),
           "result": result, "notes": notes,
           "deciles": category_bars(by["imd_decile"], title=gradient_finding(result, measure, area_name),
                                    x_title="National deprivation decile of residents' small areas (IMD)",
                                    y_title=f"{measure['name']} ({unit})", benchmark=average,
                                    benchmark_label=f"{area_name} average"),
           "decile_table": inequalities.breakdown_table(by["imd_decile"], "Deprivation decile", unit), "groups": {}}
    for dim in [d for d in inequalities.DIMENSIONS if d != "imd_decile"]:
        part, label = by[dim], inequalities.DIMENSIONS[dim]
        ends = inequalities.extremes(part)
        finding = f"{measure['name']} by {label.lower()} in {area_name}" + (
            f": highest in {ends['highest'][0]} ({with_unit(ends['highest'][1], unit)}), lowest in "
            f"{ends['lowest'][0]} ({with_unit(ends['lowest'][1], unit)})" if ends else "")
        out["groups"][dim] = (category_bars(part, title=finding, x_title=label, y_title=f"{measure['name']} ({unit})",
                                            benchmark=average, benchmark_label=f"{area_name} average"),
                              inequalities.breakdown_table(part, label, unit))
    return out


def system_funnel(run, area: session.Area, icb_name: str, measure_id: str) -> dict:
    """The neighbourhoods of the area's system on a funnel plot, with its title and table."""
    measure = measure_row(run, measure_id)
    unit = measure["unit"]
    fun = inequalities.neighbourhood_funnel(
        run("app/measure_within_area", measure_id=measure_id, scope_code=area.icb_code, level="neighbourhood"),
        measure, area)
    shown, outside = len(fun.points), fun.outside_labels
    title = (f"None of the {shown} neighbourhoods in {icb_name} lies outside the 99.8% limits" if not outside else
             f"{len(outside)} of {shown} neighbourhoods in {icb_name} "
             f"{'lies' if len(outside) == 1 else 'lie'} outside the 99.8% limits"
             + (f": {', '.join(outside)}" if len(outside) <= 4 else ""))
    return {"figure": funnel_plot(fun.points, fun.limits, fun.benchmark, title=title,
                                  x_title=inequalities.denominator_label(measure), y_title=f"{measure['name']} ({unit})",
                                  benchmark_label=f"{icb_name}: {with_unit(fun.benchmark, unit)}", highlight=fun.chosen),
            "hidden": fun.hidden, "table": fun.table(unit, icb_name)}


area = session.current_area()
names = session.area_names()
measures = cache.run("app/place_view_measures")
measures = measures[measures["person_level"]]

st.title(f"Inequalities in {md(area.name)}")
measure = measure_picker(measures, "ineq_measure", "emergency_admissions")
unit = measure["unit"]
st.caption("Measures that arrive already aggregated (surveys, waiting times) have no breakdown by person, "
           "so only measures from GP records and linked activity are offered.")

view = cache.shared(by_group, area.code, area.name, measure["measure_id"])
st.subheader(md(view["sentence"]))
result, notes = view["result"], view["notes"]
left, right = st.columns([2.6, 1])
with left:
    st.plotly_chart(view["deciles"], width="stretch", key="deciles")
with right:
    st.metric("Slope index of inequality (SII)",
              "–" if pd.isna(result["sii"]) else f"{result['sii']:,.1f}",
              help=f"Modelled difference between the most and least deprived ends, in "
                   f"{'percentage points' if unit == '%' else md(unit)}; 95% interval below.")
    st.metric("Relative index of inequality (ratio)", "–" if pd.isna(result["rii"]) else f"{result['rii']:.2f}",
              help="Modelled ratio of the most to the least deprived end.")
    st.caption(md(sii_sentence(result, measure)))
    for note in notes:
        st.caption(f"Note: {md(note)}.")


with st.expander("Figures by deprivation decile"):
    st.dataframe(view["decile_table"], hide_index=True, width="stretch")
with st.expander("How to read this"):
    st.markdown(
        "Residents are grouped by the national deprivation decile (Index of Multiple Deprivation) of the small "
        "area they live in: 1 is the most deprived tenth of areas in England, 10 the least. Whiskers show 95% "
        "intervals; the dashed line is the average for the whole area. The **slope index of inequality** fits a "
        "line through all deciles, weighted by their population, and reports the modelled difference between "
        "the most and the least deprived ends; the **relative index** is the ratio between those ends "
        "(fitted on the log scale for rates, logit scale for proportions, as recommended by OHID). Their 95% "
        "intervals come from simulation. An interval that excludes 0 (SII) or 1 (RII) means a clear social "
        f"gradient. Groups whose count could be {HIDDEN_RANGE} are suppressed.")
definition(measure)

st.header("By group")
tabs = st.tabs([inequalities.DIMENSIONS[d] for d in inequalities.DIMENSIONS if d != "imd_decile"])
for tab, (dim, (figure, table)) in zip(tabs, view["groups"].items()):
    with tab:
        st.plotly_chart(figure, width="stretch", key=f"bars_{dim}")
        st.dataframe(table, hide_index=True, width="stretch")
with st.expander("How to read this"):
    st.markdown(
        "Each bar is the measure for one group of residents of the area, with its 95% interval; the dashed "
        "line is the whole area's value. Where intervals do not overlap the line, that group differs from the "
        "area as a whole. Rates are per person-year over the latest 12 months; proportions are at the extract "
        "date. Groups are not standardised for age, so differences between ethnic groups or deprivation levels "
        "can partly reflect different age structures.")

st.header("Neighbourhoods against the system")
icb_name = names[area.icb_code]
fun = cache.shared(system_funnel, area, icb_name, measure["measure_id"])
st.plotly_chart(fun["figure"], width="stretch", key="funnel")
if fun["hidden"]:
    st.caption(f"Not shown: {md(', '.join(fun['hidden']))} (their count could be {HIDDEN_RANGE} events).")
st.dataframe(fun["table"], hide_index=True, width="stretch")
protection_note(area.code)
with st.expander("How to read this"):
    st.markdown(
        f"Each point is a neighbourhood of {md(icb_name)}, placed by its size (horizontal) and value (vertical); "
        f"the horizontal line is the value for {md(icb_name)} as a whole. The funnel lines show how far a "
        "neighbourhood of that size could stray from the system value by chance alone: 95% limits (dashed) and "
        "99.8% limits (solid). A point outside the 99.8% limits is very unlikely to be chance and is worth "
        "investigating; blue shades mark better and orange shades worse (for measures where higher is neither, "
        "blue marks higher and grey-blue lower). Neighbourhoods of the chosen area have a thick dark outline.")
