"""Neighbourhood Health Dashboard.

Strings in pandas frames are stored as Python objects, not in pyarrow arrays (pandas 3's default):
the app's frames are small (tens to thousands of rows) and reshaped many times per page, and each
pyarrow-backed step (take, isin, conversion to numpy) pays a pyarrow call. Profiled under the load
test (`benchmarks/load.py`), that storage cost about a quarter of the server's CPU; the `str` dtype
and its missing-value rules are the same either way.
"""
import pandas as _pd

_pd.set_option("mode.string_storage", "python")
