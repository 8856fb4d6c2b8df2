-- Members of a cohort (the frame `cohort_members`) living in one area, by neighbourhood × population
-- segment, zeros included, with each neighbourhood's registered population.
WITH area AS (
    SELECT small_area_code, neighbourhood_code, neighbourhood_name, population
    FROM small_areas
    WHERE $area_code IN ('ALL', icb_code, place_code, neighbourhood_code, small_area_code)
),
neighbourhoods AS (
    SELECT neighbourhood_code, any_value(neighbourhood_name) AS neighbourhood_name, sum(population) AS population
    FROM area GROUP BY neighbourhood_code
),
segments AS (SELECT DISTINCT segment FROM persons),
counted AS (
    SELECT a.neighbourhood_code, p.segment, count(*) AS people
    FROM (SELECT DISTINCT person_id FROM cohort_members) m
    JOIN persons p USING (person_id)
    JOIN area a USING (small_area_code)
    GROUP BY ALL
)
SELECT n.neighbourhood_code, n.neighbourhood_name, n.population, s.segment, coalesce(c.people, 0) AS people
FROM neighbourhoods n
CROSS JOIN segments s
LEFT JOIN counted c USING (neighbourhood_code, segment)
ORDER BY n.neighbourhood_name, s.segment
