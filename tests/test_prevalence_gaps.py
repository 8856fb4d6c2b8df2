"""Prevalence gaps page: expected counts are Σ reference prevalence × eligible population, computed
here straight from the person-level extract and the reference table; they never come from the demo
generator's true status (deleting or scrambling that file changes nothing); and the gap points the
same way as the truth (larger where under-recording is worse, in more deprived neighbourhoods).

Recorded counts are as the viewer sees them: the demo's default viewer is an INT lead for one
neighbourhood, whose register is exact; every other neighbourhood's is protected (a multiple of 5,
hidden where it could be 1–7) and an area's recorded count is the sum of its neighbourhoods'."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from apptest import assert_clean, open_app
from neighbourhood_health.measures import prevalence


@pytest.fixture(scope="module")
def people(demo_cfg):
    """One row per registered person with neighbourhood, place, ICB, IMD quintile and age band."""
    persons = pd.read_parquet(demo_cfg.extracts_dir / "persons.parquet")
    lookup = pd.read_csv(demo_cfg.geo_dir / "area_lookup.csv")
    dep = pd.read_csv(demo_cfg.geo_dir / "deprivation.csv")
    p = persons.merge(lookup, on="small_area_code").merge(dep, on="small_area_code")
    p["imd_quintile"] = (p.imd_decile + 1) // 2
    band = p.age // 5 * 5
    p["age_band"] = np.where(p.age >= 90, "90+", band.astype(str) + "-" + (band + 4).astype(str))
    return p


@pytest.fixture(scope="module")
def expected_counts(demo_cfg, people):
    """condition × neighbourhood: eligible population, recorded and expected counts, independently,
    with each neighbourhood's protected register from the marts (p_recorded, p_population and
    whether a hidden count is in them)."""
    reference = pd.read_parquet(demo_cfg.extracts_dir / "reference_prevalence.parquet")
    catalogue = pd.read_csv("neighbourhood_health/definitions/measures.csv")
    rows = []
    for m in catalogue[catalogue["query"] == "recorded_prevalence"].itertuples():
        params = json.loads(m.query_params)
        eligible = people[people.age >= params["min_age"]].merge(
            reference[reference.condition == params["condition"]], on=["age_band", "sex", "imd_quintile"], how="left")
        assert eligible.prevalence.notna().all()
        grouped = eligible.groupby(["neighbourhood_code", "place_code", "icb_code"]).agg(
            population=("person_id", "size"), recorded=(f"ltc_{params['condition']}", "sum"),
            expected=("prevalence", "sum"))
        rows.append(grouped.reset_index().assign(measure_id=m.measure_id, condition=params["condition"],
                                                 name=m.name.split(":")[0]))
    out = pd.concat(rows, ignore_index=True)
    values = pd.read_parquet(demo_cfg.marts_dir / "measure_values.parquet")
    values = values[(values.area_level == "neighbourhood") & values.measure_id.isin(out.measure_id)]
    values = values[values.period == values.groupby("measure_id").period.transform("max")]
    registers = values.rename(columns={"area_code": "neighbourhood_code", "p_numerator": "p_recorded",
                                       "p_denominator": "p_population", "numerator_small": "recorded_small",
                                       "denominator_small": "population_small"})
    out = out.merge(registers[["measure_id", "neighbourhood_code", "p_recorded", "p_population", "recorded_small",
                               "population_small", "numerator"]], on=["measure_id", "neighbourhood_code"])
    assert (out.numerator == out.recorded).all(), "the marts' registers are the extract's"
    return out.drop(columns="numerator")


def as_shown(expect: pd.DataFrame, exact_neighbourhoods) -> pd.DataFrame:
    """The recorded count and population each neighbourhood's register is shown with: exact inside
    the viewer's own neighbourhoods, protected elsewhere (whose *_small flags then count)."""
    exact = expect.neighbourhood_code.isin(list(exact_neighbourhoods))
    return expect.assign(shown_recorded=expect.recorded.where(exact, expect.p_recorded),
                         shown_population=expect.population.where(exact, expect.p_population),
                         recorded_small=expect.recorded_small & ~exact,
                         population_small=expect.population_small & ~exact)


