"""What the Streamlit app needs from the data layer: readiness, a cached connection, cached queries.

Nothing heavy happens at import. The connection is cached per marts version (the folder the
`marts` link points at), so a rebuild is picked up without restarting the app.
"""
from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass, is_dataclass
from functools import partial
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st
from plotly.basedatatypes import BaseFigure

from neighbourhood_health.pipeline.build import BuildError, build_marts
from neighbourhood_health.pipeline.contract import PERSONS
from neighbourhood_health.pipeline.contract_files import files_of, register_extracts
from neighbourhood_health.config import settings
from neighbourhood_health.privacy import access, disclosure
from neighbourhood_health.store import Database


@dataclass
class DataStatus:
    ready: bool
    message: str = ""


def marts_version() -> str:
    marts = settings().marts_dir
    if not (marts / "measure_values.parquet").exists():
        return ""
    return os.path.realpath(marts)


def ensure_data() -> DataStatus:
    """Make sure marts exist: build them from extracts, or on a first start generate demo data.

    A lock file keeps two browser sessions that open at once from preparing the data twice.
    """
    cfg = settings()
    if marts_version():
        return DataStatus(True)
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    with open(cfg.data_dir / ".prepare.lock", "w") as lock:
        with st.spinner("Another session is preparing the data; waiting for it"):
            fcntl.flock(lock, fcntl.LOCK_EX)
        if marts_version():
            return DataStatus(True)
        return _prepare(cfg)


def _prepare(cfg) -> DataStatus:
    has_extracts = bool(files_of(cfg.extracts_dir, PERSONS))  # parquet or CSV: never a demo over them
    if not has_extracts and not cfg.auto_demo:
        return DataStatus(False, "No extracts in the extracts folder (NHD_DATA_DIR/extracts). Add them (see "
                                 "the data contract) or run `python -m neighbourhood_health demo`.")
    bar = st.progress(0.0, "Preparing data")
    report = lambda f, m: bar.progress(min(max(f, 0.0), 1.0), m)
    try:
        if not has_extracts:
            from neighbourhood_health.pipeline.demo import generate
            st.info(f"First start: generating synthetic demo data at scale {cfg.demo_scale} "
                    "(NHD_DEMO_SCALE). This happens once.")
            generate(cfg, lambda f, m: report(f * 0.6, m))
        build_marts(cfg, lambda f, m: report(0.6 + f * 0.4 if not has_extracts else f, m))
    except BuildError:  # its text names server folders and person IDs: the Data page shows what each viewer may see
        bar.empty()
        return DataStatus(False, "The extracts have problems, so the marts were not built: "
                                 "the validation results below say what to fix.")
    bar.empty()
    return DataStatus(True)


@st.cache_resource(show_spinner=False)
def _database(version: str) -> Database:
    cfg = settings()
    return Database(cfg.marts_dir, cfg.extracts_dir, register_extracts)


def database() -> Database:
    return _database(marts_version())


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(version: str, name: str, params: tuple, exact: tuple[str, ...]) -> pd.DataFrame:
    return _database(version).run(name, **dict(params), exact_areas=list(exact))


#: Where sign-in (`signin.sidebar_user`) keeps the viewer of this session.
VIEWER_KEY = "nhd_user"


def exact_areas() -> tuple[str, ...]:
    """The neighbourhoods whose exact figures this session's viewer may see (none before sign-in).

    Asked on every query, so it reads the cached manifest rather than the manifest file."""
    viewer = st.session_state.get(VIEWER_KEY)
    if viewer is None:
        return ()
    return tuple(disclosure.exact_areas(viewer, access.synthetic_manifest(manifest())))


def _run_as(version: str, exact: tuple[str, ...], name: str, **params) -> pd.DataFrame:
    params.pop("exact_areas", None)
    return _cached(version, name, tuple(sorted(params.items())), exact)


@st.cache_resource(show_spinner=False, max_entries=2048)
def _shared(version: str, exact: tuple[str, ...], name: str, args: tuple, _fn):
    return frozen(_fn(partial(_run_as, version, exact), *args))


