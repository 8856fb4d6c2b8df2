"""Map: where in my area is a measure worse? Neighbourhoods or small areas, coloured by value or by
significance against the area; clicking a neighbourhood chooses it on every page."""
import numpy as np
import pandas as pd
import streamlit as st

from neighbourhood_health.app import cache, session
from neighbourhood_health.measures import indicators
from neighbourhood_health.present import maps
from neighbourhood_health.present.findings import map_finding, with_unit
from neighbourhood_health.present.text import md
from neighbourhood_health.app.widgets import (UNIT_NAME, clickable_map, definition, legend, measure_picker, neighbourhood_scope,
                                              protection_note)
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE


def shaded(run, area: session.Area, scope: str, scope_name: str, level: str, measure_id: str, colour_by: str,
           basemap: bool) -> dict:
    """The map of one measure in the scope, its legend, finding and table: worked out once, shared."""
    measure = run("app/place_view_measures").set_index("measure_id").loc[measure_id].copy()
    measure["measure_id"] = measure_id
    unit = measure["unit"]
    rows = indicators.against_parent_suppressed(run("app/measure_within_area", measure_id=measure_id,
                                                    scope_code=scope, level=level))
    rows["value_text"] = [(f"not shown (could be {HIDDEN_RANGE} events)" if s else "no value") if pd.isna(v)
                          else with_unit(v, unit) for v, s in zip(rows["value"], rows["suppressed"])]
    rows["interval_text"] = ["–" if pd.isna(lo) else f"{indicators.format_value(lo, unit)} to {indicators.format_value(hi, unit)}"
                             for lo, hi in zip(rows["lower"], rows["upper"])]
    rows["numerator_text"] = ["suppressed" if s else ("–" if pd.isna(n) else f"{n:,.0f}")
                              for n, s in zip(rows["numerator"], rows["suppressed"])]
    rows["denominator_text"] = ["–" if pd.isna(d) else f"{d:,.0f}" for d in rows["denominator"]]
    rows["compared_text"] = rows["significance"].map(indicators.SIGNIFICANCE_LABEL).fillna("Not compared")
    if colour_by == "value":
        edges = maps.class_breaks(rows["value"])
        rows["colour"] = maps.sequential_colours(rows["value"], edges)
        items = maps.sequential_legend(edges, lambda v: indicators.format_value(v, unit))
        legend_title = f"{measure['name']} ({unit})"
    else:
        rows["colour"] = maps.significance_colours(rows["significance"])
        items = maps.significance_legend(rows["significance"], scope_name)
        legend_title = f"Compared with {scope_name} (95% interval)"
    geo = cache.map_layer(level)
    frame = geo[geo["area_code"].isin(rows["area_code"])].merge(rows.drop(columns=["area_name"]), on="area_code", how="left")
    keep = ["area_code", "area_name", "geometry", "colour", "value_text", "interval_text", "numerator_text",
            "denominator_text", "compared_text"] + (["neighbourhood_code"] if level == "small_area" else [])
    parents = cache.map_layer("place" if level == "neighbourhood" else "neighbourhood")
    deck = None if frame.empty else maps.choropleth_deck(
        frame[keep], basemap=basemap,
        tooltip=("{area_name}\n" + measure["name"] + ": {value_text}\n95% interval: {interval_text}\n"
                 "Numerator: {numerator_text}\nDenominator: {denominator_text}\n"
                 f"Compared with {scope_name}: " + "{compared_text}"),
        highlight=area.code if area.level == "neighbourhood" else None,
        outlines=parents[parents["area_code"].isin(rows["parent_code"].dropna().unique())],
        labels=level == "neighbourhood")
    table = rows.sort_values("value", ascending=False, na_position="last")
    table = pd.DataFrame({
        UNIT_NAME[level][0].capitalize(): table["area_name"],
        f"Value ({unit})": table["value"].round(2),
        "Lower 95%": table["lower"].round(2),
        "Upper 95%": table["upper"].round(2),
        "Numerator": table["numerator"].round(0),
        "Denominator": table["denominator"].round(1),
        f"Compared with {scope_name}": table["compared_text"],
        "Note": np.where(table["suppressed"], f"Not shown: could be {HIDDEN_RANGE} events", ""),
    })
    return {"deck": deck, "items": items, "legend_title": legend_title, "table": table,
            "finding": map_finding(rows, measure, UNIT_NAME[level][0], scope_name)}


area = session.current_area()
names = session.area_names()
measures = cache.run("app/place_view_measures")

st.title(f"Map of {md(area.name)}")
controls = st.columns([3, 2, 2, 1.4])
with controls[0]:
    measure = measure_picker(measures, "map_measure", "emergency_admissions")
levels = ["neighbourhood", "small_area"] if measure["person_level"] else ["neighbourhood"]
prefer_small = area.level == "neighbourhood" and measure["person_level"]
level = controls[1].radio("Show", levels, index=1 if prefer_small else 0, horizontal=True,
                          format_func=lambda lv: UNIT_NAME[lv][1].capitalize())
scope = area.code if level == "small_area" else neighbourhood_scope(area)
scope_name = names[scope]
colour_by = controls[2].radio("Colour by", ["value", "significance"], horizontal=True,
                              format_func={"value": "Value", "significance": f"Compared with {md(scope_name)}"}.get)
basemap = controls[3].toggle("Basemap", value=False, help="Street map under the areas; needs an internet connection.")
if not measure["person_level"]:
    st.caption("This measure arrives already aggregated by neighbourhood, so there is no small-area view.")

view = cache.shared(shaded, area, scope, scope_name, level, measure["measure_id"], colour_by, basemap)
st.subheader(md(view["finding"]))
map_col, legend_col = st.columns([4, 1])
with map_col:
    if view["deck"] is None:
        st.info(f"No {UNIT_NAME[level][1]} with boundaries in {md(scope_name)}.")
    else:
        clickable_map(view["deck"], key=f"map_{area.code}_{level}",
                      select_field="area_code" if level == "neighbourhood" else "neighbourhood_code",
                      alt=f"Map of {measure['name']} by {UNIT_NAME[level][0]} in {scope_name}")
with legend_col:
    legend(view["legend_title"], view["items"])
    st.caption("Click a neighbourhood to choose it on every page." if level == "neighbourhood"
               else "Click a small area to choose its neighbourhood.")

with st.expander("How to read this"):
    st.markdown(
        f"Each shape is a {UNIT_NAME[level][0]} in {md(scope_name)}. **Colour by value** sorts the "
        f"{UNIT_NAME[level][1]} into up to five groups of similar size, from light (lowest) to dark blue "
        f"(highest). **Compared with {md(scope_name)}** colours a shape blue when it is significantly better "
        f"and orange when significantly worse than {md(scope_name)} as a whole (its 95% interval does not include "
        f"the value for {md(scope_name)}), taking account of whether higher or lower is better; grey means similar. "
        "Measures where higher is neither better nor worse (such as recorded prevalence) show higher or "
        "lower instead. Hover over a shape for its value, 95% interval, numerator and denominator. "
        f"Counts that could be {HIDDEN_RANGE} are suppressed to protect confidentiality: those shapes are white. "
        "Figures cover the latest 12 months for activity and monthly standards, the latest survey for "
        "annual surveys and the extract date for prevalence and treat-to-target measures.")
definition(measure)

st.dataframe(view["table"], hide_index=True, width="stretch")
protection_note(area.code)
