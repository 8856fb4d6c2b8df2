"""The NNHIP monthly submission: the programme's own template filled exactly, and read back.

`write_submission` fills a copy of the shipped template (`template.xlsx`, `layout`) with one
place's figures for one month; `read_submission` reads any place's submission as the programme's
ingestion does and reports each problem its example files show (`check`); `cli` runs both from
the command line.

**Small numbers.** The template's Instructions state no small-number rule, and the programme's
ingestion reads "*" as a suppressed value (no value, flagged), any other text as a failure. The
submission leaves the dashboard for the programme, whose analysts and reporting app show each
place's figures to others; it is built by a place's analyst, a role that never sees exact figures
here (docs/privacy.md). So a submission is always written with **protected figures**, as the
board pack is, whoever builds it: each age, ethnic-group and deprivation cell protected by the
project's rule with the data folder's key, the Total the sum of the protected age groups, and the
rates the template's own formulas of those counts. A hidden cell is written as its protected
value (0, 5 or 10 whatever its count), never as "*": that value is safe by construction, it stays
a whole number the programme reads, and a "*" would lose the figure from the national scorecard.
The caller says what it passes (`protected=True` for protected figures, `protected=False` with
the key for exact ones). Each breakdown adds up to its total before protection, not after.
A place that must send exact counts makes that submission outside the dashboard.
"""
from __future__ import annotations

from .check import Problem, SubmissionCheck, read_submission
from .layout import ROW_KEYS, layout
from .write import write_submission

__all__ = ["Problem", "ROW_KEYS", "SubmissionCheck", "layout", "read_submission", "write_submission"]
