-- Cross-table checks of the caseload extract: its people and neighbourhoods are known.
SELECT 'caseload' AS table_name, 'person_id' AS column_name, 'unknown person (not in persons.parquet)' AS problem,
       'error' AS severity, c.file_row_number, c.person_id AS example, true AS example_personal
FROM caseload c ANTI JOIN persons p ON p.person_id = c.person_id
UNION ALL SELECT 'caseload', 'neighbourhood_code', 'unknown neighbourhood (not in area_lookup.csv)', 'error', c.file_row_number,
       c.neighbourhood_code, false
FROM caseload c ANTI JOIN (SELECT DISTINCT neighbourhood_code FROM area_lookup) l ON l.neighbourhood_code = c.neighbourhood_code
