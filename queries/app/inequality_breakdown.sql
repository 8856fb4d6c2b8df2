-- One person-level measure for an area ($scope_code: ICB, place or neighbourhood) by deprivation
-- decile, deprivation quintile, ethnic group, age band and sex: numerators and denominators summed
-- over its neighbourhoods (latest 12 months for rates, the extract date for proportions), exact
-- for a neighbourhood in $exact_areas and otherwise sums of the protected neighbourhood cells of
-- breakdown_values (a quintile is its two deciles). Deciles and quintiles are national IMD ranks
-- of residents' small areas, 1 = most deprived.
WITH cells AS (
    SELECT b.dimension, b.category, list_contains($exact_areas, b.neighbourhood_code) AS exact, b.numerator,
           b.denominator, b.p_numerator, b.p_denominator, b.numerator_small, b.denominator_small
    FROM breakdown_values b
    JOIN areas a ON a.area_code = b.neighbourhood_code AND a.area_level = 'neighbourhood'
    WHERE b.measure_id = $measure_id AND $scope_code IN (a.icb_code, a.place_code, a.neighbourhood_code)
),
with_quintiles AS (
    SELECT * FROM cells
    UNION ALL
    SELECT 'imd_quintile', CAST((CAST(category AS INTEGER) + 1) // 2 AS VARCHAR), exact, numerator, denominator,
           p_numerator, p_denominator, numerator_small, denominator_small
    FROM cells WHERE dimension = 'imd_decile'
),
summed AS (
    SELECT dimension, category, bool_and(exact) AS exact, sum(numerator) AS numerator, sum(denominator) AS denominator,
           -- a neighbourhood whose breakdown was withheld (NULL) leaves every sum of it unknown
           CASE WHEN count(p_numerator) = count(*) THEN sum(p_numerator) END AS p_numerator,
           CASE WHEN count(p_denominator) = count(*) THEN sum(p_denominator) END AS p_denominator,
           bool_or(numerator_small OR p_numerator IS NULL) AS numerator_small,
           bool_or(denominator_small OR p_denominator IS NULL) AS denominator_small
    FROM with_quintiles GROUP BY dimension, category
)
SELECT dimension, category,
       CASE WHEN exact THEN numerator ELSE p_numerator END AS numerator,
       CASE WHEN exact THEN denominator ELSE p_denominator END AS denominator,
       numerator_small AND NOT exact AS numerator_small, denominator_small AND NOT exact AS denominator_small
FROM summed
ORDER BY dimension, category
