-- For every recorded-prevalence measure: each neighbourhood's recorded count (people on the
-- register) and eligible population at the extract date, for the neighbourhoods inside
-- $scope_code: exact for those in $exact_areas, protected elsewhere (as measure_latest).
WITH conditions AS (SELECT measure_id FROM measures WHERE query = 'recorded_prevalence'),
units AS (
    SELECT area_code AS neighbourhood_code FROM areas
    WHERE area_level = 'neighbourhood' AND $scope_code IN (icb_code, place_code, neighbourhood_code)
),
latest AS (SELECT measure_id, max(period) AS last_period FROM measure_values GROUP BY measure_id)
SELECT v.measure_id, v.area_code AS neighbourhood_code,
       CASE WHEN list_contains($exact_areas, v.area_code) THEN v.numerator ELSE v.p_numerator END AS recorded,
       CASE WHEN list_contains($exact_areas, v.area_code) THEN v.denominator ELSE v.p_denominator END AS population,
       v.numerator_small AND NOT list_contains($exact_areas, v.area_code) AS recorded_small,
       v.denominator_small AND NOT list_contains($exact_areas, v.area_code) AS population_small
FROM measure_values v
JOIN latest l ON l.measure_id = v.measure_id AND l.last_period = v.period
WHERE v.measure_id IN (SELECT measure_id FROM conditions) AND v.area_level = 'neighbourhood'
  AND v.area_code IN (SELECT neighbourhood_code FROM units)
ORDER BY v.measure_id, v.area_code
