"""NNHIP scorecard: how many of the cohort is the neighbourhood team working with, and how does their
use of services compare with the rest of the cohort? In the programme's terms (its monthly template),
beside the measures scorecard: the same families and pillars."""
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from neighbourhood_health.app import cache, session, signin
from neighbourhood_health.app.widgets import audited_download, protection_note
from neighbourhood_health.measures import areas, nnhip, trends
from neighbourhood_health.measures.cohorts import load_cohorts
from neighbourhood_health.present.charts import nnhip as charts
from neighbourhood_health.present.charts.place import funnel_plot
from neighbourhood_health.present.charts.spc import spc_figure
from neighbourhood_health.present.text import md
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE, SUPPRESSED

if "area" not in st.session_state:  # opened by a deep link before the entry point ran: start there
    st.switch_page("app.py")
area = session.current_area()
user = signin.current_user()
tree = areas.tree(cache.run)
catalogue = load_cohorts(cache.database().extracts_dir)


def submission_check(run, place_code: str, cohort_id: str, month: str):
    """Who submits (None when there is nothing to submit) and why not."""
    try:
        return nnhip.check_submission(cache.database(), place_code, cohort_id, month)[0], ""
    except ValueError as exc:  # a cohort with no adults, a month the extract does not reach
        return None, str(exc)


def fmt(value, pattern: str = "{:,.0f}") -> str:
    return SUPPRESSED if pd.isna(value) else pattern.format(value)


names = {c.cohort_id: c.name for c in catalogue.values()}
default = "multimorbid_high_risk" if "multimorbid_high_risk" in names else next(iter(names))
cohort_id = st.selectbox("NNHIP cohort", list(names), index=list(names).index(default), key="nnhip_cohort",
                         format_func=lambda c: md(names[c]))
series = cache.shared(nnhip.scorecard_series, area.code, cohort_id)
caseload = series[series["row_key"] == "P1_caseload"].sort_values("month")
latest = caseload.iloc[-1] if len(caseload) else None

heading = st.container()
if latest is None or pd.isna(latest["engagement_per_1000"]):
    heading.title(f"{md(area.name)}: the neighbourhood teams' caseload from {md(names[cohort_id])}")
else:
    heading.title(f"{md(area.name)}: {latest['engagement_per_1000'] / 10:,.1f}% of {md(names[cohort_id].lower())} "
                  f"on a neighbourhood team's caseload in {latest['month']:%B %Y}")
one, two, three = st.columns(3)
one.metric("Patients in the cohort", fmt(latest["members"]) if latest is not None else SUPPRESSED)
two.metric("On the caseload, latest month", fmt(latest["on_caseload"]) if latest is not None else SUPPRESSED)
three.metric("Engagement rate", fmt(latest["engagement_per_1000"] / 10, "{:,.1f}%") if latest is not None else SUPPRESSED)
protection_note(area.code)

with st.expander("How to read this"):
    st.markdown(
        "The **cohort** is the catalogue cohort's members today, looked back at month by month, by where they "
        "live; the **caseload** is those a neighbourhood team was working with in the month (the caseload "
        "extract); the **engagement rate** is the caseload per member of the cohort. Each metric is counted "
        "as the NNHIP template's Definitions sheet defines it, from the national datasets' codes in the "
        "activity extract: consultant-led outpatient appointments attended, specific acute non-elective "
        "spells by the month they ended, ambulance conveyances by category (arrival mode and acuity), A&E "
        "attendances at type 1 and other departments, GP appointments attended, community contacts attended. "
        "Rates are per 1,000 members per month. The national submission counts members aged 18 and over; "
        f"this page counts every member, as the Cohorts page does. Figures that could be a count of "
        f"{HIDDEN_RANGE} are shown as {md(SUPPRESSED)}, with everything worked out from them.")

def engagement(run, area_code: str, cohort_id: str, title: str):
    return charts.engagement_figure(cache.shared(nnhip.scorecard_series, area_code, cohort_id), title)


def comparison(run, area_code: str, cohort_id: str, title: str):
    return charts.comparison_bars(cache.shared(nnhip.comparison, area_code, cohort_id), title)


st.plotly_chart(cache.shared(engagement, area.code, cohort_id, f"Members on the caseload per 1,000 members, {area.name}"),
                key="nnhip_engagement", theme=None, config={"displayModeBar": False})

table = cache.shared(nnhip.comparison, area.code, cohort_id)
period = (f"{table.attrs['first']:%B %Y} to {table.attrs['last']:%B %Y}" if table.attrs.get("first") is not None
          else "no months")
st.header("The caseload against the rest of the cohort")
st.caption(f"{table.attrs['months']} months, {period}: per 1,000 members per month.")
st.plotly_chart(cache.shared(comparison, area.code, cohort_id, f"Per 1,000 members per month, {period}"), key="nnhip_compare",
                theme=None, config={"displayModeBar": False})
