-- Serious mental illness register with a physical health check in the last 12 months.
SELECT person_id, CAST(NULL AS DATE) AS period,
       CASE WHEN CAST(smi_health_check_date AS DATE) > $window_start THEN 1 ELSE 0 END AS numerator,
       1 AS denominator
FROM persons
WHERE ltc_smi
