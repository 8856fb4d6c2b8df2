"""Shared fixtures: small demo data generated and built once per test session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from neighbourhood_health.config import settings

TEST_SCALE = "0.03"
# The suite's shared dataset is on the Voronoi geography: its codes and shapes are fixed by the
# generator at any scale. The real London map, the default, has tests of its own (test_demo_london).
TEST_GEOGRAPHY = "voronoi"


@pytest.fixture(scope="session")
def demo_cfg(tmp_path_factory):
    """Settings for a small demo dataset (about 130,000 residents) with built marts."""
    root = tmp_path_factory.mktemp("nhd")
    env = {"NHD_DATA_DIR": str(root / "data"), "NHD_GEO_DIR": str(root / "geo"),
           "NHD_DEMO_SCALE": TEST_SCALE, "NHD_AUTO_DEMO": "0", "NHD_DEMO_SEED": "20261128",
           "NHD_DEMO_GEOGRAPHY": TEST_GEOGRAPHY}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        cfg = settings()
        from neighbourhood_health.pipeline.build import build_marts
        from neighbourhood_health.pipeline.demo import generate
        generate(cfg)
        build_marts(cfg)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return cfg


@pytest.fixture
def demo_env(demo_cfg, monkeypatch):
    """Point the app (and anything reading settings()) at the session's demo data."""
    monkeypatch.setenv("NHD_DATA_DIR", str(demo_cfg.data_dir))
    monkeypatch.setenv("NHD_GEO_DIR", str(demo_cfg.geo_dir))
    monkeypatch.setenv("NHD_DEMO_SCALE", TEST_SCALE)
    monkeypatch.setenv("NHD_DEMO_GEOGRAPHY", TEST_GEOGRAPHY)
    monkeypatch.setenv("NHD_AUTO_DEMO", "0")
    return demo_cfg


@pytest.fixture(scope="session")
def demo_db(demo_cfg):
    from neighbourhood_health.store import Database
    return Database(demo_cfg.marts_dir, demo_cfg.extracts_dir)


def reference_dir() -> Path | None:
    """../shared/reference beside the project (NHD_REFERENCE_DIR overrides); None when absent."""
    from reference import REF
    return REF if REF.is_dir() else None


#: The demo at a scale where a borough's infants and frail residents number in the hundreds: what the
#: evaluation and the seasonal view are tested on (Voronoi boroughs: a third of London's build time).
EVALUATION_SCALE = 0.1


@pytest.fixture(scope="session")
def evaluation_demo(tmp_path_factory):
    """The demo at EVALUATION_SCALE, generated and built once per session, with a fixed privacy key
    so that its protected figures, like its residents, are the same on every run."""
    import dataclasses
    import hashlib

    from neighbourhood_health.config import settings
    from neighbourhood_health.pipeline.build import build_marts
    from neighbourhood_health.pipeline.demo import generate
    root = tmp_path_factory.mktemp("evaluation_demo")
    cfg = dataclasses.replace(settings(), data_dir=root / "data", geo_dir=root / "geo", demo_scale=EVALUATION_SCALE,
                              demo_geography="voronoi", auto_demo=False)
    generate(cfg)
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    (cfg.data_dir / "privacy.key").write_text(hashlib.sha256(b"evaluation demo, tests").hexdigest())
    build_marts(cfg)
    return cfg
