-- The area tree: every ICB, place, neighbourhood and small area with its parent and population.
-- A root ("ALL", every area in the extract) is the benchmark an ICB is compared with.
SELECT 'ALL' AS area_code, 'All areas in the extract' AS area_name, 'all' AS area_level, NULL AS parent_code,
       NULL AS icb_code, NULL AS place_code, NULL AS neighbourhood_code, sum(population) AS population
FROM small_areas
UNION ALL
SELECT icb_code, any_value(icb_name), 'icb', 'ALL',
       icb_code, NULL AS place_code, NULL AS neighbourhood_code, sum(population) AS population
FROM small_areas GROUP BY icb_code
UNION ALL
SELECT place_code, any_value(place_name), 'place', any_value(icb_code), any_value(icb_code), place_code, NULL, sum(population)
FROM small_areas GROUP BY place_code
UNION ALL
SELECT neighbourhood_code, any_value(neighbourhood_name), 'neighbourhood', any_value(place_code), any_value(icb_code),
       any_value(place_code), neighbourhood_code, sum(population)
FROM small_areas GROUP BY neighbourhood_code
UNION ALL
SELECT small_area_code, small_area_name, 'small_area', neighbourhood_code, icb_code, place_code, neighbourhood_code, population
FROM small_areas
ORDER BY area_level, area_name
