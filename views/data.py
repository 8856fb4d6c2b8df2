"""Data: what is loaded, when it was extracted, validation results and measure definitions."""
import pandas as pd
import streamlit as st

from neighbourhood_health.app import cache
from neighbourhood_health.pipeline.catalogue import CatalogueError, load_measures
from neighbourhood_health.config import settings
from neighbourhood_health.pipeline.validate import validate_folder

cfg = settings()
st.title("Data")

if cache.marts_version():
    manifest, checked = cache.manifest(), cache.validation()
    st.markdown(f"**Extract date:** {manifest['extract_date']} · **Source:** {manifest['source']}"
                + (f" · seed {manifest['seed']}, scale {manifest['scale']}" if "seed" in manifest else ""))
    st.caption(f"Extracts: {cfg.extracts_dir} · Boundaries: {cfg.geo_dir} · Marts: {cache.marts_version()}")
    problems = pd.DataFrame(checked["problems"])
    tables = pd.DataFrame({"Table": list(checked["tables"]), "Rows": list(checked["tables"].values())})
else:
    st.warning("The marts have not been built: the extracts below fail validation, or there are none.")
    report = validate_folder(cfg.extracts_dir, cfg.geo_dir)
    problems = report.as_frame()
    tables = pd.DataFrame({"Table": list(report.tables), "Rows": list(report.tables.values())})

st.header("Validation")
errors = int((problems.get("severity", pd.Series(dtype=str)) == "error").sum())
if problems.empty:
    st.success("Every file passed validation against the data contract.")
else:
    (st.error if errors else st.warning)(
        f"{errors} error(s) and {len(problems) - errors} warning(s) found in the extracts.")
    st.dataframe(problems, hide_index=True, width="stretch")
st.subheader("Tables loaded")
st.dataframe(tables, hide_index=True)

st.header("Measure definitions")
try:
    catalogue = load_measures(cfg.extracts_dir)
except CatalogueError as exc:
    st.error(f"The measure catalogue has problems:\n\n{exc}")
else:
    if cache.marts_version():
        periods = cache.run("app/data_summary")[["measure_id", "first_period", "last_period", "periods"]]
        catalogue = catalogue.merge(periods, on="measure_id", how="left")
    st.dataframe(catalogue.drop(columns=["query", "query_params", "family_order", "display_order"]), hide_index=True, width="stretch")
