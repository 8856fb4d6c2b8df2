-- Row checks of the reference prevalence table.
SELECT 'reference_prevalence' AS table_name, 'prevalence' AS column_name, 'outside 0–1 or missing' AS problem, 'error' AS severity, file_row_number, CAST(prevalence AS VARCHAR) AS example, false AS example_personal
FROM reference_prevalence WHERE prevalence IS NULL OR prevalence < 0 OR prevalence > 1
UNION ALL SELECT 'reference_prevalence', 'condition', 'unknown condition', 'error', file_row_number, coalesce(condition, '(empty)'), false
FROM reference_prevalence WHERE condition IS NULL OR NOT list_contains($conditions, condition)
UNION ALL SELECT 'reference_prevalence', 'imd_quintile', 'outside 1–5', 'error', file_row_number, CAST(imd_quintile AS VARCHAR), false
FROM reference_prevalence WHERE imd_quintile IS NULL OR imd_quintile NOT BETWEEN 1 AND 5
UNION ALL SELECT 'reference_prevalence', 'sex', 'unknown value (expected F or M)', 'error', file_row_number, coalesce(sex, '(empty)'), false
FROM reference_prevalence WHERE sex IS NULL OR NOT list_contains($sexes, sex)
UNION ALL SELECT 'reference_prevalence', 'condition', 'duplicate condition × age band × sex × quintile', 'error', file_row_number, condition || ' ' || age_band, false
FROM reference_prevalence QUALIFY count(*) OVER (PARTITION BY condition, age_band, sex, imd_quintile) > 1