def hidden(frame: pd.DataFrame) -> pd.Series:
    """The rule: hidden where a hidden count is in the figure and its protected value is 0 or 5."""
    return ((frame.recorded_small & (frame.shown_recorded < 7.5))
            | (frame.population_small & (frame.shown_population < 7.5)))


def areas(demo_cfg) -> pd.DataFrame:
    return pd.read_parquet(demo_cfg.marts_dir / "areas.parquet").set_index("area_code", drop=False)


def check_conditions_table(table: pd.DataFrame, expect: pd.DataFrame) -> None:
    """`expect` from `as_shown`: the area's figures are its neighbourhoods' shown figures summed."""
    table = table.set_index("Condition")
    totals = expect.groupby("name").agg(
        population=("population", "sum"), expected=("expected", "sum"), shown_recorded=("shown_recorded", "sum"),
        shown_population=("shown_population", "sum"), recorded_small=("recorded_small", "any"),
        population_small=("population_small", "any"))
    assert set(table.index) == set(totals.index)
    shown = table.loc[totals.index]
    np.testing.assert_allclose(shown["Eligible population"], totals.population)
    np.testing.assert_allclose(shown["Expected (people)"], totals.expected, atol=0.051)
    big = ~hidden(totals)
    np.testing.assert_allclose(shown.loc[big, "Recorded (people)"], totals.shown_recorded[big])
    np.testing.assert_allclose(shown.loc[big, "Estimated not yet diagnosed (people)"],
                               (totals.expected - totals.shown_recorded)[big], atol=0.51)
    assert shown.loc[~big, "Recorded (people)"].isna().all()
    assert shown.loc[~big, "Estimated not yet diagnosed (people)"].isna().all()


def test_icb_expected_counts_and_ranked_gaps(demo_env, expected_counts):
    tree = areas(demo_env)
    icb = tree[tree.area_level == "icb"].sort_values("area_name").area_code.iloc[0]
    at = open_app(area=icb, page="prevalence_gaps.py")
    assert_clean(at)
    own = list(at.session_state["demo_areas"])
    mine = as_shown(expected_counts[expected_counts.icb_code == icb], own)
    assert (mine.loc[~mine.neighbourhood_code.isin(own), "shown_recorded"] % 5 == 0).all()
    check_conditions_table(at.dataframe[0].value, mine)
    totals = mine.groupby("name")[["shown_recorded", "expected"]].sum()
    gaps = totals.expected - totals.shown_recorded
    top = gaps.idxmax()
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert figure["layout"]["title"]["text"].replace("<br>", " ") == (
        f"{top} has the largest gap in {tree.area_name[icb]}: an estimated {gaps.max():,.0f} people not yet diagnosed")
    assert list(figure["data"][0]["y"])[-1] == top  # ranked: largest bar at the top

    # neighbourhood table for hypertension: one row per neighbourhood of the ICB
    hyp = mine[mine.condition == "hypertension"].set_index("neighbourhood_code")
    hyp.index = tree.loc[hyp.index, "area_name"]
    table = at.dataframe[1].value.set_index("Neighbourhood").loc[hyp.index]
    np.testing.assert_allclose(table["Expected (people)"], hyp.expected, atol=0.051)
    np.testing.assert_allclose(table["Recorded (people)"], hyp.shown_recorded.where(~hidden(hyp)))
    np.testing.assert_allclose(table["Expected prevalence (%)"], hyp.expected / hyp.population * 100, atol=0.006)
    finding = at.subheader[0].value
    total = hyp.expected.sum() - hyp.shown_recorded.sum()
    assert finding.startswith(f"Hypertension: an estimated {total:,.0f} people in {tree.area_name[icb]} are not yet diagnosed")
    assert len(at.get("download_button")) == 2


