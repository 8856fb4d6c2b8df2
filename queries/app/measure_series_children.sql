-- One measure's periods for every area directly under a parent (the neighbourhoods of a place,
-- or the places of an ICB): the small multiples of the Trends page.
SELECT a.area_code, a.area_name, m.measure_id, m.name, m.polarity, m.unit, m.method, m.multiplier,
       m.target, v.period, v.numerator, v.denominator
FROM areas a
JOIN measure_values v ON v.area_code = a.area_code AND v.measure_id = $measure_id
JOIN measures m ON m.measure_id = v.measure_id
WHERE a.parent_code = $parent_code
ORDER BY a.area_name, v.period
