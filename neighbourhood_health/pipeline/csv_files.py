"""The contract's CSV files, read as text and typed by the contract's column kinds.

Every value is read as text in one dialect (comma-separated, double quotes, a header line first)
and cast to its column's kind here. Neither DuckDB's sniffer nor a typed read would do: the sniffer
guesses (codes with leading zeros become numbers, a ragged file is read from a later line), and a
typed read stops at the first value that does not fit, where validation must name every line
that does not (`queries/validate/csv_values.sql`). Rows are numbered as lines with the header as
line 1, as Excel numbers its rows; an editor's line numbers agree unless a value holds a line
break or the file has blank lines.
"""
from __future__ import annotations

import codecs
import csv
from pathlib import Path

from duckdb import ColumnExpression, ConstantExpression, FunctionExpression, StarExpression

from neighbourhood_health.pipeline import contract

SQL_TYPE = {"string": "VARCHAR", "number": "DOUBLE", "integer": "BIGINT", "boolean": "BOOLEAN", "date": "DATE"}
#: Tables whose values are a person's record: their values are personal examples (see problems.Problem).
PERSON_LEVEL = {"persons", "activity", "caseload"}
SAVE_AS = "save it as CSV UTF-8 (in Excel: Save As, 'CSV UTF-8 (Comma delimited)')"
_READ = ("SELECT row_number() OVER () + 1 AS file_row_number, * FROM read_csv($path, header = true, "
         "all_varchar = true, delim = ',', quote = '\"', escape = '\"', skip = 0, strict_mode = true)")


def read_text(con, path: Path):
    """A CSV as a relation of text columns, `file_row_number` giving each row's line."""
    return con.sql(_READ, params={"path": str(path)})


def typed(table: contract.Table, text):
    """`text` (from `read_text`) without line numbers, the table's columns cast to their kinds.

    The casts are strict: a value that does not fit fails the read rather than becoming NULL, so
    what was not validated cannot be built. Blank values are missing values.
    """
    cast = [c for c in table.columns if c.kind != "string" and c.name in text.columns]
    blank_as_null = lambda name: FunctionExpression("nullif", FunctionExpression("trim", ColumnExpression(name)),
                                                    ConstantExpression(""))
    return text.select(StarExpression(exclude=["file_row_number", *(c.name for c in cast)]),
                       *(blank_as_null(c.name).cast(SQL_TYPE[c.kind]).alias(c.name) for c in cast))


def checked_columns(table: contract.Table, columns: list[str]) -> dict:
    """Parameters of `validate/csv_values` for a CSV with these columns: the ones it must type."""
    present = [c for c in table.columns if c.kind != "string" and c.name in columns]
    return {"table_name": table.name, "columns": [c.name for c in present], "kinds": [c.kind for c in present],
            "personal": table.name in PERSON_LEVEL}


def file_problem(path: Path) -> str | None:
    """Why `path` cannot be read as a CSV at all (empty, not UTF-8), or None.

    Excel's plain "CSV" is Windows-1252, which no reader can tell reliably from other single-byte
    encodings, so such a file is refused with the line and byte, not guessed at.
    """
    with open(path, "rb") as f:
        start = f.read(2)
        if not start:
            return "is empty: a CSV needs a header line naming its columns"
        if start in (b"\xff\xfe", b"\xfe\xff"):
            return f"is UTF-16 (Excel's 'Unicode Text'), not UTF-8: {SAVE_AS}"
        f.seek(0)
        decoder, line = codecs.getincrementaldecoder("utf-8")(), 1
        while chunk := f.read(1 << 24):
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                return _not_utf8(line + data[:exc.start].count(b"\n"), data[exc.start])
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return _not_utf8(line, exc.object[exc.start])
    return None


def _not_utf8(line: int, byte: int) -> str:
    try:
        as_1252 = f", \"{bytes([byte]).decode('cp1252')}\" in Windows-1252 (what Excel saves as plain CSV)"
    except UnicodeDecodeError:
        as_1252 = ""
    return f"is not UTF-8: line {line:,} holds the byte 0x{byte:02X}{as_1252}; {SAVE_AS}"


def dialect_problem(columns: list[str]) -> str | None:
    """A CSV read as one column whose name holds `;` or a tab was written with another separator."""
    names = [c for c in columns if c != "file_row_number"]
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        return f"is not comma-separated (its header line is {names[0][:60]!r}); {SAVE_AS}"
    return None


def unreadable(path: Path, error: Exception) -> str:
    """Why DuckDB could not read `path`, found again line by line: the first line whose count of
    values differs from the header's, else DuckDB's own first line."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        try:
            for record in reader:
                if record and len(record) != len(header):
                    return (f"cannot be read as CSV: line {reader.line_num:,} has {len(record)} values where the "
                            f"header has {len(header)} (a value holding a comma must be in double quotes)")
        except csv.Error as exc:
            return f"cannot be read as CSV: line {reader.line_num:,}: {exc}"
    return f"cannot be read as CSV: {str(error).splitlines()[0]}"
