"""Translate the build's SQL, written once in DuckDB's dialect, into Spark SQL with sqlglot.

`$name` parameters become Spark's named markers `:name`, bound by `spark.sql(sql, args=…)`, so
values are never pasted into SQL on either engine. sqlglot passes through what it does not
know (a DuckDB-only function, `COLUMNS(…)`), which Spark would reject with an error naming no
file; such constructs are refused here instead, naming the file and the construct.
"""
from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, UnsupportedError

from neighbourhood_health.store import QueryError, sql_text


class TranslationError(QueryError):
    """A query file cannot be run on Spark: the message names the file and the construct."""


def _refuse(name: str, what: str) -> TranslationError:
    return TranslationError(f"queries/{name}.sql cannot be translated for Spark: {what}. "
                            "Rewrite it in SQL both engines share (see queries/measures/README.md).")


def _check(name: str, tree: exp.Expression) -> None:
    if not isinstance(tree, exp.Query):
        raise _refuse(name, f"build queries must be one SELECT, found {tree.key.upper()}")
    for node in tree.walk():
        if isinstance(node, exp.Columns):
            raise _refuse(name, f"DuckDB's {node.sql('duckdb')} picks columns by pattern; list them")
        if isinstance(node, exp.Anonymous):
            raise _refuse(name, f"function {node.name}() has no known Spark equivalent")
        if isinstance(node, exp.Placeholder) and not (node.name and not node.name.isdigit()):
            raise _refuse(name, f"parameter {node.sql('duckdb')} is not named ($name)")


def to_spark(name: str, sql: str) -> str:
    """One build query (`sql`, the text of queries/<name>.sql) in Spark SQL, or TranslationError."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except ParseError as exc:
        raise _refuse(name, f"sqlglot cannot parse it as DuckDB SQL ({exc})") from exc
    if len(statements) != 1:
        raise _refuse(name, f"it holds {len(statements)} statements, and build queries must be one SELECT")
    _check(name, statements[0])
    try:
        return statements[0].sql(dialect="spark", unsupported_level=ErrorLevel.RAISE, comments=False)
    except UnsupportedError as exc:
        raise _refuse(name, str(exc)) from exc


@lru_cache(maxsize=None)
def for_spark(name: str) -> str:
    """queries/<name>.sql in Spark SQL, translated once per process."""
    return to_spark(name, sql_text(name))
