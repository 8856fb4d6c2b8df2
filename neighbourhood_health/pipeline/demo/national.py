"""The national datasets' codes on the demo's activity, and its general practice appointments.

Drawn after the activity itself, from a generator of their own, so that the events the rest of the
dashboard counts (who, when, what, low acuity) are exactly those of a demo without codes: the
tests and the planted service-change effects rely on them. Mixes are plausible, not calibrated:
ambulance arrivals rise with acuity and age, a third of emergency spells are zero-day spells and
stays lengthen with age, about one outpatient appointment in fourteen is missed (more in deprived
areas), and about half of GP practice appointments are with a GP. GP appointments cover the 12
months to the extract date only: they are the most numerous events, and a year is what the
scorecard's comparisons need.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from neighbourhood_health.pipeline import national_codes as codes
from neighbourhood_health.pipeline.contract import GP_APPOINTMENT

AMBULANCE, WITH_ESCORT, HELICOPTER = "1048031000000100", "1048041000000109", "1048051000000107"
OWN, PUBLIC, POLICE, NON_EMERGENCY = "1048071000000103", "1048061000000105", "1048001000000106", "1048021000000102"
#: Acuity by category 1–5 (5 = low acuity), in the order the draws below use.
ACUITY_BY_LEVEL = [codes.CATEGORY_ACUITY[1], codes.CATEGORY_ACUITY[2], codes.CATEGORY_ACUITY[3],
                   codes.CATEGORY_ACUITY[4], "1077251000000100"]
EMERGENCY_METHODS = (["21", "22", "23", "24", "2A", "2B", "2D", "28", "31", "81"],
                     [.72, .08, .01, .05, .03, .04, .04, .01, .015, .005])
ELECTIVE_METHODS = (["11", "12", "13"], [.70, .25, .05])
#: Treatment functions of emergency spells by age: children, adults under 75, 75 and over.
EMERGENCY_FUNCTIONS = {
    "child": (["420", "171", "110", "180"], [.78, .08, .09, .05]),
    "adult": (["300", "100", "110", "320", "340", "301", "180", "501", "710"],
              [.33, .14, .09, .08, .07, .06, .10, .06, .07]),
    "older": (["300", "430", "110", "320", "340", "100", "180", "715"], [.30, .30, .10, .08, .08, .07, .05, .02]),
}
ELECTIVE_FUNCTIONS = (["100", "110", "130", "101", "502", "301", "320", "800"], [.18, .16, .17, .12, .10, .12, .07, .08])
SPECIALTIES = (["100", "110", "130", "300", "320", "330", "502", "800", "950", "960", "560"],
               [.12, .13, .12, .14, .08, .08, .08, .10, .07, .07, .01])
#: OPCS-4 codes the demo draws for outpatient procedures (their meaning is not modelled).
PROCEDURES = ["M459", "H251", "S068", "W903", "C862"]


#: Every value each coded column can take here: columns are categoricals drawn as positions in
#: these lists, never as Python strings, so that millions of rows cost little.
CATEGORIES = {
    "ae_department_type": list(codes.DEPARTMENT_TYPES), "ae_arrival_mode": list(codes.ARRIVAL_MODES),
    "ae_acuity": ACUITY_BY_LEVEL, "admission_method": codes.ADMISSION_METHODS,
    "treatment_function": sorted({f for v, _ in (*EMERGENCY_FUNCTIONS.values(), ELECTIVE_FUNCTIONS) for f in v}),
    "first_attendance": list(codes.FIRST_ATTENDANCE), "attended_code": list(codes.ATTENDED_CODES),
    "main_specialty": SPECIALTIES[0], "primary_procedure": PROCEDURES,
    "gp_appointment_status": codes.APPOINTMENT_STATUS, "gp_staff_role": codes.STAFF_ROLES,
    "gp_service_setting": codes.SERVICE_SETTINGS, "gp_appointment_mode": codes.APPOINTMENT_MODES,
}
CODE_COLUMNS = list(CATEGORIES)


def _positions(column: str, values: list[str]) -> np.ndarray:
    return np.array([CATEGORIES[column].index(v) for v in values], dtype=np.int16)


def _pick(rng: np.random.Generator, column: str, choices: tuple[list, list], n: int) -> np.ndarray:
    """n values of `column` (positions in CATEGORIES[column]) drawn with fixed weights."""
    values, weights = choices
    weights = np.asarray(weights, dtype=float)
    return _positions(column, values)[rng.choice(len(values), size=n, p=weights / weights.sum())]


def _by_row(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One index per row, row i drawn with the probabilities probs[i] (rows sum to 1)."""
    cdf = np.cumsum(probs, axis=1)
    return (rng.random(len(probs))[:, None] > cdf).sum(axis=1).clip(0, probs.shape[1] - 1)


