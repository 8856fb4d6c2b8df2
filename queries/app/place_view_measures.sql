-- The measures the place views (map, inequalities) offer: catalogue fields, and whether each
-- has person-level detail (values by small area and a breakdown by deprivation, ethnicity,
-- age and sex). Measures that arrive aggregated have neighbourhood values only.
SELECT m.measure_id, m.name, m.family, m.family_order, m.polarity, m.unit, m.method, m.multiplier,
       m.target, m.source, m.definition,
       m.measure_id IN (SELECT DISTINCT measure_id FROM measure_breakdown) AS person_level
FROM measures m
ORDER BY m.family_order, m.name
