"""Property-based tests (hypothesis) for neighbourhood_health.stats.

Kept to a modest number of examples so the whole stats suite stays fast.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neighbourhood_health.stats import dsr, expected_counts, funnel_limits, isr, proportion, rate, spc

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EPS = 1e-9

multipliers = st.sampled_from([1, 100, 1000, 100000])


@st.composite
def count_and_denominator(draw, max_n=10**6):
    n = draw(st.integers(min_value=1, max_value=max_n))
    x = draw(st.integers(min_value=0, max_value=n))
    return x, n


@SETTINGS
@given(st.lists(count_and_denominator(), min_size=1, max_size=20), multipliers)
def test_proportion_interval_properties(items, multiplier):
    x, n = map(np.array, zip(*items))
    r95 = proportion(x, n, multiplier=multiplier)
    r998 = proportion(x, n, conf=0.998, multiplier=multiplier)
    tol = EPS * multiplier
    assert (r95.lower <= r95.value + tol).all() and (r95.value <= r95.upper + tol).all()
    assert (r95.lower >= 0).all() and (r95.upper <= multiplier + tol).all()
    assert (r998.lower <= r95.lower + tol).all() and (r998.upper >= r95.upper - tol).all()  # 99.8% is wider
    assert (r95.note == "").all()


@SETTINGS
@given(st.lists(count_and_denominator(), min_size=1, max_size=20))
def test_proportion_vectorised_equals_elementwise_and_pooling(items):
    x, n = map(np.array, zip(*items))
    vec = proportion(x, n)
    one = proportion(x[0], n[0]).iloc[0]
    assert vec.iloc[0][["value", "lower", "upper"]].tolist() == pytest.approx(one[["value", "lower", "upper"]].tolist())
    # summing the parts' counts equals computing on the whole
    pooled = proportion(x.sum(), n.sum()).iloc[0]
    assert pooled.value == pytest.approx(x.sum() / n.sum())
    assert pooled.lower <= pooled.value <= pooled.upper


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, 10**5), st.floats(0.5, 1e7, allow_nan=False)), min_size=1, max_size=20),
    multipliers,
)
def test_rate_interval_properties(items, multiplier):
    x, n = map(np.array, zip(*items))
    r95 = rate(x, n, multiplier=multiplier)
    r998 = rate(x, n, multiplier=multiplier, conf=0.998)
    scale = np.maximum(r95.value.abs(), 1) * 1e-9
    assert (r95.lower <= r95.value + scale).all() and (r95.value <= r95.upper + scale).all()
    assert (r95.lower >= 0).all()
    assert (r998.lower <= r95.lower + scale).all() and (r998.upper >= r95.upper - scale).all()
    assert set(r95.method) <= {"Exact", "Byars"}


@st.composite
def banded_groups(draw):
    bands = draw(st.integers(2, 6))
    k = draw(st.integers(1, 4))
    cnt = draw(st.lists(st.integers(0, 500), min_size=bands * k, max_size=bands * k))
    pop = draw(st.lists(st.integers(1, 10**5), min_size=bands * k, max_size=bands * k))
    std = draw(st.lists(st.integers(1, 10**4), min_size=bands, max_size=bands))
    return bands, k, np.array(cnt, float), np.array(pop, float), np.array(std, float)


@SETTINGS
@given(banded_groups())
def test_dsr_grouped_equals_separate_and_interval_order(data):
    bands, k, cnt, pop, std = data
    groups = np.repeat([f"g{i}" for i in range(k)], bands)
    together = dsr(cnt, pop, standard_pop=std, groups=groups)
    wide = dsr(cnt, pop, standard_pop=std, groups=groups, conf=0.998)
    for i in range(k):
        sl = slice(i * bands, (i + 1) * bands)
        alone = dsr(cnt[sl], pop[sl], standard_pop=std).iloc[0]
        row = together.iloc[i]
        assert row.total_count == alone.total_count
        assert row[["value", "lower", "upper"]].tolist() == pytest.approx(alone[["value", "lower", "upper"]].tolist(), nan_ok=True)
    ok = together.total_count >= 10
    assert (together.value[~ok].isna()).all()
    v, lo, up = together.value[ok], together.lower[ok], together.upper[ok]
    assert (lo <= v * (1 + 1e-12)).all() and (v <= up * (1 + 1e-12)).all()
    assert (wide.lower[ok] <= lo * (1 + 1e-12)).all() and (wide.upper[ok] >= up * (1 - 1e-12)).all()


@SETTINGS
@given(banded_groups())
def test_expected_counts_grouped_equals_sum_of_parts(data):
    bands, k, _, pop, std = data
    rates = std / 1e5
    groups = np.repeat(np.arange(k), bands)
    res = expected_counts(pop, rates, groups=groups)
    for i in range(k):
        sl = slice(i * bands, (i + 1) * bands)
        assert res.expected.iloc[i] == pytest.approx(float((pop[sl] * rates).sum()))


@SETTINGS
@given(st.integers(0, 5000), st.floats(0.1, 5000, allow_nan=False))
def test_isr_interval_properties(observed, expected):
    r95 = isr(observed, expected, multiplier=100).iloc[0]
    r998 = isr(observed, expected, multiplier=100, conf=0.998).iloc[0]
    assert r95.value == pytest.approx(observed / expected * 100)
    assert r95.lower <= r95.value * (1 + 1e-12) + 1e-12 and r95.value <= r95.upper
    assert r998.lower <= r95.lower + 1e-12 and r998.upper >= r95.upper


@SETTINGS
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=2, max_size=40),
    st.none() | st.integers(2, 40),
    st.booleans(),
)
def test_spc_limits_symmetric_about_mean(values, baseline, screen):
    res = spc(values, baseline=baseline, screen_outliers=screen)
    scale = max(1.0, float(np.max(np.abs(values))))
    assert res.upl - res.mean == pytest.approx(res.mean - res.lpl, abs=1e-9 * scale)
    assert res.lpl <= res.mean + 1e-9 * scale <= res.upl + 2e-9 * scale
    pts = res.points
    assert ((pts.upper_2s - pts["mean"]) - (pts["mean"] - pts.lower_2s)).abs().max() <= 1e-9 * scale
    assert set(pts.special_cause) <= {"improvement", "concern", "common"}
    assert res.variation_icon in {"common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low"}


@SETTINGS
@given(st.floats(0.001, 0.999), st.lists(st.floats(1, 1e7, allow_nan=False), min_size=1, max_size=20))
def test_proportion_funnel_ordered_and_bounded(p, ns):
    res = funnel_limits(ns, p * 100, kind="proportion", multiplier=100)
    assert (res.lower_998 <= res.lower_95).all() and (res.lower_95 <= p * 100 + 1e-9).all()
    assert (p * 100 <= res.upper_95 + 1e-9).all() and (res.upper_95 <= res.upper_998).all()
    assert (res.lower_998 >= 0).all() and (res.upper_998 <= 100).all()


@SETTINGS
@given(st.floats(1, 5000), st.lists(st.floats(10, 1e7, allow_nan=False), min_size=1, max_size=20))
def test_rate_funnel_ordered_and_narrowing(benchmark, ns):
    ns = np.sort(np.array(ns))
    res = funnel_limits(ns, benchmark, kind="rate")
    tol = benchmark * 1e-9
    assert (res.lower_998 <= res.lower_95 + tol).all() and (res.lower_95 <= benchmark + tol).all()
    assert (benchmark <= res.upper_95 + tol).all() and (res.upper_95 <= res.upper_998 + tol).all()
    # a larger denominator never widens the funnel
    assert (np.diff(res.upper_95.to_numpy()) <= tol).all() and (np.diff(res.lower_95.to_numpy()) >= -tol).all()
