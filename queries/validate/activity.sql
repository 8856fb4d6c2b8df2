-- Row checks of the activity extract. The national datasets' codes (optional columns, absent ones
-- NULL) are checked together in `coded`: each value against its column's accepted codes (a list
-- bound from pipeline/national_codes.py) or shape, the problem naming the codes found that are not
-- accepted; and a value on an event type its dataset does not record is a warning.
WITH coded AS (
    SELECT file_row_number, event_type, column_name, code, accepted, pattern, what, applies_to
    FROM (
        SELECT file_row_number, event_type, 'ae_department_type' AS column_name, ae_department_type AS code,
               $department_types AS accepted, NULL AS pattern,
               'an ECDS EMERGENCY CARE DEPARTMENT TYPE (01 to 05)' AS what, ['ae_attendance'] AS applies_to
        FROM activity WHERE ae_department_type IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'ae_arrival_mode', ae_arrival_mode, $arrival_modes, NULL,
               'an ECDS EMERGENCY CARE ARRIVAL MODE (a SNOMED CT code of the ECDS list)', ['ae_attendance']
        FROM activity WHERE ae_arrival_mode IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'ae_acuity', ae_acuity, $acuity_codes, NULL,
               'an ECDS EMERGENCY CARE ACUITY (a SNOMED CT code of the ECDS list)', ['ae_attendance']
        FROM activity WHERE ae_acuity IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'admission_method', admission_method, $admission_methods, NULL,
               'a SUS ADMISSION METHOD CODE (11–13, 21–25, 2A–2D, 28, 31, 32, 81–84, 89)',
               ['emergency_admission', 'elective_admission']
        FROM activity WHERE admission_method IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'treatment_function', treatment_function, NULL, '[0-9]{3}',
               'a TREATMENT FUNCTION CODE (three digits)', ['emergency_admission', 'elective_admission']
        FROM activity WHERE treatment_function IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'admission_date', CAST(admission_date AS VARCHAR), NULL, '.*',
               'a date', ['emergency_admission', 'elective_admission']
        FROM activity WHERE admission_date IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'discharge_date', CAST(discharge_date AS VARCHAR), NULL, '.*',
               'a date', ['emergency_admission', 'elective_admission']
        FROM activity WHERE discharge_date IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'first_attendance', first_attendance, $first_attendance_codes, NULL,
               'a SUS FIRST ATTENDANCE code (1 to 5)', ['outpatient']
        FROM activity WHERE first_attendance IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'attended_code', attended_code, $attendance_outcomes, NULL,
               'an ATTENDED OR DID NOT ATTEND code (0, 2, 3, 4, 5, 6 or 7)', ['outpatient', 'community_contact']
        FROM activity WHERE attended_code IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'main_specialty', main_specialty, NULL, '[0-9]{3}',
               'a MAIN SPECIALTY CODE (three digits)', ['outpatient']
        FROM activity WHERE main_specialty IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'primary_procedure', primary_procedure, NULL, '[A-Z][0-9]{2}\.?[0-9]',
               'an OPCS-4 procedure code (a letter and three digits, e.g. W401 or W40.1)', ['outpatient']
        FROM activity WHERE primary_procedure IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'gp_appointment_status', gp_appointment_status, $appointment_status,
               NULL, 'an appointment status (Attended, DNA or Unknown)', ['gp_appointment']
        FROM activity WHERE gp_appointment_status IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'gp_staff_role', gp_staff_role, $staff_roles, NULL,
               'an SDS role group (GP, Other Practice staff or Unknown)', ['gp_appointment']
        FROM activity WHERE gp_staff_role IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'gp_service_setting', gp_service_setting, $service_settings, NULL,
               'a service setting (General Practice, Primary Care Network, Extended Access Provision, Other or Unmapped)',
               ['gp_appointment']
        FROM activity WHERE gp_service_setting IS NOT NULL
        UNION ALL SELECT file_row_number, event_type, 'gp_appointment_mode', gp_appointment_mode, $appointment_modes, NULL,
               'an appointment mode (Face-to-Face, Home Visit, Telephone, Video Conference/Online or Unknown)',
               ['gp_appointment']
        FROM activity WHERE gp_appointment_mode IS NOT NULL
    )
),
bad AS (
    SELECT *, count(*) OVER (PARTITION BY column_name) AS n_bad
    FROM coded
    WHERE NOT CASE WHEN pattern IS NULL THEN list_contains(accepted, code) ELSE regexp_full_match(code, pattern) END
),
found AS (
    SELECT column_name, count(DISTINCT code) AS n_codes,
           array_to_string(list_slice(list_sort(list_distinct(list(code))), 1, 10), ', ') AS codes
    FROM bad GROUP BY column_name
)
SELECT 'activity' AS table_name, 'event_type' AS column_name, 'unknown event type' AS problem, 'error' AS severity, file_row_number, coalesce(event_type, '(empty)') AS example, false AS example_personal
FROM activity WHERE event_type IS NULL OR NOT list_contains($event_types, event_type)
UNION ALL SELECT 'activity', 'event_date', 'missing date', 'error', file_row_number, person_id, true FROM activity WHERE event_date IS NULL
UNION ALL SELECT 'activity', 'event_date', 'date after the extract date', 'error', file_row_number, CAST(event_date AS VARCHAR), true
FROM activity WHERE CAST(event_date AS DATE) > $extract_date
UNION ALL SELECT 'activity', 'person_id', 'missing value', 'error', file_row_number, '(empty)', false FROM activity WHERE person_id IS NULL
UNION ALL SELECT 'activity', 'low_acuity', 'acuity given for an event that is not an A&E attendance', 'warning', file_row_number, event_type, false
FROM activity WHERE low_acuity IS NOT NULL AND event_type <> 'ae_attendance'
UNION ALL SELECT 'activity', b.column_name, 'not ' || b.what || ': ' || f.n_codes || ' code(s) found that are not: ' || f.codes
                 || CASE WHEN f.n_codes > 10 THEN ', …' ELSE '' END,
       'error', b.file_row_number, b.code, false
