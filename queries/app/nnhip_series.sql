-- One area's NNHIP scorecard for catalogue cohort $cohort_id, month by month: each metric's count
-- for every member and for the members on the caseload (`population`), the members on the
-- caseload (P1_caseload) and, with no month, the members themselves ('members'), summed over the
-- area's neighbourhoods from the nnhip_monthly mart: exact when the area is inside a neighbourhood
-- in $exact_areas, protected otherwise (sums of protected cells). Absent cells are zeros.
WITH area AS (
    SELECT DISTINCT neighbourhood_code FROM small_areas
    WHERE $area_code IN ('ALL', icb_code, place_code, neighbourhood_code)
),
exact AS (SELECT count(*) > 0 AS exact FROM areas
          WHERE area_code = $area_code AND list_contains($exact_areas, neighbourhood_code))
SELECT v.month, v.row_key, v.population,
       CASE WHEN x.exact THEN sum(v.count) ELSE sum(v.p_count) END AS count,
       bool_or(v.small) AND NOT x.exact AS count_small
FROM nnhip_monthly v
JOIN area a USING (neighbourhood_code)
CROSS JOIN exact x
WHERE v.cohort_id = $cohort_id
GROUP BY v.month, v.row_key, v.population, x.exact
ORDER BY v.row_key, v.population, v.month
