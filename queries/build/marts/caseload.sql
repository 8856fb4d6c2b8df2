-- The caseload extract as the NNHIP submission reads it (empty when the extract has none):
-- neighbourhood-team episodes with the cohort each person was taken on from.
SELECT person_id, neighbourhood_code, cohort_id, CAST(start_date AS DATE) AS start_date,
       CAST(end_date AS DATE) AS end_date, team
FROM caseload
