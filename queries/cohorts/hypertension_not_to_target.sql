-- Hypertension without a blood pressure in the last 12 months at or below target (the complement
-- of the CVDP007HYP numerator, so people with no recent reading are included).
SELECT person_id
FROM persons
WHERE ltc_hypertension
  AND NOT coalesce(
        CAST(bp_date AS DATE) > $window_start
        AND bp_systolic <= CASE WHEN age >= $older_from_age THEN $systolic_target_older ELSE $systolic_target END
        AND bp_diastolic <= $diastolic_target,
      false)
