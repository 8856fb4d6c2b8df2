"""Streamlit pieces shared by the place views (map, prevalence gaps, inequalities): the measure
picker kept in the URL, the definition one click away, where a view looks, and a clickable map; and
the one download button every page uses, which writes an audit record for each download."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import streamlit as st

from neighbourhood_health.app import cache, session
from neighbourhood_health.measures import areas
from neighbourhood_health.config import settings
from neighbourhood_health.present import maps
from neighbourhood_health.present.text import md
from neighbourhood_health.privacy import access, audit, disclosure

UNIT_NAME = {"neighbourhood": ("neighbourhood", "neighbourhoods"), "small_area": ("small area", "small areas")}


def measure_picker(measures: pd.DataFrame, key: str, default: str, label: str = "Measure") -> pd.Series:
    """A selectbox of measures; the choice is kept in the URL as ?measure=ID."""
    ids = list(measures["measure_id"])
    names = measures.set_index("measure_id")["name"].to_dict()
    if key not in st.session_state:
        wanted = st.query_params.get("measure")
        st.session_state[key] = wanted if wanted in ids else (default if default in ids else ids[0])
    elif st.session_state[key] not in ids:
        st.session_state[key] = default if default in ids else ids[0]
    chosen = st.selectbox(label, ids, key=key, format_func=names.get)
    st.query_params["measure"] = chosen
    row = measures.set_index("measure_id").loc[chosen].copy()
    row["measure_id"] = chosen
    return row


def definition(measure: pd.Series) -> None:
    with st.expander(f"Definition: {md(measure['name'])}"):
        st.markdown(md(measure["definition"]))
        st.caption(f"Source: {md(measure['source'])} · Unit: {md(measure['unit'])} · "
                   f"{'Proportion (Wilson score interval)' if measure['method'] == 'proportion' else 'Crude rate (Byars / exact Poisson interval)'}")


def neighbourhood_scope(area: session.Area) -> str:
    """Neighbourhood views look inside the chosen ICB or place; a neighbourhood is seen among its place's."""
    return areas.neighbourhood_scope(area.level, area.code, area.parent_code)


def clickable_map(frame: gpd.GeoDataFrame | pdk.Deck, *, key: str, tooltip: str = "", basemap: bool = False,
                  layer_id: str = "areas", select_field: str | None = "area_code", highlight: str | None = None,
                  outlines: gpd.GeoDataFrame | None = None, labels: bool = True, alt: str = "",
                  width: int = maps.MAP_WIDTH, height: int = maps.MAP_HEIGHT) -> None:
    """Draw the choropleth (`frame` has a hex `colour` column, or is a deck from `maps.choropleth_deck`
    made once for everyone); a click selects that area everywhere."""
    chart = frame if isinstance(frame, pdk.Deck) else maps.choropleth_deck(
        frame, tooltip=tooltip, basemap=basemap, layer_id=layer_id, highlight=highlight, outlines=outlines,
        labels=labels, width=width, height=height)
    if select_field is None:
        st.pydeck_chart(chart, height=height, alt=alt or None)
        return
    event = st.pydeck_chart(chart, height=height, on_select="rerun", selection_mode="single-object",
                            key=key, alt=alt or None)
    code = maps.selected_code(event, layer_id, select_field)
    if code and code != session.current_area().code and code in session.area_names():
        session.request_area(code)
        st.rerun()


def legend(title: str, items: list[tuple[str, str]]) -> None:
    st.markdown(maps.legend_html(title, items), unsafe_allow_html=True)


COUNT_COLUMNS = {"Numerator": "Events or people counted", "Denominator": "People, or person-years for rates"}


def count_column_config() -> dict:
    """Counts shown with thousands separators and no decimals."""
    return {name: st.column_config.NumberColumn(name, help=help_text, format="localized")
            for name, help_text in COUNT_COLUMNS.items()}


def synthetic_notice() -> None:
    """On every page of a synthetic dataset, say so in the sidebar, with the manifest's own words
    (the London demo's map, deprivation and populations are real, its residents are not)."""
    if access.is_synthetic(cache.database()):
        source = cache.manifest().get("source", "Synthetic data")
        st.sidebar.caption(f":material/science: **No real patient data.** {md(source)}.")


def protection_note(area_code: str) -> None:
    """Say how the figures on this page were protected, unless the viewer sees them exact."""
    if not access.exact_figures(cache.database(), st.session_state.get(cache.VIEWER_KEY), area_code):
        st.caption(md(disclosure.LEGEND))


# --- Downloads --------------------------------------------------------------------------------

FileData = bytes | str | Callable[[], bytes | str]


def audited_download(label: str, data: FileData, *, file_name: str, mime: str, key: str, what: str,
                     area_code: str, user: access.User | None, rows: int = 0, action: str = "export_counts",
                     audited_by_reader: bool = False, **button) -> None:
    """A download button whose every download is written to the audit log (`privacy.audit`): who,
    their role, the action, `what` was downloaded (and its file name), for which area, how many rows.

    The file is made when the user clicks (st.download_button's deferred `data`), and the record is
    written in that same call, before the file is handed over: if the record cannot be written, the
    download fails, and a file served to the browser always has its record. (An `on_click` callback
    would run only after the browser had the file, and a rerun later.) `audited_by_reader`: `data`
    is a reader that writes its own, fuller record (`cohorts.export_counts_csv`, `export_list_csv`
    record the cohort's definition), so none is added here. Nobody signed in: nothing to download.
    """
    if user is None:
        st.download_button(label, b"", file_name=file_name, mime=mime, key=key, disabled=True,
                           help="Sign in to download.", **button)
        return
    make = data if callable(data) else (lambda: data)
    if not audited_by_reader:
        make = partial(audited_file, make, settings().audit_dir, user, action, area_code,
                       {"download": what, "file_name": file_name}, rows)
    st.download_button(label, make, file_name=file_name, mime=mime, key=key, on_click="ignore", **button)


def audited_file(make: Callable[[], bytes | str], audit_dir: Path, user: access.User, action: str,
                 area_code: str, what: dict, rows: int) -> bytes | str:
    """The file `make` returns, once its audit record is written (a download without one fails)."""
    data = make()
    audit.record(audit_dir, user, action, area_code, what, rows)
    return data
