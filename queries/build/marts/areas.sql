-- The area tree: every ICB, place, neighbourhood and small area with its parent and population.
-- A root ("ALL", every area in the extract) is the benchmark an ICB is compared with.
SELECT 'ALL' AS area_code, 'All areas in the extract' AS area_name, 'all' AS area_level,
       CAST(NULL AS VARCHAR) AS parent_code, CAST(NULL AS VARCHAR) AS icb_code, CAST(NULL AS VARCHAR) AS place_code,
       CAST(NULL AS VARCHAR) AS neighbourhood_code, CAST(sum(population) AS DOUBLE) AS population
FROM small_areas
UNION ALL
SELECT icb_code, min(icb_name), 'icb', 'ALL', icb_code, NULL, NULL, CAST(sum(population) AS DOUBLE)
FROM small_areas GROUP BY icb_code
UNION ALL
SELECT place_code, min(place_name), 'place', min(icb_code), min(icb_code), place_code, NULL, CAST(sum(population) AS DOUBLE)
FROM small_areas GROUP BY place_code
UNION ALL
SELECT neighbourhood_code, min(neighbourhood_name), 'neighbourhood', min(place_code), min(icb_code),
       min(place_code), neighbourhood_code, CAST(sum(population) AS DOUBLE)
FROM small_areas GROUP BY neighbourhood_code
UNION ALL
SELECT small_area_code, small_area_name, 'small_area', neighbourhood_code, icb_code, place_code, neighbourhood_code,
       CAST(population AS DOUBLE)
FROM small_areas
