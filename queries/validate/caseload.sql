-- Row checks of the optional caseload extract: one row per neighbourhood-team caseload episode.
SELECT 'caseload' AS table_name, 'person_id' AS column_name, 'missing value' AS problem, 'error' AS severity, file_row_number, '(empty)' AS example, false AS example_personal
FROM caseload WHERE person_id IS NULL OR person_id = ''
UNION ALL SELECT 'caseload', 'neighbourhood_code', 'missing value', 'error', file_row_number, person_id, true
FROM caseload WHERE neighbourhood_code IS NULL
UNION ALL SELECT 'caseload', 'cohort_id', 'not a cohort of the catalogue (cohorts.csv)', 'error', file_row_number, coalesce(cohort_id, '(empty)'), false
FROM caseload WHERE cohort_id IS NULL OR NOT list_contains($cohort_ids, cohort_id)
UNION ALL SELECT 'caseload', 'start_date', 'missing date', 'error', file_row_number, person_id, true
FROM caseload WHERE start_date IS NULL
UNION ALL SELECT 'caseload', 'start_date', 'date after the extract date', 'error', file_row_number, CAST(start_date AS VARCHAR), true
FROM caseload WHERE CAST(start_date AS DATE) > $extract_date
UNION ALL SELECT 'caseload', 'end_date', 'date after the extract date (leave it empty while the case is open)', 'error', file_row_number,
       CAST(end_date AS VARCHAR), true
FROM caseload WHERE CAST(end_date AS DATE) > $extract_date
UNION ALL SELECT 'caseload', 'end_date', 'case closed before it was opened (end_date before start_date)', 'error', file_row_number,
       CAST(end_date AS VARCHAR) || ' < ' || CAST(start_date AS VARCHAR), true
FROM caseload WHERE CAST(end_date AS DATE) < CAST(start_date AS DATE)
UNION ALL SELECT 'caseload', 'start_date', 'episodes of one person, team and cohort overlap', 'warning', file_row_number, person_id, true
FROM (SELECT *, lag(coalesce(CAST(end_date AS DATE), DATE '9999-12-31')) OVER (
          PARTITION BY person_id, neighbourhood_code, cohort_id ORDER BY start_date, file_row_number) AS previous_end
      FROM caseload)
WHERE CAST(start_date AS DATE) <= previous_end
