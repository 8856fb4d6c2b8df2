-- The current measure's person rows (view measure_rows) with the person's small area, sex,
-- ethnic group and five-year age band: joined once, then aggregated two ways.
CREATE OR REPLACE TEMP TABLE located_rows AS
SELECT m.period, m.numerator, m.denominator, p.small_area_code, p.sex, p.ethnicity,
       CASE WHEN p.age >= 90 THEN '90+' ELSE (p.age // 5 * 5) || '-' || (p.age // 5 * 5 + 4) END AS age_band
FROM measure_rows m JOIN persons p USING (person_id)
