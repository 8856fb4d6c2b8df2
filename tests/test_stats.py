"""Tests for neighbourhood_health.stats: API, proportions, rates, interval helpers, compare.

Reference values come from PHEindicatormethods' published test data (see
../shared/reference/SOURCES.md); those tests skip when the folder is absent.
Set NHD_REFERENCE_DIR to point at another copy (a missing path skips them).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neighbourhood_health import stats
from neighbourhood_health.stats import (SPCResult, byars_limits, compare, compare_levels, dsr, exact_poisson_limits,
                                       expected_counts, funnel_limits, funnel_significance, isr, isr_rate,
                                       poisson_limits, proportion, rate, sii, spc, wilson_limits)
from reference import REF, PHE, SKIP_REASON


REL = 1e-9  # reference xlsx values are full doubles


def _cases(loader):
    """Parametrise from reference data, or one skipped case when it is absent."""
    if not REF.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=SKIP_REASON))]
    return loader()


def approx(expected, rel=REL):
    return pytest.approx(expected, rel=rel, abs=1e-12, nan_ok=True)


# --------------------------------------------------------------------------- API


def test_public_api_imports():
    from neighbourhood_health.stats import compare, dsr, funnel_limits, isr, proportion, rate, sii, spc  # noqa: F401
    from neighbourhood_health.stats import ESP2013, ESP2013_BANDS

    assert len(ESP2013) == len(ESP2013_BANDS) == 19
    assert ESP2013.sum() == 100000
    assert ESP2013_BANDS[0] == "0-4" and ESP2013_BANDS[-2] == "85-89" and ESP2013_BANDS[-1] == "90+"
    with pytest.raises(ValueError):
        ESP2013[0] = 1  # read-only constant


@pytest.mark.parametrize("bad", [0, 1, 95, -0.1, 1.5, float("nan"), "abc", None])
@pytest.mark.parametrize(
    "call",
    [
        lambda c: proportion(1, 10, conf=c),
        lambda c: rate(1, 10, conf=c),
        lambda c: dsr([10, 20], [100, 100], standard_pop=[1, 1], conf=c),
        lambda c: isr(10, 9, conf=c),
        lambda c: wilson_limits(1, 10, conf=c),
        lambda c: funnel_limits([10], 0.5, conf_levels=(c,)),
        lambda c: sii([1, 2, 3, 4, 5], [100] * 5, [1, 2, 3, 4, 5], se=[0.1] * 5, conf=c),
    ],
)
def test_conf_must_be_in_open_unit_interval(call, bad):
    with pytest.raises(ValueError, match="conf"):
        call(bad)


@pytest.mark.parametrize("conf", [0.95, 0.998, 0.5, 0.9999])
def test_any_conf_in_unit_interval_is_accepted(conf):
    res = proportion(30, 100, conf=conf)
    assert res.loc[0, "lower"] < 0.3 < res.loc[0, "upper"]


# ------------------------------------------------------------------- proportion


def _prop_cases():
    df = pd.read_excel(PHE / "testdata_Proportion.xlsx", sheet_name="testdata_Prop")
    return [pytest.param(row, id=f"Prop-row{i + 2}-{row.Area}-x{row.multiplier}") for i, row in df.iterrows()]


@pytest.mark.parametrize("row", _cases(_prop_cases))
def test_proportion_matches_phe_reference(row):
    """testdata_Proportion.xlsx / testdata_Prop: all 19 rows, 95% and 99.8% Wilson limits."""
    r95 = proportion(row.Numerator, row.Denominator, conf=0.95, multiplier=row.multiplier).iloc[0]
    r998 = proportion(row.Numerator, row.Denominator, conf=0.998, multiplier=row.multiplier).iloc[0]
    assert r95.value == approx(row.value)
    assert (r95.lower, r95.upper) == approx((row.lower95_0cl, row.upper95_0cl))
    assert (r998.lower, r998.upper) == approx((row.lower99_8cl, row.upper99_8cl))
    if np.isnan(row.value):
        assert r95.note.startswith("missing")


def _prop_g_cases():
    df = pd.read_excel(PHE / "testdata_Proportion.xlsx", sheet_name="testdata_Prop_g")
    return [pytest.param(df, id="Prop_g-all-rows")]


@pytest.mark.parametrize("df", _cases(_prop_g_cases))
def test_proportion_vectorised_matches_phe_grouped_reference(df):
    """testdata_Prop_g (11 rows, aggregated counts) in one vectorised call on Series."""
    res = proportion(df.Numerator, df.Denominator, conf=0.95)
    assert res.index.equals(df.index)
    assert list(res.value) == approx(list(df.value))
    assert list(res.lower) == approx(list(df.lowercl))
    assert list(res.upper) == approx(list(df.uppercl))


def test_proportion_edge_cases_give_notes_not_errors():
    with np.errstate(all="raise"):
        res = proportion([0, 5, 7, np.nan, 3, None], [10, 0, 7, 10, np.nan, 4])
    # x = 0: value 0, lower 0, upper = z²/(n + z²) from the Wilson formula with x = 0
    z = 1.959963984540054
    assert res.loc[0, ["value", "lower"]].tolist() == [0.0, 0.0]
    assert res.loc[0, "upper"] == pytest.approx(z**2 / (10 + z**2), rel=1e-12)
    assert np.isnan(res.loc[1, "value"]) and res.loc[1, "note"] == "denominator is zero"
    # x = n: value 1, upper exactly 1
    assert res.loc[2, ["value", "upper"]].tolist() == [1.0, 1.0]
    assert res.loc[3, "note"] == "missing numerator"
    assert res.loc[4, "note"] == "missing denominator"
    assert res.loc[5, "note"] == "missing numerator"
    assert (res.loc[[0, 2], "note"] == "").all()


@pytest.mark.filterwarnings("error")
def test_proportion_no_warnings_on_bad_rows():
    proportion([0, 1, np.nan], [0, 0, 0])


def test_proportion_errors():
    with pytest.raises(ValueError, match="numerator greater than denominator"):
        proportion([5, 11], [10, 10])
    with pytest.raises(ValueError, match="negative"):
        proportion(-1, 10)
    with pytest.raises(ValueError, match="negative"):
        proportion(1, -10)
    with pytest.raises(ValueError, match="different lengths"):
        proportion([1, 2, 3], [10, 10])
    with pytest.raises(ValueError, match="numbers"):
        proportion(["a"], [10])


def test_proportion_min_count_suppression():
    res = proportion([3, 30], [100, 100], min_count=5)
    assert np.isnan(res.loc[0, "value"]) and res.loc[0, "note"] == "count under 5: not reported"
    assert res.loc[1, "value"] == 0.3


def test_proportion_accepts_scalars_lists_arrays_series():
    s = pd.Series([1, 2], index=["a", "b"])
    res = proportion(s, 10)
    assert list(res.index) == ["a", "b"]
    assert proportion(1, 10).shape[0] == 1
    assert proportion(np.array([1, 2]), [10, 10]).value.tolist() == [0.1, 0.2]
    assert set(res.columns) >= {"numerator", "denominator", "value", "lower", "upper", "note"}


# ------------------------------------------------------------------------ rate


def _rate_cases():
    df = pd.read_excel(PHE / "testdata_Rate.xlsx", sheet_name="testdata_Rate")
    return [pytest.param(row, id=f"Rate-row{i + 2}-{row.Area}-x{row.multiplier}") for i, row in df.iterrows()]


@pytest.mark.parametrize("row", _cases(_rate_cases))
def test_rate_matches_phe_reference(row):
    """testdata_Rate.xlsx / testdata_Rate: all 20 rows, 95% and 99.8%, Exact below 10 / Byars."""
    r95 = rate(row.Numerator, row.Denominator, multiplier=row.multiplier, conf=0.95).iloc[0]
    r998 = rate(row.Numerator, row.Denominator, multiplier=row.multiplier, conf=0.998).iloc[0]
    assert r95.value == approx(row.value)
    assert (r95.lower, r95.upper) == approx((row.lower95_0cl, row.upper95_0cl))
    assert (r998.lower, r998.upper) == approx((row.lower99_8cl, row.upper99_8cl))
    if not np.isnan(row.value):
        assert r95.method == row.method


def _rate_g_cases():
    df = pd.read_excel(PHE / "testdata_Rate.xlsx", sheet_name="testdata_Rate_g")
    return [pytest.param(df, id="Rate_g-all-rows")]


@pytest.mark.parametrize("df", _cases(_rate_g_cases))
def test_rate_vectorised_matches_phe_grouped_reference(df):
    """testdata_Rate_g (12 rows) in one vectorised call."""
    res = rate(df.Numerator, df.Denominator, multiplier=100000)
    assert list(res.value) == approx(list(df.value))
    assert list(res.lower) == approx(list(df.lowercl))
    assert list(res.upper) == approx(list(df.uppercl))


def test_rate_zero_count_and_person_years():
    res = rate([0, 4], [250.5, 1000.25], multiplier=1000)
    # x = 0: exact upper = chi2(0.975; 2)/2 = -ln(0.025) = 3.6889
    assert res.loc[0, ["value", "lower"]].tolist() == [0.0, 0.0]
    assert res.loc[0, "upper"] == pytest.approx(-np.log(0.025) / 250.5 * 1000, rel=1e-12)
    assert res.loc[1, "value"] == pytest.approx(4 / 1000.25 * 1000)
    assert res.method.tolist() == ["Exact", "Exact"]


@pytest.mark.filterwarnings("error")
def test_rate_zero_and_missing_denominators():
    res = rate([5, np.nan, 5], [0, 10, np.nan])
    assert res.note.tolist() == ["denominator is zero", "missing numerator", "missing denominator"]
    assert res.value.isna().all() and res.lower.isna().all()


def test_rate_allows_numerator_above_denominator_but_not_negative():
    assert rate(250, 220, multiplier=1).loc[0, "value"] == pytest.approx(250 / 220)
    with pytest.raises(ValueError, match="negative"):
        rate([-1], [10])


# ---------------------------------------------------------- interval helpers


def _bw_cases():
    df = pd.read_excel(PHE / "testdata_Byars_Wilson.xlsx", sheet_name="testdata_B_W")
    return [pytest.param(row, id=f"BW-row{i + 2}-{row.method}-{row.confidence}") for i, row in df.iterrows()]


@pytest.mark.parametrize("row", _cases(_bw_cases))
def test_byars_and_wilson_helpers_match_phe_reference(row):
    """testdata_Byars_Wilson.xlsx: 7 Byars rows (incl. the NaN lower for x=1 at 99.8%) and 6 Wilson rows."""
    conf = float(row.confidence.rstrip("%")) / 100
    if row.method == "Byars":
        lo, up = byars_limits(row.x, conf)
    else:
        lo, up = wilson_limits(row.x, row.n, conf)
    assert (lo[0], up[0]) == approx((row.lowercl, row.uppercl))


def test_exact_poisson_limits_hand_values():
    # x = 0: lower 0, upper -ln(α/2); x = 1: lower = -ln(1 - α/2) (chi2 with 2 df is exponential)
    lo, up = exact_poisson_limits([0, 1], 0.95)
    assert lo[0] == 0 and up[0] == pytest.approx(-np.log(0.025))
    assert lo[1] == pytest.approx(-np.log(0.975))


# --------------------------------------------------------------------- compare


def test_compare_hand_derived():
    # interval (8, 12): benchmark 7 is below the lower limit -> significantly higher;
    # benchmark 12 touches the upper limit -> similar; benchmark 13 above upper -> lower.
    value, lo, up = [10, 10, 10], [8, 8, 8], [12, 12, 12]
    bench = [7, 12, 13]
    assert compare(value, lo, up, bench, "higher_is_better").tolist() == ["better", "similar", "worse"]
    assert compare(value, lo, up, bench, "lower_is_better").tolist() == ["worse", "similar", "better"]
    assert compare(value, lo, up, bench, "no_judgement").tolist() == ["higher", "similar", "lower"]


def test_compare_missing_and_vectorised_polarity():
    res = compare([10, np.nan, 10, 10], [8, 8, np.nan, 8], [12, 12, 12, 12], [7, 7, 7, np.nan])
    assert res.tolist() == ["better", "not compared", "not compared", "not compared"]
    res = compare([10, 10], [8, 8], [12, 12], 7, ["higher_is_better", "lower_is_better"])
    assert res.tolist() == ["better", "worse"]
    s = pd.Series([10.0, 5.0], index=["E01", "E02"])
    out = compare(s, s - 1, s + 1, 7.5)
    assert isinstance(out, pd.Series) and list(out.index) == ["E01", "E02"]
    assert out.tolist() == ["better", "worse"]
    with pytest.raises(ValueError, match="polarity"):
        compare(1, 0, 2, 1, "up")


def test_compare_with_computed_limits_end_to_end():
    # 30/100 = 0.30 with Wilson 95% limits (0.219, 0.396): above a 0.2 benchmark, similar to 0.25.
    p = proportion([30, 30], [100, 100])
    assert compare(p.value, p.lower, p.upper, [0.2, 0.25], "lower_is_better").tolist() == ["worse", "similar"]


def test_compare_levels():
    # value 10; 95% (9, 11); 99.8% (8.5, 11.5)
    args = ([10] * 4, [9] * 4, [11] * 4, [8.5] * 4, [11.5] * 4)
    # benchmark 8 is below both lower limits; 8.7 only below the 95% lower; 10 inside both; 12 above both uppers
    res = compare_levels(*args, [8, 8.7, 10, 12], "higher_is_better")
    assert res.tolist() == ["better (99.8%)", "better (95%)", "similar", "worse (99.8%)"]
    res = compare_levels(*args, [8, 8.7, 10, np.nan], "no_judgement")
    assert res.tolist() == ["higher (99.8%)", "higher (95%)", "similar", "not compared"]


# ------------------------------------------------ every public function: contract


def _frame(*columns):
    """A DataFrame of the given rows (one per input row, or per group), with at least these columns."""
    def check(result, rows):
        assert isinstance(result, pd.DataFrame) and len(result) == rows
        assert set(columns) <= set(result.columns), sorted(set(columns) - set(result.columns))
    return check


def _arrays(count):
    """A tuple of `count` numpy arrays, one value per input row (the interval helpers)."""
    def check(result, rows):
        assert isinstance(result, tuple) and len(result) == count
        assert all(isinstance(a, np.ndarray) and a.shape == (rows,) for a in result)
    return check


def _labels(allowed):
    """A numpy array of labels, one per input row, each from `allowed`."""
    def check(result, rows):
        assert isinstance(result, np.ndarray) and result.shape == (rows,)
        assert set(result.tolist()) <= set(allowed), result
    return check


def _spc_result(result, rows):
    assert isinstance(result, SPCResult) and isinstance(result.points, pd.DataFrame) and len(result.points) == rows
    assert result.variation_icon in VARIATION_ICONS


VARIATION_ICONS = {"common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low",
                   "neutral_high", "neutral_low"}
FUNNEL_LABELS = {"High (0.001)", "High (0.025)", "Not significant", "Low (0.025)", "Low (0.001)", "not compared"}
COMPARE_LABELS = {"better", "similar", "worse", "higher", "lower", "not compared"}
LEVEL_LABELS = {f"{w} ({c})" for w in ("better", "worse", "higher", "lower") for c in ("95%", "99.8%")} | {
    "similar", "not compared"}

# name: (a valid call and its row count, the documented return, a call the function must refuse).
# Frames carry the `note` column that explains any NaN, as the package docstring promises, bar
# funnel_limits, whose docstring lists its columns without one.
CONTRACT = {
    "proportion": (lambda: proportion([3, 30], [10, 100]), 2, _frame("value", "lower", "upper", "note"),
                   lambda: proportion([-1], [10])),
    "rate": (lambda: rate([3, 30], [1000, 1000]), 2, _frame("value", "lower", "upper", "note"),
             lambda: rate([1, 2, 3], [10, 10])),
    "dsr": (lambda: dsr(np.full(19, 5), np.full(19, 1000)), 1, _frame("value", "lower", "upper", "note"),
            lambda: dsr([-1] * 19, [10] * 19)),
    "expected_counts": (lambda: expected_counts([1000, 2000], [0.01, 0.02]), 1, _frame("expected", "note"),
                        lambda: expected_counts([-1], [0.1])),
    "isr": (lambda: isr([10, 20], [9, 25]), 2, _frame("value", "lower", "upper", "note"),
            lambda: isr([1, 2], [1, 2, 3])),
    "isr_rate": (lambda: isr_rate([10, 20], [9, 25], 0.01), 2,
                 _frame("value", "lower", "upper", "reference_rate", "note"), lambda: isr_rate([-1], [1], 0.01)),
    "sii": (lambda: sii([1, 2, 3, 4, 5], [100] * 5, [1, 2, 3, 4, 5], se=[0.1] * 5, repetitions=1000), 1,
            _frame("sii", "sii_lower", "sii_upper", "rii", "note"), lambda: sii([1, 2], [100] * 2, [1, 2])),
    "funnel_limits": (lambda: funnel_limits([100, 200], 0.5), 2,
                      _frame("denominator", "lower_95", "upper_95", "lower_998", "upper_998", "benchmark"),
                      lambda: funnel_limits([10], 0.5, kind="bogus")),
    "funnel_significance": (lambda: funnel_significance([10, 60], [100, 100], 0.3), 2, _labels(FUNNEL_LABELS),
                            lambda: funnel_significance([1], [10], 0.5, kind="bogus")),
    "wilson_limits": (lambda: wilson_limits([1, 5], [10, 10]), 2, _arrays(2),
                      lambda: wilson_limits([1], [10], conf=1.5)),
    "byars_limits": (lambda: byars_limits([20, 40]), 2, _arrays(2), lambda: byars_limits([1], conf=1.5)),
    "exact_poisson_limits": (lambda: exact_poisson_limits([0, 3]), 2, _arrays(2),
                             lambda: exact_poisson_limits([1], conf=1.5)),
    "poisson_limits": (lambda: poisson_limits([1, 20]), 2, _arrays(3), lambda: poisson_limits([1], conf=1.5)),
    "compare": (lambda: compare([10, 10], [8, 8], [12, 12], [7, 13]), 2, _labels(COMPARE_LABELS),
                lambda: compare(1, 0, 2, 1, "up")),
    "compare_levels": (lambda: compare_levels([10], [9], [11], [8.5], [11.5], [8]), 1, _labels(LEVEL_LABELS),
                       lambda: compare_levels(1, 0, 2, 0, 3, 1, "up")),
    "spc": (lambda: spc(np.arange(15.0)), 15, _spc_result, lambda: spc(np.arange(15.0), periods=[1, 2])),
}


def test_contract_covers_every_public_function():
    """A function added to neighbourhood_health.stats must be added to CONTRACT too."""
    functions = {name for name in stats.__all__ if inspect.isfunction(getattr(stats, name))}
    assert functions == set(CONTRACT)


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_every_public_function_returns_its_documented_type_and_refuses_bad_input(name):
    call, rows, check, bad = CONTRACT[name]
    check(call(), rows)
    with pytest.raises(ValueError):
        bad()
