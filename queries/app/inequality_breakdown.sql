-- One person-level measure for an area ($scope_code: ICB, place or neighbourhood) by deprivation
-- decile, deprivation quintile, ethnic group, age band and sex: numerators and denominators summed
-- over its neighbourhoods (latest 12 months for rates, the extract date for proportions).
-- Deciles and quintiles are national IMD ranks of residents' small areas, 1 = most deprived.
WITH r AS (
    SELECT b.imd_decile, CAST((b.imd_decile + 1) // 2 AS INTEGER) AS imd_quintile,
           b.ethnicity, b.age_band, b.sex, b.numerator, b.denominator
    FROM measure_breakdown b
    JOIN areas a ON a.area_code = b.neighbourhood_code AND a.area_level = 'neighbourhood'
    WHERE b.measure_id = $measure_id AND $scope_code IN (a.icb_code, a.place_code, a.neighbourhood_code)
)
SELECT CASE WHEN GROUPING(imd_decile) = 0 THEN 'imd_decile'
            WHEN GROUPING(imd_quintile) = 0 THEN 'imd_quintile'
            WHEN GROUPING(ethnicity) = 0 THEN 'ethnicity'
            WHEN GROUPING(age_band) = 0 THEN 'age_band'
            ELSE 'sex' END AS dimension,
       coalesce(CAST(imd_decile AS VARCHAR), CAST(imd_quintile AS VARCHAR), ethnicity, age_band, sex) AS category,
       sum(numerator) AS numerator, sum(denominator) AS denominator
FROM r
GROUP BY GROUPING SETS ((imd_decile), (imd_quintile), (ethnicity), (age_band), (sex))
ORDER BY dimension, category
