-- Row checks of the person-level extract: one row per failed check, with example rows.
SELECT 'persons' AS table_name, 'person_id' AS column_name, 'duplicate ID' AS problem, 'error' AS severity, file_row_number, person_id AS example, true AS example_personal
FROM persons QUALIFY count(*) OVER (PARTITION BY person_id) > 1
UNION ALL SELECT 'persons', 'person_id', 'missing value', 'error', file_row_number, '(empty)', false FROM persons WHERE person_id IS NULL OR person_id = ''
UNION ALL SELECT 'persons', 'small_area_code', 'missing value', 'error', file_row_number, person_id, true FROM persons WHERE small_area_code IS NULL
UNION ALL SELECT 'persons', 'practice_code', 'missing value', 'error', file_row_number, person_id, true FROM persons WHERE practice_code IS NULL
UNION ALL SELECT 'persons', 'age', 'impossible age (outside 0–120 or missing)', 'error', file_row_number, CAST(age AS VARCHAR), true
FROM persons WHERE age IS NULL OR age < 0 OR age > 120
UNION ALL SELECT 'persons', 'sex', 'unknown value (expected F or M)', 'error', file_row_number, coalesce(sex, '(empty)'), false
FROM persons WHERE sex IS NULL OR NOT list_contains($sexes, sex)
UNION ALL SELECT 'persons', 'ethnicity', 'unknown ethnic group', 'error', file_row_number, coalesce(ethnicity, '(empty)'), false
FROM persons WHERE ethnicity IS NULL OR NOT list_contains($ethnic_groups, ethnicity)
UNION ALL SELECT 'persons', 'frailty', 'unknown eFI category', 'error', file_row_number, frailty, false
FROM persons WHERE frailty IS NOT NULL AND NOT list_contains($frailty, frailty)
UNION ALL SELECT 'persons', 'frailty', 'eFI category recorded under age 65', 'warning', file_row_number, person_id, true
FROM persons WHERE frailty IS NOT NULL AND age < 65
UNION ALL SELECT 'persons', 'risk_score', 'risk score outside 0–100 or missing', 'error', file_row_number, CAST(risk_score AS VARCHAR), true
FROM persons WHERE risk_score IS NULL OR risk_score < 0 OR risk_score > 100
UNION ALL SELECT 'persons', 'bp_systolic', 'implausible systolic blood pressure (outside 50–300 mmHg)', 'error', file_row_number, CAST(bp_systolic AS VARCHAR), true
FROM persons WHERE bp_systolic < 50 OR bp_systolic > 300
UNION ALL SELECT 'persons', 'bp_diastolic', 'implausible diastolic blood pressure (outside 20–200 mmHg)', 'error', file_row_number, CAST(bp_diastolic AS VARCHAR), true
FROM persons WHERE bp_diastolic < 20 OR bp_diastolic > 200
UNION ALL SELECT 'persons', 'hba1c', 'implausible HbA1c (outside 15–250 mmol/mol)', 'error', file_row_number, CAST(hba1c AS VARCHAR), true
FROM persons WHERE hba1c < 15 OR hba1c > 250
UNION ALL SELECT 'persons', 'bp_date', 'date after the extract date', 'error', file_row_number, CAST(bp_date AS VARCHAR), true
FROM persons WHERE CAST(bp_date AS DATE) > $extract_date
UNION ALL SELECT 'persons', 'hba1c_date', 'date after the extract date', 'error', file_row_number, CAST(hba1c_date AS VARCHAR), true
FROM persons WHERE CAST(hba1c_date AS DATE) > $extract_date
UNION ALL SELECT 'persons', 'smi_health_check_date', 'date after the extract date', 'error', file_row_number, CAST(smi_health_check_date AS VARCHAR), true
FROM persons WHERE CAST(smi_health_check_date AS DATE) > $extract_date
