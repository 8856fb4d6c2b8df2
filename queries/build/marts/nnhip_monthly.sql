-- The NNHIP scorecard's base cells for every catalogue cohort, by neighbourhood of residence:
-- each month's count of each metric (queries/nnhip/events.sql, the table nnhip_events) for every
-- member (`population` 'cohort') and for the members on the caseload that month ('caseload', the
-- table nnhip_caseload: episodes taken on from this cohort); the members on the caseload each
-- month (row_key P1_caseload); and the members themselves by population segment (row_key
-- 'members', no month: today's members, as the Cohorts page counts them, so that protection can
-- draw the very cells that page draws). Cells with nothing to count are absent; readers add zeros.
-- Members are today's (cohort_membership), looked back at month by month, as cohort_activity is.
WITH members AS (SELECT cohort_id, person_id, neighbourhood_code, segment FROM cohort_membership),
events AS (
    SELECT m.cohort_id, m.neighbourhood_code, e.person_id, e.month, e.row_key, e.n
    FROM nnhip_events e JOIN members m ON m.person_id = e.person_id
),
on_caseload AS (
    SELECT m.cohort_id, m.neighbourhood_code, c.person_id, c.month
    FROM nnhip_caseload c JOIN members m ON m.person_id = c.person_id AND m.cohort_id = c.cohort_id
)
SELECT cohort_id, neighbourhood_code, month, row_key, 'cohort' AS population, CAST(NULL AS STRING) AS segment,
       CAST(sum(n) AS BIGINT) AS count
FROM events GROUP BY cohort_id, neighbourhood_code, month, row_key
UNION ALL
SELECT e.cohort_id, e.neighbourhood_code, e.month, e.row_key, 'caseload', CAST(NULL AS STRING), CAST(sum(e.n) AS BIGINT)
FROM events e
JOIN on_caseload c ON c.cohort_id = e.cohort_id AND c.person_id = e.person_id AND c.month = e.month
GROUP BY e.cohort_id, e.neighbourhood_code, e.month, e.row_key
UNION ALL
SELECT cohort_id, neighbourhood_code, month, 'P1_caseload', 'caseload', CAST(NULL AS STRING), CAST(count(*) AS BIGINT)
FROM on_caseload GROUP BY cohort_id, neighbourhood_code, month
UNION ALL
SELECT cohort_id, neighbourhood_code, CAST(NULL AS DATE), 'members', 'cohort', segment, CAST(count(*) AS BIGINT)
FROM members GROUP BY cohort_id, neighbourhood_code, segment
