-- Each person-level measure per neighbourhood by deprivation decile, ethnic group, age band and
-- sex, one dimension at a time: the cells breakdown_values protects. Deciles are small areas' own: a decile's
-- figures are sums of the small areas' base cells (protected_cells) over the measure's latest 12
-- months, as measure_latest sums them, so they are protected exactly as the map's small areas
-- are and add up to the same figures. Ethnic group, age band and sex are people's, so their base
-- cells are neighbourhood × dimension × category (from measure_breakdown), protected by the rule
-- of base_cells.sql. Quintiles are pairs of deciles (app/inequality_breakdown sums them).
WITH latest AS (SELECT measure_id, max(period) AS last_period FROM measure_values_exact GROUP BY measure_id),
exact_cells AS (
    SELECT v.measure_id, v.area_code AS small_area_code, sum(v.numerator) AS numerator, sum(v.denominator) AS denominator
    FROM measure_values_exact v JOIN latest l USING (measure_id)
    WHERE v.area_level = 'small_area' AND v.period > l.last_period - INTERVAL 12 MONTH
    GROUP BY ALL
),
protected_window AS (
    SELECT c.measure_id, c.small_area_code, sum(c.p_numerator) AS p_numerator, sum(c.p_denominator) AS p_denominator,
           bool_or(c.numerator_small) AS numerator_small, bool_or(c.denominator_small) AS denominator_small
    FROM protected_cells c JOIN latest l USING (measure_id)
    WHERE c.small_area_code IS NOT NULL AND c.period > l.last_period - INTERVAL 12 MONTH
    GROUP BY ALL
),
deciles AS (
    SELECT e.measure_id, s.neighbourhood_code, 'imd_decile' AS dimension, CAST(s.imd_decile AS VARCHAR) AS category,
           sum(e.numerator) AS numerator, sum(e.denominator) AS denominator,
           sum(p.p_numerator) AS p_numerator, sum(p.p_denominator) AS p_denominator,
           bool_or(p.numerator_small) AS numerator_small, bool_or(p.denominator_small) AS denominator_small
    FROM exact_cells e
    JOIN protected_window p USING (measure_id, small_area_code)
    JOIN small_areas s USING (small_area_code)
    WHERE e.measure_id IN (SELECT DISTINCT measure_id FROM measure_breakdown)
    GROUP BY ALL
),
people AS (
    SELECT measure_id, neighbourhood_code, 'ethnicity' AS dimension, ethnicity AS category,
           sum(numerator) AS numerator, sum(denominator) AS denominator
    FROM measure_breakdown GROUP BY ALL
    UNION ALL
    SELECT measure_id, neighbourhood_code, 'age_band', age_band, sum(numerator), sum(denominator)
    FROM measure_breakdown GROUP BY ALL
    UNION ALL
    SELECT measure_id, neighbourhood_code, 'sex', sex, sum(numerator), sum(denominator)
    FROM measure_breakdown GROUP BY ALL
)
SELECT measure_id, neighbourhood_code, dimension, category, numerator, denominator,
       p_numerator, p_denominator, numerator_small, denominator_small
FROM deciles
UNION ALL
SELECT measure_id, neighbourhood_code, dimension, category, numerator, denominator,
       CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), is_small(numerator, $threshold), is_small(denominator, $threshold)
FROM people
