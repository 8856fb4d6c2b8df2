-- The reference (modelled) prevalence table, copied into the marts so that expected prevalence
-- can be computed by indirect standardisation without opening the extracts folder.
SELECT condition, age_band, sex, CAST(imd_quintile AS INTEGER) AS imd_quintile,
       CAST(prevalence AS DOUBLE) AS prevalence
FROM reference_prevalence
