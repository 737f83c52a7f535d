"""Reading a patient's message into the triage state: symptoms and facts, answers
given unprompted, red flags (decided by safety/red_flags.py) and what the department
knowledge and model read in it."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

from actions.triage.departments import combiner as dc
from actions.triage.departments import knowledge as dk
from actions.triage.questions import elderly_months, load_knowledge
from actions.triage.state import DEPARTMENTS, NO, YES, add_absent, add_present, set_fact
from actions.triage.wording import words, wording
from knowledge.typed_values import out_of_range
from language import symptoms as sx
from language.knowledge_files import regex
from safety import emergency_model
from safety import red_flags as rf


def _merge(state: Dict[str, Any], text: str, ex: sx.Extraction) -> None:
    for sid in ex.present:
        add_present(state, sid)
    for sid in ex.absent:
        add_absent(state, sid)
    for sid in ex.past:
        if sid not in state["past"]:
            state["past"].append(sid)
    for sid in ex.uncertain:
        if sid not in state["present"] and sid not in state["absent"] and sid not in state["uncertain"]:
            state["uncertain"].append(sid)
    for mention in ex.mentions:
        if mention.status == sx.PRESENT:
            state["said"].setdefault(mention.symptom, mention.text)
        if mention.status == sx.PRESENT and mention.severity:
            old = state["severity"].get(mention.symptom)
            if not old or sx.SEVERITY_RANK[mention.severity] > sx.SEVERITY_RANK[old]:
                state["severity"][mention.symptom] = mention.severity
    facts = state["facts"]
    set_fact(state, "age_months", ex.age_months)
    set_fact(state, "sex", ex.sex)
    set_fact(state, "pregnant", ex.pregnant)
    set_fact(state, "pregnancy_weeks", ex.pregnancy_weeks)
    if ex.duration_days is not None:
        facts["duration_days"] = max(ex.duration_days, facts["duration_days"] or 0)
    if ex.temperature is not None:
        facts["temperature"] = max(ex.temperature, facts["temperature"] or 0)
        facts["high_fever"] = facts["temperature"] >= 38.5
    if words("fever", "high").search(text) and "fever" in ex.present:
        facts["high_fever"] = True
    elif words("fever", "low").search(text) and facts["high_fever"] is None and "fever" in ex.present:
        facts["high_fever"] = False
    set_fact(state, "sudden", ex.sudden)
    for fact in sx.SAID_FACTS:
        if getattr(ex, fact):
            facts[fact] = True
    facts["resolved"] = ex.resolved if ex.present else facts.get("resolved")
    for key in ("hypertension", "diabetes", "allergies", "medications"):
        set_fact(state, key, ex.history.get(key))
    if ex.child_hint and not ex.pregnant:  # a pregnant woman's 宝宝 is not yet born
        facts["child_hint"] = True
    if ex.child_patient and not ex.pregnant:
        facts["child_patient"] = True
    if ex.elderly_hint:
        facts["elderly"] = True
    if facts["age_months"] is not None:
        facts["elderly"] = facts["age_months"] >= elderly_months()
    if ex.present and not state["chief_complaint"]:
        state["chief_complaint"] = text[:120]


def _detect_mentions(state: Dict[str, Any], text: str) -> None:
    """Answers the patient gave without being asked ("吃了油腻的就疼")."""
    norm = sx.normalize(text)
    spans = sx.clause_spans(norm)
    for q in load_knowledge().questions.values():
        if q.id in state["answers"] or not q.mentions:
            continue
        for value, patterns in q.mentions.items():
            hit = None
            for pattern in patterns:
                for m in pattern.finditer(norm):
                    status = sx.assertion(norm, m.start(), m.end(), spans)
                    if status == sx.PRESENT:
                        hit = value
                    elif status == sx.ABSENT and value == YES:
                        hit = NO
                    if hit:
                        break
                if hit:
                    break
            if hit:
                state["answers"][q.id] = hit
                break


def _detect_red_flags(state: Dict[str, Any], text: str, ex: sx.Extraction) -> None:
    assessment = rf.assess(text, rf.context_from_facts(state["facts"]), extraction=ex)
    if assessment.net_may_speak and emergency_model.load_model().watch(text):
        state["watch"] = True
    for flag in assessment.now:
        if flag.id not in state["red_flags"]:
            state["red_flags"].append(flag.id)
    for flag in assessment.spoken_of:
        if flag.id not in state["red_flags_mentioned"]:
            state["red_flags_mentioned"].append(flag.id)
    quieted = state.setdefault("quieted", [])
    for flag_id in rf.quieted(text):
        if flag_id not in quieted and flag_id not in state["red_flags"]:
            quieted.append(flag_id)


def absorb(state: Dict[str, Any], text: str, free_text: bool = True) -> sx.Extraction:
    """Take in what a message says. `free_text` is False for a reply to a question,
    where only named entries, not the model's reading of "没有", count."""
    ex = sx.extract(text)
    _merge(state, text, ex)
    state["main"] = _marked_main(text, ex) or state.get("main")
    state["feeling"] = state.get("feeling") or next(
        (name for name in wording()["feelings"] if words("feelings", name, "words").search(text)), None
    )
    _detect_mentions(state, text)
    _detect_red_flags(state, text, ex)
    _absorb_departments(state, text, free_text, ex)
    return ex


