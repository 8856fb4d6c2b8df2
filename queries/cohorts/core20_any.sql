-- People in the cohorts this one combines (the frame `candidates`, their union) who live in a small
-- area in national IMD decile $max_imd_decile or below: the most deprived 20% (Core20).
SELECT DISTINCT c.person_id
FROM candidates c
JOIN persons p USING (person_id)
JOIN small_areas s USING (small_area_code)
WHERE s.imd_decile <= $max_imd_decile
