-- The pseudonymised list: members of a cohort (the relation `cohort_members`) living in one area, with
-- what an INT lead needs to decide whom to contact. Age is given as a band, not in years.
WITH chosen AS (
    SELECT DISTINCT m.person_id, s.neighbourhood_code, s.neighbourhood_name
    FROM cohort_members m
    JOIN small_areas s USING (small_area_code, neighbourhood_code)
    WHERE $area_code IN ('ALL', s.icb_code, s.place_code, s.neighbourhood_code, s.small_area_code)
),
members AS (
    SELECT p.person_id, p.age, p.practice_code, p.frailty, p.risk_score, p.segment,
           c.neighbourhood_code, c.neighbourhood_name
    FROM chosen c
    JOIN persons p USING (person_id)
),
flags AS (
    SELECT person_id, map_entries(CAST(struct_pack(*COLUMNS('^ltc_')) AS MAP(VARCHAR, BOOLEAN))) AS flags
    FROM persons SEMI JOIN members USING (person_id)
),
conditions AS (
    SELECT person_id, [replace(f.key, 'ltc_', '') for f in flags if f.value] AS conditions FROM flags
),
contacts AS (
    SELECT a.person_id,
           max(a.event_date) FILTER (WHERE a.event_type = 'emergency_admission') AS last_emergency_admission,
           max(a.event_date) FILTER (WHERE a.event_type = 'ae_attendance') AS last_ae_attendance,
           max(a.event_date) FILTER (WHERE a.event_type = 'community_contact') AS last_community_contact,
           count(*) FILTER (WHERE a.event_type = 'emergency_admission'
                            AND CAST(a.event_date AS DATE) > $window_start) AS emergency_admissions_12m
    FROM activity a
    SEMI JOIN members m ON m.person_id = a.person_id
    WHERE CAST(a.event_date AS DATE) <= $extract_date
    GROUP BY a.person_id
)
SELECT m.person_id,
       CASE WHEN m.age < 1 THEN 'Under 1' WHEN m.age < 18 THEN '1-17' WHEN m.age < 40 THEN '18-39'
            WHEN m.age < 65 THEN '40-64' WHEN m.age < 75 THEN '65-74' WHEN m.age < 85 THEN '75-84'
            ELSE '85+' END AS age_band,
       m.neighbourhood_code, m.neighbourhood_name, m.practice_code, pr.practice_name,
       array_to_string(list_sort(c.conditions), ', ') AS conditions, len(c.conditions) AS conditions_count,
       m.frailty, m.risk_score, m.segment,
       CAST(k.last_emergency_admission AS DATE) AS last_emergency_admission,
       CAST(k.last_ae_attendance AS DATE) AS last_ae_attendance,
       CAST(k.last_community_contact AS DATE) AS last_community_contact,
       coalesce(k.emergency_admissions_12m, 0) AS emergency_admissions_12m
FROM members m
JOIN conditions c USING (person_id)
LEFT JOIN contacts k USING (person_id)
LEFT JOIN practices pr USING (practice_code)
ORDER BY m.risk_score DESC, m.person_id
