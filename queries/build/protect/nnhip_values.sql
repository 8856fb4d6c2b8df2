-- The NNHIP scorecard's cells (nnhip_monthly_exact), protected by the rule of base_cells.sql, each
-- a neighbourhood's: a metric's count for one month, keyed by the cell. Two kinds are keyed
-- otherwise. Members by segment are keyed exactly as the Cohorts page keys its cells
-- (measures.cohorts: 'cohort|<cohort>|<neighbourhood name>|<segment>'), so both pages publish
-- the same protected cohort sizes and no second rounding of one count exists to be intersected;
-- a neighbourhood's members are the sum of its segments' protected cells. The members on the
-- caseload are a stock, mostly the same people month after month: keyed by their number rather
-- than the month, so that the same count in the same neighbourhood is rounded the same way in
-- every month and cannot be averaged out from many independent roundings.
WITH keyed AS (
    SELECT v.cohort_id, v.neighbourhood_code, v.month, v.row_key, v.population, v.count,
           CASE WHEN v.row_key = 'members' THEN 'cohort|' || v.cohort_id || '|' || n.neighbourhood_name || '|' || v.segment
                WHEN v.row_key = 'P1_caseload' THEN 'nnhip|' || v.cohort_id || '|' || v.neighbourhood_code
                     || '|P1_caseload|' || CAST(v.count AS VARCHAR)
                ELSE 'nnhip|' || v.cohort_id || '|' || v.neighbourhood_code || '|' || v.row_key || '|' || v.population
                     || '|' || CAST(v.month AS VARCHAR) END AS cell
    FROM nnhip_monthly_exact v
    JOIN (SELECT DISTINCT neighbourhood_code, neighbourhood_name FROM small_areas) n USING (neighbourhood_code)
)
SELECT k.cohort_id, k.neighbourhood_code, s.place_code, s.icb_code, k.month, k.row_key, k.population,
       CAST(sum(k.count) AS BIGINT) AS count,
       sum(protected_count(k.count, cell_unit($key, k.cell), $round_to)) AS p_count,
       bool_or(is_small(k.count, $threshold)) AS small
FROM keyed k
JOIN (SELECT DISTINCT neighbourhood_code, place_code, icb_code FROM small_areas) s USING (neighbourhood_code)
GROUP BY k.cohort_id, k.neighbourhood_code, s.place_code, s.icb_code, k.month, k.row_key, k.population
