-- One measure's periods for every area directly under a parent (the neighbourhoods of a place,
-- or the places of an ICB): the small multiples of the Trends page; exact inside the
-- neighbourhoods in $exact_areas, protected elsewhere (as measure_latest).
WITH exact AS (SELECT area_code FROM areas WHERE list_contains($exact_areas, neighbourhood_code))
SELECT a.area_code, a.area_name, m.measure_id, m.name, m.polarity, m.unit, m.method, m.multiplier,
       m.target, v.period,
       CASE WHEN x.area_code IS NOT NULL THEN v.numerator ELSE v.p_numerator END AS numerator,
       CASE WHEN x.area_code IS NOT NULL THEN v.denominator ELSE v.p_denominator END AS denominator,
       v.numerator_small AND x.area_code IS NULL AS numerator_small,
       v.denominator_small AND x.area_code IS NULL AS denominator_small
FROM areas a
JOIN measure_values v ON v.area_code = a.area_code AND v.measure_id = $measure_id
JOIN measures m ON m.measure_id = v.measure_id
LEFT JOIN exact x ON x.area_code = a.area_code
WHERE a.parent_code = $parent_code
ORDER BY a.area_name, v.period
