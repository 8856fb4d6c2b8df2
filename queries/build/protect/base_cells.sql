-- The base cells of measure_values, protected (neighbourhood_health.privacy.disclosure says the rule):
-- a small area × period for measures computed from person-level rows, a neighbourhood × period
-- for measures that arrive aggregated. 0 stays 0; every other count goes to one of the two
-- multiples of $round_to around it, the upper with chance equal to its distance from the lower
-- (unbiased random rounding), decided by a keyed hash of the cell (the same draw for numerator
-- and denominator, so a protected numerator never exceeds its denominator). Counts of
-- 1–$threshold are flagged small.
WITH located AS (
    SELECT v.measure_id, v.period, v.numerator, v.denominator,
           s.small_area_code, s.neighbourhood_code, s.place_code, s.icb_code
    FROM measure_values_exact v JOIN small_areas s ON s.small_area_code = v.area_code
    WHERE v.area_level = 'small_area'
),
hierarchy AS (SELECT DISTINCT neighbourhood_code, place_code, icb_code FROM small_areas),
arrived AS (
    SELECT v.measure_id, v.period, v.numerator, v.denominator,
           CAST(NULL AS VARCHAR) AS small_area_code, h.neighbourhood_code, h.place_code, h.icb_code
    FROM measure_values_exact v JOIN hierarchy h ON h.neighbourhood_code = v.area_code
    WHERE v.area_level = 'neighbourhood'
      AND v.measure_id NOT IN (SELECT DISTINCT measure_id FROM measure_values_exact WHERE area_level = 'small_area')
),
cells AS (
    SELECT *, cell_unit($key, measure_id || '|' || coalesce(small_area_code, neighbourhood_code)
                                 || '|' || coalesce(CAST(period AS VARCHAR), '')) AS u
    FROM (SELECT * FROM located UNION ALL SELECT * FROM arrived)
)
SELECT measure_id, period, small_area_code, neighbourhood_code, place_code, icb_code, numerator, denominator,
       protected_count(numerator, u, $round_to) AS p_numerator,
       protected_count(denominator, u, $round_to) AS p_denominator,
       is_small(numerator, $threshold) AS numerator_small,
       is_small(denominator, $threshold) AS denominator_small
FROM cells
