-- What the NNHIP scorecard counts (its template's Definitions sheet), one row per person × month ×
-- metric (the template's row, `row_key`) with the number counted (bed days for O3): every
-- resident's, in the months from $first_month to before $next_month. The code lists are bound
-- from pipeline/national_codes.py. A&E attendances, appointments and contacts count in the month of
-- their date; hospital spells in the month they ended (AcuteNonElectiveDefs: spells are counted in
-- the month in which they ended), so that a length of stay is known. A row without a code a
-- definition needs is not counted, except a community contact without an attendance code: in the
-- contract a community_contact row was always a contact that took place.
WITH dated AS (
    SELECT person_id, event_type, CAST(date_trunc('month', event_date) AS DATE) AS month,
           ae_department_type, ae_arrival_mode, ae_acuity, first_attendance, attended_code, main_specialty,
           primary_procedure, gp_appointment_status, gp_staff_role, gp_service_setting
    FROM activity
    WHERE CAST(event_date AS DATE) >= $first_month AND CAST(event_date AS DATE) < $next_month
),
consultant_attended AS (
    SELECT person_id, month, first_attendance, primary_procedure
    FROM dated
    WHERE event_type = 'outpatient' AND main_specialty IS NOT NULL AND NOT array_contains($not_consultant, main_specialty)
      AND array_contains($attended_codes, attended_code)
),
spells AS (
    SELECT person_id, CAST(date_trunc('month', discharge_date) AS DATE) AS month,
           date_diff('day', CAST(coalesce(admission_date, event_date) AS DATE), CAST(discharge_date AS DATE)) AS stay
    FROM activity
    WHERE event_type IN ('emergency_admission', 'elective_admission')
      AND CAST(discharge_date AS DATE) >= $first_month AND CAST(discharge_date AS DATE) < $next_month
      AND array_contains($non_elective_methods, admission_method) AND array_contains($specific_acute, treatment_function)
),
conveyances AS (
    SELECT person_id, month, ae_acuity FROM dated
    WHERE event_type = 'ae_attendance' AND array_contains($conveyance_modes, ae_arrival_mode)
),
counted AS (
    SELECT person_id, month, 'O1_new' AS row_key, 1 AS n FROM consultant_attended WHERE array_contains($new_codes, first_attendance)
    UNION ALL SELECT person_id, month, 'O1_followup', 1 FROM consultant_attended WHERE array_contains($follow_up_codes, first_attendance)
    UNION ALL SELECT person_id, month, 'O1_procedures', 1 FROM consultant_attended
    WHERE array_contains($follow_up_codes, first_attendance) AND primary_procedure IS NOT NULL
    UNION ALL SELECT person_id, month, 'O2_los0', 1 FROM spells WHERE stay = 0
    UNION ALL SELECT person_id, month, 'O2_los1', 1 FROM spells WHERE stay >= 1
    UNION ALL SELECT person_id, month, 'O3_beddays', stay FROM spells WHERE stay >= 1
    UNION ALL SELECT person_id, month, 'O4_cat1', 1 FROM conveyances WHERE ae_acuity = $cat1_acuity
    UNION ALL SELECT person_id, month, 'O4_cat2', 1 FROM conveyances WHERE ae_acuity = $cat2_acuity
    UNION ALL SELECT person_id, month, 'O4_cat3', 1 FROM conveyances WHERE ae_acuity = $cat3_acuity
    UNION ALL SELECT person_id, month, 'O4_cat4', 1 FROM conveyances WHERE ae_acuity = $cat4_acuity
    UNION ALL SELECT person_id, month, 'O5_type1', 1 FROM dated WHERE event_type = 'ae_attendance' AND ae_department_type = $type_1
    UNION ALL SELECT person_id, month, 'O5_other', 1 FROM dated WHERE event_type = 'ae_attendance' AND ae_department_type <> $type_1
    UNION ALL SELECT person_id, month, 'O6_gp', 1 FROM dated
    WHERE event_type = 'gp_appointment' AND gp_appointment_status = $gp_status AND gp_staff_role = $gp_role
      AND array_contains($gp_settings, gp_service_setting)
    UNION ALL SELECT person_id, month, 'O6_community', 1 FROM dated
    WHERE event_type = 'community_contact' AND (attended_code IS NULL OR array_contains($attended_codes, attended_code))
)
SELECT person_id, month, row_key, CAST(sum(n) AS BIGINT) AS n
FROM counted
GROUP BY person_id, month, row_key
