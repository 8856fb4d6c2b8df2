-- Recorded prevalence of one condition (QOF-style register over list size of the eligible ages).
SELECT p.person_id, CAST(NULL AS DATE) AS period,
       CASE WHEN c.person_id IS NULL THEN 0 ELSE 1 END AS numerator, 1 AS denominator
FROM persons p
LEFT JOIN person_conditions c ON c.person_id = p.person_id AND c.condition = $condition
WHERE p.age >= $min_age
