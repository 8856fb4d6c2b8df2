"""Choropleth maps with pydeck: colour scales, legends, layers and the click that selects an area.

Maps must work offline. With `map_provider=None` pydeck writes `mapStyle: "__MAP_STYLE__"`, which
Streamlit's map component treats as "no basemap"; `map_style=None` would instead make Streamlit
fetch its default Carto basemap. So the basemap is only requested when the user asks for it.
"""
from __future__ import annotations

import json
import math
import re
import secrets

import geopandas as gpd
import shapely
import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from neighbourhood_health.present.text import html
from neighbourhood_health.present.theme import (
    NHS_BLUE, NHS_DARK_BLUE, NHS_DARK_GREY, NHS_LIGHT_BLUE, NHS_LIGHT_GREY, NHS_ORANGE, WHITE)

# Light to dark blue ending in NHS Blue and NHS Dark Blue; distinguishable in greyscale.
SEQUENTIAL = ["#DEEBF7", NHS_LIGHT_BLUE, "#4292C6", NHS_BLUE, NHS_DARK_BLUE]
NO_VALUE = WHITE
NO_VALUE_LABEL = "No value, or could be 1–7 (not shown)"
# Judgement against a benchmark: blue/orange is safe for the common colour-vision deficiencies.
SIGNIFICANCE = {
    "better": (NHS_BLUE, "Better"),
    "similar": (NHS_LIGHT_GREY, "Similar"),
    "worse": (NHS_ORANGE, "Worse"),
    "higher": (NHS_DARK_BLUE, "Higher (no judgement)"),
    "lower": (NHS_LIGHT_BLUE, "Lower (no judgement)"),
}
def rgba(hex_colour: str, alpha: int = 230) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[i:i + 2], 16) for i in (0, 2, 4)] + [alpha]


OUTLINE = rgba(NHS_DARK_GREY, 255)
HIGHLIGHT = rgba(NHS_DARK_BLUE, 255)
MAP_WIDTH, MAP_HEIGHT = 900, 560


def class_breaks(values, classes: int = 5) -> np.ndarray:
    """Edges of up to `classes` equal-count classes (quantiles) of the non-missing values."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy()
    if len(v) == 0:
        return np.array([])
    edges = np.unique(np.quantile(v, np.linspace(0, 1, min(classes, len(np.unique(v))) + 1)))
    return edges if len(edges) > 1 else np.array([v.min(), v.max()])


def sequential_colours(values, edges: np.ndarray) -> list[str]:
    """Hex colour per value: its class on the sequential scale; NO_VALUE where missing."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy()
    if len(edges) < 2:
        return [NO_VALUE if np.isnan(x) else SEQUENTIAL[-2] for x in v]
    palette = _palette(len(edges) - 1)
    idx = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2)
    return [NO_VALUE if np.isnan(x) else palette[i] for x, i in zip(v, idx)]


def _palette(n: int) -> list[str]:
    """n colours spread across SEQUENTIAL, always ending at the darkest."""
    if n >= len(SEQUENTIAL):
        return SEQUENTIAL
    picks = np.round(np.linspace(1 if n < 3 else 0, len(SEQUENTIAL) - 1, n)).astype(int)
    return [SEQUENTIAL[i] for i in picks]


def sequential_legend(edges: np.ndarray, fmt) -> list[tuple[str, str]]:
    if len(edges) < 2:
        return [(NO_VALUE, NO_VALUE_LABEL)]
    if edges[0] == edges[-1]:
        return [(SEQUENTIAL[-2], f"All {fmt(edges[0])}"), (NO_VALUE, NO_VALUE_LABEL)]
    palette = _palette(len(edges) - 1)
    items = [(palette[i], f"{fmt(edges[i])} to {fmt(edges[i + 1])}") for i in range(len(edges) - 1)]
    return items[::-1] + [(NO_VALUE, NO_VALUE_LABEL)]


def significance_colours(labels) -> list[str]:
    return [SIGNIFICANCE.get(label, (NO_VALUE, ""))[0] for label in labels]


def significance_legend(labels, benchmark: str) -> list[tuple[str, str]]:
    present = [k for k in SIGNIFICANCE if k in set(labels)]
    items = [(SIGNIFICANCE[k][0], f"{SIGNIFICANCE[k][1]} than {benchmark}" if k != "similar"
              else f"Similar to {benchmark}") for k in present]
    return items + [(NO_VALUE, "Not compared, or could be 1–7 (not shown)")]


def legend_html(title: str, items: list[tuple[str, str]]) -> str:
    """A small legend; every label is escaped (names and units come from data files)."""
    rows = "".join(
        f'<div style="display:flex;align-items:center;gap:8px;margin:2px 0">'
        f'<span style="width:18px;height:14px;background:{colour};border:1px solid #425563;flex:none"></span>'
        f'<span>{html(label)}</span></div>' for colour, label in items)
    return (f'<div style="font-size:0.9rem;color:#212B32"><div style="font-weight:600;margin-bottom:4px">'
            f'{html(title)}</div>{rows}</div>')


def view_state(frame: gpd.GeoDataFrame, width: int = MAP_WIDTH, height: int = MAP_HEIGHT) -> pdk.ViewState:
    """Centre and zoom that fit the frame's bounds in a width × height map (512 px tiles)."""
    minx, miny, maxx, maxy = frame.total_bounds
    lat = (miny + maxy) / 2
    lon_span = max(maxx - minx, 1e-4)
    lat_span = max((maxy - miny) / math.cos(math.radians(lat)), 1e-4)
    zoom = min(math.log2(width * 360 / (512 * lon_span)), math.log2(height * 360 / (512 * lat_span)))
    return pdk.ViewState(latitude=lat, longitude=(minx + maxx) / 2, zoom=round(zoom - 0.3, 2))


