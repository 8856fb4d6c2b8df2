-- The area tree for the picker: every ICB, place and neighbourhood (small areas excluded).
SELECT area_code, area_name, area_level, parent_code, icb_code, place_code, neighbourhood_code, population
FROM areas
WHERE area_level IN ('icb', 'place', 'neighbourhood')
ORDER BY area_name