shown = pd.DataFrame({
    "Metric": table["metric"], "Family": table["family"], "Pillar": table["pillar"],
    "Caseload: count": table["caseload_count"].map(fmt),
    "Caseload: per 1,000": table["caseload_per_1000"].map(lambda v: fmt(v, "{:,.1f}")),
    "Rest of cohort: count": table["rest_count"].map(fmt),
    "Rest of cohort: per 1,000": table["rest_per_1000"].map(lambda v: fmt(v, "{:,.1f}")),
})
st.dataframe(shown, hide_index=True, width="stretch", key="nnhip_table")
audited_download("Download this table (CSV)", lambda: shown.to_csv(index=False).encode("utf-8"),
                 file_name=f"nnhip_{cohort_id}_{area.code}.csv", mime="text/csv", key="nnhip_table_csv",
                 what=f"NNHIP scorecard table, {cohort_id}", area_code=area.code, user=user, rows=len(shown))

st.header("Places and neighbourhoods")
metric_names = nnhip.metrics().query("row_key != 'P1_caseload'")["short_name"].to_dict()
row_key = st.selectbox("Metric", list(metric_names), format_func=lambda k: md(metric_names[k]), key="nnhip_metric")
first, last = nnhip.latest_months(series)
if first is not None:
    scope = areas.neighbourhood_scope(area.level, area.code, area.parent_code)

    def funnel(run, within: str, level: str, cohort_id: str, row_key: str, first, last, title: str, chosen: str):
        """The funnel plot, or None when every area's figure could be a small count."""
        points, limits, benchmark = nnhip.scorecard_funnel(run, within, level, cohort_id, row_key, first, last)
        return None if points.empty else funnel_plot(points, limits, benchmark, title, "Member-months",
                                                     "Per 1,000 members per month", "All shown", highlight={chosen})

    for level, within, label in (("neighbourhood", scope, "Neighbourhoods"), ("place", area.icb_code, "Places")):
        title = (f"{label} in {tree.loc[within, 'area_name'] if within in tree.index else 'the extract'}: "
                 f"{metric_names[row_key]} per 1,000 members per month")
        figure = cache.shared(funnel, within, level, cohort_id, row_key, first, last, title, area.code)
        if figure is None:
            st.caption(f"{label}: no figures to compare (every one could be a count of {HIDDEN_RANGE}).")
            continue
        st.plotly_chart(figure, key=f"nnhip_funnel_{level}", theme=None, config={"displayModeBar": False})

rows = series[series["row_key"] == row_key].sort_values("month")
monthly = pd.DataFrame({"period": rows["month"], "value": rows["per_1000"], "polarity": rows["polarity"],
                        "suppressed": rows["per_1000"].isna()})
if monthly["value"].notna().sum() >= trends.MIN_POINTS:
    result = trends.spc_for(monthly)
    st.plotly_chart(spc_figure(result, f"{metric_names[row_key]} per 1,000 members, month by month", "per 1,000"),
                    key="nnhip_spc", theme=None, config={"displayModeBar": False})
else:
    st.caption(f"Too few months with figures ({monthly['value'].notna().sum()}) for an SPC chart of "
               f"{md(metric_names[row_key].lower())}: it needs {trends.MIN_POINTS}.")

st.header("The national submission")
try:
    from neighbourhood_health.export.nnhip import write_submission
except ImportError:  # SUBMISSION DOWNLOAD: export.nnhip.write_submission is not there yet
    write_submission = None
submission_month = (pd.Timestamp(last).strftime("%Y-%m") if last is not None else None)
place_code = area.code if area.level == "place" else area.place_code
who = None
if write_submission is not None and place_code is not None and submission_month is not None:
    who, why_not = cache.shared(submission_check, place_code, cohort_id, submission_month)
    if why_not:
        st.caption(md(why_not))
if who is not None and not who.project_name:
    st.caption(f"{md(tree.loc[place_code, 'area_name'])} is not an NNHIP project (definitions/nnhip_projects.csv).")
    who = None
if who is None:
    st.caption("The submission for a place is written by `python -m neighbourhood_health nnhip`.")
else:
    db = cache.database()

    def submission() -> bytes:
        """The month's submission as the template, protected by the writer whoever asks."""
        from neighbourhood_health.config import settings
        from neighbourhood_health.privacy import disclosure
        figures = nnhip.submission_figures(db, place_code, cohort_id, submission_month)  # exact: only when asked for
        project = figures.attrs.get("project_name") or figures.attrs["place"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "submission.xlsx"
            write_submission(figures, project, submission_month, path, protected=False,
                             secret=disclosure.key(settings().data_dir))
            return path.read_bytes()
    st.caption(f"{md(tree.loc[place_code, 'area_name'])}, {submission_month}: the programme's template, its "
               "figures protected by the project's rule whoever downloads it (members aged 18 and over).")
    audited_download("Download the NNHIP submission (.xlsx)", submission,
                     file_name=f"nnhip_{place_code}_{cohort_id}_{submission_month}.xlsx",
                     mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     key="nnhip_submission", what=f"NNHIP submission, {cohort_id}, {submission_month}",
                     area_code=place_code, user=user)
