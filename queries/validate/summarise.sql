-- Summarise the failing rows of one check file (exposed as the view `failures`): one row per
-- table × column × problem, with the count and the first three rows as examples. Each check says
-- whether its example is personal (a person ID, or a value from one person's record that is not a
-- code): `example_rows` names the same rows without their values, for viewers who may not see them.
-- Rows of the tables in $csv_tables are their files' lines ("line 2" the first after the header).
SELECT table_name, column_name, problem, severity, count(*) AS n_rows,
       string_agg(at_row || ': ' || example, '; ' ORDER BY file_row_number)
           FILTER (WHERE rank_in_check <= 3) AS examples,
       string_agg(at_row, '; ' ORDER BY file_row_number)
           FILTER (WHERE rank_in_check <= 3) AS example_rows,
       bool_or(example_personal) AS personal
FROM (SELECT *, row_number() OVER (PARTITION BY table_name, column_name, problem ORDER BY file_row_number) AS rank_in_check,
             CASE WHEN list_contains(CAST($csv_tables AS VARCHAR[]), table_name) THEN 'line ' ELSE 'row ' END
                 || file_row_number AS at_row
      FROM failures)
GROUP BY ALL
ORDER BY table_name, column_name, problem
