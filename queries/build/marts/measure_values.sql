-- Every measure by area (small area, neighbourhood, place, ICB, all) and period, by summing
-- numerators and denominators (never averaging rates). Aggregate measures arrive per neighbourhood.
-- icb_code and year name the part of the partitioned mart a row is written to (the root: 'ALL').
WITH located AS (
    SELECT m.measure_id, m.period, m.numerator, m.denominator, s.neighbourhood_code, s.place_code, s.icb_code
    FROM measure_small_area m JOIN small_areas s USING (small_area_code)
),
hierarchy AS (SELECT DISTINCT neighbourhood_code, place_code, icb_code FROM small_areas),
neighbourhoods AS (
    SELECT measure_id, neighbourhood_code, place_code, icb_code, period,
           sum(numerator) AS numerator, sum(denominator) AS denominator
    FROM located GROUP BY measure_id, neighbourhood_code, place_code, icb_code, period
    UNION ALL
    SELECT a.measure_id, a.area_code, h.place_code, h.icb_code, CAST(a.period AS DATE),
           CAST(a.numerator AS DOUBLE), CAST(a.denominator AS DOUBLE)
    FROM aggregate_measures a JOIN hierarchy h ON h.neighbourhood_code = a.area_code
),
every_level AS (
    SELECT m.measure_id, 'small_area' AS area_level, m.small_area_code AS area_code, m.period, m.numerator,
           m.denominator, coalesce(s.icb_code, 'ALL') AS icb_code
    FROM measure_small_area m LEFT JOIN small_areas s USING (small_area_code)
    UNION ALL
    SELECT measure_id, 'neighbourhood', neighbourhood_code, period, numerator, denominator, icb_code FROM neighbourhoods
    UNION ALL
    SELECT measure_id, 'place', place_code, period, sum(numerator), sum(denominator), min(icb_code)
    FROM neighbourhoods GROUP BY measure_id, place_code, period
    UNION ALL
    SELECT measure_id, 'icb', icb_code, period, sum(numerator), sum(denominator), icb_code
    FROM neighbourhoods GROUP BY measure_id, icb_code, period
    UNION ALL
    SELECT measure_id, 'all', 'ALL', period, sum(numerator), sum(denominator), 'ALL'
    FROM neighbourhoods GROUP BY measure_id, period
)
SELECT measure_id, area_level, area_code, period, numerator, denominator, icb_code,
       CAST(year(period) AS INTEGER) AS year
FROM every_level
