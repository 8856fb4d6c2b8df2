-- Values of a CSV that do not fit their column's kind: one row per value, its line as the row.
-- `csv_cells` holds the file's line numbers and, as text, its columns named by $columns, whose
-- kinds are $kinds (number, integer, boolean, date); blank values are missing, not wrong.
-- The casts are the ones csv_files.typed applies, so what passes here types without error.
WITH kinds AS (SELECT unnest($columns) AS column_name, unnest($kinds) AS kind),
cells AS (
    SELECT file_row_number, column_name, trim(example) AS value, example
    FROM (UNPIVOT csv_cells ON COLUMNS(* EXCLUDE (file_row_number)) INTO NAME column_name VALUE example)
)
SELECT $table_name AS table_name, column_name,
       CASE kind WHEN 'number' THEN 'not a number' WHEN 'integer' THEN 'not a whole number'
                 WHEN 'boolean' THEN 'not true or false' ELSE 'not a date (YYYY-MM-DD expected)' END AS problem,
       'error' AS severity, file_row_number, example, $personal AS example_personal
FROM cells JOIN kinds USING (column_name)
WHERE value <> '' AND CASE kind
    WHEN 'number' THEN TRY_CAST(value AS DOUBLE) IS NULL
    WHEN 'integer' THEN coalesce(NOT isfinite(TRY_CAST(value AS DOUBLE))
                                 OR TRY_CAST(value AS DOUBLE) <> round(TRY_CAST(value AS DOUBLE)), true)
    WHEN 'boolean' THEN TRY_CAST(value AS BOOLEAN) IS NULL
    WHEN 'date' THEN TRY_CAST(value AS DATE) IS NULL
END
