"""Synthetic registered residents: demography, conditions (true and recorded), frailty, risk, segment."""
from __future__ import annotations

import numpy as np
import pandas as pd

from neighbourhood_health.pipeline.demo.conditions import (CONDITIONS, ETHNIC_GROUPS, calibrate_intercepts, detection_rate,
                                                           linear_predictor, true_probability)

# London-like age structure by five-year band (share of residents), 90+ last.
AGE_SHARE = np.array([6.4, 6.2, 5.9, 5.3, 6.5, 8.7, 9.3, 8.4, 7.4, 6.7, 6.3, 5.6, 4.6, 3.5, 3.0,
                      2.2, 1.6, 1.0, 0.5])
AGE_MID = np.arange(19) * 5 + 2.5
# Census-2021-like ethnicity mix by borough: Asian, Black, Mixed, White, Other.
ETHNIC_MIX = {
    "Barnet": [.19, .08, .05, .58, .10], "Camden": [.18, .09, .07, .59, .07],
    "Enfield": [.11, .18, .06, .52, .13], "Haringey": [.09, .17, .07, .57, .10],
    "Islington": [.10, .13, .07, .63, .07], "Brent": [.34, .18, .06, .33, .09],
    "Ealing": [.30, .11, .06, .43, .10], "Harrow": [.46, .07, .04, .36, .07],
    "Hillingdon": [.33, .07, .05, .48, .07], "Hounslow": [.36, .07, .05, .45, .07],
    "Hammersmith and Fulham": [.10, .12, .07, .63, .08], "Kensington and Chelsea": [.10, .07, .07, .64, .12],
    "Westminster": [.15, .07, .07, .55, .16],
}
LONDON_MIX = np.array([.21, .11, .06, .53, .09])
FRAILTY = np.array(["fit", "mild", "moderate", "severe"])
SEGMENTS = [
    "Healthy well", "Maternal and infant health", "Acutely ill", "Stable but serious disability",
    "Full function but chronic conditions", "Limited reserve and exacerbations",
    "Short period of decline before dying", "Long period of decline before dying (frailty)",
]


