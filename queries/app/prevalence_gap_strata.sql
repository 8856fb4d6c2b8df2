-- For every recorded-prevalence measure: the eligible population of each neighbourhood inside an
-- area ($scope_code) by IMD quintile × sex × age band, with the reference prevalence of that
-- stratum: what indirect standardisation needs for expected counts. No recorded counts: those
-- come, protected, from app/prevalence_recorded. The population is the measure's own
-- denominator, so its age limits (min_age) apply to expected and recorded alike (summed at
-- build time: the prevalence_strata mart).
WITH conditions AS (
    SELECT measure_id, name, json_extract_string(query_params, '$.condition') AS condition
    FROM measures WHERE query = 'recorded_prevalence'
),
units AS (
    SELECT area_code AS neighbourhood_code, area_name AS neighbourhood_name FROM areas
    WHERE area_level = 'neighbourhood' AND $scope_code IN (icb_code, place_code, neighbourhood_code)
),
strata AS (
    SELECT measure_id, neighbourhood_code, imd_quintile, sex, age_band, population
    FROM prevalence_strata
    WHERE measure_id IN (SELECT measure_id FROM conditions)
      AND neighbourhood_code IN (SELECT neighbourhood_code FROM units)
)
SELECT c.measure_id, c.condition, c.name, u.neighbourhood_code, u.neighbourhood_name,
       s.imd_quintile, s.sex, s.age_band, s.population, r.prevalence AS reference_prevalence
FROM strata s
JOIN conditions c USING (measure_id)
JOIN units u USING (neighbourhood_code)
LEFT JOIN reference_prevalence r
       ON r.condition = c.condition AND r.age_band = s.age_band AND r.sex = s.sex
      AND r.imd_quintile = s.imd_quintile
ORDER BY c.measure_id, u.neighbourhood_code, s.imd_quintile, s.sex, s.age_band
