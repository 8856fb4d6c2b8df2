"""Evaluation: did an intervention change its outcome, beyond what would have happened anyway?

Three designs on the same monthly figures (`measures.evaluation`), each with its estimate, 95%
interval, a plain-English finding, its assumptions and what would undermine them. Figures are
exact only where the viewer may see every area exactly; otherwise all are protected.
"""
import pandas as pd
import streamlit as st

from neighbourhood_health.app import cache, session, signin
from neighbourhood_health.app.widgets import audited_download
from neighbourhood_health.measures import evaluation
from neighbourhood_health.present import evaluation_text as words
from neighbourhood_health.present.charts import evaluation as charts
from neighbourhood_health.present.text import md
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE, LEGEND

area = session.current_area()
tree = cache.run("app/areas")
reached = evaluation.interventions_reaching(cache.interventions(), tree, area.code)
if not reached:
    st.title(f"No intervention of the catalogue reached {md(area.name)}")
    st.info("The Evaluation page offers the interventions of the catalogue (interventions.csv) that reached the "
            "area chosen in the sidebar. " + (f"Those in the catalogue: {md('; '.join(i.name + ' (' + ', '.join(i.areas) + ')' for i in cache.interventions()))}."
                                              if cache.interventions() else "The catalogue is empty."))
    st.stop()
by_id = {item.intervention_id: item for item in reached}
wanted = st.query_params.get("intervention")
chosen_id = st.selectbox("Intervention", list(by_id), format_func=lambda i: md(by_id[i].name), key="eval_intervention",
                         index=list(by_id).index(wanted) if wanted in by_id else 0)
st.query_params["intervention"] = chosen_id
chosen = by_id[chosen_id]
names = cache.run("app/measure_catalogue").set_index("measure_id")["name"]
measure_id = st.selectbox("Outcome measure", list(chosen.measures), format_func=lambda m: md(names.get(m, m)),
                          key=f"eval_measure_{chosen_id}")

with st.spinner("Fitting the three designs"):
    try:
        result = cache.evaluation(chosen_id, measure_id)
    except ValueError as exc:
        st.title(f"{md(area.name)}: {md(chosen.name)} not evaluated")
        st.error(f"{md(chosen.name)} cannot be evaluated on {md(names.get(measure_id, measure_id))}: {md(exc)}")
        st.stop()
table = evaluation.estimates(result)
measure = result.measure
areas_text = ", ".join(chosen.areas)
st.title(f"{md(area.name)}, {md(chosen.name)}: {md(words.summary(table))}")
st.markdown(f"**{md(measure['name'])}** · areas reached: **{md(areas_text)}** ({len(result.treated)} neighbourhoods) · "
            f"from **{chosen.start:%B %Y}** · aimed to make it **{md(chosen.expected_direction)}**")
st.caption(("Exact figures: you may see every area's." if result.exact else
            f"{md(LEGEND)} Every figure here, treated and comparator alike, is protected; rounding adds "
            "variation the intervals allow for, so they are wider than exact figures would give.")
           + f" {md(chosen.notes)}")

st.plotly_chart(charts.estimates_figure(table, f"Change in {measure['name']} after the start, by design"),
                key="eval_estimates", theme=None)
for _, row in table.iterrows():
    if row["error"]:
        st.markdown(f"**{row['label']}**: not estimated — {md(row['error'])}.")
    else:
        st.markdown(f"**{row['label']}**: {md(words.finding(row['design'], row['ratio'], row['lower'], row['upper'], measure['name'], areas_text, chosen.expected_direction))}")



def assumptions(design: str) -> None:
    st.markdown(f"**Assumes:** {words.ASSUMPTIONS[design]}  \n**Undermined by:** {words.UNDERMINED_BY[design]}")


