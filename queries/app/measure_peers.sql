-- Every measure for every area of one level (within one ICB, or everywhere when $icb_code is
-- empty), over the same window as measure_latest: the latest 12 months for monthly measures, the
-- latest survey for annual ones, the extract date for snapshots. The spread behind spine charts.
WITH latest AS (SELECT measure_id, max(period) AS last_period FROM measure_values GROUP BY measure_id),
peers AS (
    SELECT area_code, area_name FROM areas
    WHERE area_level = $area_level AND ($icb_code = '' OR icb_code = $icb_code)
)
SELECT m.measure_id, m.polarity, m.method, m.multiplier, p.area_code, p.area_name,
       sum(v.numerator) AS numerator, sum(v.denominator) AS denominator
FROM measure_values v
JOIN latest l USING (measure_id)
JOIN peers p ON p.area_code = v.area_code
JOIN measures m ON m.measure_id = v.measure_id
WHERE v.period > l.last_period - INTERVAL 12 MONTH
GROUP BY ALL
ORDER BY m.measure_id, p.area_code
