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
