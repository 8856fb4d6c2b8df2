"""maps: colour classes, legends, the offline deck and reading a map click."""
from __future__ import annotations

import json
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from neighbourhood_health.present import maps


def test_classes_are_equal_count_and_colours_follow_them():
    values = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, np.nan])
    edges = maps.class_breaks(values)
    assert len(edges) == 6 and edges[0] == 1 and edges[-1] == 10
    colours = maps.sequential_colours(values, edges)
    assert colours[0] == maps.SEQUENTIAL[0] and colours[9] == maps.SEQUENTIAL[-1]
    assert colours[10] == maps.NO_VALUE
    assert list(pd.Series(colours[:10]).value_counts()) == [2] * 5


def test_few_or_equal_values_still_get_a_readable_scale():
    edges = maps.class_breaks([3.0, 5.0])
    assert maps.sequential_colours([3.0, 5.0], edges)[-1] == maps.SEQUENTIAL[-1]
    legend = maps.sequential_legend(maps.class_breaks([0.0, 0.0]), lambda v: f"{v:.1f}")
    assert legend[0][1] == "All 0.0" and legend[-1][0] == maps.NO_VALUE
    assert maps.sequential_legend(maps.class_breaks([np.nan]), str) == [(maps.NO_VALUE, maps.NO_VALUE_LABEL)]


def test_significance_colours_and_legend():
    labels = ["better", "worse", "similar", "not compared"]
    assert maps.significance_colours(labels) == ["#005EB8", "#ED8B00", "#D8DDE0", maps.NO_VALUE]
    legend = maps.significance_legend(labels, "Camden")
    assert [text for _, text in legend] == ["Better than Camden", "Similar to Camden", "Worse than Camden",
                                            "Not compared, or could be 1–7 (not shown)"]


def test_legend_escapes_labels():
    html = maps.legend_html("<b>units</b>", [("#005EB8", "<script>x</script>")])
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html


def frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"area_code": ["A", "B"], "area_name": ["Alpha", "Beta"],
                             "fill": [[1, 2, 3, 255], [4, 5, 6, 255]]},
                            geometry=[box(-0.2, 51.5, -0.1, 51.6), box(-0.1, 51.5, 0.0, 51.6)], crs="EPSG:4326")


def test_deck_is_offline_unless_a_basemap_is_asked_for():
    layer = maps.choropleth_layer(frame(), "areas")
    offline = json.loads(maps.deck([layer], maps.view_state(frame()), "{area_name}").to_json())
    assert offline["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in offline
    online = json.loads(maps.deck([layer], maps.view_state(frame()), "{area_name}", basemap=True).to_json())
    assert online["mapProvider"] == "carto"
    props = offline["layers"][0]["data"]["features"][0]["properties"]
    assert props == {"area_code": "A", "area_name": "Alpha", "fill": [1, 2, 3, 255]}


def test_view_fits_the_areas():
    view = maps.view_state(frame())
    assert abs(view.latitude - 51.55) < 1e-9 and abs(view.longitude + 0.1) < 1e-9
    assert 10 < view.zoom < 13  # 0.2° of longitude in a 900 px map


def test_selected_code_reads_feature_properties_or_flat_rows():
    event = SimpleNamespace(selection=SimpleNamespace(objects={"areas": [{"type": "Feature", "properties": {"area_code": "A"}}]}))
    assert maps.selected_code(event, "areas") == "A"
    flat = SimpleNamespace(selection=SimpleNamespace(objects={"areas": [{"area_code": "B", "neighbourhood_code": "N"}]}))
    assert maps.selected_code(flat, "areas", "neighbourhood_code") == "N"
    assert maps.selected_code(SimpleNamespace(selection=SimpleNamespace(objects={})), "areas") is None
    assert maps.selected_code(None, "areas") is None
