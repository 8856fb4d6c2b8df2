-- Row checks of the activity extract.
SELECT 'activity' AS table_name, 'event_type' AS column_name, 'unknown event type' AS problem, 'error' AS severity, file_row_number, coalesce(event_type, '(empty)') AS example, false AS example_personal
FROM activity WHERE event_type IS NULL OR NOT list_contains($event_types, event_type)
UNION ALL SELECT 'activity', 'event_date', 'missing date', 'error', file_row_number, person_id, true FROM activity WHERE event_date IS NULL
UNION ALL SELECT 'activity', 'event_date', 'date after the extract date', 'error', file_row_number, CAST(event_date AS VARCHAR), true
FROM activity WHERE CAST(event_date AS DATE) > $extract_date
UNION ALL SELECT 'activity', 'person_id', 'missing value', 'error', file_row_number, '(empty)', false FROM activity WHERE person_id IS NULL
UNION ALL SELECT 'activity', 'low_acuity', 'acuity given for an event that is not an A&E attendance', 'warning', file_row_number, event_type, false
FROM activity WHERE low_acuity IS NOT NULL AND event_type <> 'ae_attendance'
