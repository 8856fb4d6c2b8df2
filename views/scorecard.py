"""Measures scorecard: measure by measure, how does the chosen area compare with its parent and peers?"""
import streamlit as st

from neighbourhood_health.app import cache, session
from neighbourhood_health.present.charts import scorecard as charts_scorecard
from neighbourhood_health.measures import scorecard
from neighbourhood_health.pipeline.catalogue import FAMILIES
from neighbourhood_health.present.tables import significance_style
from neighbourhood_health.measures.scorecard import LIFE_STAGE_LABEL
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE, LEGEND, SUPPRESSED
from neighbourhood_health.present.text import md

LEVEL_PLURAL = {"icb": "integrated care boards", "place": "places", "neighbourhood": "neighbourhoods"}



def measure_rows(run, area_code: str):
    return scorecard.scorecard(run("app/measure_latest", area_code=area_code),
                               run("app/measure_series", area_code=area_code), cache.seasonal_factors())


def chosen(rows, pillars: tuple, stages: tuple):
    return rows[rows["pillar"].isin(pillars or rows["pillar"]) & rows["life_stage"].isin(stages or rows["life_stage"])]


def families(run, area_code: str, area_level: str, pillars: tuple, stages: tuple, peer_code: str) -> list:
    """Per family shown: its number, name, table and spine chart (None without peers), for the measures chosen."""
    shown = chosen(cache.shared(measure_rows, area_code), pillars, stages)
    spine = scorecard.spine(shown, run("app/measure_peers", area_level=area_level, icb_code=peer_code))
    out = []
    for number, family in enumerate(FAMILIES):
        part, family_spine = shown[shown["family"] == family], spine[spine["family"] == family]
        if not part.empty:
            out.append((number, family, charts_scorecard.table(part),
                        None if family_spine.empty else charts_scorecard.spine_figure(family_spine)))
    return out


area = session.current_area()
parent = session.parent_name(area)
tree = cache.run("app/areas").set_index("area_code")
rows = cache.shared(measure_rows, area.code)

heading = st.container()
pick_pillar, pick_stage, pick_peers = st.columns([2, 2, 2])
pillars = pick_pillar.multiselect("Pillar", sorted(rows["pillar"].unique()), placeholder="All pillars",
                                  key="score_pillars")
stages = pick_stage.multiselect("Life-course stage", list(LIFE_STAGE_LABEL), format_func=LIFE_STAGE_LABEL.get,
                                placeholder="All stages", key="score_stages")
plural = LEVEL_PLURAL[area.level]
peer_choices = {f"All {plural}": ""}
if area.level != "icb":
    peer_choices = {f"{plural.capitalize()} in {tree.loc[area.icb_code, 'area_name']}": area.icb_code,
                    **peer_choices}
if st.session_state.get("score_peers") not in peer_choices:  # the choices depend on the area's level
    st.session_state["score_peers"] = next(iter(peer_choices))
peer_label = pick_peers.radio("Peers on the spine charts", list(peer_choices), key="score_peers", format_func=md)

shown = chosen(rows, tuple(pillars), tuple(stages))
better, worse = (shown["significance"] == "better").sum(), (shown["significance"] == "worse").sum()
heading.title(f"{md(area.name)}: {better} measures better and {worse} worse than {md(parent)}")
heading.markdown(f"{len(shown)} measures · compared with **{md(parent)}** · spine charts against "
                 f"**{md(peer_label.lower() if peer_label.startswith('All') else peer_label)}**")


with st.expander("How to read this"):
    st.markdown(
        f"**Value** covers the latest 12 months for monthly measures, the latest survey for annual ones and "
        f"the extract date for snapshots, with its 95% confidence interval. **Better** or **worse** means "
        f"the interval does not include the value for {md(parent)}, taking account of whether higher or lower "
        "is better; prevalence and elective activity are not judged (**higher**/**lower**). **Recent trend** "
        "is the Making Data Count variation of the latest month for monthly measures, or the latest survey "
        "against the one before. **Target** is the national target or standard and whether the value meets it. "
        f"{md(LEGEND)} Figures that could be a count of {HIDDEN_RANGE} are not shown ({md(SUPPRESSED)}), with every value "
        "derived from them.\n\n"
        "**Spine chart:** each bar is the range of the peer areas, worst on the left and best on the "
        "right; the dark part holds the middle half (25th to 75th percentile). The red line is the "
        f"benchmark ({md(parent)}) and the circle is {md(area.name)}: blue better, orange worse, white similar, "
        "pale blue higher or lower where not judged. Each measure is scaled so that the peer furthest from "
        "the benchmark touches the edge.")

for number, family, table, spine_figure in cache.shared(families, area.code, area.level, tuple(pillars), tuple(stages),
                                                       peer_choices[peer_label]):
    st.header(family)
    st.dataframe(table.style.map(significance_style, subset=["Compared"]), hide_index=True, width="stretch",
                 column_config={"Trend": st.column_config.ImageColumn(width="small"),
                                "Measure": st.column_config.TextColumn(width=330)},
                 height=36 * (len(table) + 1) + 2, key=f"score_table_{number}")
    if spine_figure is not None:
        st.plotly_chart(spine_figure, key=f"spine_{number}", theme=None,
                        config={"displayModeBar": False})
if rows["suppressed"].any():
    st.caption(f"\\* Not shown: a count that could be {HIDDEN_RANGE}, or a figure derived from one.")
