-- One measure over the latest 12 months (rates) or at the extract date (proportions), by
-- neighbourhood × deprivation decile × sex × five-year age band × ethnic group: what the
-- inequality views and age standardisation need.
INSERT INTO measure_breakdown
WITH r AS (SELECT * FROM located_rows),
standing AS (
    SELECT small_area_code, sex, ethnicity, age_band, sum(numerator) AS num, sum(denominator) AS den
    FROM r WHERE period IS NULL GROUP BY ALL
),
events AS (
    SELECT small_area_code, sex, ethnicity, age_band, sum(numerator) AS num
    FROM r WHERE period > $window_start AND period <= $extract_date GROUP BY ALL
)
SELECT $measure_id, a.neighbourhood_code, a.imd_decile, st.sex, st.age_band, st.ethnicity,
       CAST(sum(CASE WHEN $method = 'rate' THEN coalesce(e.num, 0) ELSE st.num END) AS DOUBLE),
       CAST(sum(st.den) AS DOUBLE)
FROM standing st
LEFT JOIN events e USING (small_area_code, sex, ethnicity, age_band)
JOIN small_areas a USING (small_area_code)
GROUP BY ALL
