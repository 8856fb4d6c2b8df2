-- Every period of every measure for one area, with what the charts need from the catalogue:
-- the monthly (or annual, or single snapshot) numerators and denominators behind trends.
SELECT m.measure_id, m.name, m.family, m.family_order, m.pillar, m.life_stage, m.polarity, m.unit,
       m.method, m.multiplier, m.target, m.definition,
       v.area_code, v.period, v.numerator, v.denominator
FROM measures m
JOIN measure_values v ON v.measure_id = m.measure_id AND v.area_code = $area_code
ORDER BY m.family_order, m.display_order, v.period
