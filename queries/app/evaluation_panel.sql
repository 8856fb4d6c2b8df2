-- One measure's monthly numerators and denominators for every neighbourhood, the panel an
-- evaluation compares treated and comparator areas on. `numerator`/`denominator` are exact where
-- the neighbourhood is in $exact_areas and protected elsewhere; the protected pair is returned for
-- every row as well, so that an evaluation mixing both can use protected figures throughout.
SELECT a.area_code AS neighbourhood_code, a.area_name AS neighbourhood_name, a.place_code, a.icb_code, v.period,
       CASE WHEN list_contains($exact_areas, a.area_code) THEN v.numerator ELSE v.p_numerator END AS numerator,
       CASE WHEN list_contains($exact_areas, a.area_code) THEN v.denominator ELSE v.p_denominator END AS denominator,
       v.p_numerator, v.p_denominator, v.numerator_small, v.denominator_small,
       list_contains($exact_areas, a.area_code) AS exact
FROM areas a
JOIN measure_values v ON v.area_code = a.area_code AND v.measure_id = $measure_id
WHERE a.area_level = 'neighbourhood' AND v.period IS NOT NULL
ORDER BY a.area_code, v.period
