-- The members of catalogue cohort $cohort_id, found when the marts were built (cohort_membership).
SELECT person_id, small_area_code, neighbourhood_code, segment
FROM cohort_membership
WHERE cohort_id = $cohort_id
