-- The members of catalogue cohort $cohort_id (cohort_membership, as built at the extract date) who
-- live in the places $place_codes and are aged 18 or over, with the template's demographic
-- categories: ten-year age groups from 18 (80 and over in the template's last column, headed
-- '85+'), broad ethnic group, IMD quintile of the small area of residence; 'Not known' (deprivation:
-- 'Not Known', as the template heads it) where the record holds none.
SELECT m.person_id, m.neighbourhood_code,
       CASE WHEN p.age IS NULL THEN 'Not known' WHEN p.age < 20 THEN '18-19' WHEN p.age >= 80 THEN '85+'
            ELSE CAST(CAST(floor(p.age / 10) * 10 AS INTEGER) AS VARCHAR) || '-'
                 || CAST(CAST(floor(p.age / 10) * 10 + 9 AS INTEGER) AS VARCHAR) END AS age_group,
       CASE WHEN list_contains(['White', 'Black', 'Asian', 'Mixed', 'Other'], p.ethnicity) THEN p.ethnicity
            ELSE 'Not known' END AS ethnic_group,
       coalesce(CAST(s.imd_quintile AS VARCHAR), 'Not Known') AS deprivation
FROM cohort_membership m
JOIN small_areas s ON s.small_area_code = m.small_area_code AND s.neighbourhood_code = m.neighbourhood_code
JOIN persons p ON p.person_id = m.person_id
WHERE m.cohort_id = $cohort_id
  AND list_contains($place_codes, s.place_code)
  AND (p.age IS NULL OR p.age >= 18)
