-- Infants (age at the extract date up to $max_age) with at least $min_attendances low-acuity A&E
-- attendances in the 12 months to the extract date.
SELECT p.person_id
FROM persons p
JOIN activity a USING (person_id)
WHERE p.age <= $max_age
  AND a.event_type = 'ae_attendance'
  AND coalesce(a.low_acuity, false)
  AND CAST(a.event_date AS DATE) > $window_start
  AND CAST(a.event_date AS DATE) <= $extract_date
GROUP BY p.person_id
HAVING count(*) >= $min_attendances
