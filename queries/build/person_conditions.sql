-- One row per person and recorded long-term condition (the ltc_* columns, unpivoted).
CREATE OR REPLACE TEMP TABLE person_conditions AS
SELECT person_id, replace(condition, 'ltc_', '') AS condition
FROM (UNPIVOT (SELECT person_id, COLUMNS('^ltc_') FROM persons) ON COLUMNS('^ltc_') INTO NAME condition VALUE recorded)
WHERE recorded
