-- The inequality breakdowns' cells (breakdown_cells), protected: deciles come protected already
-- (sums of small areas' cells); each neighbourhood's cells of residents' ethnic group, age band and
-- sex are protected by the rule of base_cells.sql, keyed by the cell and the neighbourhood's
-- nonce (breakdown_nonce). The nonce starts at 0 and is raised, by pipeline.protect, only for a
-- neighbourhood whose cells would let someone pin a hidden count against its small areas'
-- (pinned_breakdowns.sql); one it cannot clear is withheld: its protected figures are NULL.
SELECT c.measure_id, c.neighbourhood_code, c.dimension, c.category, c.numerator, c.denominator,
       CASE WHEN c.dimension = 'imd_decile' THEN c.p_numerator WHEN n.withheld THEN NULL
            ELSE protected_count(c.numerator, cell_unit($key, 'breakdown|' || c.measure_id || '|' || c.neighbourhood_code
                 || '|' || c.dimension || '|' || c.category || '|' || n.nonce), $round_to) END AS p_numerator,
       CASE WHEN c.dimension = 'imd_decile' THEN c.p_denominator WHEN n.withheld THEN NULL
            ELSE protected_count(c.denominator, cell_unit($key, 'breakdown|' || c.measure_id || '|' || c.neighbourhood_code
                 || '|' || c.dimension || '|' || c.category || '|' || n.nonce), $round_to) END AS p_denominator,
       c.numerator_small, c.denominator_small
FROM breakdown_cells c
JOIN breakdown_nonce n USING (measure_id, neighbourhood_code)
