-- At least $min_conditions recorded long-term conditions (the ltc_* flags) and a risk score of $min_risk or more.
SELECT person_id
FROM persons
WHERE list_count(list_filter([*COLUMNS('^ltc_')], lambda recorded: recorded)) >= $min_conditions
  AND risk_score >= $min_risk
