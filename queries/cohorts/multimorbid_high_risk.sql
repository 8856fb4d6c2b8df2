-- At least $min_conditions recorded long-term conditions (the ltc_* flags) and a risk score of $min_risk or more.
SELECT person_id
FROM person_profile
WHERE conditions_count >= $min_conditions
  AND risk_score >= $min_risk
