"""Neighbourhood Health Dashboard: the entry point owns the page list and the shared sidebar."""
import streamlit as st

from neighbourhood_health import access, appdata, session

st.set_page_config(page_title="Neighbourhood Health Dashboard", page_icon="🏥", layout="wide")

status = appdata.ensure_data()
if status.ready:
    st.sidebar.title("Neighbourhood Health")
    session.area_picker()
    access.sidebar_user()
    pages = [
        st.Page("pages/overview.py", title="Overview", icon="📋", default=True),
        st.Page("pages/map.py", title="Map", icon="🗺️"),
        st.Page("pages/prevalence_gaps.py", title="Prevalence gaps", icon="🔍"),
        st.Page("pages/inequalities.py", title="Inequalities", icon="⚖️"),
        st.Page("pages/trends.py", title="Trends", icon="📈"),
        st.Page("pages/scorecard.py", title="Measures scorecard", icon="🎯"),
        st.Page("pages/cohorts.py", title="Cohorts", icon="👥"),
        st.Page("pages/data.py", title="Data", icon="🗂️"),
    ]
else:
    st.error(status.message)
    pages = [st.Page("pages/data.py", title="Data", icon="🗂️", default=True)]

st.navigation(pages).run()
