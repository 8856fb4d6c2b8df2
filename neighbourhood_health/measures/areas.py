"""The area tree (ICB → place → neighbourhood) from the areas mart: one place for the rules that
pages, the sidebar and the board pack all follow, so none of them re-derives a parent or a scope."""
from __future__ import annotations

from typing import Callable

import pandas as pd

#: What an area with no parent in the extract (an ICB) is compared with.
NO_PARENT = "All areas in the extract"


def tree(run: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    """Every area, indexed by its code; `run` runs a named query (the app's cache or a Database's)."""
    return run("app/areas").set_index("area_code", drop=False)


def parent_name(areas: pd.DataFrame, parent_code: str | None) -> str:
    return areas.loc[parent_code, "area_name"] if parent_code in areas.index else NO_PARENT


def neighbourhood_scope(level: str, code: str, parent_code: str | None) -> str:
    """Neighbourhood views look inside the chosen ICB or place; a neighbourhood is seen among its place's."""
    return parent_code if level == "neighbourhood" else code
