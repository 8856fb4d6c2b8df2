-- The current measure's person rows (view measure_rows) with the person's small area, sex,
-- ethnic group and five-year age band: joined once (table located_rows), then aggregated two ways.
SELECT m.period, m.numerator, m.denominator, p.small_area_code, p.sex, p.ethnicity,
       CASE WHEN p.age >= 90 THEN '90+'
            ELSE CAST(p.age // 5 * 5 AS VARCHAR) || '-' || CAST(p.age // 5 * 5 + 4 AS VARCHAR) END AS age_band
FROM measure_rows m JOIN persons p USING (person_id)
