"""The national datasets' own codes that the activity extract may carry, and the groups of them the
NNHIP national scorecard counts (its template's Definitions and AcuteNonElectiveDefs sheets).

One place for both, so that validation accepts exactly the codes the counting rules know, and the
submission (`measures.nnhip`) and the scorecard mart (`pipeline.build`) count by the same lists.
Codes are text, as the datasets publish them: SNOMED CT identifiers are too long for some tools'
integers, and leading zeros matter ("01").
"""
from __future__ import annotations

# --- ECDS (A&E attendances) ------------------------------------------------------------------

#: EMERGENCY CARE DEPARTMENT TYPE. The NNHIP counts type 1 ("01") against every other type.
DEPARTMENT_TYPES = {"01": "Emergency department (type 1)", "02": "Consultant-led mono-specialty (type 2)",
                    "03": "Other type: urgent treatment centre or minor injury unit (type 3)",
                    "04": "NHS walk-in centre (type 4)", "05": "Same day emergency care (type 5)"}
TYPE_1 = "01"
#: EMERGENCY CARE ARRIVAL MODE (SNOMED CT), the ECDS list.
ARRIVAL_MODES = {
    "1047991000000102": "Arrival by prison transport",
    "1048001000000106": "Arrival by police transport",
    "1048021000000102": "Arrival by non-emergency road ambulance",
    "1048031000000100": "Arrival by emergency road ambulance",
    "1048041000000109": "Arrival by emergency road ambulance with medical escort",
    "1048051000000107": "Arrival by helicopter air ambulance",
    "1048061000000105": "Arrival by public transport",
    "1048071000000103": "Arrival by own transport",
    "1048081000000101": "Arrival by fixed wing air ambulance",
}
#: The arrival modes the NNHIP counts as an ambulance conveyance (Definitions, O4).
CONVEYANCE_MODES = ["1048051000000107", "1048031000000100", "1048041000000109"]
#: EMERGENCY CARE ACUITY (SNOMED CT), the ECDS list, with the conveyance category the NNHIP
#: gives each (Definitions, O4: categories 1–4 by acuity; low acuity is in none).
ACUITY = {
    "1064891000000107": ("Immediate resuscitation", 1),
    "1064911000000105": ("Very urgent", 2),
    "1064901000000108": ("Urgent", 3),
    "1077241000000103": ("Standard", 4),
    "1077251000000100": ("Low acuity", None),
}
CATEGORY_ACUITY = {category: code for code, (_, category) in ACUITY.items() if category}

# --- SUS admitted patient care ---------------------------------------------------------------

#: ADMISSION METHOD CODE (HOSPITAL PROVIDER SPELL). Elective methods 11–13; the non-elective ones
#: are those the AcuteNonElectiveDefs sheet lists: emergency, maternity and other admissions.
ELECTIVE_METHODS = ["11", "12", "13"]
EMERGENCY_METHODS = ["21", "22", "23", "24", "25", "2A", "2B", "2C", "2D", "28"]
NON_ELECTIVE_METHODS = [*EMERGENCY_METHODS, "31", "32", "81", "82", "83", "84", "89"]
ADMISSION_METHODS = [*ELECTIVE_METHODS, *NON_ELECTIVE_METHODS]


def specific_acute_functions() -> list[str]:
    """TREATMENT FUNCTION CODEs of specific acute care, as we read NHS England's 2023/24 planning
    definition (AcuteNonElectiveDefs section 3): surgery (1xx), children's specialties (2xx),
    medicine (3xx, 4xx), gynaecology (502, 503) and the 8xx acute specialties; not well babies
    (424), obstetrics (501), midwifery (560), general practice and the therapies (6xx), learning
    disability and mental health (7xx) or community and non-consultant functions (9xx). A
    deployment with the published list can swap it in here."""
    acute = [f"{code}" for code in (*range(100, 500), 502, 503, *range(800, 900))]
    return [code for code in acute if code not in {"424"}]


# --- SUS outpatients and CSDS ----------------------------------------------------------------

#: FIRST ATTENDANCE: 1 first face to face, 2 follow-up face to face, 3 first by telephone or
#: video, 4 follow-up by telephone or video, 5 referral to treatment clock stop (administrative).
FIRST_ATTENDANCE = {"1": "First, face to face", "2": "Follow-up, face to face", "3": "First, telephone or video",
                    "4": "Follow-up, telephone or video", "5": "Clock stop (administrative)"}
NEW = ["1", "3"]
FOLLOW_UP = ["2", "4"]
#: ATTENDED OR DID NOT ATTEND, as SUS outpatients and the CSDS both code it.
ATTENDED_CODES = {"5": "Attended on time", "6": "Arrived late, seen", "7": "Arrived late, not seen",
                  "2": "Cancelled by the patient", "3": "Did not attend", "4": "Cancelled by the provider",
                  "0": "Not applicable (not yet happened)"}
ATTENDED = ["5", "6"]
#: MAIN SPECIALTY CODEs that are not a consultant's (midwife, nurse, allied health professional
#: episodes): every other main specialty is consultant-led (Definitions, O1).
NOT_CONSULTANT_SPECIALTIES = ["560", "950", "960"]

# --- General practice appointments (GP appointments data) ------------------------------------

APPOINTMENT_STATUS = ["Attended", "DNA", "Unknown"]
STAFF_ROLES = ["GP", "Other Practice staff", "Unknown"]
SERVICE_SETTINGS = ["General Practice", "Primary Care Network", "Extended Access Provision", "Other", "Unmapped"]
APPOINTMENT_MODES = ["Face-to-Face", "Home Visit", "Telephone", "Video Conference/Online", "Unknown"]
#: What the NNHIP counts (Definitions, O6): attended, with a GP, in general practice or a PCN.
GP_COUNTED = {"status": "Attended", "role": "GP", "settings": ["General Practice", "Primary Care Network"]}


def counting_rules() -> dict:
    """The code lists the NNHIP queries bind (queries/nnhip/), one parameter each."""
    return {"conveyance_modes": CONVEYANCE_MODES, "cat1_acuity": CATEGORY_ACUITY[1], "cat2_acuity": CATEGORY_ACUITY[2],
            "cat3_acuity": CATEGORY_ACUITY[3], "cat4_acuity": CATEGORY_ACUITY[4], "type_1": TYPE_1,
            "non_elective_methods": NON_ELECTIVE_METHODS, "specific_acute": specific_acute_functions(),
            "new_codes": NEW, "follow_up_codes": FOLLOW_UP, "attended_codes": ATTENDED,
            "not_consultant": NOT_CONSULTANT_SPECIALTIES, "gp_status": GP_COUNTED["status"],
            "gp_role": GP_COUNTED["role"], "gp_settings": GP_COUNTED["settings"]}


def validation_lists() -> dict:
    """The accepted values of each coded column, for queries/validate/activity.sql."""
    return {"department_types": list(DEPARTMENT_TYPES), "arrival_modes": list(ARRIVAL_MODES),
            "acuity_codes": list(ACUITY), "admission_methods": ADMISSION_METHODS,
            "elective_methods": ELECTIVE_METHODS, "first_attendance_codes": list(FIRST_ATTENDANCE),
            "attendance_outcomes": list(ATTENDED_CODES), "appointment_status": APPOINTMENT_STATUS,
            "staff_roles": STAFF_ROLES, "service_settings": SERVICE_SETTINGS, "appointment_modes": APPOINTMENT_MODES}
