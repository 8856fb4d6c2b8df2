-- Members of a cohort (the relation `cohort_members`) living in one area, by neighbourhood ×
-- population segment, zeros included, with each neighbourhood's registered population. Joining on
-- both area columns lets DuckDB skip the parts of the sorted marts outside the area.
WITH area AS (
    SELECT small_area_code, neighbourhood_code, neighbourhood_name, population
    FROM small_areas
    WHERE $area_code IN ('ALL', icb_code, place_code, neighbourhood_code, small_area_code)
),
neighbourhoods AS (
    SELECT neighbourhood_code, any_value(neighbourhood_name) AS neighbourhood_name, sum(population) AS population
    FROM area GROUP BY neighbourhood_code
),
segments AS (SELECT unnest($segments) AS segment),
counted AS (
    SELECT m.neighbourhood_code, m.segment, count(*) AS people
    FROM cohort_members m
    JOIN area a USING (small_area_code, neighbourhood_code)
    GROUP BY ALL
)
SELECT n.neighbourhood_code, n.neighbourhood_name, n.population, s.segment, coalesce(c.people, 0) AS people
FROM neighbourhoods n
CROSS JOIN (SELECT segment FROM segments UNION SELECT segment FROM counted) s
LEFT JOIN counted c USING (neighbourhood_code, segment)
ORDER BY n.neighbourhood_name, s.segment
