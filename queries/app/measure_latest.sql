-- Every measure of the catalogue for one area and its parent, over each measure's latest
-- 12 months (rates and monthly standards), its latest survey (annual measures) or the extract
-- date (snapshot proportions), by summing numerators and denominators.
WITH target AS (SELECT area_code, parent_code FROM areas WHERE area_code = $area_code),
latest AS (SELECT measure_id, max(period) AS last_period FROM measure_values GROUP BY measure_id),
windowed AS (
    SELECT v.measure_id, v.area_code, sum(v.numerator) AS numerator, sum(v.denominator) AS denominator,
           min(v.period) AS first_period, max(v.period) AS last_period
    FROM measure_values v JOIN latest l USING (measure_id)
    WHERE v.area_code IN (SELECT area_code FROM target UNION ALL SELECT parent_code FROM target)
      AND v.period > l.last_period - INTERVAL 12 MONTH
    GROUP BY v.measure_id, v.area_code
)
SELECT m.measure_id, m.name, m.family, m.family_order, m.pillar, m.life_stage, m.polarity, m.unit,
       m.method, m.multiplier, m.target, m.source, m.definition,
       a.numerator, a.denominator, a.first_period, a.last_period,
       p.numerator AS parent_numerator, p.denominator AS parent_denominator
FROM measures m
LEFT JOIN windowed a ON a.measure_id = m.measure_id AND a.area_code = $area_code
LEFT JOIN windowed p ON p.measure_id = m.measure_id AND p.area_code = (SELECT parent_code FROM target)
ORDER BY m.family_order, m.display_order
