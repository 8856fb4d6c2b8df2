-- Small areas with their neighbourhood, place, ICB, deprivation and registered population.
CREATE OR REPLACE TEMP TABLE small_areas AS
SELECT l.small_area_code, l.small_area_name, l.neighbourhood_code, l.neighbourhood_name,
       l.place_code, l.place_name, l.icb_code, l.icb_name,
       d.imd_score, CAST(d.imd_decile AS INTEGER) AS imd_decile,
       CAST((d.imd_decile + 1) // 2 AS INTEGER) AS imd_quintile,
       coalesce(p.population, 0) AS population
FROM area_lookup l
JOIN deprivation d USING (small_area_code)
LEFT JOIN (SELECT small_area_code, count(*) AS population FROM persons GROUP BY ALL) p USING (small_area_code)
