-- Diabetes with the latest HbA1c, measured in the last 12 months, above $hba1c_target mmol/mol.
SELECT person_id
FROM persons
WHERE ltc_diabetes
  AND CAST(hba1c_date AS DATE) > $window_start
  AND hba1c > $hba1c_target
