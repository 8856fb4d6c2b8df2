"""The marts build: atomic swap, nothing lost on failure, aggregates that sum counts."""
from __future__ import annotations

import dataclasses
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from neighbourhood_health.pipeline.build import BuildError, build_marts


@pytest.fixture
def own_copy(demo_cfg, tmp_path):
    """A private copy of the session's extracts, geography and built marts, so builds here cannot
    disturb other tests. Copied, not rebuilt: a build per test cost about 100 s.

    Each folder keeps the build's layout (a link to a versioned folder, see pipeline/atomic.py),
    which the swap test relies on.
    """
    cfg = dataclasses.replace(demo_cfg, data_dir=tmp_path / "data", geo_dir=tmp_path / "geo")
    cfg.data_dir.mkdir()
    for link in (demo_cfg.extracts_dir, demo_cfg.marts_dir):
        _copy_linked(link, cfg.data_dir / link.name)
    shutil.copytree(demo_cfg.geo_dir, cfg.geo_dir, symlinks=True)
    assert cfg.marts_dir.is_symlink() and (cfg.marts_dir / "measure_values.parquet").exists()
    return cfg


def _copy_linked(source, target) -> None:
    """Copy `source` to `target`: a link to a versioned folder becomes the same link to a copy of it."""
    if not source.is_symlink():
        shutil.copytree(source, target, symlinks=True)
        return
    versioned = os.path.realpath(source)
    shutil.copytree(versioned, target.parent / os.path.basename(versioned), symlinks=True)
    os.symlink(os.path.basename(versioned), target)


def test_build_swaps_marts_atomically_and_keeps_one_version(own_copy):
    cfg = own_copy
    first = os.path.realpath(cfg.marts_dir)
    assert cfg.marts_dir.is_symlink()
    build_marts(cfg)
    second = os.path.realpath(cfg.marts_dir)
    assert first != second and not os.path.exists(first), "old version replaced, then removed"
    leftovers = [p.name for p in cfg.data_dir.iterdir() if ".building-" in p.name or ".link-" in p.name]
    assert not leftovers


def test_failed_build_leaves_the_live_marts_untouched(own_copy):
    cfg = own_copy
    live = os.path.realpath(cfg.marts_dir)
    before = pd.read_parquet(cfg.marts_dir / "measure_values.parquet")
    persons = pd.read_parquet(cfg.extracts_dir / "persons.parquet")
    persons.drop(columns=["age"]).to_parquet(cfg.extracts_dir / "persons.parquet", index=False)
    with pytest.raises(BuildError, match="persons.parquet, column age: required column is missing"):
        build_marts(cfg)
    assert os.path.realpath(cfg.marts_dir) == live
    pd.testing.assert_frame_equal(before, pd.read_parquet(cfg.marts_dir / "measure_values.parquet"))
    assert not [p for p in cfg.data_dir.iterdir() if ".building-" in p.name]


def test_build_does_not_modify_extracts(own_copy):
    cfg = own_copy
    stamp = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in cfg.extracts_dir.iterdir()}
    build_marts(cfg)
    assert stamp == {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in cfg.extracts_dir.iterdir()}


@pytest.fixture(scope="module")
def marts(demo_cfg):
    values = pd.read_parquet(demo_cfg.marts_dir / "measure_values.parquet")
    areas = pd.read_parquet(demo_cfg.marts_dir / "areas.parquet")
    return values, areas


def test_place_values_sum_neighbourhood_numerators_and_denominators(marts):
    values, areas = marts
    nb = values[values.area_level == "neighbourhood"].merge(
        areas[["area_code", "parent_code"]], on="area_code")
    summed = nb.groupby(["measure_id", "parent_code", "period"])[["numerator", "denominator"]].sum()
    place = values[values.area_level == "place"].set_index(["measure_id", "area_code", "period"])[
        ["numerator", "denominator"]]
    place.index.names = summed.index.names
    pd.testing.assert_frame_equal(place.sort_index(), summed.sort_index(), check_exact=False, rtol=1e-12)


def test_rates_are_not_averaged(marts):
    """A place's rate is Σ events / Σ person-years, which differs from the mean of its neighbourhoods' rates."""
    values, areas = marts
    m = values[(values.measure_id == "emergency_admissions") & (values.area_level == "neighbourhood")]
    m = m.merge(areas[["area_code", "parent_code"]], on="area_code")
    latest = m[m.period == m.period.max()]
    place_code = latest.parent_code.iloc[0]
    part = latest[latest.parent_code == place_code]
    pooled = part.numerator.sum() / part.denominator.sum()
    averaged = (part.numerator / part.denominator).mean()
    place_row = values[(values.measure_id == "emergency_admissions") & (values.area_code == place_code)
                       & (values.period == latest.period.max())]
    assert place_row.numerator.iloc[0] / place_row.denominator.iloc[0] == pytest.approx(pooled, rel=1e-12)
    assert not np.isclose(pooled, averaged, rtol=1e-9), "populations differ, so averaging would be wrong"


def test_rate_denominators_are_person_years(demo_cfg, marts):
    """12 monthly denominators of an all-ages rate add up to the registered population."""
    values, areas = marts
    persons = pd.read_parquet(demo_cfg.extracts_dir / "persons.parquet", columns=["person_id"])
    allv = values[(values.measure_id == "ae_attendances") & (values.area_level == "all")]
    last12 = allv.sort_values("period").tail(12)
    assert last12.denominator.sum() == pytest.approx(len(persons))
    activity = pd.read_parquet(demo_cfg.extracts_dir / "activity.parquet")
    ae = activity[activity.event_type == "ae_attendance"]
    month = pd.to_datetime(ae.event_date).dt.to_period("M").dt.to_timestamp().dt.date
    assert last12.numerator.sum() == (month >= last12.period.min()).sum()


def test_recorded_prevalence_matches_persons(demo_cfg, marts):
    values, _ = marts
    persons = pd.read_parquet(demo_cfg.extracts_dir / "persons.parquet")
    row = values[(values.measure_id == "prev_diabetes") & (values.area_level == "all")].iloc[0]
    eligible = persons[persons.age >= 17]
    assert row.denominator == len(eligible) and row.numerator == eligible.ltc_diabetes.sum()


def test_optional_deprivation_score_may_be_absent(own_copy):
    """MHCLG's File 2 gives deciles but no score: the contract makes imd_score optional, so the build must too."""
    cfg = own_copy
    dep = pd.read_csv(cfg.geo_dir / "deprivation.csv")
    dep.drop(columns=["imd_score"]).to_csv(cfg.geo_dir / "deprivation.csv", index=False)
    build_marts(cfg)
    small = pd.read_parquet(cfg.marts_dir / "small_areas.parquet")
    assert small.imd_score.isna().all() and small.imd_decile.between(1, 10).all()
