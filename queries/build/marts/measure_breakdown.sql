-- One measure over the latest 12 months (rates) or at the extract date (proportions), by
-- neighbourhood × deprivation decile × sex × five-year age band × ethnic group, appended to table
-- measure_breakdown: what the inequality views and age standardisation need.
WITH standing AS (
    SELECT small_area_code, sex, ethnicity, age_band, sum(numerator) AS num, sum(denominator) AS den
    FROM located_rows WHERE period IS NULL GROUP BY small_area_code, sex, ethnicity, age_band
),
events AS (
    SELECT small_area_code, sex, ethnicity, age_band, sum(numerator) AS num
    FROM located_rows WHERE period > $window_start AND period <= $extract_date
    GROUP BY small_area_code, sex, ethnicity, age_band
)
SELECT $measure_id AS measure_id, a.neighbourhood_code, a.imd_decile, st.sex, st.age_band, st.ethnicity,
       CAST(sum(CASE WHEN $method = 'rate' THEN coalesce(e.num, 0) ELSE st.num END) AS DOUBLE) AS numerator,
       CAST(sum(st.den) AS DOUBLE) AS denominator
FROM standing st
LEFT JOIN events e USING (small_area_code, sex, ethnicity, age_band)
JOIN small_areas a USING (small_area_code)
GROUP BY a.neighbourhood_code, a.imd_decile, st.sex, st.age_band, st.ethnicity
