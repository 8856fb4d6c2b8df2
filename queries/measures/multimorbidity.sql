-- People with at least $min_conditions recorded long-term conditions.
SELECT p.person_id, CAST(NULL AS DATE) AS period,
       CASE WHEN coalesce(n.conditions, 0) >= $min_conditions THEN 1 ELSE 0 END AS numerator, 1 AS denominator
FROM persons p
LEFT JOIN (SELECT person_id, count(*) AS conditions FROM person_conditions GROUP BY person_id) n USING (person_id)
