-- Cross-table checks: every code used is known where it is defined.
SELECT 'persons' AS table_name, 'small_area_code' AS column_name, 'unknown area code (not in area_lookup.csv)' AS problem,
       'error' AS severity, p.file_row_number, p.small_area_code AS example, false AS example_personal
FROM persons p ANTI JOIN area_lookup l ON l.small_area_code = p.small_area_code
UNION ALL SELECT 'persons', 'practice_code', 'unknown practice (not in practices.parquet)', 'error', p.file_row_number, p.practice_code, false
FROM persons p ANTI JOIN practices r ON r.practice_code = p.practice_code
UNION ALL SELECT 'activity', 'person_id', 'unknown person (not in persons.parquet)', 'error', a.file_row_number, a.person_id, true
FROM activity a ANTI JOIN persons p ON p.person_id = a.person_id
UNION ALL SELECT 'practices', 'neighbourhood_code', 'unknown neighbourhood (not in area_lookup.csv)', 'error', r.file_row_number, r.neighbourhood_code, false
FROM practices r ANTI JOIN (SELECT DISTINCT neighbourhood_code FROM area_lookup) l ON l.neighbourhood_code = r.neighbourhood_code
UNION ALL SELECT 'aggregate_measures', 'area_code', 'unknown area code (not a neighbourhood in area_lookup.csv)', 'error', m.file_row_number, m.area_code, false
FROM aggregate_measures m ANTI JOIN (SELECT DISTINCT neighbourhood_code FROM area_lookup) l ON l.neighbourhood_code = m.area_code
UNION ALL SELECT 'deprivation', 'small_area_code', 'unknown area code (not in area_lookup.csv)', 'error', d.file_row_number, d.small_area_code, false
FROM deprivation d ANTI JOIN area_lookup l ON l.small_area_code = d.small_area_code
UNION ALL SELECT 'area_lookup', 'small_area_code', 'small area has no deprivation decile', 'error', l.file_row_number, l.small_area_code, false
FROM area_lookup l ANTI JOIN deprivation d ON d.small_area_code = l.small_area_code
