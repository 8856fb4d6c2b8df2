-- Events of one type per person-year among an eligible population (ages at the extract date).
WITH eligible AS (
    SELECT person_id FROM persons
    WHERE age BETWEEN $min_age AND $max_age
      AND (NOT $frail_only OR frailty IN ('moderate', 'severe'))
)
SELECT person_id, CAST(NULL AS DATE) AS period, 0 AS numerator, 1 AS denominator FROM eligible
UNION ALL
SELECT a.person_id, CAST(a.event_date AS DATE), 1, 0
FROM activity a SEMI JOIN eligible e ON e.person_id = a.person_id
WHERE a.event_type = $event_type
  AND (NOT $low_acuity_only OR coalesce(a.low_acuity, false))
