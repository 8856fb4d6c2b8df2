-- Everyone in any of the cohorts $combines names, built before this one: a combined cohort's candidates.
SELECT DISTINCT person_id
FROM cohort_membership
WHERE array_contains($combines, cohort_id)