def frozen(value, depth: int = 3):
    """`value`, its plotly figures made to give the same dict every time they are asked for one:
    st.plotly_chart deep-copies a figure into a dict on every rerun (7 ms for a page of small
    multiples), and a figure shared between sessions never changes (`shared`). Looks into tuples,
    lists, dicts and dataclasses `depth` levels down."""
    if isinstance(value, BaseFigure):
        if "to_dict" not in vars(value):
            as_dict = value.to_dict()
            value.to_dict = lambda: as_dict  # plotly lets an instance attribute shadow a method
    elif depth > 0 and isinstance(value, (tuple, list)) and len(value) <= 64:
        for item in value:
            frozen(item, depth - 1)
    elif depth > 0 and isinstance(value, dict) and len(value) <= 64:
        for item in value.values():
            frozen(item, depth - 1)
    elif depth > 0 and is_dataclass(value) and not isinstance(value, type):
        for item in vars(value).values():
            frozen(item, depth - 1)
    return value


def shared(fn, *args):
    """`fn(run, *args)`, worked out once per marts version, viewer's exact areas and arguments, then
    handed to every session that asks the same: for what a page reads, derives and draws, which
    would otherwise be redone on every rerun by every user. `run` is `run` below, bound to this
    viewer's exact areas, so the result is what this viewer may see, as a query's would be.

    The result is shared, not copied (`st.cache_resource`: no pickling on each rerun), so callers
    must not change it; `args` are small values (codes, ids, choices), never frames. While one
    session works a result out, others asking the same wait for it instead of repeating it."""
    name = f"{fn.__code__.co_filename}:{fn.__qualname__}"
    return _shared(marts_version(), exact_areas(), name, args, fn)


def run(name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql with bound parameters, as this session's viewer may see the figures:
    `exact_areas` is bound here from the signed-in user, never by the page. Cached per marts
    version, parameters and exact areas, so viewers with the same rights share results."""
    return _run_as(marts_version(), exact_areas(), name, **params)


@st.cache_data(show_spinner=False)
def _layer(version: str, level: str) -> gpd.GeoDataFrame:
    return gpd.read_parquet(Path(version) / f"geo_{level}.parquet")


def map_layer(level: str) -> gpd.GeoDataFrame:
    return _layer(marts_version(), level)


@st.cache_data(show_spinner=False)
def _manifest(version: str) -> dict:
    return json.loads((Path(version) / "manifest.json").read_text())


def manifest() -> dict:
    return _manifest(marts_version())


@st.cache_data(show_spinner=False)
def _validation(version: str) -> dict:
    return json.loads((Path(version) / "validation.json").read_text())


def validation() -> dict:
    return _validation(marts_version())


@st.cache_data(show_spinner=False)
def _interventions(version: str) -> list:
    from neighbourhood_health.pipeline.cohort_catalogue import load_cohorts
    from neighbourhood_health.pipeline.intervention_catalogue import load_interventions
    cfg = settings()
    measure_ids = _database(version).run("app/measure_catalogue", exact_areas=[])["measure_id"]
    return load_interventions(cfg.extracts_dir, measure_ids, list(load_cohorts(cfg.extracts_dir)))


def interventions() -> list:
    """The interventions catalogue (the deployment's own `interventions.csv`, else the demo's), checked."""
    return _interventions(marts_version())


@st.cache_data(show_spinner=False, max_entries=64)
def _evaluation(version: str, intervention_id: str, measure_id: str, exact: tuple[str, ...]):
    from neighbourhood_health.measures import evaluation
    from neighbourhood_health.pipeline.intervention_catalogue import find
    catalogue = _interventions(version)
    run = disclosure.for_viewer(_database(version).run, list(exact))
    return evaluation.evaluate(run, find(catalogue, intervention_id), measure_id, catalogue)


def evaluation(intervention_id: str, measure_id: str):
    """Every design's result for one intervention and measure, as this viewer may see the figures;
    computed once per marts version and exact areas, then shared."""
    return _evaluation(marts_version(), intervention_id, measure_id, exact_areas())


@st.cache_data(show_spinner=False, max_entries=64)
def _seasonal(version: str, exact: tuple[str, ...]) -> dict:
    from neighbourhood_health.measures import trends
    return trends.seasonal_factors_for(disclosure.for_viewer(_database(version).run, list(exact)))


def seasonal_factors() -> dict:
    """Per seasonal measure, its month-of-year factors from the whole extract's series. That series is
    protected for every viewer (no one's exact areas include the whole extract), so every viewer gets
    the same factors and the Trends page, the scorecard and the Overview judge alike; the query is
    still bound to the viewer's exact areas, as every query of a page is."""
    return _seasonal(marts_version(), exact_areas())
