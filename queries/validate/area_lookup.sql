-- Row checks of the small area → neighbourhood → place → ICB lookup.
SELECT 'area_lookup' AS table_name, 'small_area_code' AS column_name, 'small area assigned more than once' AS problem, 'error' AS severity, file_row_number, small_area_code AS example, false AS example_personal
FROM area_lookup QUALIFY count(*) OVER (PARTITION BY small_area_code) > 1
UNION ALL SELECT 'area_lookup', 'small_area_code', 'not shaped like an area code (a letter and 8 digits)', 'error', file_row_number, coalesce(small_area_code, '(empty)'), false
FROM area_lookup WHERE NOT regexp_full_match(coalesce(small_area_code, ''), '[A-Z][0-9]{8}')
UNION ALL SELECT 'area_lookup', 'neighbourhood_code', 'missing value', 'error', file_row_number, small_area_code, false FROM area_lookup WHERE neighbourhood_code IS NULL
UNION ALL SELECT 'area_lookup', 'place_code', 'neighbourhood belongs to more than one place', 'error', file_row_number, neighbourhood_code, false
FROM area_lookup QUALIFY count(DISTINCT place_code) OVER (PARTITION BY neighbourhood_code) > 1
UNION ALL SELECT 'area_lookup', 'icb_code', 'place belongs to more than one ICB', 'error', file_row_number, place_code, false
FROM area_lookup QUALIFY count(DISTINCT icb_code) OVER (PARTITION BY place_code) > 1