FROM bad b JOIN found f USING (column_name)
UNION ALL SELECT 'activity', column_name, 'given for an event that is not ' || array_to_string(applies_to, ' or ')
                 || ' (its dataset does not record it)', 'warning', file_row_number, event_type, false
FROM coded WHERE NOT list_contains(applies_to, event_type)
UNION ALL SELECT 'activity', 'discharge_date', 'discharge before admission', 'error', file_row_number,
       CAST(discharge_date AS VARCHAR) || ' < ' || CAST(coalesce(admission_date, event_date) AS VARCHAR), true
FROM activity WHERE CAST(discharge_date AS DATE) < CAST(coalesce(admission_date, event_date) AS DATE)
UNION ALL SELECT 'activity', 'discharge_date', 'date after the extract date (leave it empty while the patient is in hospital)',
       'error', file_row_number, CAST(discharge_date AS VARCHAR), true
FROM activity WHERE CAST(discharge_date AS DATE) > $extract_date
UNION ALL SELECT 'activity', 'admission_date', 'date after the extract date', 'error', file_row_number, CAST(admission_date AS VARCHAR), true
FROM activity WHERE CAST(admission_date AS DATE) > $extract_date
UNION ALL SELECT 'activity', 'admission_date', 'differs from event_date (an admission''s event is the start of its spell)',
       'warning', file_row_number, CAST(admission_date AS VARCHAR) || ' ≠ ' || CAST(event_date AS VARCHAR), true
FROM activity WHERE CAST(admission_date AS DATE) <> CAST(event_date AS DATE)
UNION ALL SELECT 'activity', 'admission_method', 'an elective admission method (11–13) on an emergency admission', 'warning',
       file_row_number, admission_method, false
FROM activity WHERE event_type = 'emergency_admission' AND list_contains($elective_methods, admission_method)
UNION ALL SELECT 'activity', 'admission_method', 'a non-elective admission method on an elective admission', 'warning',
       file_row_number, admission_method, false
FROM activity WHERE event_type = 'elective_admission' AND list_contains($admission_methods, admission_method)
  AND NOT list_contains($elective_methods, admission_method)
