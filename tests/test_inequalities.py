"""Inequalities page: breakdowns, the quintile gap in words, SII/RII and the funnel plot agree with
values computed here with pandas/numpy/scipy from the marts' parquet files.

The demo's default viewer is an INT lead for one neighbourhood: an ICB's or a place's figures are
protected (sums of the neighbourhoods' protected cells in breakdown_values), the lead's own
neighbourhood exact."""
from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from apptest import assert_clean, open_app
from neighbourhood_health.measures import inequalities


@pytest.fixture(scope="module")
def marts(demo_cfg):
    read = lambda name: pd.read_parquet(demo_cfg.marts_dir / f"{name}.parquet")
    return {"areas": read("areas").set_index("area_code", drop=False), "breakdown": read("measure_breakdown"),
            "protected": read("breakdown_values"),
            "values": read("measure_values").assign(period=lambda v: pd.to_datetime(v.period))}


def hidden(numerator, numerator_small, denominator, denominator_small):
    """The rule: hidden where a hidden count is in the figure and its protected value is 0 or 5."""
    return (numerator_small & (numerator < 7.5)) | (denominator_small & (denominator < 7.5))


def protected_by_group(marts, measure_id: str, code: str, dimension: str) -> pd.DataFrame:
    """What an aggregate-only viewer sees by a breakdown: Σ the protected cells (p_numerator,
    p_denominator) of breakdown_values over the neighbourhoods inside an area; a quintile is its
    two deciles; `hidden` where the rule hides the group."""
    areas = marts["areas"]
    nbhds = areas[(areas.area_level == "neighbourhood") &
                  ((areas.icb_code == code) | (areas.place_code == code) | (areas.area_code == code))].index
    b = marts["protected"]
    b = b[(b.measure_id == measure_id) & b.neighbourhood_code.isin(nbhds)].copy()
    if dimension == "imd_quintile":
        b = b[b.dimension == "imd_decile"].assign(category=lambda f: ((f.category.astype(int) + 1) // 2).astype(str))
    else:
        b = b[b.dimension == dimension]
    out = b.groupby("category").agg(numerator=("p_numerator", "sum"), denominator=("p_denominator", "sum"),
                                    numerator_small=("numerator_small", "any"),
                                    denominator_small=("denominator_small", "any"))
    if dimension in ("imd_decile", "imd_quintile"):
        out.index = out.index.astype(int)
        out = out.sort_index()
    out["value"] = out.numerator / out.denominator * 1000
    out["hidden"] = hidden(out.numerator, out.numerator_small, out.denominator, out.denominator_small)
    return out


def by_group(marts, measure_id: str, code: str, column: str) -> pd.DataFrame:
    """Σ numerator and denominator by a breakdown column for the neighbourhoods inside an area."""
    areas = marts["areas"]
    nbhds = areas[(areas.area_level == "neighbourhood") &
                  ((areas.icb_code == code) | (areas.place_code == code) | (areas.area_code == code))].index
    b = marts["breakdown"]
    b = b[(b.measure_id == measure_id) & b.neighbourhood_code.isin(nbhds)].copy()
    b["imd_quintile"] = (b.imd_decile + 1) // 2
    out = b.groupby(column)[["numerator", "denominator"]].sum()
    out["value"] = out.numerator / out.denominator * 1000
    return out


def rii_by_regression(deciles: pd.DataFrame) -> tuple[float, float]:
    """SII (most − least deprived) and RII (most / least) from a population-weighted regression of
    log rates on the ridit, written out here with numpy."""
    d = deciles.sort_index()
    share = d.denominator / d.denominator.sum()
    ridit = share.cumsum() - share / 2
    y = np.log(d.value)
    xbar, ybar = (share * ridit).sum(), (share * y).sum()
    b = (share * (ridit - xbar) * (y - ybar)).sum() / (share * (ridit - xbar) ** 2).sum()
    a = ybar - b * xbar
    return np.exp(a) - np.exp(a + b), np.exp(-b)


def table_in_tab(at, first_column: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if df.value.columns[0] == first_column)


def test_icb_breakdowns_gap_sentence_and_sii(demo_env, marts):
    areas = marts["areas"]
    icb = areas[areas.area_level == "icb"].sort_values("area_name").area_code.iloc[0]
    name = areas.area_name[icb]
    at = open_app(area=icb, page="inequalities.py")
    assert_clean(at)
    quint = protected_by_group(marts, "emergency_admissions", icb, "imd_quintile")
    assert not quint.hidden.any()
    ratio = quint.value[1] / quint.value[5]
    assert at.subheader[0].value == (
        f"In {name}, emergency admissions are {ratio:.1f} times as frequent in the most deprived fifth of areas "
        f"as in the least deprived: {quint.value[1]:,.1f} against {quint.value[5]:,.1f} per 1,000 per year.")
    table = table_in_tab(at, "Deprivation quintile")
    np.testing.assert_allclose(table["Value (per 1,000 per year)"], quint.value.to_numpy(), atol=0.006)
    np.testing.assert_allclose(table["Denominator"], quint.denominator.to_numpy())
    assert (table["Numerator"] % 5 == 0).all(), "sums of protected cells"

    for column, label in (("ethnicity", "Ethnic group"), ("sex", "Sex"), ("age_band", "Age band")):
        expect = protected_by_group(marts, "emergency_admissions", icb, column)
        shown = table_in_tab(at, label)
        assert len(shown) == len(expect)
        assert sorted(shown["Denominator"]) == sorted(expect.denominator)
        assert sorted(shown["Numerator"].dropna()) == sorted(expect.numerator[~expect.hidden])
        assert shown["Numerator"].isna().sum() == expect.hidden.sum()
    ages = table_in_tab(at, "Age band")
    assert list(ages["Age band"][:3]) == ["0-4", "5-9", "10-14"]  # ordered by age, not alphabetically

    deciles = protected_by_group(marts, "emergency_admissions", icb, "imd_decile")
    np.testing.assert_allclose(table_in_tab(at, "Deprivation decile")["Value (per 1,000 per year)"],
                               deciles.value.where(~deciles.hidden).to_numpy(), atol=0.006)
    sii, rii = rii_by_regression(deciles)  # every decile's protected value, hidden or not
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Slope index of inequality (SII)"] == f"{sii:,.1f}"
    assert metrics["Relative index of inequality (ratio)"] == f"{rii:.2f}"
    # The SII's interval (simulated) is in the caption; the chart's title follows it. On protected
    # deciles whether it excludes zero depends on the data folder's key, so both wordings are checked.
    caption = next(c.value for c in at.caption if c.value.startswith("Slope index of inequality:"))
    said = re.match(r"Slope index of inequality: (-?[\d,.]+) per 1,000 per year \(95% interval (-?[\d,.]+) to (-?[\d,.]+)\)",
                    caption)
    value, lower, upper = (float(x.replace(",", "")) for x in said.groups())
    assert said.group(1) == f"{sii:,.1f}" and lower <= value <= upper
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    decile_title = charts[0]["layout"]["title"]["text"].replace("<br>", " ")
    if 0.0 in (lower, upper):  # a limit that rounds to 0.0: the caption cannot say which side it is on
        assert "with deprivation" in decile_title
    elif lower > 0:
        assert decile_title.startswith(f"In {name}, emergency admissions rise with deprivation: {sii:,.1f} per 1,000 per year higher")
    elif upper < 0:
        assert decile_title.startswith(f"In {name}, emergency admissions fall with deprivation: {abs(sii):,.1f} per 1,000 per year lower")
    else:
        assert decile_title == (f"In {name}, emergency admissions show no clear gradient with deprivation "
                                "(the slope index's interval includes zero)")
    assert charts[0]["layout"]["xaxis"]["title"]["text"].startswith("National deprivation decile")
    assert "per 1,000 per year" in charts[0]["layout"]["yaxis"]["title"]["text"]


def array(data) -> np.ndarray:
    """A plotly JSON array: a list, or {"dtype", "bdata"} base64 as plotly 6+ writes numeric arrays."""
    if isinstance(data, dict) and "bdata" in data:
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
    return np.asarray(data, dtype=float)


def exact_poisson(o, conf):
    a = 1 - conf
    lower = np.where(o > 0, sps.chi2.ppf(a / 2, 2 * o) / 2, 0.0)
    upper = sps.chi2.ppf(1 - a / 2, 2 * o + 2) / 2
    return lower, upper


def test_funnel_against_the_system_value(demo_env, marts):
    areas = marts["areas"]
    place = areas[areas.area_level == "place"].sort_values("area_name").area_code.iloc[0]
    icb = areas.icb_code[place]
    at = open_app(area=place, page="inequalities.py")
    assert_clean(at)
    own = list(at.session_state["demo_areas"])  # the INT lead's neighbourhood: exact; the others protected
    assert len(own) == 1 and areas.parent_code[own[0]] == place
    values = marts["values"]
    m = values[values.measure_id == "emergency_admissions"]
    m = m[m.period > m.period.max() - pd.DateOffset(months=12)]
    nbhds = areas[(areas.area_level == "neighbourhood") & (areas.icb_code == icb)]
    sums = m[m.area_code.isin(nbhds.index)].groupby("area_code").agg(
        numerator=("numerator", "sum"), denominator=("denominator", "sum"), p_numerator=("p_numerator", "sum"),
        p_denominator=("p_denominator", "sum"), numerator_small=("numerator_small", "any"),
        denominator_small=("denominator_small", "any"))
    exact = sums.index.isin(own)
    per = pd.DataFrame({"numerator": sums.numerator.where(exact, sums.p_numerator),
                        "denominator": sums.denominator.where(exact, sums.p_denominator)})
    off = ~exact & hidden(sums.p_numerator, sums.numerator_small, sums.p_denominator, sums.denominator_small)
    assert (per.numerator[~exact] % 5 == 0).all()
    left_off = list(areas.loc[per.index[off], "area_name"])
    per = per[~off]
    whole = m[m.area_code == icb][["p_numerator", "p_denominator"]].sum()  # the ICB: protected
    rate = whole.p_numerator / whole.p_denominator
    # a neighbourhood is outside the 99.8% funnel when the exact interval of its count excludes the expected count
    lo, hi = exact_poisson(per.numerator.to_numpy(), 0.998)
    expected = rate * per.denominator.to_numpy()
    outside = (lo > expected) | (hi < expected)
    table = next(df.value for df in at.dataframe if df.value.columns[0] == "Neighbourhood").set_index("Neighbourhood")
    per.index = areas.loc[per.index, "area_name"]
    assert sorted(table.index) == sorted(per.index), "hidden neighbourhoods are left off"
    np.testing.assert_allclose(table.loc[per.index, "Numerator"], per.numerator)
    if left_off:
        assert any(", ".join(left_off) in c.value for c in at.caption)
    np.testing.assert_allclose(table.loc[per.index, "Value (per 1,000 per year)"],
                               per.numerator / per.denominator * 1000, atol=0.006)
    judged = table.loc[per.index, f"Against {areas.area_name[icb]}"].str.contains("99.8%").to_numpy()
    assert (judged == outside).all()
    funnel = json.loads(at.get("plotly_chart")[-1].proto.spec)
    title = funnel["layout"]["title"]["text"].replace("<br>", " ")
    n_out = int(outside.sum())
    assert (title.startswith(f"None of the {len(per)} neighbourhoods") if n_out == 0
            else title.startswith(f"{n_out} of {len(per)} neighbourhoods"))
    assert f"{rate * 1000:,.1f} per 1,000 per year" in json.dumps(funnel["layout"]["annotations"])
    limit_names = {t.get("name") for t in funnel["data"] if t.get("mode") == "lines"}
    assert limit_names == {"95% limits", "99.8% limits"}
    # the 95% limits are the exact Poisson limits around the system value: spot-check one denominator
    lines = [t for t in funnel["data"] if t.get("name") == "95% limits"]
    x, upper = array(lines[1]["x"]), array(lines[1]["y"])
    e = rate * x[len(x) // 2]
    # the upper limit is the count whose exact lower 97.5% bound equals E
    o_up = upper[len(x) // 2] / 1000 * x[len(x) // 2]
    assert abs(sps.chi2.ppf(0.025, 2 * o_up) / 2 - e) < 1e-6 * max(e, 1)


def test_neighbourhood_with_suppression_and_missing_quintiles(demo_env, marts):
    areas = marts["areas"]
    nbhd = areas[areas.area_level == "neighbourhood"].area_code.sort_values().iloc[0]
    at = open_app(area=nbhd, page="inequalities.py")
    assert_clean(at)
    at.selectbox(key="ineq_measure").set_value("prev_diabetes").run()
    assert_clean(at)
    b = marts["breakdown"]
    b = b[(b.measure_id == "prev_diabetes") & (b.neighbourhood_code == nbhd)].copy()
    b["imd_quintile"] = (b.imd_decile + 1) // 2
    q = b.groupby("imd_quintile")[["numerator", "denominator"]].sum()
    q = q[(q.numerator == 0) | (q.numerator > 7)]  # suppressed quintiles are skipped by the sentence
    q["value"] = q.numerator / q.denominator * 100
    most, least = q.index.min(), q.index.max()
    sentence = at.subheader[0].value
    assert f"{q.value[most] / q.value[least]:.2f} times as high" in sentence
    assert (f"quintile {least}" in sentence) == (least != 5)
    eth = table_in_tab(at, "Ethnic group").set_index("Ethnic group")
    counts = b.groupby("ethnicity").numerator.sum()
    small = counts[(counts >= 1) & (counts <= 7)].index
    assert eth.loc[small, "Numerator"].isna().all() and (eth.loc[small, "Note"] == "Not shown: could be 1–7 events").all()
    big = counts[counts > 7].index
    np.testing.assert_allclose(eth.loc[big, "Numerator"], counts[big])


def test_breakdown_orders_and_labels():
    # as app/inequality_breakdown gives them: protected counts, and which hold a hidden count
    rows = pd.DataFrame({"dimension": ["imd_decile"] * 3 + ["age_band"] * 3,
                         "category": ["10", "2", "1", "10-14", "5-9", "90+"],
                         "numerator": [20.0, 30, 40, 5, 10, 15], "denominator": [1000.0] * 6,
                         "numerator_small": [False, False, False, True, True, False], "denominator_small": False})
    measure = pd.Series({"method": "rate", "multiplier": 1000, "unit": "per 1,000 per year"})
    out = inequalities.breakdown(rows, measure)
    assert list(out[out.dimension == "imd_decile"].label) == ["1 (most deprived)", "2", "10 (least deprived)"]
    assert list(out[out.dimension == "age_band"].category) == ["5-9", "10-14", "90+"]
    assert out.loc[out.category == "10-14", ["value", "numerator"]].isna().all().all()  # 5, a hidden count in it
    assert out.loc[out.category == "10-14", "value_unsuppressed"].iloc[0] == pytest.approx(5.0)  # for the SII
    assert out.loc[out.category == "5-9", "value"].iloc[0] == pytest.approx(10.0)  # 10: shown, though a hidden count is in it
    assert out["suppressed"].tolist() == [False, True, False, False, False, False]


def test_slope_index_reports_most_against_least_deprived():
    deciles = pd.DataFrame({"category": [str(i) for i in range(1, 11)],
                            "denominator": [1000.0] * 10,
                            "value_unsuppressed": np.linspace(60, 30, 10)})
    deciles["lower_unsuppressed"] = deciles.value_unsuppressed * 0.9
    deciles["upper_unsuppressed"] = deciles.value_unsuppressed * 1.1
    measure = pd.Series({"method": "rate", "multiplier": 1000})
    result, notes = inequalities.slope_index(deciles, measure)
    assert result["sii"] > 0 and result["rii"] > 1  # higher at the most deprived end
    assert result["sii_lower"] < result["sii"] < result["sii_upper"]
    assert not notes
