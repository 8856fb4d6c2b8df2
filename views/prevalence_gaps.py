"""Prevalence gaps: what is going undiagnosed? Recorded prevalence against the prevalence expected
for the age, sex and deprivation of the registered population, as a count of people."""
import pandas as pd
import streamlit as st

from neighbourhood_health.app import cache, session, signin
from neighbourhood_health.present import maps
from neighbourhood_health.measures import prevalence
from neighbourhood_health.present.charts.place import ranked_bars
from neighbourhood_health.present.findings import prevalence_finding
from neighbourhood_health.present.text import md
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE
from neighbourhood_health.app.widgets import (protection_note, audited_download, clickable_map, definition, legend,
                                              neighbourhood_scope)


def gap_table(frame: pd.DataFrame, first: str, first_label: str) -> pd.DataFrame:
    return pd.DataFrame({
        first_label: frame[first],
        "Eligible population": frame["eligible"].round(0),
        "Recorded (people)": frame["recorded"].round(0),
        "Recorded prevalence (%)": frame["recorded_prevalence"].round(2),
        "Expected (people)": frame["expected"].round(1),
        "Expected prevalence (%)": frame["expected_prevalence"].round(2),
        "Recorded as % of expected": (frame["ratio"] * 100).round(1),
        "Lower 95% (%)": (frame["ratio_lower"] * 100).round(1),
        "Upper 95% (%)": (frame["ratio_upper"] * 100).round(1),
        "Estimated not yet diagnosed (people)": frame["gap"].round(0),
        "Lower 95% (people)": frame["gap_lower"].round(0),
        "Upper 95% (people)": frame["gap_upper"].round(0),
        "Not yet diagnosed per 1,000 eligible": frame["gap_per_1000"].round(1),
        "Judgement": frame["judgement"].str.capitalize(),
        "Note": frame["suppressed"].map({True: f"Not shown: could be {HIDDEN_RANGE} recorded", False: ""}),
    })


def download(table: pd.DataFrame, label: str, file_name: str, key: str, what: str) -> None:
    audited_download(label, lambda: table.to_csv(index=False).encode("utf-8"), file_name=file_name, mime="text/csv",
                     key=key, what=what, area_code=area.code, user=signin.current_user(), rows=len(table))


def across_conditions(run, area_code: str, area_level: str, area_name: str, scope: str):
    """The area's gap for every condition, its chart and its table: worked out once, shared."""
    own = prevalence.suppressed(prevalence.area_gaps(
        run("app/prevalence_gap_strata", scope_code=scope), run("app/prevalence_recorded", scope_code=scope),
        neighbourhoods=[area_code] if area_level == "neighbourhood" else None))
    own["condition_name"] = own["name"].str.split(":").str[0]
    top = own.loc[own["gap"].idxmax()] if own["gap"].notna().any() else None
    headline = (f"{top['condition_name']} has the largest gap in {area_name}: an estimated {top['gap']:,.0f} "
                f"people not yet diagnosed" if top is not None else f"No prevalence gaps can be shown for {area_name}")
    figure = ranked_bars(own, "condition_name", "gap", "gap_lower", "gap_upper", title=headline,
                         x_title="Estimated people not yet diagnosed (expected − recorded), with 95% interval")
    return own, figure, gap_table(own.sort_values("gap", ascending=False), "condition_name", "Condition")


def across_neighbourhoods(run, scope: str, scope_name: str, measure_id: str, condition: str, area_code: str):
    """One condition's gap in each neighbourhood of the scope, with its map colours, chart and table."""
    strata = run("app/prevalence_gap_strata", scope_code=scope)
    nbhd = prevalence.suppressed(prevalence.neighbourhood_gaps(strata[strata["measure_id"] == measure_id],
                                                               run("app/prevalence_recorded", scope_code=scope)))
    largest = nbhd.loc[nbhd["gap"].idxmax()] if nbhd["gap"].notna().any() else None
    title = (f"{condition}: of the neighbourhoods of {scope_name}, the largest gap is in "
             f"{largest['neighbourhood_name']} ({largest['gap']:,.0f} people)" if largest is not None
             else f"{condition}: no neighbourhood gaps can be shown")
    figure = ranked_bars(nbhd, "neighbourhood_name", "gap", "gap_lower", "gap_upper", key="neighbourhood_code",
                         highlight={area_code}, title=title,
                         x_title="People not yet diagnosed, with 95% interval", wrap=55)
    edges = maps.class_breaks(nbhd["gap_per_1000"])
    nbhd["colour"] = maps.sequential_colours(nbhd["gap_per_1000"], edges)
    nbhd["gap_text"] = [("suppressed" if s else "–") if pd.isna(g) else f"{g:,.0f} (95% interval {lo:,.0f} to {hi:,.0f})"
                        for g, lo, hi, s in zip(nbhd["gap"], nbhd["gap_lower"], nbhd["gap_upper"], nbhd["suppressed"])]
    nbhd["prev_text"] = [("suppressed" if pd.isna(r) else f"{r:.1f}%") + f" recorded, {e:.1f}% expected"
                         for r, e in zip(nbhd["recorded_prevalence"], nbhd["expected_prevalence"])]
    nbhd["per_1000_text"] = ["–" if pd.isna(v) else f"{v:,.1f}" for v in nbhd["gap_per_1000"]]
    geo = cache.map_layer("neighbourhood")
    frame = geo.merge(nbhd.rename(columns={"neighbourhood_code": "area_code"}).drop(columns=["name"]), on="area_code")
    deck = maps.choropleth_deck(
        frame[["area_code", "area_name", "geometry", "colour", "gap_text", "prev_text", "per_1000_text"]],
        basemap=False, tooltip="{area_name}\nNot yet diagnosed: {gap_text}\nPer 1,000 eligible: {per_1000_text}\n{prev_text}",
        highlight=area_code if area_code in set(nbhd["neighbourhood_code"]) else None, labels=len(frame) <= 10,
        width=440, height=420)
    return edges, figure, gap_table(nbhd.sort_values("gap", ascending=False), "neighbourhood_name", "Neighbourhood"), deck


