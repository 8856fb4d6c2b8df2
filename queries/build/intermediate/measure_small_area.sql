-- One measure (its person rows, located: table located_rows) by small area and month, appended
-- to table measure_small_area. Proportions: one row at the extract month. Rates: every month of
-- the window, events over person-years (standing population / 12), so months and areas add up by summing.
WITH r AS (SELECT period, numerator, denominator, small_area_code FROM located_rows),
standing AS (
    SELECT small_area_code, sum(numerator) AS num, sum(denominator) AS den
    FROM r WHERE period IS NULL GROUP BY small_area_code
),
events AS (
    SELECT small_area_code, CAST(date_trunc('month', period) AS DATE) AS period, sum(numerator) AS num
    FROM r WHERE period IS NOT NULL GROUP BY small_area_code, CAST(date_trunc('month', period) AS DATE)
),
months AS (
    SELECT CAST(month_start AS DATE) AS period
    FROM (SELECT unnest(generate_series(CAST($series_start AS TIMESTAMP), CAST($extract_month AS TIMESTAMP),
                                        INTERVAL 1 MONTH)) AS month_start)
)
SELECT $measure_id AS measure_id, s.small_area_code, CAST($extract_month AS DATE) AS period,
       CAST(s.num AS DOUBLE) AS numerator, CAST(s.den AS DOUBLE) AS denominator
FROM standing s WHERE $method = 'proportion'
UNION ALL
SELECT $measure_id, s.small_area_code, m.period, CAST(coalesce(e.num, 0) AS DOUBLE), CAST(s.den AS DOUBLE) / 12
FROM standing s CROSS JOIN months m
LEFT JOIN events e ON e.small_area_code = s.small_area_code AND e.period = m.period
WHERE $method = 'rate'
