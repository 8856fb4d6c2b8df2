"""Neighbourhood Health Dashboard: the entry point owns the page list and the shared sidebar."""
import streamlit as st

from neighbourhood_health.app import cache, session, signin, widgets

st.set_page_config(page_title="Neighbourhood Health Dashboard", page_icon=":material/local_hospital:", layout="wide")

status = cache.ensure_data()
if status.ready:
    st.sidebar.title("Neighbourhood Health")
    area = session.area_picker()
    blocked = signin.blocked_reason(signin.sidebar_user(), area.code)
    widgets.synthetic_notice()
    pages = [
        st.Page("views/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("views/map.py", title="Map", icon=":material/map:"),
        st.Page("views/prevalence_gaps.py", title="Prevalence gaps", icon=":material/search_insights:"),
        st.Page("views/inequalities.py", title="Inequalities", icon=":material/balance:"),
        st.Page("views/trends.py", title="Trends", icon=":material/monitoring:"),
        st.Page("views/scorecard.py", title="Measures scorecard", icon=":material/target:"),
        st.Page("views/nnhip_scorecard.py", title="NNHIP scorecard", icon=":material/scoreboard:"),
        st.Page("views/evaluation.py", title="Evaluation", icon=":material/science:"),
        st.Page("views/cohorts.py", title="Cohorts", icon=":material/groups:"),
        st.Page("views/board_pack.py", title="Board pack", icon=":material/slideshow:"),
        st.Page("views/data.py", title="Data", icon=":material/database:"),
    ]
    if blocked:
        st.warning(blocked)
        st.stop()
else:
    st.error(status.message)
    pages = [st.Page("views/data.py", title="Data", icon=":material/database:", default=True)]

st.navigation(pages).run()
