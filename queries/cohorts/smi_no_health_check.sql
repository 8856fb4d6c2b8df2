-- Serious mental illness register with no physical health check in the 12 months to the extract date.
SELECT person_id
FROM persons
WHERE ltc_smi
  AND (smi_health_check_date IS NULL OR CAST(smi_health_check_date AS DATE) <= $window_start)
