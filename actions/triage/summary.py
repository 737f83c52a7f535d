"""The pre-consultation summary triage hands to booking and the doctor."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from actions.triage.flow import next_step
from actions.triage.questions import load_knowledge
from actions.triage.state import UNKNOWN, copy_state
from actions.triage.steps import Outcome
from safety import red_flags as rf


def _yes_no_text(value: Any) -> str:
    if value is True:
        return "有"
    if value is False:
        return "无"
    if value is None:
        return "未询问"
    return str(value)


def _age_text(months: Optional[float]) -> Optional[str]:
    if months is None:
        return None
    if months < 1:
        return f"{max(1, round(months * 30.4))}天"
    if months < 24:
        return f"{round(months)}个月"
    return f"{int(months // 12)}岁"


def _duration_text(days: Optional[float]) -> Optional[str]:
    if days is None:
        return None
    if days < 1:
        return "不到1天"
    if days < 14:
        return f"{round(days)}天"
    if days < 60:
        return f"{round(days / 7)}周"
    if days < 365:
        return f"{round(days / 30)}个月"
    return f"{round(days / 365, 1):g}年"


def summary(state: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """Pre-consultation summary for the doctor (plain Chinese values, JSON-serialisable)."""
    state = copy_state(state)
    kb = load_knowledge()
    lexicon = kb.lexicon
    facts = state["facts"]
    pregnant = facts.get("pregnant")
    if pregnant and facts.get("pregnancy_weeks"):
        pregnant_text = f"怀孕{facts['pregnancy_weeks']:g}周"
    elif facts.get("sex") == "male":
        pregnant_text = "不适用"
    else:
        pregnant_text = {True: "怀孕", False: "未怀孕", None: "未询问"}[pregnant]
    answers = []
    for qid, value in state["answers"].items():
        q = kb.questions.get(qid)
        if q is None:
            continue
        title = next((o.title for o in q.options if o.value == value), value)
        answers.append({"question": q.text, "answer": "不清楚" if value == UNKNOWN else title})
    step = next_step(state)
    return {
        "chief_complaint": state["chief_complaint"],
        "symptoms_present": [
            lexicon.name(s) + ({"severe": "（较重）", "mild": "（较轻）"}.get(state["severity"].get(s), ""))
            for s in state["present"]
            if s in lexicon.symptoms
        ],
        "symptoms_absent": [lexicon.name(s) for s in state["absent"] if s in lexicon.symptoms],
        "duration": _duration_text(facts.get("duration_days")),
        "temperature": facts.get("temperature"),
        "age": _age_text(facts.get("age_months")),
        "sex": {"male": "男", "female": "女"}.get(facts.get("sex")),
        "history": {
            "hypertension": _yes_no_text(facts.get("hypertension")),
            "diabetes": _yes_no_text(facts.get("diabetes")),
            "pregnancy": pregnant_text,
            "allergies": _yes_no_text(facts.get("allergies")),
            "medications": _yes_no_text(facts.get("medications")),
        },
        "answers": answers,
        "red_flags": [rf.red_flag(f).title for f in state["red_flags"]],
        "recommendation": (
            {"department": step.department, "urgency": step.urgency} if isinstance(step, Outcome) else None
        ),
    }
