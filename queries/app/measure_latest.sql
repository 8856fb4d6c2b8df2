-- Every measure of the catalogue for one area and its parent, over each measure's latest
-- 12 months (rates and monthly standards), its latest survey (annual measures) or the extract
-- date (snapshot proportions), by summing numerators and denominators.
-- Figures are exact for areas inside the neighbourhoods in $exact_areas (an INT lead's own) and
-- protected elsewhere: sums of protected cells (p_numerator), with *_small saying whether a
-- hidden count is among them (neighbourhood_health.privacy.disclosure).
WITH target AS (SELECT area_code, parent_code FROM areas WHERE area_code = $area_code),
exact AS (SELECT area_code FROM areas WHERE list_contains($exact_areas, neighbourhood_code)),
latest AS (SELECT measure_id, max(period) AS last_period FROM measure_values GROUP BY measure_id),
windowed AS (
    SELECT v.measure_id, v.area_code, v.area_code IN (SELECT area_code FROM exact) AS exact,
           sum(v.numerator) AS numerator, sum(v.denominator) AS denominator,
           sum(v.p_numerator) AS p_numerator, sum(v.p_denominator) AS p_denominator,
           bool_or(v.numerator_small) AS numerator_small, bool_or(v.denominator_small) AS denominator_small,
           min(v.period) AS first_period, max(v.period) AS last_period
    FROM measure_values v JOIN latest l USING (measure_id)
    WHERE v.area_code IN (SELECT area_code FROM target UNION ALL SELECT parent_code FROM target)
      AND v.period > l.last_period - INTERVAL 12 MONTH
    GROUP BY v.measure_id, v.area_code
),
shown AS (
    SELECT measure_id, area_code, exact, first_period, last_period,
           CASE WHEN exact THEN numerator ELSE p_numerator END AS numerator,
           CASE WHEN exact THEN denominator ELSE p_denominator END AS denominator,
           numerator_small AND NOT exact AS numerator_small, denominator_small AND NOT exact AS denominator_small
    FROM windowed
)
SELECT m.measure_id, m.name, m.family, m.family_order, m.pillar, m.life_stage, m.polarity, m.unit,
       m.method, m.multiplier, m.target, m.source, m.definition,
       a.numerator, a.denominator, a.numerator_small, a.denominator_small, a.first_period, a.last_period,
       p.numerator AS parent_numerator, p.denominator AS parent_denominator,
       p.numerator_small AS parent_numerator_small, p.denominator_small AS parent_denominator_small
FROM measures m
LEFT JOIN shown a ON a.measure_id = m.measure_id AND a.area_code = $area_code
LEFT JOIN shown p ON p.measure_id = m.measure_id AND p.area_code = (SELECT parent_code FROM target)
ORDER BY m.family_order, m.display_order
