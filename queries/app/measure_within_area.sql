-- One measure for every neighbourhood or small area ($level) inside an area ($scope_code: an
-- ICB, place or neighbourhood), with that area's own figures as the benchmark. Figures cover the
-- measure's latest 12 months (rates, monthly standards), latest survey (annual measures) or the
-- extract date (snapshot proportions), by summing numerators and denominators as measure_latest does,
-- exact inside the neighbourhoods in $exact_areas and protected elsewhere (as measure_latest).
WITH latest AS (SELECT max(period) AS last_period FROM measure_values WHERE measure_id = $measure_id),
exact AS (SELECT area_code FROM areas WHERE list_contains($exact_areas, neighbourhood_code)),
units AS (
    SELECT area_code, area_name, parent_code FROM areas
    WHERE area_level = $level AND $scope_code IN (icb_code, place_code, neighbourhood_code)
),
windowed AS (
    SELECT v.area_code, v.area_code IN (SELECT area_code FROM exact) AS exact,
           sum(v.numerator) AS numerator, sum(v.denominator) AS denominator,
           sum(v.p_numerator) AS p_numerator, sum(v.p_denominator) AS p_denominator,
           bool_or(v.numerator_small) AS numerator_small, bool_or(v.denominator_small) AS denominator_small,
           min(v.period) AS first_period, max(v.period) AS last_period
    FROM measure_values v CROSS JOIN latest l
    WHERE v.measure_id = $measure_id
      AND v.period > l.last_period - INTERVAL 12 MONTH
      AND (v.area_code IN (SELECT area_code FROM units) OR v.area_code = $scope_code)
    GROUP BY v.area_code
),
shown AS (
    SELECT area_code, first_period, last_period,
           CASE WHEN exact THEN numerator ELSE p_numerator END AS numerator,
           CASE WHEN exact THEN denominator ELSE p_denominator END AS denominator,
           numerator_small AND NOT exact AS numerator_small, denominator_small AND NOT exact AS denominator_small
    FROM windowed
)
SELECT u.area_code, u.area_name, u.parent_code, w.numerator, w.denominator, w.numerator_small,
       w.denominator_small, w.first_period, w.last_period,
       b.numerator AS parent_numerator, b.denominator AS parent_denominator,
       b.numerator_small AS parent_numerator_small, b.denominator_small AS parent_denominator_small,
       m.measure_id, m.name, m.polarity, m.unit, m.method, m.multiplier
FROM units u
CROSS JOIN measures m
LEFT JOIN shown w ON w.area_code = u.area_code
LEFT JOIN shown b ON b.area_code = $scope_code
WHERE m.measure_id = $measure_id
ORDER BY u.area_name
