"""The audit log: append-only, one record per list view and per export, readable by analysts only."""
from __future__ import annotations

import io
import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from neighbourhood_health.privacy import access, audit
from neighbourhood_health.measures import cohorts
from protection_rule import assert_protected_figures, expected_table, secret

BRENT, BRENT_EAST = "Z72000006", "Z70000021"
LEAD = access.User("lead@example.nhs.uk", "Lead", "int_lead", (BRENT_EAST,))
ANALYST = access.User("analyst@example.nhs.uk", "Analyst", "analyst", ("ALL",))
BOARD = access.User("board@example.nhs.uk", "Board", "board", (BRENT,))


def events(audit_dir):
    return audit.read_log(ANALYST, audit_dir)


def test_record_writes_one_read_only_file(tmp_path):
    path = audit.record(tmp_path, LEAD, "list_view", BRENT_EAST, {"cohort_id": "rising_risk"}, 12)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    # The mode bits, not os.access: root may write any file, so os.access says nothing in CI.
    assert path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0, "no write bit for anyone"
    assert oct(path.stat().st_mode & 0o777) == "0o444"
    row = events(tmp_path).iloc[0]
    assert (row.user_id, row.role, row.action, row.area_code, row.row_count) == (
        "lead@example.nhs.uk", "int_lead", "list_view", BRENT_EAST, 12)
    assert json.loads(row.cohort_definition) == {"cohort_id": "rising_risk"}
    assert pd.Timestamp(row.recorded_at).tzinfo is not None


def test_a_record_that_cannot_be_written_is_an_error(tmp_path):
    """An audit folder under a regular file cannot be written, root or not: the failure must not pass silently."""
    (tmp_path / "a_file").write_text("")
    with pytest.raises(OSError):
        audit.record(tmp_path / "a_file" / "audit", LEAD, "list_view", BRENT_EAST, {}, 1)
    assert [p.name for p in tmp_path.iterdir()] == ["a_file"]


def test_no_list_or_export_without_its_audit_record(demo_db, tmp_path):
    """Rows are given only once their record is written: an unwritable log stops the view or export."""
    (tmp_path / "a_file").write_text("")
    unwritable = tmp_path / "a_file" / "audit"
    for give in (lambda: cohorts.person_list(demo_db, LEAD, "rising_risk", BRENT_EAST, unwritable),
                 lambda: cohorts.export_list_csv(demo_db, LEAD, "rising_risk", BRENT_EAST, unwritable),
                 lambda: cohorts.export_counts_csv(demo_db, BOARD, "rising_risk", BRENT, unwritable)):
        with pytest.raises(OSError):
            give()


def test_concurrent_records_are_all_kept(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: audit.record(tmp_path, LEAD, "export_list", BRENT_EAST, {"i": i}, i), range(40)))
    log = events(tmp_path)
    assert len(log) == 40 and set(log.row_count) == set(range(40))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no partial files left"


#: One writer: a fresh interpreter (as a separate server process is) that waits for the start file,
#: then appends its records as fast as it can. A script, not multiprocessing's spawn: spawn re-runs
#: the parent's __main__, which after an AppTest is app.py (it would prepare data in the checkout).
WRITER = """
import os, sys, time
from pathlib import Path
from neighbourhood_health.privacy import access, audit
folder, worker, records, go = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
user = access.User(f"lead{worker}@example.nhs.uk", f"Lead {worker}", "int_lead", ("Z70000021",))
(go.parent / f"ready{worker}").touch()
while not go.exists():
    time.sleep(0.01)
for i in range(records):
    audit.record(folder, user, "export_list", "Z70000021", {"worker": worker, "i": i, "pid": os.getpid()},
                 worker * 1000 + i)
"""


