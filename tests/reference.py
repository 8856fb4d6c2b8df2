"""Where the real public reference data lives (../shared/reference; NHD_REFERENCE_DIR overrides),
and how tests that need it skip cleanly when it is absent."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REF = Path(os.environ.get("NHD_REFERENCE_DIR") or Path(__file__).resolve().parents[2] / "shared" / "reference")
PHE = REF / "phe_indicator_methods"
SKIP_REASON = f"reference data folder not found: {REF}"


def cases(loader):
    """Parametrise over loader()'s cases, or one skipped case when the reference data is absent."""
    if not REF.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=SKIP_REASON))]
    return loader()