def _ae(rng, age, frail, low_acuity) -> dict:
    n = len(age)
    older = (age >= 65) | frail
    high = np.where(older[:, None], [.07, .38, .42, .13, 0], [.04, .30, .46, .20, 0])
    low = np.tile([0, 0, 0, .55, .45], (n, 1))
    level = _by_row(rng, np.where(low_acuity[:, None], low, high))
    p_ambulance = np.array([.85, .55, .30, .10, .03])[level] * np.where(older, 1.3, 1.0)
    conveyed = rng.random(n) < p_ambulance.clip(0, 0.95)
    mode = _positions("ae_arrival_mode", [AMBULANCE, WITH_ESCORT, HELICOPTER])
    kind = np.where(rng.random(n) < np.where(level == 0, .12, .03), mode[2],
                    np.where(rng.random(n) < .1, mode[1], mode[0]))
    other = _pick(rng, "ae_arrival_mode", ([OWN, PUBLIC, POLICE, NON_EMERGENCY], [.80, .15, .02, .03]), n)
    department = np.where(low_acuity, _pick(rng, "ae_department_type", (["01", "03", "02"], [.40, .57, .03]), n),
                          _pick(rng, "ae_department_type", (["01", "03", "02", "05"], [.88, .07, .02, .03]), n))
    return {"ae_department_type": department, "ae_arrival_mode": np.where(conveyed, kind, other),
            "ae_acuity": level}


def _admissions(rng, age, frail, emergency, admitted, extract_date) -> dict:
    n = len(age)
    method = np.where(emergency, _pick(rng, "admission_method", EMERGENCY_METHODS, n),
                      _pick(rng, "admission_method", ELECTIVE_METHODS, n))
    by_age = {group: _pick(rng, "treatment_function", choices, n) for group, choices in EMERGENCY_FUNCTIONS.items()}
    function = np.where(age < 16, by_age["child"], np.where(age < 75, by_age["adult"], by_age["older"]))
    function = np.where(emergency, function, _pick(rng, "treatment_function", ELECTIVE_FUNCTIONS, n))
    p_zero = np.where(emergency, np.where(age >= 65, .25, .40), .75)
    mean_stay = np.where(emergency, 2.5 + 0.08 * np.maximum(age - 50, 0) + 2.0 * frail, 1.5)
    stay = np.where(rng.random(n) < p_zero, 0, 1 + np.floor(rng.exponential(mean_stay)).clip(0, 120)).astype(int)
    discharge = admitted + stay.astype("timedelta64[D]")
    discharge = np.where(discharge <= np.datetime64(extract_date.date()), discharge, np.datetime64("NaT"))
    return {"admission_method": method, "admission_date": admitted, "discharge_date": discharge,
            "treatment_function": function}


def _outpatients(rng, dep) -> dict:
    n = len(dep)
    first = _pick(rng, "first_attendance", (["1", "3", "2", "4", "5"], [.25, .05, .55, .13, .02]), n)
    missed = .05 + .06 * dep
    outcome = _positions("attended_code", ["5", "6", "3", "2", "4", "7"])[_by_row(rng, np.column_stack(
        [.86 - missed, np.full(n, .02), missed, np.full(n, .03), np.full(n, .03), np.full(n, .01)]))]
    procedure = np.where(rng.random(n) < .15, _pick(rng, "primary_procedure", (PROCEDURES, [1] * len(PROCEDURES)), n), -1)
    return {"first_attendance": first, "attended_code": outcome,
            "main_specialty": _pick(rng, "main_specialty", SPECIALTIES, n), "primary_procedure": procedure}


