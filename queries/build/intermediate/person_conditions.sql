-- One row per person and recorded long-term condition (the contract's 14 ltc_* columns, unpivoted).
-- The columns are listed, not matched by pattern, so that the same SQL runs on DuckDB and Spark.
SELECT person_id, replace(condition, 'ltc_', '') AS condition
FROM persons UNPIVOT (recorded FOR condition IN (
    ltc_hypertension, ltc_diabetes, ltc_copd, ltc_asthma, ltc_chd, ltc_heart_failure, ltc_atrial_fibrillation,
    ltc_ckd, ltc_depression, ltc_smi, ltc_dementia, ltc_cancer, ltc_obesity, ltc_learning_disability))
WHERE recorded
