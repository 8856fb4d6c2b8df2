-- The audit log: one parquet file per event (the list $files), newest first.
SELECT recorded_at, user_id, user_name, role, user_areas, action, area_code, cohort_definition, row_count, demo, event_id
FROM read_parquet($files, union_by_name = true)
ORDER BY recorded_at DESC
