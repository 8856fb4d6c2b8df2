-- Row checks of small-area deprivation.
SELECT 'deprivation' AS table_name, 'imd_decile' AS column_name, 'outside 1–10 or missing' AS problem, 'error' AS severity, file_row_number, coalesce(CAST(imd_decile AS VARCHAR), '(empty)') AS example, false AS example_personal
FROM deprivation WHERE imd_decile IS NULL OR imd_decile NOT BETWEEN 1 AND 10
UNION ALL SELECT 'deprivation', 'small_area_code', 'duplicate code', 'error', file_row_number, small_area_code, false
FROM deprivation QUALIFY count(*) OVER (PARTITION BY small_area_code) > 1
