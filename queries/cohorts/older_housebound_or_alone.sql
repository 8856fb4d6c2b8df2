-- Aged $min_age or over and housebound or living alone.
SELECT person_id
FROM persons
WHERE age >= $min_age
  AND (housebound OR lives_alone)
