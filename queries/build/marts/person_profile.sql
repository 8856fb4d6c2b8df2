-- One row per resident: what the cohort builder filters on and the pseudonymised list shows, in a
-- few compact columns, so that a recount or a list reads one narrow table sorted by area instead
-- of the person and activity extracts.
-- `conditions` is a bit mask of the 14 recorded LTCs in the contract's order (bit 0 hypertension …
-- bit 13 learning disability) and `conditions_count` how many. Events are counted over the 12
-- months to the extract date, low-acuity ones for A&E only, the one event type the contract flags;
-- the last contacts of three kinds are the latest on or before the extract date.
WITH recent AS (
    SELECT person_id,
           count(CASE WHEN event_type = 'ae_attendance' AND in_window THEN 1 END) AS ae_attendances_12m,
           count(CASE WHEN event_type = 'ae_attendance' AND in_window AND coalesce(low_acuity, false) THEN 1 END)
               AS low_acuity_ae_12m,
           count(CASE WHEN event_type = 'emergency_admission' AND in_window THEN 1 END) AS emergency_admissions_12m,
           count(CASE WHEN event_type = 'elective_admission' AND in_window THEN 1 END) AS elective_admissions_12m,
           count(CASE WHEN event_type = 'outpatient' AND in_window THEN 1 END) AS outpatient_12m,
           count(CASE WHEN event_type = 'community_contact' AND in_window THEN 1 END) AS community_contacts_12m,
           max(CASE WHEN event_type = 'emergency_admission' THEN event_day END) AS last_emergency_admission,
           max(CASE WHEN event_type = 'ae_attendance' THEN event_day END) AS last_ae_attendance,
           max(CASE WHEN event_type = 'community_contact' THEN event_day END) AS last_community_contact
    FROM (SELECT person_id, event_type, low_acuity, CAST(event_date AS DATE) AS event_day,
                 CAST(event_date AS DATE) > $window_start AS in_window
          FROM activity
          WHERE CAST(event_date AS DATE) <= $extract_date) events
    GROUP BY person_id
)
SELECT p.person_id, s.small_area_code, s.neighbourhood_code, p.practice_code, p.segment,
       CAST(CASE WHEN p.age < 1 THEN 'Under 1' WHEN p.age < 18 THEN '1-17' WHEN p.age < 40 THEN '18-39'
            WHEN p.age < 65 THEN '40-64' WHEN p.age < 75 THEN '65-74' WHEN p.age < 85 THEN '75-84'
            ELSE '85+' END AS STRING) AS age_band,
       p.sex, p.ethnicity, coalesce(p.frailty, 'not assessed') AS frailty, p.risk_score, s.imd_quintile,
       CAST((CASE WHEN p.ltc_hypertension THEN 1 ELSE 0 END) + (CASE WHEN p.ltc_diabetes THEN 2 ELSE 0 END)
          + (CASE WHEN p.ltc_copd THEN 4 ELSE 0 END) + (CASE WHEN p.ltc_asthma THEN 8 ELSE 0 END)
          + (CASE WHEN p.ltc_chd THEN 16 ELSE 0 END) + (CASE WHEN p.ltc_heart_failure THEN 32 ELSE 0 END)
          + (CASE WHEN p.ltc_atrial_fibrillation THEN 64 ELSE 0 END) + (CASE WHEN p.ltc_ckd THEN 128 ELSE 0 END)
          + (CASE WHEN p.ltc_depression THEN 256 ELSE 0 END) + (CASE WHEN p.ltc_smi THEN 512 ELSE 0 END)
          + (CASE WHEN p.ltc_dementia THEN 1024 ELSE 0 END) + (CASE WHEN p.ltc_cancer THEN 2048 ELSE 0 END)
          + (CASE WHEN p.ltc_obesity THEN 4096 ELSE 0 END) + (CASE WHEN p.ltc_learning_disability THEN 8192 ELSE 0 END)
          AS INTEGER) AS conditions,
       CAST((CASE WHEN p.ltc_hypertension THEN 1 ELSE 0 END) + (CASE WHEN p.ltc_diabetes THEN 1 ELSE 0 END) + (CASE WHEN p.ltc_copd THEN 1 ELSE 0 END)
          + (CASE WHEN p.ltc_asthma THEN 1 ELSE 0 END) + (CASE WHEN p.ltc_chd THEN 1 ELSE 0 END) + (CASE WHEN p.ltc_heart_failure THEN 1 ELSE 0 END)
          + (CASE WHEN p.ltc_atrial_fibrillation THEN 1 ELSE 0 END) + (CASE WHEN p.ltc_ckd THEN 1 ELSE 0 END) + (CASE WHEN p.ltc_depression THEN 1 ELSE 0 END)
          + (CASE WHEN p.ltc_smi THEN 1 ELSE 0 END) + (CASE WHEN p.ltc_dementia THEN 1 ELSE 0 END) + (CASE WHEN p.ltc_cancer THEN 1 ELSE 0 END)
          + (CASE WHEN p.ltc_obesity THEN 1 ELSE 0 END) + (CASE WHEN p.ltc_learning_disability THEN 1 ELSE 0 END)
          AS INTEGER) AS conditions_count,
       CAST(coalesce(r.ae_attendances_12m, 0) AS INTEGER) AS ae_attendances_12m,
       CAST(coalesce(r.low_acuity_ae_12m, 0) AS INTEGER) AS low_acuity_ae_12m,
       CAST(coalesce(r.emergency_admissions_12m, 0) AS INTEGER) AS emergency_admissions_12m,
       CAST(coalesce(r.elective_admissions_12m, 0) AS INTEGER) AS elective_admissions_12m,
       CAST(coalesce(r.outpatient_12m, 0) AS INTEGER) AS outpatient_12m,
       CAST(coalesce(r.community_contacts_12m, 0) AS INTEGER) AS community_contacts_12m,
       r.last_emergency_admission, r.last_ae_attendance, r.last_community_contact
FROM persons p
JOIN small_areas s USING (small_area_code)
LEFT JOIN recent r USING (person_id)
