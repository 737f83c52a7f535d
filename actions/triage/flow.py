"""The triage engine's turn: take in a message, then choose the next step.

Pure functions over a JSON-serialisable state (a plain dict the dialogue keeps in a
Rasa slot):

    state = start()                                   # actions/triage/state.py
    state = update(state, "嗓子疼三天了，有点咳嗽")     # free text from the patient
    step = next_step(state)                           # Question or Outcome
    state = mark_asked(state, step.id)                # when the Question is shown
    state = answer(state, step.id, "没有")             # button value or free text
    summary(state)                                    # pre-consultation summary

`advance(state)` does next_step + mark_asked in one call.

How a decision is made
  * Any red flag (in any message, in an answer, or from facts gathered across
    messages; safety/red_flags.py decides) → 急诊科, urgency emergency.
  * Otherwise every symptom said to be present votes for its departments
    (data/knowledge/symptoms.yml), combinations and answers add their boosts, and
    age, pregnancy and sex move the result (儿科, 新生儿科, 产科, no 妇科 for men):
    actions/triage/assessment.py.
  * The department knowledge and model (actions/triage/departments) read every message too:
    named conditions and tests add to the symptom votes; with no symptom recognised
    their ranking decides (a named body part or condition always gets a department),
    and when its top two are close one "which of these fits?" question is asked. A
    question about living with a named condition ("乙肝饮食注意事项") gets the entry's
    short safe note and the department, without screening questions.
  * A follow-up question is asked only if its possible answers lead to different
    outcomes (department or urgency); questions that can reveal an emergency come
    first, then the ones the designers listed for the chief complaint. At most
    MAX_QUESTIONS (one more only to ask the sex before 妇科), and never one whose
    answer is already known from any message.
  * Nothing recognisable → a polite request for more detail with example buttons.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Dict, Mapping, Optional, Tuple

from actions.triage.answers import answer, apply_value
from actions.triage.assessment import Assessment, evaluate, is_acute, is_infant, patient_ranking, relevant_questions
from actions.triage.departments import combiner as dc
from actions.triage.outcome import choose, clarify, outcome, unresolved
from actions.triage.questions import QuestionDef, load_knowledge, question_value
from actions.triage.reading import absorb
from actions.triage.state import (
    CHOOSE_ID,
    CLARIFY_ID,
    MAX_CLARIFICATIONS,
    MAX_QUESTIONS,
    UNKNOWN,
    copy_state,
    mark_asked,
)
from actions.triage.steps import Question, Step
from language import symptoms as sx


def update(state: Optional[Mapping[str, Any]], text: str) -> Dict[str, Any]:
    """Take in a free-text message. If a question is pending, the text answers it."""
    new = copy_state(state)
    pending = new.get("pending")
    if pending and pending != CLARIFY_ID:
        return answer(new, pending, text)
    new["pending"] = None
    absorb(new, text)
    return new


def resume(finished: Mapping[str, Any], text: str) -> Optional[Dict[str, Any]]:
    """The triage that has just ended, reopened for a message sent right after its outcome
    that adds to it ("两天了", "还有点恶心", "孩子还有点拉肚子" after the child's fever); None
    when the message names someone else with a complaint of their own ("我老婆也咳嗽"):
    that is a new triage."""
    said = sx.extract(text)
    names_someone = said.age_months is not None or said.sex or said.pregnant or said.child_hint or said.elderly_hint
    if names_someone and said.present and not _same_patient(finished["facts"], said):
        return None
    new = copy_state(finished)
    new["pending"] = None
    new["resumed"] = True
    return new


def _same_patient(facts: Mapping[str, Any], said: Any) -> bool:
    """Whether the person a message names is the patient of the triage just ended: the
    child after a child's triage, the same sex and generation; anyone else is someone new."""
    if said.age_months is not None:
        return facts.get("age_months") is not None and abs(said.age_months - facts["age_months"]) <= 12
    if said.sex and facts.get("sex") and said.sex != facts["sex"]:
        return False
    if said.child_hint or said.elderly_hint:
        return bool(said.child_hint and (facts.get("child_hint") or facts.get("child_patient"))) or bool(
            said.elderly_hint and facts.get("elderly")
        )
    return bool(said.sex) and said.sex == facts.get("sex") and not said.pregnant


def adds_to(finished: Mapping[str, Any], text: str) -> bool:
    """Whether a message tells a triage that has ended something new ("一年多了", "他75岁",
    "昨天开始的"): a symptom, its absence, a duration or a fact about the patient."""
    resumed = resume(finished, text)
    if resumed is None:
        return False
    after = update(resumed, text)
    return any(after[key] != resumed[key] for key in ("present", "absent", "past", "severity", "facts"))


def advance(state: Mapping[str, Any]) -> Tuple[Dict[str, Any], Step]:
    step = next_step(state)
    if isinstance(step, Question):
        return mark_asked(state, step.id), step
    new = copy_state(state)
    new["pending"] = None
    return new, step


def _known(state: Mapping[str, Any], q: QuestionDef) -> bool:
    return question_value(state, q) is not None


def _requirements_met(state: Mapping[str, Any], q: QuestionDef) -> bool:
    facts = state["facts"]
    req = q.requires
    if req.get("present") and not set(req["present"]) & set(state["present"]):
        return False
    # "崴脚了，脚踝肿了": the injury explains the swelling, so no question about the heart or kidneys
    if req.get("absent") and set(req["absent"]) & set(state["present"]):
        return False
    if "sex" in req and facts.get("sex") != req["sex"]:
        return False
    if "sex_not" in req and facts.get("sex") == req["sex_not"]:
        return False
    if req.get("child_hint") and not facts.get("child_hint"):
        return False
    if req.get("acute") and not is_acute(facts):
        return False
    if "infant" in req and is_infant(facts) != req["infant"]:  # a baby's breathing is judged by other signs
        return False
    if req.get("adult_female"):
        age = facts.get("age_months")
        if facts.get("sex") != "female" or facts.get("elderly"):
            return False
        if age is None and facts.get("child_hint"):
            return False
        if age is not None and not (14 * 12 <= age <= 50 * 12):
            return False
    return True


def _simulate(state: Mapping[str, Any], q: QuestionDef, value: str) -> Assessment:
    trial = copy.deepcopy(dict(state))
    apply_value(trial, q, value)
    return evaluate(trial)


def _informative(state: Mapping[str, Any], q: QuestionDef) -> Tuple[bool, bool]:
    """(changes the outcome, one answer leads to an emergency)."""
    outcomes = {_simulate(state, q, o.value).key for o in q.options if o.value != UNKNOWN}
    return len(outcomes) > 1, any(u == "emergency" for _, u in outcomes)


def next_step(state: Optional[Mapping[str, Any]]) -> Step:
    """The next Question worth asking, or the Outcome."""
    state = copy_state(state)
    current = evaluate(state)
    if current.urgency == "emergency":
        return outcome(state, current)
    if current.department is None:
        if state["clarifications"] < MAX_CLARIFICATIONS:
            return clarify(state)
        return unresolved()
    if state["departments"]["knowledge_question"]:
        if state["departments"]["about_no_one"]:  # "电视剧里女主吐了一口血…": nothing to see today
            current = dataclasses.replace(current, urgency="routine")
        return outcome(state, current)  # "乙肝饮食注意事项": an answer, not a screening
    if not current.used and len(state["asked"]) < MAX_QUESTIONS and CHOOSE_ID not in state["answers"]:
        ranking = patient_ranking(state)
        if dc.unsure(ranking):
            return choose(ranking)
    if len(state["asked"]) < MAX_QUESTIONS:
        kb = load_knowledge()
        best = None
        for qid in relevant_questions(state, current.used):
            q = kb.questions[qid]
            if qid in state["asked"] or _known(state, q) or not _requirements_met(state, q):
                continue
            changes, can_flag = _informative(state, q)
            if not changes:
                continue
            if can_flag:
                best = q
                break
            if current.by_combination or current.department == state["departments"]["referred"]:
                # the complaints together already say where to go ("腰酸，白带多发黄" → 妇科), or a
                # doctor has sent the patient there: only a question that can reveal an
                # emergency is still worth a turn
                continue
            if best is None:
                best = q
        if best is not None:
            return Question(best.id, best.text, best.why, [{"title": o.title, "value": o.value} for o in best.options])
    sex_question = _sex_question_before_female_only(state, current)
    if sex_question is not None:
        return sex_question
    return outcome(state, current)


def _sex_question_before_female_only(state: Mapping[str, Any], current: Assessment) -> Optional[Question]:
    """Past the budget, one tap more rather than send a man to 妇科 ("小肚子疼")."""
    q = load_knowledge().questions.get("q_sex")
    female_only = load_knowledge().demographics.get("female_only", [])
    if (
        q is None
        or current.department not in female_only
        or state["facts"].get("sex")
        or q.id in state["asked"]
        or _known(state, q)
    ):
        return None
    return Question(q.id, q.text, q.why, [{"title": o.title, "value": o.value} for o in q.options])
