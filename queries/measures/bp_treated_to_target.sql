-- CVDP007HYP: hypertension with latest blood pressure in 12 months at or below 140/90 mmHg
-- (under 80) or 150/90 mmHg (80 and over).
SELECT person_id, CAST(NULL AS DATE) AS period,
       CASE WHEN CAST(bp_date AS DATE) > $window_start
             AND bp_systolic <= CASE WHEN age >= 80 THEN 150 ELSE 140 END
             AND bp_diastolic <= 90 THEN 1 ELSE 0 END AS numerator,
       1 AS denominator
FROM persons
WHERE ltc_hypertension
