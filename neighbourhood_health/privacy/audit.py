"""An append-only audit log of person-level views, of every download (and of refusals).

One parquet file per event, under `<data_dir>/audit/`, written beside its final name and renamed
into place (an atomic step on one file system), then made read-only. Nothing here rewrites or
deletes a file, so the log only grows. Reading it is for analysts (access.require_audit).

Safe from several processes at once (scripts/serve runs one Streamlit server per core, all writing
here) without a lock: no two writers ever share a file. Each event's names carry a random 128-bit
id, the partial file is created exclusively (O_EXCL: a clash would fail, never mix two records),
a reader never sees a record half-written (the name appears only by the rename), and the folder is
synced after the rename so a record reported written survives a crash.
"""
from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from neighbourhood_health.privacy.access import User, require_audit
from neighbourhood_health.store import new_connection, run_on

#: export_counts: a table of protected figures (CSV); export_pack: the board pack (PowerPoint or HTML).
ACTIONS = {"list_view", "export_list", "export_counts", "export_pack", "refused"}
SCHEMA = pa.schema([
    ("event_id", pa.string()), ("recorded_at", pa.timestamp("us", tz="UTC")), ("user_id", pa.string()),
    ("user_name", pa.string()), ("role", pa.string()), ("user_areas", pa.string()), ("demo", pa.bool_()),
    ("action", pa.string()), ("area_code", pa.string()), ("cohort_definition", pa.string()),
    ("row_count", pa.int64()),
])


def record(audit_dir: Path, user: User, action: str, area_code: str, definition: dict,
           row_count: int) -> Path:
    """Append one event: who, when, their role, what they did, for which cohort, how many rows."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}; expected one of {sorted(ACTIONS)}")
    audit_dir = Path(audit_dir)
    audit_dir.mkdir(parents=True, exist_ok=True)
    at = datetime.now(timezone.utc)
    event_id = uuid.uuid4().hex
    row = {"event_id": event_id, "recorded_at": at, "user_id": user.user_id, "user_name": user.name,
           "role": user.role, "user_areas": ";".join(user.areas), "demo": user.demo, "action": action,
           "area_code": str(area_code), "cohort_definition": json.dumps(definition, sort_keys=True),
           "row_count": int(row_count)}
    table = pa.Table.from_pylist([row], schema=SCHEMA)
    final = audit_dir / f"{at.strftime('%Y%m%dT%H%M%S%f')}-{event_id}.parquet"
    partial = audit_dir / f".{final.name}.partial"
    with open(partial, "xb") as handle:
        pq.write_table(table, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, final)
    final.chmod(0o444)
    _sync_folder(audit_dir)
    return final


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a file's fsync does not cover its name in the folder)."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def event_files(audit_dir: Path) -> list[str]:
    return sorted(str(p) for p in Path(audit_dir).glob("*.parquet") if not p.name.startswith("."))


def read_log(user: User, audit_dir: Path) -> pd.DataFrame:
    """Every event, newest first; analysts only."""
    require_audit(user)
    files = event_files(audit_dir)
    if not files:
        return pd.DataFrame(columns=[f.name for f in SCHEMA])
    con = new_connection()
    try:
        return run_on(con, "app/audit_log", files=files)
    finally:
        con.close()
