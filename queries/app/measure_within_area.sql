-- One measure for every neighbourhood or small area ($level) inside an area ($scope_code: an
-- ICB, place or neighbourhood), with that area's own figures as the benchmark. Figures cover the
-- measure's latest 12 months (rates, monthly standards), latest survey (annual measures) or the
-- extract date (snapshot proportions), by summing numerators and denominators as measure_latest does.
WITH latest AS (SELECT max(period) AS last_period FROM measure_values WHERE measure_id = $measure_id),
units AS (
    SELECT area_code, area_name, parent_code FROM areas
    WHERE area_level = $level AND $scope_code IN (icb_code, place_code, neighbourhood_code)
),
windowed AS (
    SELECT v.area_code, sum(v.numerator) AS numerator, sum(v.denominator) AS denominator,
           min(v.period) AS first_period, max(v.period) AS last_period
    FROM measure_values v CROSS JOIN latest l
    WHERE v.measure_id = $measure_id
      AND v.period > l.last_period - INTERVAL 12 MONTH
      AND (v.area_code IN (SELECT area_code FROM units) OR v.area_code = $scope_code)
    GROUP BY v.area_code
)
SELECT u.area_code, u.area_name, u.parent_code, w.numerator, w.denominator, w.first_period, w.last_period,
       b.numerator AS parent_numerator, b.denominator AS parent_denominator,
       m.measure_id, m.name, m.polarity, m.unit, m.method, m.multiplier
FROM units u
CROSS JOIN measures m
LEFT JOIN windowed w ON w.area_code = u.area_code
LEFT JOIN windowed b ON b.area_code = $scope_code
WHERE m.measure_id = $measure_id
ORDER BY u.area_name
