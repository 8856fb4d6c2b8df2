-- The members of one catalogue cohort (the view `cohort_rows`, its queries/cohorts/<id>.sql), with
-- where they live and their population segment, so that counts need no join at run time.
SELECT CAST($cohort_id AS STRING) AS cohort_id, p.person_id, p.small_area_code, p.neighbourhood_code, p.segment
FROM (SELECT DISTINCT person_id FROM cohort_rows) m
JOIN person_profile p ON p.person_id = m.person_id