def test_processes_appending_at_once_lose_and_mix_nothing(tmp_path):
    """As under scripts/serve, several server processes write the one log at the same moment: every
    record is kept, whole, in a file of its own, and nothing half-written is left behind."""
    import subprocess
    import sys
    import time
    from neighbourhood_health.config import PROJECT_ROOT
    workers, records = 4, 30
    log_dir, go = tmp_path / "audit", tmp_path / "go"
    log_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, str(log_dir), str(w), str(records), str(go)], env=env)
                 for w in range(workers)]
    while len(list(tmp_path.glob("ready*"))) < workers:   # every writer has started and imported
        assert all(p.poll() in (None, 0) for p in processes), "a writer failed to start"
        time.sleep(0.05)
    go.touch()   # then all write at once
    assert [p.wait() for p in processes] == [0] * workers
    tmp_path = log_dir

    log = events(tmp_path)
    assert len(log) == workers * records and log.event_id.is_unique
    assert set(log.row_count) == {w * 1000 + i for w in range(workers) for i in range(records)}
    for row in log.itertuples():  # each record is one writer's, all its fields together
        definition = json.loads(row.cohort_definition)
        assert row.row_count == definition["worker"] * 1000 + definition["i"]
        assert row.user_id == f"lead{definition['worker']}@example.nhs.uk"
    assert len({json.loads(d)["pid"] for d in log.cohort_definition}) == workers, "written by separate processes"
    files = audit.event_files(tmp_path)
    assert len(files) == workers * records
    assert all(pq.read_metadata(f).num_rows == 1 for f in files), "one record per file"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no partial files left"


def test_each_list_view_and_export_writes_exactly_one_record(demo_db, tmp_path):
    filters = cohorts.Filters(risk_bands=("high",), age_bands=("75-84",))
    rows = cohorts.person_list(demo_db, LEAD, filters, BRENT_EAST, tmp_path)
    assert len(events(tmp_path)) == 1
    csv = cohorts.export_list_csv(demo_db, LEAD, "frail_emergency_admissions", BRENT_EAST, tmp_path)
    cohorts.export_counts_csv(demo_db, BOARD, "rising_risk", BRENT, tmp_path)
    log = events(tmp_path)
    assert sorted(log.action) == ["export_counts", "export_list", "list_view"]
    view = log[log.action == "list_view"].iloc[0]
    assert view.row_count == len(rows)
    assert json.loads(view.cohort_definition)["builder"]["risk_bands"] == ["high"]
    exported = log[log.action == "export_list"].iloc[0]
    assert exported.row_count == len(pd.read_csv(io.BytesIO(csv)))
    assert json.loads(exported.cohort_definition)["cohort_id"] == "frail_emergency_admissions"


def test_refusals_are_recorded_and_are_not_list_views(demo_db, tmp_path):
    with pytest.raises(access.AccessDenied):
        cohorts.person_list(demo_db, BOARD, "rising_risk", BRENT_EAST, tmp_path)
    log = events(tmp_path)
    assert log.action.tolist() == ["refused"] and log.row_count.tolist() == [0]


def test_only_analysts_read_the_log(tmp_path):
    audit.record(tmp_path, LEAD, "list_view", BRENT_EAST, {}, 1)
    for someone in (LEAD, BOARD):
        with pytest.raises(access.AccessDenied):
            audit.read_log(someone, tmp_path)
    assert audit.read_log(ANALYST, tmp_path / "empty").empty


def test_counts_export_is_what_the_page_shows_each_role(demo_db, tmp_path):
    """The counts CSV holds the viewer's table: exact for an INT lead in their own neighbourhood;
    for a board member protected cells (multiples of 5) with totals that are their sums, and "*"
    exactly where the rule hides a figure, so no exact count of 1–7 is in the file."""
    definition = "frail_emergency_admissions"
    for someone, area in ((LEAD, BRENT_EAST), (BOARD, BRENT)):
        csv = cohorts.export_counts_csv(demo_db, someone, definition, area, tmp_path)
        table = pd.read_csv(io.BytesIO(csv), index_col=0, dtype=str)
        values = table.replace("*", np.nan).astype(float)
        shown = cohorts.counts(demo_db, someone, definition, area)
        np.testing.assert_array_equal(values.to_numpy(), shown.table.to_numpy())
        raw, _ = cohorts._raw_counts(demo_db, definition, area)
        if someone is LEAD:
            assert not shown.protected and not values.isna().any().any()
            assert ((raw >= 1) & (raw <= 7)).any().any(), "the lead's exact table has small cells on the demo data"
            continue
        assert shown.protected
        assert_protected_figures(values)
        want = expected_table(raw, secret(demo_db), f"cohort|{definition}")
        np.testing.assert_array_equal(values.to_numpy(), want.to_numpy())
        hidden = values.isna().to_numpy()
        assert hidden.any(), "this cohort has hidden cells on the demo data"
        small = ((raw >= 1) & (raw <= 7)).to_numpy()
        assert not (hidden[:-1, :-1] & ~small).any(), "only a cell of 1–7 is hidden"
