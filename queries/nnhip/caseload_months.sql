-- The months in $months (first days) in which each person was on a neighbourhood team's caseload,
-- by the cohort they were taken on from: an episode is active in a month when it opened before the
-- month ended and had not closed before it began (open episodes have no end date).
WITH months AS (SELECT unnest($months) AS month)   -- a list of dates, bound
SELECT DISTINCT c.person_id, c.cohort_id, m.month
FROM caseload c
JOIN months m
  ON CAST(c.start_date AS DATE) < CAST(m.month + INTERVAL 1 MONTH AS DATE)
 AND (c.end_date IS NULL OR CAST(c.end_date AS DATE) >= m.month)