class _Features(dict):
    """A GeoJSON FeatureCollection whose geometries stand in as tokens for their GeoJSON text
    (`raw`), which `Deck.to_json` writes into the deck's JSON as it is: the geometry is never
    parsed into Python objects nor serialised again, which was most of what a cold map cost."""
    raw: list[str]


_TOKEN = f"\x00geometry-{secrets.token_hex(4)}:"
_TOKENS = re.compile(re.escape(json.dumps(_TOKEN)[:-1]) + r'(\d+):(\d+)\\u0000"')


def _features(frame: gpd.GeoDataFrame) -> dict:
    """The frame as a GeoJSON FeatureCollection (properties: its other columns, missing values null)."""
    properties = frame.drop(columns=frame.geometry.name)
    properties = properties.astype(object).where(properties.notna(), None).to_dict("records")
    features = _Features(type="FeatureCollection")
    features.raw = [g or "null" for g in shapely.to_geojson(frame.geometry.to_numpy())]
    features["features"] = [{"type": "Feature", "properties": p, "geometry": f"{_TOKEN}{id(features)}:{i}\x00"}
                            for i, p in enumerate(properties)]
    return features


def choropleth_layer(frame: gpd.GeoDataFrame, layer_id: str) -> pdk.Layer:
    """Filled, pickable polygons; `frame` needs a `fill` column of RGBA lists."""
    return pdk.Layer("GeoJsonLayer", data=_features(frame), id=layer_id, pickable=True, auto_highlight=True,
                     stroked=True, filled=True, get_fill_color="properties.fill", get_line_color=OUTLINE,
                     line_width_min_pixels=1, highlight_color=[255, 184, 28, 160])


def outline_layer(frame: gpd.GeoDataFrame, layer_id: str, colour=HIGHLIGHT, width: int = 3) -> pdk.Layer:
    return pdk.Layer("GeoJsonLayer", data=_features(frame[["area_code", "geometry"]]), id=layer_id,
                     pickable=False, stroked=True, filled=False, get_line_color=colour,
                     line_width_min_pixels=width)


def label_layer(frame: gpd.GeoDataFrame, layer_id: str) -> pdk.Layer:
    """Area names at a point inside each polygon, so the map reads without a basemap."""
    points = frame.geometry.representative_point()
    data = pd.DataFrame({"name": frame["area_name"].to_numpy(), "lon": points.x.to_numpy(), "lat": points.y.to_numpy()})
    return pdk.Layer("TextLayer", data=data, id=layer_id, pickable=False, get_position="[lon, lat]",
                     get_text="name", get_size=12, get_color=[33, 43, 50, 255], background=True,
                     get_background_color=[255, 255, 255, 200], background_padding=[2, 1],
                     font_weight=600)


class Deck(pdk.Deck):
    """A deck turned into JSON once: a map kept for every session (`app.cache.shared`) is not
    serialised again, boundaries and all, on every rerun. Nothing changes a deck once it is drawn."""

    def to_json(self):
        if getattr(self, "_json", None) is None:
            text = json.dumps(self, sort_keys=True, default=default_serialize)  # pydeck indents: 3× the bytes
            raw = {str(id(layer.data)): layer.data.raw for layer in self.layers if isinstance(layer.data, _Features)}
            self._json = _TOKENS.sub(lambda m: raw[m.group(1)][int(m.group(2))], text)
        return self._json


def deck(layers: list[pdk.Layer], view: pdk.ViewState, tooltip: str, basemap: bool = False) -> pdk.Deck:
    """The deck; with basemap=False nothing is fetched from the internet (see module docstring). The
    tooltip is given as text, which deck.gl draws as text (`{"html": …}` would be drawn as HTML)."""
    options = {"map_provider": "carto", "map_style": "light"} if basemap else {"map_provider": None}
    return Deck(layers=layers, initial_view_state=view, tooltip={"text": tooltip}, **options)


def choropleth_deck(frame: gpd.GeoDataFrame, *, tooltip: str, basemap: bool, layer_id: str = "areas",
                    highlight: str | None = None, outlines: gpd.GeoDataFrame | None = None, labels: bool = True,
                    width: int = MAP_WIDTH, height: int = MAP_HEIGHT) -> pdk.Deck:
    """A choropleth of `frame` (a hex `colour` column), with optional outlines of the areas it lies
    in, the chosen area outlined, and labels."""
    frame = frame.copy()
    frame["fill"] = [rgba(c) for c in frame["colour"]]
    layers = [choropleth_layer(frame.drop(columns="colour"), layer_id)]
    if outlines is not None and len(outlines):
        layers.append(outline_layer(outlines, "outlines", colour=OUTLINE, width=2))
    if highlight is not None and (frame["area_code"] == highlight).any():
        layers.append(outline_layer(frame[frame["area_code"] == highlight], "chosen"))
    if labels:
        layers.append(label_layer(frame, "labels"))
    return deck(layers, view_state(frame, width=width, height=height), tooltip, basemap=basemap)


def selected_code(event, layer_id: str, field: str = "area_code") -> str | None:
    """A property (area_code) of the object clicked in a layer, from st.pydeck_chart's selection event."""
    try:
        objects = event.selection.objects.get(layer_id) or []
    except AttributeError:
        return None
    if not objects:
        return None
    obj = objects[0]
    props = obj.get("properties", obj) if isinstance(obj, dict) else {}
    return props.get(field)
