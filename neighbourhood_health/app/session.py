"""The chosen area, shared by every page and kept in the URL (`?area=CODE`) so views can be shared.

The sidebar picker walks ICB → place → neighbourhood; the deepest level chosen is the area. A page
that selects an area another way (a map click) calls `request_area`, and the picker applies it on
the next run, before its widgets exist, as Streamlit requires.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from neighbourhood_health.app import cache
from neighbourhood_health.measures import areas

ALL_PLACES = "All places"
ALL_NEIGHBOURHOODS = "All neighbourhoods"
_KEYS = ("pick_icb", "pick_place", "pick_neighbourhood")


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str           # icb, place or neighbourhood
    parent_code: str | None
    icb_code: str
    place_code: str | None
    population: int


def _tree() -> pd.DataFrame:
    return areas.tree(cache.run)


def request_area(code: str) -> None:
    """Select an area from anywhere (e.g. a map click); takes effect on the next run."""
    st.session_state["_requested_area"] = code


def _apply(tree: pd.DataFrame, code: str) -> None:
    row = tree.loc[code]
    st.session_state["pick_icb"] = row["icb_code"]
    st.session_state["pick_place"] = row["place_code"] if row["area_level"] != "icb" else ALL_PLACES
    st.session_state["pick_neighbourhood"] = code if row["area_level"] == "neighbourhood" else ALL_NEIGHBOURHOODS


def area_picker() -> Area:
    """Draw the sidebar picker and return the chosen area."""
    tree = _tree()
    requested = st.session_state.pop("_requested_area", None)
    from_url = st.query_params.get("area")
    if requested in tree.index:
        _apply(tree, requested)
    elif "pick_icb" not in st.session_state:
        _apply(tree, from_url if from_url in tree.index else tree[tree.area_level == "icb"].index[0])

    name = tree["area_name"].to_dict()
    icbs = tree[tree.area_level == "icb"]
    st.sidebar.selectbox("Integrated care board", icbs.index, key="pick_icb", format_func=name.get)
    places = tree[(tree.area_level == "place") & (tree.parent_code == st.session_state["pick_icb"])]
    if st.session_state.get("pick_place") not in [ALL_PLACES, *places.index]:
        st.session_state["pick_place"] = ALL_PLACES
    st.sidebar.selectbox("Place", [ALL_PLACES, *places.index], key="pick_place",
                         format_func=lambda c: name.get(c, c))
    nbhds = tree[(tree.area_level == "neighbourhood") & (tree.parent_code == st.session_state["pick_place"])]
    if st.session_state.get("pick_neighbourhood") not in [ALL_NEIGHBOURHOODS, *nbhds.index]:
        st.session_state["pick_neighbourhood"] = ALL_NEIGHBOURHOODS
    st.sidebar.selectbox("Neighbourhood", [ALL_NEIGHBOURHOODS, *nbhds.index], key="pick_neighbourhood",
                         format_func=lambda c: name.get(c, c), disabled=nbhds.empty)

    code = next(st.session_state[k] for k in reversed(_KEYS)
                if st.session_state.get(k) not in (None, ALL_PLACES, ALL_NEIGHBOURHOODS))
    st.query_params["area"] = code
    row = tree.loc[code]
    area = Area(code, row["area_name"], row["area_level"], row["parent_code"], row["icb_code"],
                row["place_code"], int(row["population"]))
    st.session_state["area"] = area
    return area


def current_area() -> Area:
    return st.session_state["area"]


def parent_name(area: Area) -> str:
    return areas.parent_name(_tree(), area.parent_code)
