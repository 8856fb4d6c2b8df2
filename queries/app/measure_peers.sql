-- Every measure for every area of one level (within one ICB, or everywhere when $icb_code is
-- empty), over the same window as measure_latest: the latest 12 months for monthly measures, the
-- latest survey for annual ones, the extract date for snapshots. The spread behind spine charts:
-- exact inside the neighbourhoods in $exact_areas, protected elsewhere (as measure_latest).
WITH latest AS (SELECT measure_id, max(period) AS last_period FROM measure_values GROUP BY measure_id),
exact AS (SELECT area_code FROM areas WHERE list_contains($exact_areas, neighbourhood_code)),
peers AS (
    SELECT area_code, area_name, area_code IN (SELECT area_code FROM exact) AS exact FROM areas
    WHERE area_level = $area_level AND ($icb_code = '' OR icb_code = $icb_code)
),
windowed AS (
    SELECT m.measure_id, m.polarity, m.method, m.multiplier, p.area_code, p.area_name, p.exact,
           sum(v.numerator) AS numerator, sum(v.denominator) AS denominator,
           sum(v.p_numerator) AS p_numerator, sum(v.p_denominator) AS p_denominator,
           bool_or(v.numerator_small) AS numerator_small, bool_or(v.denominator_small) AS denominator_small
    FROM measure_values v
    JOIN latest l USING (measure_id)
    JOIN peers p ON p.area_code = v.area_code
    JOIN measures m ON m.measure_id = v.measure_id
    WHERE v.period > l.last_period - INTERVAL 12 MONTH
    GROUP BY ALL
)
SELECT measure_id, polarity, method, multiplier, area_code, area_name,
       CASE WHEN exact THEN numerator ELSE p_numerator END AS numerator,
       CASE WHEN exact THEN denominator ELSE p_denominator END AS denominator,
       numerator_small AND NOT exact AS numerator_small, denominator_small AND NOT exact AS denominator_small
FROM windowed
ORDER BY measure_id, area_code
