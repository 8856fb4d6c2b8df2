-- Every measure's denominator by neighbourhood × IMD quintile × sex × five-year age band (the
-- latest 12 months, from measure_breakdown without its ethnic groups): summed once here so that
-- indirect standardisation on the Prevalence gaps page (app/prevalence_gap_strata) reads a few
-- thousand rows instead of summing the whole breakdown on every view.
SELECT measure_id, neighbourhood_code, CAST(floor((imd_decile + 1) / 2) AS INTEGER) AS imd_quintile, sex, age_band,
       sum(denominator) AS population
FROM measure_breakdown
GROUP BY measure_id, neighbourhood_code, CAST(floor((imd_decile + 1) / 2) AS INTEGER), sex, age_band
