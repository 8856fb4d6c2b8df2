-- Small areas with their neighbourhood, place, ICB, deprivation and registered population.
SELECT l.small_area_code, l.small_area_name, l.neighbourhood_code, l.neighbourhood_name,
       l.place_code, l.place_name, l.icb_code, l.icb_name,
       CAST(d.imd_score AS DOUBLE) AS imd_score, CAST(d.imd_decile AS INTEGER) AS imd_decile,
       CAST((d.imd_decile + 1) // 2 AS INTEGER) AS imd_quintile,
       CAST(coalesce(p.population, 0) AS BIGINT) AS population
FROM area_lookup l
JOIN deprivation d USING (small_area_code)
LEFT JOIN (SELECT small_area_code, count(*) AS population FROM persons GROUP BY small_area_code) p USING (small_area_code)
