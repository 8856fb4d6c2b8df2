-- What is loaded: rows per mart and the measure periods covered.
SELECT m.measure_id, m.name, m.family, min(v.period) AS first_period, max(v.period) AS last_period,
       count(DISTINCT v.period) AS periods
FROM measures m LEFT JOIN measure_values v USING (measure_id)
GROUP BY ALL
ORDER BY m.family, m.measure_id
