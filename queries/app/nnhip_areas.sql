-- The areas of one level ($area_level: 'neighbourhood' or 'place') inside $scope_code, each with
-- catalogue cohort $cohort_id's members and the counts of metric $row_key (every member and the
-- caseload) over the months from $first_month to $last_month: the funnel plot's points. Always
-- protected (sums of protected cells), as every other area's figures shown for comparison are.
WITH shown AS (
    SELECT area_code, area_name FROM areas
    WHERE area_level = $area_level AND $scope_code IN ('ALL', icb_code, place_code)
),
cells AS (
    SELECT CASE WHEN $area_level = 'place' THEN v.place_code ELSE v.neighbourhood_code END AS area_code,
           v.row_key, v.population, v.month, v.p_count, v.small
    FROM nnhip_monthly v
    WHERE v.cohort_id = $cohort_id
      AND (v.row_key = 'members' OR (v.row_key = $row_key AND v.month BETWEEN $first_month AND $last_month))
)
SELECT s.area_code, s.area_name,
       coalesce(sum(c.p_count) FILTER (WHERE c.row_key = 'members'), 0) AS members,
       coalesce(bool_or(c.small) FILTER (WHERE c.row_key = 'members'), false) AS members_small,
       coalesce(sum(c.p_count) FILTER (WHERE c.row_key = $row_key AND c.population = 'cohort'), 0) AS count,
       coalesce(bool_or(c.small) FILTER (WHERE c.row_key = $row_key AND c.population = 'cohort'), false) AS count_small
FROM shown s
LEFT JOIN cells c USING (area_code)
GROUP BY s.area_code, s.area_name
ORDER BY s.area_name
