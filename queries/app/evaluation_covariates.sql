-- What comparator neighbourhoods are matched on besides the outcome's own path: deprivation (the
-- population-weighted mean IMD score of the small areas, and mean decile, as the score is optional) and age mix (shares of registered
-- residents aged under 18 and 65 or over). Residents are counted, not anyone's health, so these
-- are exact (populations are published exactly: docs/privacy.md).
WITH deprivation AS (
    SELECT neighbourhood_code, sum(imd_score * population) / nullif(sum(population), 0) AS imd_score,
           sum(imd_decile * population) / nullif(sum(population), 0) AS imd_decile,
           sum(population) AS population
    FROM small_areas GROUP BY neighbourhood_code
),
ages AS (
    SELECT neighbourhood_code,
           avg(CASE WHEN age_band IN ('Under 1', '1-17') THEN 1.0 ELSE 0.0 END) AS share_under_18,
           avg(CASE WHEN age_band IN ('65-74', '75-84', '85+') THEN 1.0 ELSE 0.0 END) AS share_65_plus
    FROM person_profile GROUP BY neighbourhood_code
)
SELECT d.neighbourhood_code, d.population, d.imd_score, d.imd_decile, a.share_under_18, a.share_65_plus
FROM deprivation d JOIN ages a USING (neighbourhood_code)
ORDER BY d.neighbourhood_code
