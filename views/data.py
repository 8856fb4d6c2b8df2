"""Data: what is loaded, when it was extracted, validation results and measure definitions.

What a viewer sees follows their role (privacy/access.py): validation examples that are person IDs
or values of one person's record give their rows only, unless the role is given lists
(`person_level_details`); the server's folders and file paths are shown only to roles that load the
data (`server_paths`), and to everyone else a file is named as it is in its folder (`activity.parquet`).
"""
from pathlib import Path

import pandas as pd
import streamlit as st

from neighbourhood_health.app import cache, signin
from neighbourhood_health.config import settings
from neighbourhood_health.pipeline.catalogue import CatalogueError, load_measures
from neighbourhood_health.pipeline.problems import for_viewer, hide_paths, server_folders
from neighbourhood_health.pipeline.validate import validate_folder
from neighbourhood_health.present import provenance
from neighbourhood_health.present.text import md
from neighbourhood_health.privacy import access

cfg = settings()
st.title("Data")

built = bool(cache.marts_version())
user = signin.current_user() if built else None  # before the marts are built nobody has signed in
db = cache.database() if built else None
person_level = access.person_level_details(db, user)
folders = None if access.server_paths(db, user) else server_folders(cfg)


def without_paths(text) -> str:
    return str(text) if folders is None else hide_paths(str(text), folders)


if built:
    manifest, checked = cache.manifest(), cache.validation()
    said = [f"**Extract date:** {md(manifest['extract_date'])}",  # the one key validation requires
            f"**Source:** {md(without_paths(manifest['source']))}" if manifest.get("source") else "",
            md(provenance.generated(manifest))]
    st.markdown(" · ".join(part for part in said if part))
    if folders is None:
        st.caption(f"Extracts: {md(cfg.extracts_dir)} · Boundaries: {md(cfg.geo_dir)} · Marts: {md(cache.marts_version())}")
    else:
        st.caption(f"Marts version: {Path(cache.marts_version()).name.lstrip('.')}")
    problems = pd.DataFrame(checked["problems"])
    tables = pd.DataFrame({"Table": list(checked["tables"]), "Rows": list(checked["tables"].values())})
else:
    st.warning("The marts have not been built: the extracts below fail validation, or there are none.")
    report = validate_folder(cfg.extracts_dir, cfg.geo_dir)
    problems = report.as_frame()
    tables = pd.DataFrame({"Table": list(report.tables), "Rows": list(report.tables.values())})
problems = for_viewer(problems, person_level, folders)

st.header("Validation")
errors = problems[problems["severity"] == "error"]
if problems.empty:
    st.success("Every file passed validation against the data contract.")
else:
    what = "".join(f"\n- {md(row.file)}" + (f", column {md(row.column)}" if row.column else "") + f": {md(row.problem)}"
                   for row in errors.head(5).itertuples())
    more = f"\n- and {len(errors) - 5} more below" if len(errors) > 5 else ""
    (st.error if len(errors) else st.warning)(
        f"{len(errors)} error(s) and {len(problems) - len(errors)} warning(s) found in the extracts.{what}{more}")
    st.dataframe(problems, hide_index=True, width="stretch")
    if not person_level:
        st.caption("Examples that are person IDs or values from one person's record give the row only; "
                   "INT leads see the values.")
st.subheader("Tables loaded")
st.dataframe(tables, hide_index=True)

st.header("Measure definitions")
try:
    catalogue = load_measures(cfg.extracts_dir)
except CatalogueError as exc:
    st.error("The measure catalogue has problems:\n\n"
             + "\n".join(f"- {md(line)}" for line in without_paths(exc).splitlines()))
else:
    if built:
        periods = cache.run("app/data_summary")[["measure_id", "first_period", "last_period", "periods"]]
        catalogue = catalogue.merge(periods, on="measure_id", how="left")
    st.dataframe(catalogue.drop(columns=["query", "query_params", "family_order", "display_order"]), hide_index=True, width="stretch")
