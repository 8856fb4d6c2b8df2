-- Diabetes with latest HbA1c in 12 months at or below $threshold mmol/mol.
SELECT person_id, CAST(NULL AS DATE) AS period,
       CASE WHEN CAST(hba1c_date AS DATE) > $window_start AND hba1c <= $threshold THEN 1 ELSE 0 END AS numerator,
       1 AS denominator
FROM persons
WHERE ltc_diabetes
