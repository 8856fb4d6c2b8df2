-- Moderate or severe frailty (eFI) among people aged 65 and over.
SELECT person_id, CAST(NULL AS DATE) AS period,
       CASE WHEN frailty IN ('moderate', 'severe') THEN 1 ELSE 0 END AS numerator, 1 AS denominator
FROM persons
WHERE age >= 65
