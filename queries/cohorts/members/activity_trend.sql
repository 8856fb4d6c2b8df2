-- Month by month from $first_month to $last_month: the events of the types in $event_types had by
-- the people in a cohort today (the relation `cohort_members`) who live in one area. Looking back at
-- today's members, not at who was in the cohort each month. Catalogue cohorts read the same figures
-- from the mart cohort_activity (queries/app/cohort_activity_trend.sql); this reads the activity
-- extract, for a definition made in the builder.
WITH members AS (
    SELECT DISTINCT m.person_id
    FROM cohort_members m
    JOIN small_areas s USING (small_area_code, neighbourhood_code)
    WHERE $area_code IN ('ALL', s.icb_code, s.place_code, s.neighbourhood_code, s.small_area_code)
),
months AS (
    SELECT CAST(unnest(generate_series(CAST($first_month AS TIMESTAMP), CAST($last_month AS TIMESTAMP),
                                       INTERVAL 1 MONTH)) AS DATE) AS month
),
types AS (SELECT unnest($event_types) AS event_type),
events AS (
    SELECT CAST(date_trunc('month', a.event_date) AS DATE) AS month, a.event_type, count(*) AS events
    FROM activity a
    SEMI JOIN members m ON m.person_id = a.person_id
    WHERE list_contains($event_types, a.event_type)
      AND CAST(a.event_date AS DATE) >= $first_month
      AND CAST(a.event_date AS DATE) < $next_month
    GROUP BY ALL
)
SELECT m.month, t.event_type, coalesce(e.events, 0) AS events
FROM months m
CROSS JOIN types t
LEFT JOIN events e USING (month, event_type)
ORDER BY t.event_type, m.month