def _ages(dep: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ages for residents of areas with deprivation index dep (deprived areas are younger)."""
    tilt = np.exp(-0.5 * (dep[:, None] - 0.5) * (AGE_MID[None, :] - 40) / 40)
    weights = AGE_SHARE[None, :] * tilt
    cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    band = (rng.random(len(dep))[:, None] > cdf).sum(axis=1).clip(0, 18)
    width = np.where(band == 18, 12, 5)
    years = np.floor(rng.random(len(dep)) ** np.where(band == 18, 1.6, 1.0) * width)
    return (band * 5 + years).astype(np.int16)


BROAD_BANDS = {"0-15": (0, 15), "16-29": (16, 29), "30-44": (30, 44), "45-64": (45, 64), "65+": (65, 101)}


def _single_year_weights() -> np.ndarray:
    """AGE_SHARE spread over single years 0–101 (90+ over 90–101, thinning as _ages draws it)."""
    years = np.arange(102)
    band = np.minimum(years // 5, 18)
    weights = AGE_SHARE[band] / 5.0
    tail = years >= 90
    weights[tail] = AGE_SHARE[18] * np.diff(np.concatenate([[0.0], ((years[tail] - 89) / 12.0) ** (1 / 1.6)]))
    return weights


def _ages_from_mix(area_idx: np.ndarray, mix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ages for residents of areas whose broad-age-band shares are `mix` (areas × BROAD_BANDS, as the
    ONS mid-year estimates give them); within a band, single years follow London's shape."""
    shares = mix / mix.sum(axis=1, keepdims=True)
    broad = (rng.random(len(area_idx))[:, None] > np.cumsum(shares, axis=1)[area_idx]).sum(axis=1)
    broad = broad.clip(0, len(BROAD_BANDS) - 1)
    weights = _single_year_weights()
    age = np.empty(len(area_idx), dtype=np.int16)
    for k, (lo, hi) in enumerate(BROAD_BANDS.values()):
        who = np.flatnonzero(broad == k)
        cdf = np.cumsum(weights[lo:hi + 1]) / weights[lo:hi + 1].sum()
        age[who] = lo + np.searchsorted(cdf, rng.random(len(who)), side="right").clip(0, hi - lo)
    return age


def _borough_offsets(targets: pd.DataFrame, intercepts: dict, borough, age, male, dep, eth, latent,
                     steps: int = 8) -> dict[str, np.ndarray]:
    """Per condition, a log-odds shift of each resident's true probability so that each borough's
    expected recorded prevalence (among residents aged at least the register's list age, as QOF
    counts it) is its target. Shifting true prevalence, not detection, keeps the deprivation
    gradient in under-diagnosis that makes prevalence gaps findable. Solved by Newton's method over
    every resident of the borough: a sample would not do, as rare registers (dementia, learning
    disability) sit in few people and a sample's mean misses them by several per cent."""
    names = pd.unique(borough)
    code = pd.Categorical(borough, categories=names).codes
    members = [np.flatnonzero(code == b) for b in range(len(names))]
    out = {}
    for cond in CONDITIONS:
        shift = np.zeros(len(names))
        rows = targets[targets["condition"] == cond.id].set_index("borough_name")
        for b, name in enumerate(names):
            if name not in rows.index:
                continue
            who = members[b][age[members[b]] >= rows.loc[name, "list_min_age"]]
            base = intercepts[cond.id] + linear_predictor(cond, age[who], male[who], dep[who], eth[who], latent[who])
            able = (age[who] >= cond.min_age) * detection_rate(cond, dep[who])
            target, delta = rows.loc[name, "prevalence"], 0.0
            for _ in range(steps):
                p = 1 / (1 + np.exp(-(base + delta)))
                gap, slope = (p * able).mean() - target, (p * (1 - p) * able).mean()
                delta -= np.clip(gap / slope, -2, 2) if slope > 0 else 0.0
            shift[b] = delta
        out[cond.id] = shift[code]
    return out


def _ethnicity(borough: np.ndarray, dep: np.ndarray, rng) -> np.ndarray:
    mix = np.array([ETHNIC_MIX[b] for b in borough])
    mix[:, 3] *= 1.3 - 0.6 * dep  # fewer White British residents in the more deprived areas
    mix /= mix.sum(axis=1, keepdims=True)
    return (rng.random(len(dep))[:, None] > np.cumsum(mix, axis=1)).sum(axis=1).clip(0, 4).astype(np.int8)


def _practices(areas: pd.DataFrame, counts: np.ndarray, rng) -> tuple[pd.DataFrame, np.ndarray]:
    """About one practice per 9,000 registrations in each neighbourhood; residents mostly register locally."""
    rows, owner = [], []
    practice_no = 0
    nb_pop = pd.Series(counts, index=areas["neighbourhood_code"]).groupby(level=0).sum()
    nb_names = areas.drop_duplicates("neighbourhood_code").set_index("neighbourhood_code")["neighbourhood_name"]
    first = {}
    for nb, pop in nb_pop.items():
        first[nb] = practice_no
        for k in range(max(1, int(round(pop / 9_000)))):
            practice_no += 1
            rows.append((f"Z{practice_no:05d}", f"{nb_names[nb]} Practice {k + 1}", nb))
            owner.append(nb)
    practices = pd.DataFrame(rows, columns=["practice_code", "practice_name", "neighbourhood_code"])
    n_in = practices.groupby("neighbourhood_code").size()
    person_nb = np.repeat(areas["neighbourhood_code"].to_numpy(), counts)
    start = pd.Series(first)[person_nb].to_numpy()
    size = n_in[person_nb].to_numpy()
    idx = start + np.floor(rng.random(len(person_nb)) ** 1.3 * size).astype(int)
    return practices, practices["practice_code"].to_numpy()[idx]


def generate_residents(geo, extract_date: pd.Timestamp, rng: np.random.Generator):
    """Return (persons, truth, practices, intercepts) for a Geography."""
    areas = geo.lookup.merge(geo.deprivation, on="small_area_code")
    counts = geo.target_population.reindex(areas["small_area_code"]).to_numpy()
    n = int(counts.sum())
    area_idx = np.repeat(np.arange(len(areas)), counts)
    dep = ((10 - areas["imd_decile"].to_numpy()) / 9)[area_idx]
    borough = areas["borough_name"].to_numpy()[area_idx]
    if geo.age_mix is not None:
        age = _ages_from_mix(area_idx, geo.age_mix.reindex(areas["small_area_code"]).to_numpy(dtype=float), rng)
    else:
        age = _ages(dep, rng)
    male = (rng.random(n) < np.where(age >= 75, 0.44, 0.495)).astype(np.int8)
    eth = _ethnicity(borough, dep, rng)
    latent = rng.normal(0, 1, n)

    sample = rng.choice(n, size=min(n, 200_000), replace=False)
    intercepts = calibrate_intercepts(age[sample], male[sample], dep[sample], eth[sample], latent[sample])
    offsets = ({} if geo.recorded_targets is None else
               _borough_offsets(geo.recorded_targets, intercepts, borough, age, male, dep, eth, latent))
    true, recorded = {}, {}
    for cond in CONDITIONS:
        p = true_probability(cond, intercepts[cond.id] + offsets.get(cond.id, 0.0), age, male, dep, eth, latent)
        true[cond.id] = rng.random(n) < p
        recorded[cond.id] = true[cond.id] & (rng.random(n) < detection_rate(cond, dep))
    n_true = np.sum(list(true.values()), axis=0)
    n_rec = np.sum(list(recorded.values()), axis=0)

    older = age >= 65
    frail_score = 0.06 * (age - 65) + 0.45 * n_true + 0.6 * dep + 0.6 * latent + rng.normal(0, 0.5, n)
    cuts = np.quantile(frail_score[older], [0.50, 0.80, 0.94]) if older.any() else [0, 0, 0]
    frailty = np.where(older, FRAILTY[np.searchsorted(cuts, frail_score)], None)
    frail_effect = pd.Series(frailty).map({"fit": 0.0, "mild": 0.4, "moderate": 0.9, "severe": 1.5}).fillna(0).to_numpy()
    infant = (age == 0) * 1.2
    base = -4.3 + 0.028 * (age - 50) + 0.5 * dep + frail_effect + infant
    risk = 1 / (1 + np.exp(-(base + 0.35 * n_rec + rng.normal(0, 0.3, n))))
    hazard = 1 / (1 + np.exp(-(base + 0.35 * n_true + 0.4 * latent)))

    housebound = older & (rng.random(n) < 0.01 + 0.08 * (frailty == "moderate") + 0.25 * (frailty == "severe"))
    lives_alone = (age >= 65) & (rng.random(n) < np.where(age >= 75, 0.38, 0.25))

    persons = pd.DataFrame({
        "person_id": _pseudonyms(n, rng),
        "small_area_code": areas["small_area_code"].to_numpy()[area_idx],
        "age": age, "sex": np.where(male == 1, "M", "F"),
        "ethnicity": np.array(ETHNIC_GROUPS)[eth],
    })
    practices, persons["practice_code"] = _practices(areas, counts, rng)
    for cond in CONDITIONS:
        persons[f"ltc_{cond.id}"] = recorded[cond.id]
    persons["frailty"] = frailty
    persons["risk_score"] = np.round(risk * 100, 1)
    persons["segment"] = _segments(age, male, recorded, n_rec, frailty, risk, rng)
    _clinical_values(persons, recorded, dep, extract_date, rng)
    persons["housebound"] = housebound
    persons["lives_alone"] = lives_alone
    truth = pd.DataFrame({"person_id": persons["person_id"],
                          **{f"true_{c}": v for c, v in true.items()}})
    drivers = {"hazard": hazard, "dep": dep, "n_true": n_true, "frailty": frailty,
               "housebound": housebound, "place": areas["place_name"].to_numpy()[area_idx],
               "neighbourhood": areas["neighbourhood_code"].to_numpy()[area_idx]}
    return persons, truth, practices, intercepts, drivers


def _pseudonyms(n: int, rng) -> np.ndarray:
    """Unique, unordered 10-hex-digit IDs: an affine bijection modulo 2**40 of the row number."""
    a = int(rng.integers(1, 2**39)) * 2 + 1
    b = int(rng.integers(0, 2**40))
    ids = (np.arange(n, dtype=np.uint64) * np.uint64(a) + np.uint64(b)) & np.uint64(2**40 - 1)
    return pd.Series(ids).map("P{:010X}".format).to_numpy()


def _segments(age, male, recorded, n_rec, frailty, risk, rng) -> np.ndarray:
    """Bridges to Health segment, the highest-need segment that applies."""
    seg = np.zeros(len(age), dtype=np.int8)
    seg[(age < 1) | ((male == 0) & (age >= 16) & (age <= 44) & (rng.random(len(age)) < 0.04))] = 1
    seg[(seg == 0) & (rng.random(len(age)) < 0.02)] = 2
    seg[n_rec >= 1] = 4
    seg[recorded["learning_disability"] | recorded["smi"]] = 3
    seg[n_rec >= 3] = 5
    seg[(frailty == "moderate") | (frailty == "severe") | recorded["dementia"]] = 7
    seg[recorded["cancer"] & (risk > 0.30)] = 6
    return np.array(SEGMENTS)[seg]


def _clinical_values(persons, recorded, dep, extract_date, rng) -> None:
    """Latest blood pressure, HbA1c and SMI physical health check, with dates."""
    n = len(persons)
    days = lambda lo, hi: extract_date - pd.to_timedelta(rng.integers(lo, hi, n), unit="D")
    htn, dm, smi = recorded["hypertension"], recorded["diabetes"], recorded["smi"]
    has_bp = htn | ((persons["age"].to_numpy() >= 40) & (rng.random(n) < 0.6))
    recent = rng.random(n) < np.where(htn, 0.88, 0.5)  # people on a register are reviewed yearly
    sbp = rng.normal(130 + 6 * dep + 3 * htn, 12, n)
    persons["bp_systolic"] = np.where(has_bp, np.round(sbp), np.nan)
    persons["bp_diastolic"] = np.where(has_bp, np.round(rng.normal(78 + 3 * dep, 8, n)), np.nan)
    persons["bp_date"] = pd.Series(np.where(recent, days(1, 365), days(366, 800))).where(has_bp)
    hba1c = rng.normal(52 + 6 * dep, 12, n).clip(30, 130)
    persons["hba1c"] = np.where(dm, np.round(hba1c), np.nan)
    persons["hba1c_date"] = pd.Series(np.where(rng.random(n) < 0.87, days(1, 365), days(366, 700))).where(dm)
    checked = smi & (rng.random(n) < 0.65 - 0.25 * dep)
    older_check = smi & ~checked & (rng.random(n) < 0.6)
    check = pd.Series(days(1, 365)).where(checked)
    persons["smi_health_check_date"] = check.fillna(pd.Series(days(366, 1000)).where(older_check))
