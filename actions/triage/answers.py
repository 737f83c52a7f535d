"""Reading the reply to a question: a button value, a button title or free text
("是", "没有", "不知道", "血压有点高", "三天了"), and recording it in the state."""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional

from actions.triage.departments import knowledge as dk
from actions.triage.questions import QuestionDef, elderly_months, load_knowledge, option_for_number
from actions.triage.reading import absorb
from actions.triage.state import (
    CHOOSE_ID,
    CLARIFY_ID,
    DEPARTMENTS,
    NO,
    NONE_OF_THESE,
    UNKNOWN,
    YES,
    add_absent,
    add_present,
    copy_state,
)
from language import symptoms as sx


def _fact_from_text(q: QuestionDef, text: str, ex: sx.Extraction) -> Optional[str]:
    if q.fact == "duration_days":
        option = option_for_number(q, ex.duration_days)
        return option.value if option else None
    if q.fact == "age_months":
        age = ex.age_months
        if age is None and ex.duration_days is not None:
            age = ex.duration_days / 30  # "2个月" answering "how old": an age, not how long
        if age is None:
            m = re.search(r"(\d{1,3})", text)
            age = float(m.group(1)) * 12 if m and re.search(r"岁|^\d{1,3}$", text) else None
        option = option_for_number(q, age)
        return option.value if option else None
    if q.fact == "sex":
        sex = ex.sex or ("female" if re.search(r"女", text) else "male" if re.search(r"男", text) else None)
        return sex
    if q.fact in ("hypertension", "diabetes"):
        value = ex.history.get(q.fact)
        return None if value is None else (YES if value else NO)
    if q.fact == "pregnant" and ex.pregnant is not None:
        return YES if ex.pregnant else NO
    if q.fact in ("allergies", "medications"):
        value = ex.history.get(q.fact)
        if value == "无":
            return NO
        if value:
            return YES
    if q.symptom:
        if q.symptom in ex.present:
            return YES
        if q.symptom in ex.absent:
            return NO
    return None


def _understood(q: QuestionDef, text: str) -> Optional[str]:
    """The value the question's own patterns read in a free-text reply, each hit read in
    its clause: negated ("不是突然的") it stands for the other answer of a yes/no
    question, said of another time ("以前突然晕过一次") or only supposed it counts for
    nothing. The first hit that counts decides."""
    norm = sx.normalize(text)
    spans = sx.clause_spans(norm)
    opposite = {YES: NO, NO: YES}
    votes = []
    for value, patterns in q.understands.items():
        for pattern in patterns:
            for m in pattern.finditer(norm):
                if not m.group():
                    continue
                status = sx.assertion(norm, m.start(), m.end(), spans)
                if status == sx.ABSENT:
                    if q.is_yes_no and value in opposite:
                        votes.append((m.start(), opposite[value]))
                elif status not in (sx.PAST, sx.HYPOTHETICAL):
                    votes.append((m.start(), value))
    return min(votes)[1] if votes else None


def interpret_answer(q: QuestionDef, reply: Any) -> Optional[str]:
    """The option value a reply stands for (button value, title, or free text)."""
    if reply is None:
        return None
    if isinstance(reply, bool):
        return YES if reply else NO
    text = str(reply).strip()
    values = {o.value for o in q.options}
    if text in values:
        return text
    for option in q.options:
        if text == option.title:
            return option.value
    if text.lower() in ("yes", "no", "unknown") and text.lower() in values:
        return text.lower()
    understood = _understood(q, text)
    if understood is not None:
        # "不是很高" must not read as high: a plain no wins over a pattern hit
        plain = sx.interpret_yes_no(text)
        if plain == NO and understood == YES and q.is_yes_no and not re.match(r"^(没错|不错)", text):
            return NO
        return understood
    ex = sx.extract(text)
    from_fact = _fact_from_text(q, text, ex)
    if from_fact in values:
        return from_fact
    plain = sx.interpret_yes_no(text)
    if plain == UNKNOWN:
        return UNKNOWN
    if plain and plain in values:
        return plain
    for option in sorted(q.options, key=lambda o: -len(o.title)):
        if option.title and option.title in text:
            return option.value
    return None


def apply_value(state: Dict[str, Any], q: QuestionDef, value: str, text: str = "") -> None:
    state["answers"][q.id] = value
    if q.symptom and value == YES:
        add_present(state, q.symptom)
    elif q.symptom and value == NO:
        add_absent(state, q.symptom)
    if q.fact and value != UNKNOWN:
        facts = state["facts"]
        option = next((o for o in q.options if o.value == value), None)
        if option and option.fact_value is not None:
            precise = facts.get(q.fact)
            in_range = (
                option.range and isinstance(precise, (int, float)) and option.range[0] <= precise < option.range[1]
            )
            if not in_range:
                facts[q.fact] = option.fact_value
        elif q.fact in ("allergies", "medications"):
            if value == NO:
                facts[q.fact] = "无"
            elif not facts.get(q.fact):
                facts[q.fact] = (
                    text.strip()[:40] if text and text.strip() not in ("yes", "有", "是") else "有（未细说）"
                )
        elif value in (YES, NO):
            facts[q.fact] = value == YES
        if q.fact == "age_months" and facts["age_months"] is not None:
            facts["elderly"] = facts["age_months"] >= elderly_months()


def answer(state: Optional[Mapping[str, Any]], question_id: str, reply: Any) -> Dict[str, Any]:
    """Record the answer to a question: a button value, a button title or free text
    ("是", "没有", "不知道", "血压有点高", "三天了"). Anything else the reply says is
    taken in as well; a reply that answers nothing counts as 不清楚."""
    new = copy_state(state)
    new["pending"] = None
    if question_id == CLARIFY_ID:
        absorb(new, str(reply or ""))
        return new
    if question_id == CHOOSE_ID:
        return _answer_choice(new, reply)
    q = load_knowledge().questions.get(question_id)
    if q is None:
        raise KeyError(f"unknown question {question_id!r}")
    if question_id not in new["asked"]:
        new["asked"].append(question_id)
    text = "" if reply is None else str(reply)
    value = interpret_answer(q, reply)
    if text and text not in {o.value for o in q.options}:
        duration = new["facts"].get("duration_days")
        absorb(new, text, free_text=False)  # "没有，不过拉肚子" also tells us about diarrhoea
        if q.fact == "age_months":
            new["facts"]["duration_days"] = duration  # "2个月" here is the age
    apply_value(new, q, value or UNKNOWN, text)
    return new


def _answer_choice(state: Dict[str, Any], reply: Any) -> Dict[str, Any]:
    """The reply to "which of these fits?": a department (button value or its title,
    or a department named in free text), else none of these."""
    if CHOOSE_ID not in state["asked"]:
        state["asked"].append(CHOOSE_ID)
    text = "" if reply is None else str(reply).strip()
    ask_as = dk.load_knowledge().ask_as
    chosen = next((d for d in DEPARTMENTS if text in (d, ask_as.get(d))), None)
    if chosen is None and text:
        chosen = next((d for d in DEPARTMENTS if d in text), None)
        absorb(state, text, free_text=False)
    state["answers"][CHOOSE_ID] = chosen or NONE_OF_THESE
    return state
