-- At least $min_conditions recorded long-term conditions and a risk score in the middle band [$min_risk, $max_risk).
SELECT person_id
FROM person_profile
WHERE conditions_count >= $min_conditions
  AND risk_score >= $min_risk
  AND risk_score < $max_risk
