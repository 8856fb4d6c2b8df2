-- One area and the areas it lies within (its neighbourhood, place and ICB): what access checks need.
SELECT area_code, area_name, area_level, neighbourhood_code, place_code, icb_code
FROM areas
WHERE area_code = $area_code
