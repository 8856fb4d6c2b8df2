-- The pseudonymised list: members of a cohort (the relation `cohort_members`) living in one area, with
-- what an INT lead needs to decide whom to contact, read from person_profile (sorted by area, so one
-- neighbourhood is a few row groups). Age is given as a band, not in years; conditions are named
-- from the profile's bit mask with $condition_names, the contract's 14 in bit order.
WITH area AS (
    SELECT small_area_code, neighbourhood_code, neighbourhood_name
    FROM small_areas
    WHERE $area_code IN ('ALL', icb_code, place_code, neighbourhood_code, small_area_code)
),
chosen AS (
    SELECT DISTINCT m.person_id
    FROM cohort_members m
    JOIN area a USING (small_area_code, neighbourhood_code)
)
SELECT p.person_id, p.age_band, p.neighbourhood_code, a.neighbourhood_name, p.practice_code, pr.practice_name,
       array_to_string(list_sort(list_filter($condition_names, lambda name, i: (p.conditions >> (i - 1)) & 1 = 1)),
                       ', ') AS conditions,
       p.conditions_count, p.frailty, p.risk_score, p.segment,
       p.last_emergency_admission, p.last_ae_attendance, p.last_community_contact,
       p.emergency_admissions_12m
FROM person_profile p
JOIN area a USING (small_area_code, neighbourhood_code)
SEMI JOIN chosen c ON c.person_id = p.person_id
LEFT JOIN practices pr USING (practice_code)
ORDER BY p.risk_score DESC, p.person_id
