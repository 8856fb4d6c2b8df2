-- People matching the cohort builder's filters. Every filter is a bound parameter and NULL means
-- "any": lists are matched with list_contains, conditions with all or any of those chosen, risk
-- with the [lower, upper) ranges of the chosen bands, recent activity in the 12 months to the
-- extract date.
WITH flags AS (
    SELECT person_id, map_entries(CAST(struct_pack(*COLUMNS('^ltc_')) AS MAP(VARCHAR, BOOLEAN))) AS flags
    FROM persons
),
profile AS (
    SELECT p.person_id, p.age, p.sex, p.ethnicity, coalesce(p.frailty, 'not assessed') AS frailty,
           p.risk_score, s.imd_quintile,
           [replace(f.key, 'ltc_', '') for f in flags.flags if f.value] AS conditions,
           CASE WHEN p.age < 1 THEN 'Under 1' WHEN p.age < 18 THEN '1-17' WHEN p.age < 40 THEN '18-39'
                WHEN p.age < 65 THEN '40-64' WHEN p.age < 75 THEN '65-74' WHEN p.age < 85 THEN '75-84'
                ELSE '85+' END AS age_band
    FROM persons p
    JOIN flags USING (person_id)
    JOIN small_areas s USING (small_area_code)
),
recent AS (
    SELECT person_id, count(*) AS events
    FROM activity
    WHERE $min_events IS NOT NULL
      AND ($activity_types IS NULL OR list_contains($activity_types, event_type))
      AND (NOT $low_acuity_only OR coalesce(low_acuity, false))
      AND CAST(event_date AS DATE) > $window_start
      AND CAST(event_date AS DATE) <= $extract_date
    GROUP BY person_id
)
SELECT p.person_id
FROM profile p
LEFT JOIN recent r USING (person_id)
WHERE ($conditions IS NULL
       OR (CASE WHEN $all_conditions THEN list_has_all(p.conditions, $conditions)
                ELSE list_has_any(p.conditions, $conditions) END))
  AND ($min_conditions IS NULL OR len(p.conditions) >= $min_conditions)
  AND ($max_conditions IS NULL OR len(p.conditions) <= $max_conditions)
  AND ($risk_ranges IS NULL OR list_bool_or([b.lower <= p.risk_score AND p.risk_score < b.upper for b in $risk_ranges]))
  AND ($frailty IS NULL OR list_contains($frailty, p.frailty))
  AND ($age_bands IS NULL OR list_contains($age_bands, p.age_band))
  AND ($sexes IS NULL OR list_contains($sexes, p.sex))
  AND ($ethnicities IS NULL OR list_contains($ethnicities, p.ethnicity))
  AND ($imd_quintiles IS NULL OR list_contains($imd_quintiles, p.imd_quintile))
  AND ($min_events IS NULL OR coalesce(r.events, 0) >= $min_events)