did_tab, sc_tab, its_tab = st.tabs(["Difference-in-differences", "Synthetic control", "Interrupted time series"])
unit = measure["unit"]
with did_tab:
    if result.did:
        fit = result.did
        st.plotly_chart(charts.lines_figure({"Treated neighbourhoods": result.rates(result.treated),
                                             "Matched comparators": result.rates(fit.comparators)},
                                            chosen.start, unit, f"{measure['name']}: treated and matched comparators"),
                        key="eval_did_lines", theme=None)
        st.plotly_chart(charts.event_study_figure(fit.event_study, 3, "Event study: treated against comparators, "
                                                  "by 3 months from the start"), key="eval_event_study", theme=None)
        pre = ("no pre-period bins to test" if pd.isna(fit.pre_trend_p) else
               f"a test that the pre-period bins are all no different gives p = {fit.pre_trend_p:.2f}"
               + (" (little sign of diverging trends)" if fit.pre_trend_p >= 0.05 else
                  " (**the trends diverged before the start**: read the estimate with care)"))
        st.markdown(f"Before the start: {pre}. Extra-Poisson variation: {fit.dispersion:.1f}× Poisson.")
        st.subheader("Comparators and balance")
        st.dataframe({"Comparator neighbourhood": [result.names.get(c, c) for c in fit.comparators]},
                     hide_index=True, key="eval_comparators")
        balance = result.balance.rename(index=evaluation.FEATURES)
        st.dataframe(balance.round(2).rename(columns={
            "treated_mean": "Treated", "pool_mean": "All candidates", "comparator_mean": "Matched comparators",
            "smd_before": "Standardised difference before matching", "smd_after": "… after matching"}),
            key="eval_balance")
        st.caption("Standardised difference: treated minus comparator mean, over the candidates' standard deviation; "
                   "below 0.1 in size is conventionally balanced.")
    else:
        st.info(md(result.errors.get("did", "")))
    assumptions("did")
with sc_tab:
    if result.synthetic:
        fit = result.synthetic
        st.plotly_chart(charts.lines_figure({"Treated neighbourhoods": result.rates(result.treated),
                                             "Synthetic control": result.modelled(fit.series, "synthetic", hide=True)},
                                            chosen.start, unit, f"{measure['name']}: treated and its synthetic control"),
                        key="eval_sc_lines", theme=None)
        st.markdown(f"Placebo in space: {len(fit.placebos)} neighbourhoods not reached, each treated as if it had been; "
                    f"the treated areas' post/pre prediction error ratio ranks with p = {fit.p_value:.2f}."
                    + "".join(f" Note: {md(n)}." for n in fit.notes))
        st.dataframe({"Donor neighbourhood": [result.names.get(c, c) for c in fit.weights.index],
                      "Weight": fit.weights.round(3).to_numpy()}, hide_index=True, key="eval_weights")
    else:
        st.info(md(result.errors.get("synthetic", "")))
    assumptions("synthetic")
with its_tab:
    if result.its:
        fit = result.its
        st.plotly_chart(charts.lines_figure(
            {"Treated neighbourhoods": result.rates(result.treated),
             "Fitted": result.modelled(fit.series, "fitted"),
             "Expected without the intervention": result.modelled(fit.series, "counterfactual")},
            chosen.start, unit, f"{measure['name']}: segmented regression with seasonality"),
            key="eval_its_lines", theme=None)
        st.markdown(f"Immediate change {words.change_words(fit.level_ratio)}; then "
                    f"{words.change_words(fit.slope_ratio_per_year)} a year. Lag-1 autocorrelation of the residuals: "
                    f"{fit.autocorrelation:.2f}" + (" (intervals widened for it)." if fit.autocorrelation > 0 else "."))
    else:
        st.info(md(result.errors.get("its", "")))
    assumptions("its")

with st.expander("How to read this"):
    st.markdown(
        "Each design asks what would have happened without the intervention and compares it with what did. "
        "**Difference-in-differences** uses neighbourhoods like the treated ones (matched on the outcome's level "
        "and trend before the start, deprivation and age mix) as the counterfactual's change; **synthetic control** "
        "builds the counterfactual as a weighted mix of neighbourhoods; the **interrupted time series** projects the "
        "treated areas' own trend and seasonal pattern forward. The estimate is a rate ratio shown as a percentage "
        "change, with its 95% interval: where the interval includes no change, the finding says the data are "
        "consistent with no change, whichever way the estimate points. Agreement between designs with different "
        "assumptions is stronger evidence than any one alone. "
        f"Months whose counts could be {HIDDEN_RANGE} are not drawn unless you may see exact figures.")
    st.markdown(f"**Definition:** {md(measure['definition'])}")

user = signin.current_user()
audited_download(
    "Download the estimates (CSV)", lambda: table.drop(columns=["error"]).to_csv(index=False).encode(),
    file_name=f"evaluation_{chosen_id}_{measure_id}.csv", mime="text/csv", key="eval_download",
    what=f"evaluation estimates: {chosen.name}, {measure['name']}", area_code="ALL", user=user, rows=len(table))
