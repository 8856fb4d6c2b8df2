-- Moderate or severe frailty (eFI) and at least $min_admissions emergency admissions in the 12 months to the extract date.
SELECT p.person_id
FROM persons p
JOIN activity a USING (person_id)
WHERE list_contains($frailty, p.frailty)
  AND a.event_type = 'emergency_admission'
  AND CAST(a.event_date AS DATE) > $window_start
  AND CAST(a.event_date AS DATE) <= $extract_date
GROUP BY p.person_id
HAVING count(*) >= $min_admissions
