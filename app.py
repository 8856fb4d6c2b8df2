"""Neighbourhood Health Dashboard: the entry point owns the page list and the shared sidebar."""
import streamlit as st

from neighbourhood_health import appdata, session

st.set_page_config(page_title="Neighbourhood Health Dashboard", page_icon="🏥", layout="wide")

status = appdata.ensure_data()
if status.ready:
    st.sidebar.title("Neighbourhood Health")
    session.area_picker()
    pages = [
        st.Page("pages/overview.py", title="Overview", icon="📋", default=True),
        st.Page("pages/data.py", title="Data", icon="🗂️"),
    ]
else:
    st.error(status.message)
    pages = [st.Page("pages/data.py", title="Data", icon="🗂️", default=True)]

st.navigation(pages).run()
