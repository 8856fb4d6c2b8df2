"""The pack's map as a PNG, drawn offline with geopandas and matplotlib (no basemap, no network).

Colours and legend entries come from `maps` (the same scale the Map page uses); this module only
draws them. The chosen neighbourhood gets a thick NHS Dark Blue outline, as on the Map page. Names
and legend text are plain text: a `$` in them is a dollar sign, not matplotlib's mathematics.
"""
from __future__ import annotations

import io

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")  # no display: the CLI and the app both render to a buffer

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
from matplotlib.patches import Patch  # noqa: E402

from neighbourhood_health.present.text import mathtext  # noqa: E402

TEXT, OUTLINE, HIGHLIGHT = "#212B32", "#425563", "#003087"


def render_png(frame: gpd.GeoDataFrame, legend_title: str, legend_items: list[tuple[str, str]],
               highlight: str | None = None, outline: gpd.GeoDataFrame | None = None,
               width: float = 9.0, height: float = 5.6, dpi: int = 150) -> bytes:
    """PNG of `frame` (columns area_code, area_name, colour, geometry) with labels and a legend."""
    fig, ax = plt.subplots(figsize=(width, height), dpi=dpi)
    frame.plot(ax=ax, color=list(frame["colour"]), edgecolor=OUTLINE, linewidth=0.8)
    if outline is not None and len(outline):
        outline.boundary.plot(ax=ax, color=OUTLINE, linewidth=2.0)
    if highlight is not None and (frame["area_code"] == highlight).any():
        frame[frame["area_code"] == highlight].boundary.plot(ax=ax, color=HIGHLIGHT, linewidth=3.5)
    if len(frame) <= 30:  # names only where they can be read
        for name, point in zip(frame["area_name"], frame.geometry.representative_point()):
            ax.annotate(mathtext(name), (point.x, point.y), ha="center", va="center", fontsize=10, color=TEXT,
                        fontweight="bold", bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8))
    handles = [Patch(facecolor=colour, edgecolor=OUTLINE, label=mathtext(label)) for colour, label in legend_items]
    ax.legend(handles=handles, title=mathtext(legend_title), loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False,
              fontsize=11, title_fontsize=12, alignment="left")
    ax.set_axis_off()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", bbox_inches="tight", pad_inches=0.1)
    plt.close(fig)
    return buffer.getvalue()
