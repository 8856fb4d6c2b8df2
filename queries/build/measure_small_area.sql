-- One measure (its person rows, located: table located_rows) by small area and month.
-- Proportions: one row at the extract month. Rates: every month of the window, events over
-- person-years (standing population / 12), so months and areas add up by summing.
INSERT INTO measure_small_area
WITH r AS (SELECT period, numerator, denominator, small_area_code FROM located_rows),
standing AS (
    SELECT small_area_code, sum(numerator) AS num, sum(denominator) AS den FROM r WHERE period IS NULL GROUP BY ALL
),
events AS (
    SELECT small_area_code, CAST(date_trunc('month', period) AS DATE) AS period, sum(numerator) AS num
    FROM r WHERE period IS NOT NULL GROUP BY ALL
),
months AS (
    SELECT CAST(unnest(generate_series(CAST($first_month AS TIMESTAMP), CAST($extract_month AS TIMESTAMP), INTERVAL 1 MONTH)) AS DATE) AS period
)
SELECT $measure_id, s.small_area_code, CAST($extract_month AS DATE), CAST(s.num AS DOUBLE), CAST(s.den AS DOUBLE)
FROM standing s WHERE $method = 'proportion'
UNION ALL
SELECT $measure_id, s.small_area_code, m.period, CAST(coalesce(e.num, 0) AS DOUBLE), s.den / 12.0
FROM standing s CROSS JOIN months m
LEFT JOIN events e ON e.small_area_code = s.small_area_code AND e.period = m.period
WHERE $method = 'rate'
