"""Cohorts: each catalogue cohort and the builder against an independent pandas computation, and
user-supplied filter values treated as data."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from neighbourhood_health.privacy import access, disclosure
from neighbourhood_health.measures import cohorts
from neighbourhood_health.pipeline.contract import CONDITIONS, EVENT_TYPES
from neighbourhood_health.privacy.disclosure import TOTAL
from protection_rule import assert_protected_figures, expected_table, secret

BRENT, BRENT_EAST = "Z72000006", "Z70000021"
LEAD = access.User("lead@example.nhs.uk", "Lead", "int_lead", (BRENT_EAST,))
BOROUGH_LEAD = access.User("borough@example.nhs.uk", "Borough lead", "int_lead", (BRENT,))


@pytest.fixture(scope="module")
def extract(demo_cfg):
    """Persons with their neighbourhood, deprivation and LTC count; activity; the windows."""
    persons = pd.read_parquet(demo_cfg.extracts_dir / "persons.parquet")
    areas = pd.read_parquet(demo_cfg.marts_dir / "small_areas.parquet")
    persons = persons.merge(areas[["small_area_code", "neighbourhood_code", "imd_decile", "imd_quintile"]],
                            on="small_area_code")
    persons["ltcs"] = persons[[f"ltc_{c}" for c in CONDITIONS]].sum(axis=1)
    for column in ("bp_date", "hba1c_date", "smi_health_check_date"):
        persons[column] = pd.to_datetime(persons[column])
    activity = pd.read_parquet(demo_cfg.extracts_dir / "activity.parquet")
    activity["event_date"] = pd.to_datetime(activity["event_date"])
    extract_date = pd.Timestamp(json.loads((demo_cfg.marts_dir / "manifest.json").read_text())["extract_date"])
    start = extract_date - pd.DateOffset(months=12)
    recent = activity[(activity.event_date > start) & (activity.event_date <= extract_date)]
    recent = recent[recent.event_type.isin(EVENT_TYPES)]   # GP appointments are the NNHIP scorecard's only
    return persons, recent, start


def _events(recent, event_type, low_acuity=False):
    rows = recent[recent.event_type == event_type]
    if low_acuity:
        rows = rows[rows.low_acuity.fillna(False).astype(bool)]
    return rows.groupby("person_id").size()


def expected_members(extract, catalogue) -> dict[str, set]:
    p, recent, start = extract
    q = {c: catalogue[c].params for c in catalogue}
    admissions = _events(recent, "emergency_admission").reindex(p.person_id, fill_value=0).to_numpy()
    low_acuity = _events(recent, "ae_attendance", True).reindex(p.person_id, fill_value=0).to_numpy()
    h = q["hypertension_not_to_target"]
    systolic_target = p.age.ge(h["older_from_age"]).map({True: h["systolic_target_older"], False: h["systolic_target"]})
    at_target = (p.bp_date > start) & (p.bp_systolic <= systolic_target) & (p.bp_diastolic <= h["diastolic_target"])
    masks = {
        "frail_emergency_admissions": p.frailty.isin(q["frail_emergency_admissions"]["frailty"])
        & (admissions >= q["frail_emergency_admissions"]["min_admissions"]),
        "multimorbid_high_risk": (p.ltcs >= q["multimorbid_high_risk"]["min_conditions"])
        & (p.risk_score >= q["multimorbid_high_risk"]["min_risk"]),
        "rising_risk": (p.ltcs >= q["rising_risk"]["min_conditions"]) & (p.risk_score >= q["rising_risk"]["min_risk"])
        & (p.risk_score < q["rising_risk"]["max_risk"]),
        "infant_low_acuity_ae": (p.age <= q["infant_low_acuity_ae"]["max_age"])
        & (low_acuity >= q["infant_low_acuity_ae"]["min_attendances"]),
        "smi_no_health_check": p.ltc_smi & ~(p.smi_health_check_date > start),
        "hypertension_not_to_target": p.ltc_hypertension & ~at_target.fillna(False),
        "diabetes_hba1c_above_target": p.ltc_diabetes & (p.hba1c_date > start)
        & (p.hba1c > q["diabetes_hba1c_above_target"]["hba1c_target"]),
        "older_housebound_or_alone": (p.age >= q["older_housebound_or_alone"]["min_age"]) & (p.housebound | p.lives_alone),
    }
    members = {c: set(p.person_id[m.fillna(False).astype(bool)]) for c, m in masks.items()}
    deprived = set(p.person_id[p.imd_decile <= q["core20_any"]["max_imd_decile"]])
    members["core20_any"] = set().union(*(members[c] for c in catalogue["core20_any"].combines)) & deprived
    return members


def test_catalogue_has_every_cohort_the_design_asks_for(demo_db):
    catalogue = cohorts.load_cohorts()
    assert len(catalogue) >= 9
    assert all("{" not in c.description for c in catalogue.values()), "thresholds filled in from params"


def test_each_cohort_matches_pandas(demo_db, extract):
    catalogue = cohorts.load_cohorts()
    expected = expected_members(extract, catalogue)
    persons = extract[0]
    in_brent_east = set(persons.person_id[persons.neighbourhood_code == BRENT_EAST])
    with demo_db.cursor() as cur:
        for cohort_id in catalogue:
            got = set(cohorts._members(demo_db, cur, cohort_id).df().person_id)
            assert got == expected[cohort_id], cohort_id
            assert expected[cohort_id], f"{cohort_id} is empty on the demo data"
    for cohort_id in catalogue:  # what an INT lead sees: exact counts for their neighbourhood
        shown = cohorts.counts(demo_db, LEAD, cohort_id, BRENT_EAST)
        assert shown.total == len(expected[cohort_id] & in_brent_east), cohort_id
        assert not shown.protected


def test_counts_by_neighbourhood_and_segment_add_up(demo_db, extract):
    """An aggregate-only viewer's table: each neighbourhood × segment cell protected, the totals sums
    of the protected cells (so the parts add up to the totals shown), hidden where the rule hides."""
    persons = extract[0]
    board = access.User("b", "Board", "board", (BRENT,))
    result = cohorts.counts(demo_db, board, "rising_risk", BRENT)
    assert result.protected
    brent = persons[persons.neighbourhood_code.isin(demo_db.run("app/areas").query("parent_code == @BRENT").area_code)]
    assert result.population[TOTAL] == len(brent)
    raw, _ = cohorts._raw_counts(demo_db, "rising_risk", BRENT)
    members = expected_members(extract, cohorts.load_cohorts())["rising_risk"]
    assert raw.to_numpy().sum() == len(members & set(brent.person_id)), "the cells are the cohort's members"
    want = expected_table(raw, secret(demo_db), "cohort|rising_risk")
    pd.testing.assert_frame_equal(result.table, want, check_names=False)
    assert_protected_figures(result.table)
    cells = result.table.drop(index=TOTAL, columns=TOTAL)
    if cells.notna().all().all() and pd.notna(result.total):
        assert cells.to_numpy().sum() == result.total, "the shown cells add up to the shown total"


def test_builder_matches_pandas(demo_db, extract):
    persons, recent, _ = extract
    filters = cohorts.Filters(conditions=("hypertension", "diabetes"), all_conditions=False, min_conditions=2,
                              risk_bands=("rising", "high"), age_bands=("40-64", "65-74", "75-84", "85+"),
                              sexes=("F",), imd_quintiles=(1, 2, 3), activity_types=("ae_attendance",),
                              min_events=1, frailty=None)
    ae = _events(recent, "ae_attendance").reindex(persons.person_id, fill_value=0).to_numpy()
    want = persons[(persons.ltc_hypertension | persons.ltc_diabetes) & (persons.ltcs >= 2)
                   & (persons.risk_score >= 5) & (persons.age >= 40) & (persons.sex == "F")
                   & persons.imd_quintile.isin([1, 2, 3]) & (ae >= 1)]
    with demo_db.cursor() as cur:
        got = cohorts._members(demo_db, cur, filters).df()
    assert set(got.person_id) == set(want.person_id) and len(want) > 0
    shown = cohorts.counts(demo_db, LEAD, filters, BRENT_EAST)
    assert shown.total == (want.neighbourhood_code == BRENT_EAST).sum()


def test_builder_with_no_filters_is_everyone_and_all_conditions_means_all(demo_db, extract):
    persons = extract[0]
    assert cohorts.counts(demo_db, LEAD, cohorts.Filters(), BRENT_EAST).total == (persons.neighbourhood_code == BRENT_EAST).sum()
    both = cohorts.Filters(conditions=("copd", "asthma"), frailty=("not assessed",))
    with demo_db.cursor() as cur:
        got = set(cohorts._members(demo_db, cur, both).df().person_id)
    assert got == set(persons.person_id[persons.ltc_copd & persons.ltc_asthma & persons.frailty.isna()])


def test_builder_profile_bits_follow_the_contracts_condition_order(demo_db, extract):
    persons = extract[0].set_index("person_id")
    with demo_db.cursor() as cur:
        profile = cur.table("person_profile").df().set_index("person_id").reindex(persons.index)
    for i, condition in enumerate(CONDITIONS):
        has_bit = (profile.conditions.to_numpy() >> i) & 1 == 1
        assert (has_bit == persons[f"ltc_{condition}"].to_numpy()).all(), condition
        assert cohorts.condition_mask([condition]) == 1 << i
    assert (profile.neighbourhood_code == persons.neighbourhood_code).all()


@pytest.mark.parametrize("types, low_acuity", [(None, False), (("outpatient", "community_contact"), False),
                                               (("elective_admission",), False), (None, True),
                                               (("ae_attendance", "outpatient"), True), (("outpatient",), True)])
def test_builder_recent_activity_counts_the_chosen_types(demo_db, extract, types, low_acuity):
    persons, recent, _ = extract
    rows = recent if types is None else recent[recent.event_type.isin(types)]
    if low_acuity:  # the contract flags low acuity on A&E attendances only
        rows = rows[(rows.event_type == "ae_attendance") & rows.low_acuity.fillna(False).astype(bool)]
    events = rows.groupby("person_id").size().reindex(persons.person_id, fill_value=0).to_numpy()
    filters = cohorts.Filters(activity_types=types, min_events=2, low_acuity_only=low_acuity)
    with demo_db.cursor() as cur:
        got = set(cohorts._members(demo_db, cur, filters).df().person_id)
    assert got == set(persons.person_id[events >= 2])
    assert bool(got) == (not low_acuity or types is None or "ae_attendance" in types), "low acuity is A&E's alone"


def counted_trend(db, cohort_id: str, area_code: str) -> pd.DataFrame:
    """The cohort's monthly events in an area counted from activity (the builder's path)."""
    with db.cursor() as cur:
        cur.register("cohort_members", cohorts._members(db, cur, cohort_id))
        return cohorts.run_on(cur, "cohorts/members/activity_trend", area_code=area_code,
                              event_types=list(cohorts.TREND_EVENTS), **cohorts.dates(db))


def test_catalogue_trend_from_the_mart_equals_one_counted_from_activity(demo_db):
    """Catalogue cohorts read their trend from cohort_activity; the builder's path reads activity.
    Exact for each neighbourhood's INT lead; for a place, each neighbourhood's months protected
    (a base cell each) and summed, hidden where they could be 1–7, for a board member and for an INT
    lead given the place (exact figures are for their own neighbourhoods only)."""
    key = secret(demo_db)
    neighbourhoods = demo_db.run("app/areas").query("parent_code == @BRENT").area_code
    board = access.User("b", "Board", "board", (BRENT,))
    for cohort_id in ("frail_emergency_admissions", "core20_any", "older_housebound_or_alone"):
        cells = []
        for code in neighbourhoods:
            lead = access.User("l", "Lead", "int_lead", (code,))
            from_mart = cohorts.activity_trend(demo_db, lead, cohort_id, code)
            counted = counted_trend(demo_db, cohort_id, code)
            cells.append(counted.assign(neighbourhood_code=code))
            counted = counted.assign(event_type=counted["event_type"].map(cohorts.TREND_EVENTS))
            pd.testing.assert_frame_equal(from_mart, counted, check_dtype=False)
        cells = pd.concat(cells, ignore_index=True)
        assert cells.events.sum() > 0
        names = cells.neighbourhood_code + "|" + cells.month.astype(str) + "|" + cells.event_type
        units = [disclosure.unit(key, f"cohort_trend|{cohort_id}|{n}") for n in names]
        cells = cells.assign(protected=disclosure.protect(cells.events.to_numpy(), units),
                             small=cells.events.between(1, 7))
        want = cells.groupby(["month", "event_type"], sort=False).agg(events=("protected", "sum"), small=("small", "any"))
        want["events"] = want.events.mask(want.small & (want.events < 7.5))
        for someone in (board, BOROUGH_LEAD):
            shown = cohorts.activity_trend(demo_db, someone, cohort_id, BRENT)
            got = shown.assign(event_type=shown.event_type.map({v: k for k, v in cohorts.TREND_EVENTS.items()}))
            got = got.set_index(["month", "event_type"])["events"]
            pd.testing.assert_series_equal(got.sort_index(), want.events.sort_index(), check_names=False,
                                           check_index_type=False)
            assert (got.dropna() % 5 == 0).all()


HOSTILE = ["'; DROP TABLE persons; --", "x' OR '1'='1", "\") OR 1=1; --", "Robert'); DELETE FROM activity; --",
           "A" * 100_000, "%", "_", "NULL", ""]


@pytest.mark.parametrize("field", ["conditions", "sexes", "ethnicities", "age_bands", "frailty",
                                   "activity_types", "risk_bands"])
def test_hostile_filter_values_are_data_not_sql(demo_db, field):
    before = demo_db.run("app/areas").shape
    persons_before = cohorts.counts(demo_db, LEAD, cohorts.Filters(), BRENT_EAST).total
    extra = {"min_events": 1} if field == "activity_types" else {}
    filters = cohorts.Filters(**{field: tuple(HOSTILE)}, **extra)
    assert cohorts.counts(demo_db, LEAD, filters, BRENT_EAST).total == 0
    rows = cohorts.person_list(demo_db, LEAD, filters, BRENT_EAST, demo_db.marts_dir.parent / "audit")
    assert rows.empty
    assert cohorts.counts(demo_db, LEAD, cohorts.Filters(), BRENT_EAST).total == persons_before
    assert demo_db.run("app/areas").shape == before


def test_hostile_area_code_is_refused_as_an_unknown_area(demo_db):
    for code in HOSTILE[:3]:
        with pytest.raises(access.AccessDenied, match="no area"):
            cohorts.counts(demo_db, LEAD, "rising_risk", code)
    assert cohorts.counts(demo_db, LEAD, "rising_risk", BRENT_EAST).total > 0


def test_list_shows_bands_not_ages_and_only_the_leads_neighbourhood(demo_db, tmp_path):
    rows = cohorts.person_list(demo_db, LEAD, "older_housebound_or_alone", BRENT_EAST, tmp_path)
    assert len(rows) == cohorts.counts(demo_db, LEAD, "older_housebound_or_alone", BRENT_EAST).total
    assert set(rows["Age band"]) <= set(cohorts.AGE_BANDS) and set(rows["Age band"]) <= {"75-84", "85+"}
    assert set(rows["Neighbourhood"]) == {"Brent East"}
    assert list(rows.columns) == list(cohorts.LIST_COLUMNS.values())
    assert rows["Risk score (%)"].is_monotonic_decreasing


def test_list_matches_the_extracts(demo_db, demo_cfg, extract, tmp_path):
    """The list reads person_profile; every column agrees with persons and activity read by pandas."""
    persons, recent, _ = extract
    rows = cohorts.person_list(demo_db, LEAD, "multimorbid_high_risk", BRENT_EAST, tmp_path).set_index("Pseudonymised ID")
    assert len(rows) > 0
    who = persons.set_index("person_id").loc[rows.index]
    names = [", ".join(c for c in sorted(CONDITIONS) if person[f"ltc_{c}"]) for _, person in who.iterrows()]
    assert rows["Long-term conditions"].tolist() == names
    assert (rows["Number of LTCs"] == who.ltcs).all() and (rows["Risk score (%)"] == who.risk_score).all()
    assert (rows["Practice code"] == who.practice_code).all()
    activity = pd.read_parquet(demo_cfg.extracts_dir / "activity.parquet")
    activity["event_date"] = pd.to_datetime(activity["event_date"])
    extract_date = cohorts.dates(demo_db)["extract_date"]
    activity = activity[activity.event_date <= pd.Timestamp(extract_date)]
    for column, event_type in (("Last emergency admission", "emergency_admission"),
                               ("Last A&E attendance", "ae_attendance"), ("Last community contact", "community_contact")):
        last = activity[activity.event_type == event_type].groupby("person_id").event_date.max().reindex(rows.index)
        assert (pd.to_datetime(rows[column]).fillna(pd.Timestamp(0)) == last.fillna(pd.Timestamp(0))).all(), column
    admissions = recent[recent.event_type == "emergency_admission"].groupby("person_id").size()
    assert (rows["Emergency admissions, 12 months"] == admissions.reindex(rows.index, fill_value=0)).all()


def test_trend_covers_twelve_complete_months(demo_db):
    rows = cohorts.activity_trend(demo_db, LEAD, "frail_emergency_admissions", BRENT_EAST)
    assert rows.groupby("event_type").size().tolist() == [12, 12]
    assert rows["events"].notna().all() and rows["events"].sum() > 0


def test_catalogue_problems_are_named(tmp_path):
    (tmp_path / "cohorts.csv").write_text(
        "cohort_id,name,pillar,params,combines,description\n"
        "nowhere,Nowhere,x,{},,No SQL file\n"
        "bad_json,Bad,x,{oops,,Thresholds {missing}\n"
        "combo,Combo,x,{},ghost,Combines a ghost\n")
    with pytest.raises(cohorts.CohortError) as err:
        cohorts.load_cohorts(tmp_path)
    text = str(err.value)
    assert "queries/cohorts/nowhere.sql" in text and "bad_json" in text and "'ghost'" in text
