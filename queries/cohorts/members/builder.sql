-- People matching the cohort builder's filters, read from the narrow mart person_profile. Every
-- filter is a bound parameter and NULL means "any": lists are matched with list_contains; conditions
-- by bit mask ($conditions_mask: all of them, or any, as $all_conditions says); risk by the
-- [lower, upper) ranges of the chosen bands; recent activity as the sum of the chosen event types
-- in the 12 months to the extract date (with $low_acuity_only, low-acuity A&E attendances only).
SELECT person_id, small_area_code, neighbourhood_code, segment
FROM person_profile
WHERE ($conditions_mask IS NULL
       OR (CASE WHEN $all_conditions THEN (conditions & $conditions_mask) = $conditions_mask
                ELSE (conditions & $conditions_mask) <> 0 END))
  AND ($min_conditions IS NULL OR conditions_count >= $min_conditions)
  AND ($max_conditions IS NULL OR conditions_count <= $max_conditions)
  AND ($risk_ranges IS NULL OR list_bool_or([b.lower <= risk_score AND risk_score < b.upper for b in $risk_ranges]))
  AND ($frailty IS NULL OR list_contains($frailty, frailty))
  AND ($age_bands IS NULL OR list_contains($age_bands, age_band))
  AND ($sexes IS NULL OR list_contains($sexes, sex))
  AND ($ethnicities IS NULL OR list_contains($ethnicities, ethnicity))
  AND ($imd_quintiles IS NULL OR list_contains($imd_quintiles, imd_quintile))
  AND ($min_events IS NULL OR
       CASE WHEN $low_acuity_only
            THEN CASE WHEN $activity_types IS NULL OR list_contains($activity_types, 'ae_attendance')
                      THEN low_acuity_ae_12m ELSE 0 END
            ELSE (CASE WHEN $activity_types IS NULL OR list_contains($activity_types, 'ae_attendance')
                       THEN ae_attendances_12m ELSE 0 END)
               + (CASE WHEN $activity_types IS NULL OR list_contains($activity_types, 'emergency_admission')
                       THEN emergency_admissions_12m ELSE 0 END)
               + (CASE WHEN $activity_types IS NULL OR list_contains($activity_types, 'elective_admission')
                       THEN elective_admissions_12m ELSE 0 END)
               + (CASE WHEN $activity_types IS NULL OR list_contains($activity_types, 'outpatient')
                       THEN outpatient_12m ELSE 0 END)
               + (CASE WHEN $activity_types IS NULL OR list_contains($activity_types, 'community_contact')
                       THEN community_contacts_12m ELSE 0 END)
       END >= $min_events)
