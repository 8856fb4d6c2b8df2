-- For each catalogue cohort, the events of the types in $event_types that today's members had in
-- each of the last 12 complete months ($first_month to $last_month), by small area. Months with no
-- events are absent; the app fills them with zeros.
SELECT m.cohort_id, m.small_area_code, m.neighbourhood_code,
       CAST(date_trunc('month', a.event_date) AS DATE) AS month, a.event_type,
       CAST(count(*) AS BIGINT) AS events
FROM cohort_membership m
JOIN activity a ON a.person_id = m.person_id
WHERE array_contains($event_types, a.event_type)
  AND CAST(a.event_date AS DATE) >= $first_month
  AND CAST(a.event_date AS DATE) < $next_month
GROUP BY m.cohort_id, m.small_area_code, m.neighbourhood_code, CAST(date_trunc('month', a.event_date) AS DATE), a.event_type
