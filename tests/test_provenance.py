"""Where the data came from, worded from only the manifest keys there are (present/provenance.py)."""
from neighbourhood_health.present.provenance import extracted, generated


def test_extract_date_alone_is_not_given_empty_brackets():
    assert extracted("2026-10-31", "Synthetic demo data") == "2026-10-31 (Synthetic demo data)"
    assert extracted("2026-10-31") == extracted("2026-10-31", " ") == "2026-10-31"


def test_each_generator_is_described_by_its_own_keys():
    assert generated({"extract_date": "2026-10-31", "seed": 7, "scale": 0.03}) == "seed 7, scale 0.03"
    assert (generated({"extract_date": "2026-10-31", "seed": 7, "residents_per_area": 150})
            == "seed 7, about 150 residents per small area")
    assert generated({"extract_date": "2026-10-31", "source": "NEL ICB SDE"}) == ""
