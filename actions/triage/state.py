"""The triage state: a plain JSON-serialisable dict the dialogue keeps in the slot
`triage_state`, and the names and limits every triage module shares."""

from __future__ import annotations

import copy
from typing import Any, Dict, Mapping, Optional, Tuple

from language.symptoms import SAID_FACTS

DEPARTMENTS: Tuple[str, ...] = (
    "呼吸内科",
    "心血管内科",
    "消化内科",
    "神经内科",
    "内分泌科",
    "肾内科",
    "血液内科",
    "风湿免疫科",
    "感染科",
    "普通外科",
    "骨科",
    "泌尿外科",
    "神经外科",
    "胸外科",
    "乳腺外科",
    "妇科",
    "产科",
    "儿科",
    "新生儿科",
    "耳鼻喉科",
    "眼科",
    "口腔科",
    "皮肤科",
    "精神心理科",
    "中医科",
    "急诊科",
    "肿瘤科",
    "康复医学科",
    "发热门诊",
)
CHILDREN_DEPARTMENTS = frozenset({"儿科", "新生儿科"})
URGENCIES: Tuple[str, ...] = ("self_care", "routine", "today", "emergency")
URGENCY_RANK = {u: i for i, u in enumerate(URGENCIES)}
# A routine presentation reaches a department within two questions (issue #13); a
# question is only asked when one of its answers changes the department or urgency.
MAX_QUESTIONS = 2
MAX_CLARIFICATIONS = 2
STATE_VERSION = 1
CLARIFY_ID = "clarify"
CHOOSE_ID = "choose_department"  # "which of these fits?" when the department is unsure
NONE_OF_THESE = "none"
YES, NO, UNKNOWN = "yes", "no", "unknown"
FACT_KEYS = (
    "age_months",
    "sex",
    "pregnant",
    "pregnancy_weeks",
    "duration_days",
    "temperature",
    "high_fever",
    "sudden",
    "hypertension",
    "diabetes",
    "allergies",
    "medications",
    "child_hint",
    "child_patient",
    "elderly",
    "resolved",
    *SAID_FACTS,
)


def start() -> Dict[str, Any]:
    """A fresh triage state: a plain JSON-serialisable dict.

    chief_complaint  first message that named a symptom (≤120 characters)
    main             the symptom id the patient marked as the main complaint ("其实是…", "主要想问…")
    present/absent/uncertain/past  symptom ids, in the order first mentioned
    severity         {symptom id: mild|moderate|severe}
    said             {symptom id: the patient's own words for it, as first told}
    facts            age_months, sex (male|female), pregnant, pregnancy_weeks,
                     duration_days, temperature, high_fever, sudden, hypertension,
                     diabetes, allergies, medications ("无" = none), child_hint, child_patient, elderly,
                     recurrent, resolved, after_hours (clinics closed now), heart_tests_normal
                     (the heart was examined and found normal), breastfeeding, after_operation
                     (an operation is behind the patient), ending_pregnancy (she asks to end
                     a pregnancy: 人流, 药流), sequela (what an earlier illness left
                     behind: 后遗症) — None while unknown
    answers          {question id: option value} (also answers given unprompted)
    asked            question ids shown, in order (the budget counts these)
    pending          the question on screen, if any ("clarify" for a request for detail)
    red_flags        red-flag ids seen in any message
    red_flags_mentioned  red-flag ids only spoken of (past, a relative, a knowledge
                     question): the outcome says when to go to 急诊
    quieted          red-flag ids whose look-alike (`unless`) a message matched ("新配的假牙
                     戴上说话含糊"): the symptoms of that message do not make them an
                     emergency through the facts, unless the onset is said to be sudden
    watch            the emergency net was unsure (safety/emergency_model.WATCH): the
                     outcome says what to watch for and when to call 120
    clarifications   how many times detail was asked for
    resumed          reopened by a message right after its outcome (flow.resume): the
                     department and urgency advised then; the new outcome says it took
                     the addition in, briefly when the advice stays the same
    feeling          the first feeling the patient voiced (wording.yml `feelings`: worried
                     "会不会是癌", grieving "爸走了"), whose line opens the outcome
    departments      what the department knowledge and model read in the messages:
                     evidence {department: sum of probabilities}, named {department:
                     evidence of named conditions/tests}, terms (entries named;
                     conditions in the patient's words), note ([term, short safe
                     note]), urgency, knowledge_question (asks how to live with a
                     named condition), about_no_one (a question about an
                     illness or a film's scene: no one's complaint, so nothing is urgent),
                     referred (the department another doctor sent the patient to)
    """
    return {
        "v": STATE_VERSION,
        "chief_complaint": None,
        "main": None,
        "present": [],
        "absent": [],
        "uncertain": [],
        "past": [],
        "severity": {},
        "said": {},
        "facts": {key: None for key in FACT_KEYS},
        "answers": {},
        "asked": [],
        "pending": None,
        "red_flags": [],
        "red_flags_mentioned": [],
        "quieted": [],
        "watch": False,
        "clarifications": 0,
        "resumed": False,
        "feeling": None,
        "departments": no_departments(),
    }


def no_departments() -> Dict[str, Any]:
    return {
        "evidence": {},
        "named": {},
        "terms": [],
        "note": None,
        "urgency": None,
        "knowledge_question": False,
        "about_no_one": False,
        "referred": None,
    }


def copy_state(state: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    fresh = start()
    if not state:
        return fresh
    new = copy.deepcopy(dict(state))
    for key, value in fresh.items():
        new.setdefault(key, value)
    for key in FACT_KEYS:
        new["facts"].setdefault(key, None)
    for key, value in no_departments().items():
        new["departments"].setdefault(key, value)
    return new


def _file_under(state: Dict[str, Any], symptom: str, where: str) -> None:
    """`symptom` in the list `where` ("present", "absent") and in no other."""
    for name in ("present", "absent", "uncertain"):
        if name != where and symptom in state[name]:
            state[name].remove(symptom)
    if symptom not in state[where]:
        state[where].append(symptom)


def add_present(state: Dict[str, Any], symptom: str) -> None:
    _file_under(state, symptom, "present")


def add_absent(state: Dict[str, Any], symptom: str) -> None:
    _file_under(state, symptom, "absent")


def set_fact(state: Dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        state["facts"][key] = value


def mark_asked(state: Mapping[str, Any], question_id: str) -> Dict[str, Any]:
    """Record that a question is being shown (it counts against the budget)."""
    new = copy_state(state)
    new["pending"] = question_id
    if question_id == CLARIFY_ID:
        new["clarifications"] += 1
    elif question_id not in new["asked"]:
        new["asked"].append(question_id)
    return new
