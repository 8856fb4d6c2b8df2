"""Overview: headline figures for the chosen area in the three measure families, against its parent."""
import streamlit as st

from neighbourhood_health.app import cache, session
from neighbourhood_health.measures import indicators, scorecard, trends
from neighbourhood_health.pipeline.catalogue import FAMILIES
from neighbourhood_health.app.widgets import count_column_config, protection_note
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE
from neighbourhood_health.present import provenance
from neighbourhood_health.present.tables import measure_table, significance_style
from neighbourhood_health.present.text import md



def headline(run, area_code: str):
    return scorecard.suppress(indicators.against_parent(run("app/measure_latest", area_code=area_code)))


def what_changed(run, area_code: str) -> list[str]:
    return trends.changes(run("app/measure_series", area_code=area_code), cache.seasonal_factors())


area = session.current_area()
parent = session.parent_name(area)
manifest = cache.manifest()
rows = cache.shared(headline, area.code)

worse = rows[rows.significance == "worse"]
better = rows[rows.significance == "better"]
st.title(md(area.name))
st.markdown(
    f"**{area.population:,} registered residents** · compared with **{md(parent)}** · "
    f"data extracted {md(provenance.extracted(manifest['extract_date'], manifest.get('source')))}")
st.subheader(f"{len(worse)} measures significantly worse and {len(better)} better than {md(parent)}")

with st.expander("How to read this"):
    st.markdown(
        "Each figure covers the latest 12 months for activity and monthly standards, the latest survey "
        "for annual surveys, and the extract date for prevalence and treat-to-target measures. "
        "The 95% confidence interval shows the range the true value probably lies in. "
        f"**Better** or **worse** means the interval does not include the value for {md(parent)}, taking "
        "account of whether higher or lower is better; prevalence is not judged, because a higher "
        "recorded prevalence can mean better case-finding. Counts that could be "
        f"{HIDDEN_RANGE}, and every figure worked out from them, are not shown (–) to protect privacy.")

for family in FAMILIES:
    part = rows[rows.family == family]
    if part.empty:
        continue
    st.header(family)
    cols = st.columns(min(4, len(part)))
    for col, row in zip(cols, part.itertuples()):
        delta = None if row.significance == "not compared" else indicators.SIGNIFICANCE_LABEL[row.significance]
        col.metric(md(row.name), indicators.format_value(row.value, row.unit),
                   delta=f"{delta} than {md(parent)}" if delta in ("Better", "Worse", "Higher", "Lower") else delta,
                   delta_color="off" if row.significance in ("similar", "higher", "lower", "not compared")
                   else ("normal" if row.significance == "better" else "inverse"),
                   delta_arrow="off", help=md(row.definition))
    table = measure_table(part, parent)
    st.dataframe(table.style.map(significance_style, subset=["Compared with parent"]),
                 hide_index=True, width="stretch", column_config=count_column_config())

st.header("What changed")
changed = cache.shared(what_changed, area.code)
st.markdown("\n".join(f"- {md(line)}" for line in changed) if changed else
            "No monthly measure shows special cause variation in its latest month.")
st.caption("Statistical process control (NHS Making Data Count) on each measure's monthly series, "
           "seasonal measures on their seasonally adjusted months (winters are not a change): "
           "see Trends for the charts.")
protection_note(area.code)
