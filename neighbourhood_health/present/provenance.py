"""Where the loaded data came from, worded from whatever its manifest says.

Validation insists only on `extract_date`. The data contract asks for a `source` too, but an
analyst's own manifest may leave it out, and each generator adds keys of its own: the demo its seed
and scale, the generator on imported geography its seed and residents per small area. So every key
but the date may be missing, and a missing key is left unsaid rather than shown as blank.
"""
from __future__ import annotations


def extracted(extract_date, source=None) -> str:
    """'2026-10-31 (Synthetic demo data)': the extract date, with the source when there is one."""
    source = str(source or "").strip()
    return f"{extract_date} ({source})" if source else str(extract_date)


def generated(manifest: dict) -> str:
    """How synthetic data was generated ('seed 7, scale 0.03'); '' when the manifest does not say."""
    wording = {"seed": "seed {}", "scale": "scale {}", "residents_per_area": "about {} residents per small area"}
    return ", ".join(words.format(manifest[key]) for key, words in wording.items() if key in manifest)