area = session.current_area()
names = session.area_names()
scope = neighbourhood_scope(area)
own, conditions_figure, conditions_table = cache.shared(across_conditions, area.code, area.level, area.name, scope)

st.title(f"Prevalence gaps in {md(area.name)}")
st.caption("Recorded prevalence compared with the prevalence expected for the age, sex and deprivation of "
           "the registered population. The gap estimates how many people have a condition that is not yet "
           "recorded on a GP register.")

st.header("Across conditions")
st.plotly_chart(conditions_figure, width="stretch", key="gap_conditions")
with st.expander("How to read this"):
    st.markdown(
        "Each bar is the number of people expected to have the condition minus the number recorded on GP "
        "registers; the whiskers show its 95% interval. **Expected** applies reference prevalence rates "
        "(modelled estimates by five-year age band, sex and deprivation quintile) to the registered "
        "population of each age band, sex and quintile, counting only the ages the register covers "
        "(indirect standardisation). A bar to the right of zero means fewer people are recorded than expected: "
        "the whiskers not crossing zero means the gap is unlikely to be chance. The interval treats the expected "
        "count as fixed and allows for chance in the recorded count (exact Poisson or Byars method). Registers "
        f"whose count could be {HIDDEN_RANGE} people are suppressed.")
st.dataframe(conditions_table, hide_index=True, width="stretch")
download(conditions_table, "Download this table (CSV)", f"prevalence_gaps_{area.code}.csv", "dl_conditions",
         "prevalence gaps by condition")

st.header("By neighbourhood")
options = own.sort_values("name")[["measure_id", "name"]]
label = dict(zip(options["measure_id"], options["name"].str.split(":").str[0]))
if st.session_state.get("gap_condition") not in label:
    st.session_state["gap_condition"] = "prev_hypertension" if "prev_hypertension" in label else options["measure_id"].iloc[0]
measure_id = st.selectbox("Condition", list(label), key="gap_condition", format_func=label.get)
chosen = own[own["measure_id"] == measure_id].iloc[0]
scope_name = names[scope]
edges, nbhd_figure, nbhd_table, deck = cache.shared(across_neighbourhoods, scope, scope_name, measure_id,
                                                     label[measure_id], area.code)

st.subheader(md(prevalence_finding(chosen, area.name)))
chart_col, map_col = st.columns([1, 1])
with chart_col:
    st.plotly_chart(nbhd_figure, width="stretch", key="gap_nbhd")
with map_col:
    st.markdown(f"**Estimated people not yet diagnosed per 1,000 eligible residents, {md(label[measure_id].lower())}**")
    clickable_map(deck, key=f"gap_map_{area.code}_{measure_id}", height=420,
                  alt=f"Map of estimated undiagnosed {label[measure_id].lower()} by neighbourhood of {scope_name}")
    legend("Per 1,000 eligible residents", maps.sequential_legend(edges, lambda v: f"{v:,.1f}"))
with st.expander("How to read this"):
    st.markdown(
        f"The bars rank the neighbourhoods of {md(scope_name)} by the estimated number of people with "
        f"{md(label[measure_id].lower())} who are not on a GP register (expected minus recorded, with its 95% "
        "interval); the chosen neighbourhood is dark blue. The map shows the same gap per 1,000 eligible "
        "residents, so that neighbourhoods of different sizes can be compared: darker means a larger gap. "
        "Click a neighbourhood on the map to choose it on every page. Expected counts come from reference "
        "prevalence rates, not from the records being judged, so a gap can also reflect differences between "
        "the reference population and local people (for example in ethnicity).")
definition(cache.run("app/place_view_measures").set_index("measure_id").loc[measure_id])
st.dataframe(nbhd_table, hide_index=True, width="stretch")
download(nbhd_table, "Download this table (CSV)", f"prevalence_gaps_{measure_id}_{scope}.csv", "dl_nbhd",
         f"prevalence gaps by neighbourhood: {measure_id} in {scope}")
protection_note(area.code)
