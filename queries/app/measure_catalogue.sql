-- The measure catalogue as built: what a measure is called, its unit, polarity and multiplier.
SELECT measure_id, name, family, pillar, life_stage, polarity, unit, method, multiplier, target, definition
FROM measures
ORDER BY family_order, display_order
