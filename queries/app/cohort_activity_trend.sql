-- Month by month from $first_month to $last_month: the events of the types in $event_types had by
-- today's members of catalogue cohort $cohort_id living in one area, by neighbourhood (the base
-- cells that protection rounds before they are summed), from the mart cohort_activity (built with
-- the marts, so no activity is read here). Zeros included.
WITH area AS (
    SELECT small_area_code, neighbourhood_code
    FROM small_areas
    WHERE $area_code IN ('ALL', icb_code, place_code, neighbourhood_code, small_area_code)
),
neighbourhoods AS (SELECT DISTINCT neighbourhood_code FROM area),
months AS (
    SELECT CAST(unnest(generate_series(CAST($first_month AS TIMESTAMP), CAST($last_month AS TIMESTAMP),
                                       INTERVAL 1 MONTH)) AS DATE) AS month
),
types AS (SELECT unnest($event_types) AS event_type),
events AS (
    SELECT c.neighbourhood_code, c.month, c.event_type, sum(c.events) AS events
    FROM cohort_activity c
    JOIN area a USING (small_area_code, neighbourhood_code)
    WHERE c.cohort_id = $cohort_id
    GROUP BY ALL
)
SELECT n.neighbourhood_code, m.month, t.event_type, CAST(coalesce(e.events, 0) AS BIGINT) AS events
FROM neighbourhoods n
CROSS JOIN months m
CROSS JOIN types t
LEFT JOIN events e USING (neighbourhood_code, month, event_type)
ORDER BY t.event_type, m.month, n.neighbourhood_code
