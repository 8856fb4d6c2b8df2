-- Row checks of the practice list.
SELECT 'practices' AS table_name, 'practice_code' AS column_name, 'duplicate code' AS problem, 'error' AS severity, file_row_number, practice_code AS example, false AS example_personal
FROM practices QUALIFY count(*) OVER (PARTITION BY practice_code) > 1
UNION ALL SELECT 'practices', 'practice_code', 'missing value', 'error', file_row_number, '(empty)', false FROM practices WHERE practice_code IS NULL
