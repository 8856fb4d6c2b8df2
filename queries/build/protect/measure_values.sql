-- measure_values with the protected figures of every row beside the exact ones: each area and
-- period's protected numerator and denominator are sums of the protected base cells beneath it
-- (protected_cells), and *_small says whether any of those cells is a hidden count, so that a
-- figure of 0 made of hidden cells is not shown as an exact 0.
WITH levels AS (
    SELECT measure_id, 'small_area' AS area_level, small_area_code AS area_code, period,
           p_numerator, p_denominator, numerator_small, denominator_small
    FROM protected_cells WHERE small_area_code IS NOT NULL
    UNION ALL
    SELECT measure_id, 'neighbourhood', neighbourhood_code, period, sum(p_numerator), sum(p_denominator),
           bool_or(numerator_small), bool_or(denominator_small)
    FROM protected_cells GROUP BY measure_id, neighbourhood_code, period
    UNION ALL
    SELECT measure_id, 'place', place_code, period, sum(p_numerator), sum(p_denominator),
           bool_or(numerator_small), bool_or(denominator_small)
    FROM protected_cells GROUP BY measure_id, place_code, period
    UNION ALL
    SELECT measure_id, 'icb', icb_code, period, sum(p_numerator), sum(p_denominator),
           bool_or(numerator_small), bool_or(denominator_small)
    FROM protected_cells GROUP BY measure_id, icb_code, period
    UNION ALL
    SELECT measure_id, 'all', 'ALL', period, sum(p_numerator), sum(p_denominator),
           bool_or(numerator_small), bool_or(denominator_small)
    FROM protected_cells GROUP BY measure_id, period
)
SELECT v.measure_id, v.area_level, v.area_code, v.period, v.numerator, v.denominator,
       l.p_numerator, l.p_denominator,
       coalesce(l.numerator_small, false) AS numerator_small, coalesce(l.denominator_small, false) AS denominator_small,
       v.icb_code, v.year
FROM measure_values_exact v
LEFT JOIN levels l
       ON l.measure_id = v.measure_id AND l.area_level = v.area_level AND l.area_code = v.area_code
      AND l.period IS NOT DISTINCT FROM v.period