# "有点咳嗽 脚也崴了 都不要紧 主要想问心慌", "脸上老长痘 体重也涨 其实是月经不准": the
# patient says which complaint is the one to see about
_MAIN_MARKER = re.compile(
    r"主要(是|就是|想问|想看|问的是|问|想查)?|其实(是|就是)|关键是|最主要(的)?是|最难受的是|最烦的是|最要紧的是"
)


def _marked_main(text: str, ex: sx.Extraction) -> Optional[str]:
    markers = list(_MAIN_MARKER.finditer(ex.text))
    if not markers:
        return None
    after = markers[-1].end()
    for m in sorted(ex.mentions, key=lambda m: m.start):
        if m.start >= after and m.status == sx.PRESENT:
            return m.symptom
    return None


def _absorb_departments(state: Dict[str, Any], text: str, free_text: bool, ex: sx.Extraction) -> None:
    if not text.strip():
        return
    # what the symptom lexicon counts is not counted again; what it reads as denied or past is
    guess = dc.guess(text, symptom_spans=[(m.start, m.end) for m in ex.mentions if m.status == sx.PRESENT])
    d = state["departments"]
    if guess.from_knowledge or (free_text and dc.model_alone_decides(text, guess)):
        for dept, p in guess.ranking[:5]:
            d["evidence"][dept] = d["evidence"].get(dept, 0.0) + p
        for dept, value in guess.named.items():
            d["named"][dept] = d["named"].get(dept, 0.0) + value
        d["terms"] += [t for t in guess.terms if t not in d["terms"]]
        d["note"] = d["note"] or (list(guess.note) if guess.note else None)
        d["urgency"] = d["urgency"] or guess.urgency
        if guess.from_knowledge and dk.asks_for_knowledge(text):
            d["knowledge_question"] = True
    if free_text and asks_about_an_illness(text, ex):
        d["knowledge_question"] = d["about_no_one"] = True
    referred = referred_department(text)
    if referred:
        d["named"][referred] = d["named"].get(referred, 0.0) + REFERRED_WEIGHT
        d["referred"] = referred
    _absorb_typed_value(d, text, ex)


def asks_about_an_illness(text: str, ex: sx.Extraction) -> bool:
    """A scene of a film or a novel, or a knowledge question that names only illnesses
    ("心梗有什么前兆", "中风的早期症状有哪些"): no one's complaint now, so it is answered with
    the department that sees it, not screened as the patient's ("您提到冠心病史")."""
    frame = rf.message_frame(text, ex)
    if frame == "story":
        return True
    symptoms = load_knowledge().lexicon.symptoms
    return frame == "knowledge" and all(
        "condition" in symptoms[m.symptom].tags for m in ex.mentions if m.status == sx.PRESENT
    )


# A department another doctor sent the patient to counts as one the patient named, many
# times over: "我挂了皮肤科，医生说…要去风湿免疫科" is for 风湿免疫科, not 皮肤科.
REFERRED_WEIGHT = 10.0


def referred_department(text: str) -> Optional[str]:
    """The last department the message says another doctor sent the patient to."""
    names, pattern = dc.department_names()
    for m in reversed(list(pattern.finditer(text))):
        before = text[: m.start()]
        if (
            names[m.group()] in DEPARTMENTS
            and regex("referred_to").search(before)
            and regex("referrers").search(before)
        ):
            return names[m.group()]
    return None


# Panels whose values a fever brings with it: "发烧两天 白细胞13 CRP 45" is the fever's
# work-up (发热门诊), not a blood disease.
FEVER_WORKUP_PANELS = frozenset({"血常规", "炎症指标"})


def _absorb_typed_value(d: Dict[str, Any], text: str, ex: Optional[sx.Extraction] = None) -> None:
    """ "尿酸560要吃药吗": a value out of its range names the analyte's department as a
    test result would."""
    analyte = out_of_range(text)
    if analyte is None or analyte.department not in DEPARTMENTS or analyte.name in d["terms"]:
        return
    if (
        ex is not None
        and analyte.panel in FEVER_WORKUP_PANELS
        and any(m.symptom == "fever" and m.status == sx.PRESENT for m in ex.mentions)
    ):
        return
    d["evidence"][analyte.department] = d["evidence"].get(analyte.department, 0.0) + 1.0
    d["named"][analyte.department] = d["named"].get(analyte.department, 0.0) + dk.KIND_WEIGHTS["tests"]
    d["terms"].append(analyte.name)


def department_ranking(state: Mapping[str, Any]) -> List[Tuple[str, float]]:
    """What the department knowledge and model read in the messages, summing to 1."""
    evidence = state["departments"]["evidence"]
    total = sum(evidence.values())
    if total <= 0:
        return []
    return sorted(((d, v / total) for d, v in evidence.items()), key=lambda kv: -kv[1])