def test_place_and_neighbourhood(demo_env, expected_counts):
    tree = areas(demo_env)
    place = tree[tree.area_level == "place"].sort_values("area_name").area_code.iloc[0]
    at = open_app(area=place, page="prevalence_gaps.py")
    assert_clean(at)
    own = list(at.session_state["demo_areas"])
    check_conditions_table(at.dataframe[0].value, as_shown(expected_counts[expected_counts.place_code == place], own))
    at.selectbox(key="gap_condition").set_value("prev_diabetes").run()
    dm = expected_counts[(expected_counts.place_code == place) & (expected_counts.condition == "diabetes")]
    table = at.dataframe[1].value
    assert len(table) == len(dm)
    np.testing.assert_allclose(sorted(table["Expected (people)"]), sorted(dm.expected.round(1)), atol=0.051)

    nbhd = tree[(tree.area_level == "neighbourhood") & (tree.parent_code == place)].area_code.iloc[0]
    at = open_app(area=nbhd, page="prevalence_gaps.py")
    assert_clean(at)
    assert list(at.session_state["demo_areas"]) == [nbhd]  # its INT lead: the neighbourhood's registers exact
    check_conditions_table(at.dataframe[0].value,
                           as_shown(expected_counts[expected_counts.neighbourhood_code == nbhd], [nbhd]))
    # the neighbourhood is shown among its place's, highlighted on the ranked chart and the map
    assert len(at.dataframe[1].value) == len(dm)
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert any(layer["id"] == "chosen" for layer in spec["layers"])


def test_expected_counts_do_not_depend_on_the_truth(demo_env):
    """The page never reads demo_truth: deleting or scrambling it leaves every figure unchanged."""
    tree = areas(demo_env)
    place = tree[tree.area_level == "place"].sort_values("area_name").area_code.iloc[1]
    truth = demo_env.data_dir / "demo_truth" / "true_conditions.parquet"
    backup = truth.with_suffix(".bak")
    shutil.copy(truth, backup)

    def figures() -> pd.DataFrame:
        st.cache_data.clear()
        st.cache_resource.clear()  # the page's shared results too (app.cache.shared)
        at = open_app(area=place, page="prevalence_gaps.py")
        assert_clean(at)
        return at.dataframe[0].value.reset_index(drop=True)

    try:
        before = figures()
        truth.unlink()
        pd.testing.assert_frame_equal(figures(), before)
        scrambled = pd.read_parquet(backup)
        flags = [c for c in scrambled.columns if c.startswith("true_")]
        scrambled[flags] = True  # everyone "truly" has every condition
        scrambled.to_parquet(truth)
        pd.testing.assert_frame_equal(figures(), before)
    finally:
        shutil.move(backup, truth)


def test_gap_points_the_same_way_as_the_truth(demo_cfg, demo_db, people):
    """The demo under-records more in deprived areas: the estimated gap should follow the true one."""
    truth = pd.read_parquet(demo_cfg.data_dir / "demo_truth" / "true_conditions.parquet")
    tree = areas(demo_cfg)
    icbs = tree.query("area_level == 'icb'").area_code
    every = list(tree.query("area_level == 'neighbourhood'").area_code)  # exact: the statistic is the point here
    gaps = pd.concat([prevalence.neighbourhood_gaps(
        demo_db.run("app/prevalence_gap_strata", exact_areas=every, scope_code=c),
        demo_db.run("app/prevalence_recorded", exact_areas=every, scope_code=c)) for c in icbs], ignore_index=True)
    p = people.merge(truth, on="person_id")
    # the four conditions with the largest gaps (the smaller ones are too noisy at test scale)
    for condition, min_age in (("hypertension", 0), ("obesity", 18), ("depression", 18), ("ckd", 18)):
        e = p[p.age >= min_age]
        true = e.groupby("neighbourhood_code").agg(
            true_gap=(f"true_{condition}", "sum"), recorded=(f"ltc_{condition}", "sum"),
            deprived=("imd_quintile", lambda q: (q <= 2).mean()))
        true["true_gap"] -= true["recorded"]
        est = gaps[gaps.condition == condition].set_index("neighbourhood_code").join(true[["true_gap", "deprived"]])
        # totals agree within 10%, and both say people are undiagnosed
        assert est.gap.sum() > 0 and abs(est.gap.sum() / est.true_gap.sum() - 1) < 0.10, condition
        # neighbourhoods with bigger true gaps have bigger estimated gaps
        assert est.gap.corr(est.true_gap, method="spearman") > 0.5, condition
        # recorded/expected is lower where more residents live in the most deprived fifths
        assert est.ratio.corr(est.deprived, method="spearman") < -0.3, condition
