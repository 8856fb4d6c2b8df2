-- Every period of every measure for one area, with what the charts need from the catalogue:
-- the monthly (or annual, or single snapshot) numerators and denominators behind trends, exact
-- when the area is inside a neighbourhood in $exact_areas, protected otherwise (as measure_latest).
WITH exact AS (SELECT area_code FROM areas WHERE list_contains($exact_areas, neighbourhood_code))
SELECT m.measure_id, m.name, m.family, m.family_order, m.pillar, m.life_stage, m.polarity, m.unit,
       m.method, m.multiplier, m.target, m.definition, v.area_code, v.period,
       CASE WHEN x.area_code IS NOT NULL THEN v.numerator ELSE v.p_numerator END AS numerator,
       CASE WHEN x.area_code IS NOT NULL THEN v.denominator ELSE v.p_denominator END AS denominator,
       v.numerator_small AND x.area_code IS NULL AS numerator_small,
       v.denominator_small AND x.area_code IS NULL AS denominator_small
FROM measures m
JOIN measure_values v ON v.measure_id = m.measure_id AND v.area_code = $area_code
LEFT JOIN exact x ON x.area_code = v.area_code
ORDER BY m.family_order, m.display_order, v.period
