-- The protection rule as DuckDB macros, for the protect/ queries (neighbourhood_health.privacy.disclosure
-- holds the same rule in Python, and the tests check that both agree).
-- cell_unit: a number in [0, 1) from the key and the cell's name, the lower 64 bits of MD5("key|cell").
CREATE OR REPLACE TEMP MACRO cell_unit(secret, cell) AS md5_number_lower(secret || '|' || cell) / 18446744073709551616.0;
-- protected_count: 0 stays 0; any other count goes up or down to a multiple of round_to, up with
-- chance equal to its distance from the multiple below, so that sums of protected counts are unbiased.
CREATE OR REPLACE TEMP MACRO protected_count(n, u, round_to) AS
    CASE WHEN n IS NULL THEN NULL
         WHEN n <= 0 THEN 0.0
         ELSE round_to * (floor(n / round_to) + CASE WHEN u < n / round_to - floor(n / round_to) THEN 1 ELSE 0 END) END;
CREATE OR REPLACE TEMP MACRO is_small(n, threshold) AS coalesce(n > 0 AND n <= threshold, false);
