"""Turning an assessment into what the patient reads: the outcome (why this department,
how urgently, what to do next) and the questions the engine words itself (tell me
more, which of these fits). The words are in data/triage/wording.yml."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Tuple

from actions.triage.assessment import Assessment
from actions.triage.departments import combiner as dc
from actions.triage.departments import knowledge as dk
from actions.triage.questions import load_knowledge
from actions.triage.state import CHOOSE_ID, CLARIFY_ID, NONE_OF_THESE
from actions.triage.steps import Outcome, Question
from actions.triage.wording import wording
from hospital.facts import facts
from safety import contacts, red_flags as rf


def clarify(state: Mapping[str, Any]) -> Question:
    words = wording()["clarify"]
    text = words["first"] if state["clarifications"] == 0 else words["again"]
    return Question(
        CLARIFY_ID, text, words["why"], [{"title": t, "value": t} for t in words["examples"]], kind="clarify"
    )


def choose(ranking: Sequence[Tuple[str, float]]) -> Question:
    words = dk.dialogue()["choose_question"]
    ask_as = dk.load_knowledge().ask_as
    buttons = [{"title": ask_as.get(d, d), "value": d} for d, p in ranking[:3] if p >= dc.CLOSE_RATIO * ranking[0][1]]
    buttons.append({"title": words["none_title"], "value": NONE_OF_THESE})
    return Question(CHOOSE_ID, words["text"], words["why"], buttons)


def unresolved() -> Outcome:
    words = wording()["unresolved"]
    desk = facts().buildings["门诊楼"]
    desk_place = words["desk_with_counter"] if "咨询台" in desk else words["desk"]
    return Outcome(
        department=None, urgency="routine", reason=words["reason"], advice=words["advice"].format(desk=desk_place)
    )


def _names(ids: Sequence[str], said: Mapping[str, str], limit: int = 3) -> str:
    """The complaints as the outcome names them; one whose name is a diagnosis in the
    patient's own words, or not at all (小安 does not diagnose)."""
    lexicon = load_knowledge().lexicon
    names = [said.get(s) if lexicon.symptoms[s].diagnosis else lexicon.name(s) for s in ids if s in lexicon.symptoms]
    return "、".join(list(dict.fromkeys(n for n in names if n))[:limit])  # in order, once each


def _advice(department: str, urgency: str, return_if: Optional[str]) -> str:
    words = wording()["advice"]
    place = contacts.emergency_place()
    if department == "发热门诊":
        return words["fever_clinic"].format(hours=facts().fever_clinic)
    if department == "急诊科":
        return words["emergency"].format(emergency=place)
    if urgency == "today":
        return words["today"].format(department=department, hours=facts().weekday_hours, emergency=place)
    if urgency == "self_care":
        return words["self_care"].format(department=department, return_if=return_if)
    return words["routine"].format(department=department, window_days=facts().booking_window_days)


def _emergency(a: Assessment) -> Outcome:
    flags = rf.known(a.red_flags)
    main = flags[0]
    hotline = next((f.crisis_hotline for f in flags if f.crisis_hotline), None)
    message = main.message
    if hotline and hotline not in message:
        message += f" {hotline}"
    return Outcome(
        department="急诊科",
        urgency="emergency",
        reason=wording()["reason"]["emergency"].format(title=main.title),
        advice=message,
        red_flags=[f.to_dict() for f in flags],
        first_aid=main.first_aid,
        crisis_hotline=hotline,
    )


def outcome(state: Mapping[str, Any], a: Assessment) -> Outcome:
    if a.urgency == "emergency":
        return _emergency(a)
    words = wording()["reason"]
    names = _names(a.used, state["said"]) or "、".join(state["departments"]["terms"][:3])
    parts = [words["mentioned"].format(names=names) if names else words["described"]]
    if a.remap_reason:
        parts.append(a.remap_reason)
    elif a.because:
        parts.append(a.because[0])
    if a.urgency == "self_care":
        reason = "，".join(parts + [words["self_care"]])
    elif a.department and a.department in parts[-1]:
        reason = "，".join(parts) + "。"  # the reason already names the department
    else:
        when = words["today"] if a.urgency == "today" else words["routine"]
        reason = "，".join(parts) + f"，{when}{a.department}。"
    info = None
    d = state["departments"]
    if d["knowledge_question"]:
        knowledge_words = dk.dialogue()
        if d["note"]:
            info = knowledge_words["knowledge_answer"].format(term=d["note"][0], note=d["note"][1])
        reason = knowledge_words["knowledge_department"].format(department=a.department)
    if state.get("feeling"):
        reason = wording()["feelings"][state["feeling"]]["line"] + reason
    return Outcome(
        department=a.department,
        urgency=a.urgency,
        reason=reason,
        advice=_advice(a.department, a.urgency, a.self_care_return_if),
        return_if=a.self_care_return_if,
        info=info,
    )