def gp_appointments(persons: pd.DataFrame, drivers: dict, extract_date: pd.Timestamp,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Appointments in general practice over the 12 months to the extract date, as arrays (the
    people as rows of `persons`, the codes as positions in CATEGORIES): more with age, long-term
    conditions and frailty; GP appointments about half; missed ones commoner in the young and in
    deprived areas."""
    age, dep = persons["age"].to_numpy(), drivers["dep"]
    frail = np.isin(drivers["frailty"], ["moderate", "severe"])
    rate = 1.6 + 0.035 * age + 0.9 * drivers["n_true"] + 3.0 * frail
    who = np.repeat(np.arange(len(persons)), rng.poisson(rate))
    n = len(who)
    date = np.datetime64(extract_date.date()) - np.floor(rng.random(n) * 365).astype("timedelta64[D]")
    p_dna = .03 + .04 * dep[who] + .02 * ((age[who] >= 16) & (age[who] < 30))
    home = np.where(age[who] >= 75, .05, .005)
    return {
        "person_index": who, "event_date": date,
        "gp_appointment_status": _by_row(rng, np.column_stack([.94 - p_dna, p_dna, np.full(n, .06)])),
        "gp_staff_role": _pick(rng, "gp_staff_role", (codes.STAFF_ROLES, [.48, .50, .02]), n),
        "gp_service_setting": _pick(rng, "gp_service_setting", (codes.SERVICE_SETTINGS, [.88, .07, .03, .015, .005]), n),
        "gp_appointment_mode": _by_row(rng, np.column_stack([.66 - home, home, np.full(n, .27), np.full(n, .04),
                                                             np.full(n, .03)])),
    }


def with_national_codes(activity: pd.DataFrame, persons: pd.DataFrame, drivers: dict,
                        extract_date: pd.Timestamp, rng: np.random.Generator) -> pd.DataFrame:
    """`activity` (with `person_index`, from generate_activity) with the national datasets' codes
    added and GP appointments appended, sorted by date without reordering the events it had (a
    stable sort); `person_index` is dropped. Its own columns keep their values."""
    idx = activity["person_index"].to_numpy()
    kind = activity["event_type"].to_numpy()
    age, dep = persons["age"].to_numpy()[idx], drivers["dep"][idx]
    frail = np.isin(drivers["frailty"][idx], ["moderate", "severe"])
    n = len(activity)
    out = {c: np.full(n, -1, dtype=np.int16) for c in CODE_COLUMNS}
    for column in ("admission_date", "discharge_date"):
        out[column] = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    ae = kind == "ae_attendance"
    for column, values in _ae(rng, age[ae], frail[ae], activity["low_acuity"].to_numpy()[ae].astype(bool)).items():
        out[column][ae] = values
    admitted = np.isin(kind, ["emergency_admission", "elective_admission"])
    dates = activity["event_date"].to_numpy().astype("datetime64[D]")
    spells = _admissions(rng, age[admitted], frail[admitted], kind[admitted] == "emergency_admission",
                         dates[admitted], extract_date)
    for column, values in spells.items():
        out[column][admitted] = values
    op = kind == "outpatient"
    for column, values in _outpatients(rng, dep[op]).items():
        out[column][op] = values
    community = kind == "community_contact"
    out["attended_code"][community] = _positions("attended_code", ["5", "6", "3", "2", "4"])[
        _by_row(rng, np.tile([.88, .01, .05, .03, .03], (community.sum(), 1)))]
    gp = gp_appointments(persons, drivers, extract_date, rng)
    m = len(gp["person_index"])
    event_types = sorted({*activity["event_type"].cat.categories, GP_APPOINTMENT})
    type_codes = np.concatenate([pd.Categorical(kind, categories=event_types).codes,
                                 np.full(m, event_types.index(GP_APPOINTMENT), dtype=np.int8)])
    when = np.concatenate([dates, gp["event_date"]])
    order = np.argsort(when, kind="stable")
    people = np.concatenate([idx, gp["person_index"]])[order]
    low = activity["low_acuity"].astype("boolean").array
    frame = {
        "person_id": persons["person_id"].to_numpy()[people], "event_date": when[order],
        "event_type": pd.Categorical.from_codes(type_codes[order], event_types),
        "low_acuity": pd.array(np.concatenate([low.to_numpy(dtype=bool, na_value=False), np.zeros(m, dtype=bool)])[order],
                               dtype="boolean"),
    }
    missing = np.concatenate([low.isna(), np.ones(m, dtype=bool)])[order]
    frame["low_acuity"][missing] = pd.NA
    for column in CODE_COLUMNS:
        filler = gp.get(column, np.full(m, -1, dtype=np.int16))
        frame[column] = pd.Categorical.from_codes(np.concatenate([out[column], filler])[order], CATEGORIES[column])
    for column in ("admission_date", "discharge_date"):
        frame[column] = np.concatenate([out[column], np.full(m, np.datetime64("NaT"), dtype="datetime64[D]")])[order]
    return pd.DataFrame(frame)
