-- The (measure, neighbourhood) pairs whose protected figures would let someone pin a hidden count.
-- A neighbourhood's latest 12 months is the sum of its small areas' months (protected_cells) and
-- also of its residents by sex, by age band and by ethnic group (breakdown_values): each is one
-- side of a system with one unknown total. Someone told every cell's protected value and whether
-- it is a hidden count (more than any page shows) knows each cell's true count within ±($round_to − 1),
-- between 1 and $threshold for a hidden one, 0 for a 0; so the total lies where all sides' ranges
-- meet, and a cell lies within its own range cut by the total less the most and least its side's
-- other cells can hold. A hidden cell whose range holds one whole number is pinned.
-- Denominators too, for proportions (people, not person-years); where every resident is in the
-- denominator, the total is the neighbourhood's published population.
WITH latest AS (SELECT measure_id, max(period) AS last_period FROM measure_values_exact GROUP BY measure_id),
proportion AS (SELECT measure_id FROM measures WHERE method = 'proportion'),
cells AS (
    SELECT c.measure_id, c.neighbourhood_code, 'area' AS side, 'numerator' AS figure, c.numerator AS t,
           c.p_numerator AS r, c.numerator_small AS small
    FROM protected_cells c JOIN latest l USING (measure_id)
    WHERE c.small_area_code IS NOT NULL AND c.period > l.last_period - INTERVAL 12 MONTH
      AND c.measure_id IN (SELECT measure_id FROM breakdown_values)
    UNION ALL
    SELECT c.measure_id, c.neighbourhood_code, 'area', 'denominator', c.denominator, c.p_denominator, c.denominator_small
    FROM protected_cells c JOIN latest l USING (measure_id)
    WHERE c.small_area_code IS NOT NULL AND c.period > l.last_period - INTERVAL 12 MONTH
      AND c.measure_id IN (SELECT measure_id FROM breakdown_values) AND c.measure_id IN (SELECT measure_id FROM proportion)
    UNION ALL
    SELECT measure_id, neighbourhood_code, dimension, 'numerator', numerator, p_numerator, numerator_small
    FROM breakdown_values WHERE dimension <> 'imd_decile' AND p_numerator IS NOT NULL
    UNION ALL
    SELECT measure_id, neighbourhood_code, dimension, 'denominator', denominator, p_denominator, denominator_small
    FROM breakdown_values WHERE dimension <> 'imd_decile' AND p_denominator IS NOT NULL
      AND measure_id IN (SELECT measure_id FROM proportion)
),
bounded AS (
    SELECT *,
           CASE WHEN small THEN greatest(1, r - $round_to + 1) WHEN r = 0 THEN 0
                ELSE greatest($threshold + 1, r - $round_to + 1) END AS lo,
           CASE WHEN small THEN least($threshold, r + $round_to - 1) WHEN r = 0 THEN 0
                ELSE r + $round_to - 1 END AS hi
    FROM cells
),
sides AS (
    SELECT measure_id, neighbourhood_code, figure, side, sum(lo) AS side_lo, sum(hi) AS side_hi,
           sum(t) FILTER (WHERE side = 'area') AS true_total
    FROM bounded GROUP BY ALL
),
population AS (SELECT neighbourhood_code, sum(population) AS population FROM small_areas GROUP BY ALL),
systems AS (
    SELECT s.measure_id, s.neighbourhood_code, s.figure, max(s.side_lo) AS t_lo, min(s.side_hi) AS t_hi,
           max(s.true_total) AS true_total
    FROM sides s GROUP BY ALL
),
fixed AS (
    SELECT y.*, CASE WHEN y.figure = 'denominator' AND y.true_total = p.population THEN p.population END AS known
    FROM systems y JOIN population p USING (neighbourhood_code)
),
ranged AS (
    SELECT b.measure_id, b.neighbourhood_code, b.small,
           greatest(b.lo, coalesce(greatest(f.t_lo, f.known), f.t_lo) - (s.side_hi - b.hi)) AS lo,
           least(b.hi, coalesce(least(f.t_hi, f.known), f.t_hi) - (s.side_lo - b.lo)) AS hi
    FROM bounded b
    JOIN sides s USING (measure_id, neighbourhood_code, figure, side)
    JOIN fixed f USING (measure_id, neighbourhood_code, figure)
)
SELECT measure_id, neighbourhood_code, count(*) AS pinned
FROM ranged
WHERE small AND ceil(lo - 1e-9) >= floor(hi + 1e-9)
GROUP BY ALL
ORDER BY ALL
