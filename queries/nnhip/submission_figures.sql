-- One month's NNHIP figures for the people in `nnhip_members` (submission_members.sql): the
-- counts of each metric (`nnhip_events`, events.sql for the month) and the members on a caseload
-- taken on from $cohort_id that month (`nnhip_caseload`, caseload_months.sql, row_key
-- P1_caseload), by breakdown and category; and (row_key NULL) the members in each category.
-- Categories with nothing counted are absent (measures.nnhip adds them as zeros).
WITH counted AS (
    SELECT e.person_id, e.row_key, e.n FROM nnhip_events e SEMI JOIN nnhip_members m ON m.person_id = e.person_id
    UNION ALL
    SELECT DISTINCT c.person_id, 'P1_caseload', 1 FROM nnhip_caseload c
    SEMI JOIN nnhip_members m ON m.person_id = c.person_id
    WHERE c.cohort_id = $cohort_id
),
categories AS (
    SELECT person_id, 'Total' AS breakdown, 'Total' AS category FROM nnhip_members
    UNION ALL SELECT person_id, 'Age Group', age_group FROM nnhip_members
    UNION ALL SELECT person_id, 'Ethnic Group', ethnic_group FROM nnhip_members
    UNION ALL SELECT person_id, 'Deprivation Quintile', deprivation FROM nnhip_members
)
SELECT g.breakdown, g.category, c.row_key, CAST(sum(c.n) AS BIGINT) AS n
FROM categories g JOIN counted c USING (person_id)
GROUP BY ALL
UNION ALL
SELECT breakdown, category, NULL, CAST(count(*) AS BIGINT) FROM categories GROUP BY ALL
