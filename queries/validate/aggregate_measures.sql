-- Row checks of measures that arrive aggregated.
SELECT 'aggregate_measures' AS table_name, 'measure_id' AS column_name, 'measure not in the catalogue' AS problem, 'error' AS severity, file_row_number, coalesce(measure_id, '(empty)') AS example, false AS example_personal
FROM aggregate_measures WHERE measure_id IS NULL OR NOT list_contains($measure_ids, measure_id)
UNION ALL SELECT 'aggregate_measures', 'numerator', 'negative or missing', 'error', file_row_number, CAST(numerator AS VARCHAR), false
FROM aggregate_measures WHERE numerator IS NULL OR numerator < 0
UNION ALL SELECT 'aggregate_measures', 'denominator', 'negative or missing', 'error', file_row_number, CAST(denominator AS VARCHAR), false
FROM aggregate_measures WHERE denominator IS NULL OR denominator < 0
UNION ALL SELECT 'aggregate_measures', 'numerator', 'numerator above denominator', 'error', file_row_number, numerator || ' > ' || denominator, false
FROM aggregate_measures WHERE numerator > denominator
UNION ALL SELECT 'aggregate_measures', 'period', 'missing or after the extract date', 'error', file_row_number, coalesce(CAST(period AS VARCHAR), '(empty)'), false
FROM aggregate_measures WHERE period IS NULL OR CAST(period AS DATE) > $extract_date
UNION ALL SELECT 'aggregate_measures', 'area_code', 'duplicate measure × area × period', 'error', file_row_number, measure_id || ' ' || area_code || ' ' || period, false
FROM aggregate_measures QUALIFY count(*) OVER (PARTITION BY measure_id, area_code, period) > 1
