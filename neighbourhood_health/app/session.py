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


@dataclass(frozen=True)
class _Picker:
    """The area tree and the picker's lists, worked out once per marts version (`cache.shared`),
    not filtered again on every rerun of every session."""
    tree: pd.DataFrame
    names: dict
    icbs: list
    places: dict      # ICB code → its places' codes
    neighbourhoods: dict  # place code → its neighbourhoods' codes


def _picker_lists(run) -> _Picker:
    tree = areas.tree(run)
    level = lambda name: tree[tree.area_level == name]
    return _Picker(tree, tree["area_name"].to_dict(), list(level("icb").index),
                   {code: list(rows.index) for code, rows in level("place").groupby("parent_code")},
                   {code: list(rows.index) for code, rows in level("neighbourhood").groupby("parent_code")})


def _picker() -> _Picker:
    return cache.shared(_picker_lists)


def area_tree() -> pd.DataFrame:
    """Every area, indexed by its code (`measures.areas.tree`), shared by every session: read it, do not change it."""
    return _picker().tree


def area_names() -> dict:
    """Area code → name for every area, shared by every session: read it, do not change it."""
    return _picker().names


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
    picker = _picker()
    tree, name = picker.tree, picker.names
    requested = st.session_state.pop("_requested_area", None)
    from_url = st.query_params.get("area")
    if requested in tree.index:
        _apply(tree, requested)
    elif "pick_icb" not in st.session_state:
        _apply(tree, from_url if from_url in tree.index else picker.icbs[0])

    st.sidebar.selectbox("Integrated care board", picker.icbs, key="pick_icb", format_func=name.get)
    places = picker.places.get(st.session_state["pick_icb"], [])
    if st.session_state.get("pick_place") not in [ALL_PLACES, *places]:
        st.session_state["pick_place"] = ALL_PLACES
    st.sidebar.selectbox("Place", [ALL_PLACES, *places], key="pick_place", format_func=lambda c: name.get(c, c))
    nbhds = picker.neighbourhoods.get(st.session_state["pick_place"], [])
    if st.session_state.get("pick_neighbourhood") not in [ALL_NEIGHBOURHOODS, *nbhds]:
        st.session_state["pick_neighbourhood"] = ALL_NEIGHBOURHOODS
    st.sidebar.selectbox("Neighbourhood", [ALL_NEIGHBOURHOODS, *nbhds], key="pick_neighbourhood",
                         format_func=lambda c: name.get(c, c), disabled=not nbhds)

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
    return areas.parent_name(area_tree(), area.parent_code)
