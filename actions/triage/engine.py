"""Triage decision logic: which department, how urgently, and which question to ask next.

Pure functions over a JSON-serialisable state (a plain dict the dialogue keeps in a
Rasa slot):

    state = start()
    state = update(state, "嗓子疼三天了，有点咳嗽")     # free text from the patient
    step = next_step(state)                           # Question or Outcome
    state = mark_asked(state, step.id)                # when the Question is shown
    state = answer(state, step.id, "没有")             # button value or free text
    summary(state)                                    # pre-consultation summary

`advance(state)` does next_step + mark_asked in one call.

How a decision is made
  * Any red flag (in any message, in an answer, or from facts gathered across
    messages) → 急诊科, urgency emergency.
  * Otherwise every symptom said to be present votes for its departments
    (data/knowledge/symptoms.yml), combinations and answers add their boosts, and
    age, pregnancy and sex move the result (儿科, 新生儿科, 产科, no 妇科 for men).
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
import functools
import re
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from actions.triage.departments import combiner as dc
from actions.triage.departments import knowledge as dk
from hospital.facts import facts
from language.knowledge_files import knowledge
from safety import red_flags as rf
from language import symptoms as sx

DEPARTMENTS: Tuple[str, ...] = (
    "呼吸内科", "心血管内科", "消化内科", "神经内科", "内分泌科", "肾内科", "血液内科", "风湿免疫科", "感染科",
    "普通外科", "骨科", "泌尿外科", "神经外科", "胸外科", "乳腺外科", "妇科", "产科", "儿科", "新生儿科",
    "耳鼻喉科", "眼科", "口腔科", "皮肤科", "精神心理科", "中医科", "急诊科", "肿瘤科", "康复医学科", "发热门诊",
)
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
# How much a named condition or test (data/triage/departments) weighs against the
# symptom lexicon's votes (3 = first choice, ×1.5 for the first symptom).
NAMED_WEIGHT = 1.5
CHOSEN_WEIGHT = 100.0
YES, NO, UNKNOWN = "yes", "no", "unknown"
FACT_KEYS = (
    "age_months", "sex", "pregnant", "pregnancy_weeks", "duration_days", "temperature", "high_fever",
    "sudden", "hypertension", "diabetes", "allergies", "medications", "child_hint", "elderly", "recurrent",
    "resolved",
)
CLARIFY_EXAMPLES = ("发烧咳嗽", "肚子疼", "头晕头疼", "胸闷心慌", "皮肤起疹子", "腰腿关节疼", "孩子不舒服")


# ── Knowledge ─────────────────────────────────────────────────────────────────


def _key(value: Any) -> str:
    """YAML 1.1 reads a bare yes/no as a boolean; the knowledge files mean the words."""
    if value is True:
        return YES
    if value is False:
        return NO
    return str(value)


@dataclass(frozen=True)
class Option:
    title: str
    value: str
    fact_value: Any = None
    range: Optional[Tuple[float, float]] = None


@dataclass(frozen=True)
class QuestionDef:
    id: str
    text: str
    why: str
    options: Tuple[Option, ...]
    symptom: Optional[str] = None
    fact: Optional[str] = None
    effects: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    requires: Mapping[str, Any] = field(default_factory=dict)
    understands: Mapping[str, Tuple["re.Pattern[str]", ...]] = field(default_factory=dict)
    mentions: Mapping[str, Tuple["re.Pattern[str]", ...]] = field(default_factory=dict)

    @property
    def is_yes_no(self) -> bool:
        return {o.value for o in self.options} <= {YES, NO, UNKNOWN}


DEFAULT_OPTIONS = (Option("有/是", YES), Option("没有", NO), Option("不清楚", UNKNOWN))


@dataclass(frozen=True)
class Knowledge:
    lexicon: sx.Lexicon
    questions: Mapping[str, QuestionDef]
    general: Tuple[str, ...]
    combinations: Tuple[Mapping[str, Any], ...]
    demographics: Mapping[str, Any]


def _patterns(block: Optional[Mapping[Any, Sequence[str]]]) -> Dict[str, Tuple["re.Pattern[str]", ...]]:
    return {_key(k): tuple(re.compile(p) for p in v) for k, v in (block or {}).items()}


def build_questions(data: Mapping[str, Any]) -> Dict[str, QuestionDef]:
    questions = OrderedDict()
    for q in data["questions"]:
        options = tuple(
            Option(str(o["title"]), _key(o["value"]), o.get("fact_value"),
                   tuple(o["range"]) if o.get("range") else None)
            for o in q.get("options", [])
        ) or DEFAULT_OPTIONS
        questions[q["id"]] = QuestionDef(
            id=q["id"], text=q["text"], why=q["why"], options=options,
            symptom=q.get("symptom"), fact=q.get("fact"),
            effects={_key(k): dict(v or {}) for k, v in (q.get("effects") or {}).items()},
            requires=dict(q.get("requires") or {}),
            understands=_patterns(q.get("understands")), mentions=_patterns(q.get("mentions")),
        )
    return questions


@functools.lru_cache(maxsize=None)
def load_knowledge() -> Knowledge:
    sym = knowledge("symptoms")
    qs = knowledge("triage_questions")
    return Knowledge(
        lexicon=sx.load_lexicon(),
        questions=build_questions(qs),
        general=tuple(qs.get("general", [])),
        combinations=tuple(sym.get("combinations", [])),
        demographics=dict(sym.get("demographics", {})),
    )


# ── Results ───────────────────────────────────────────────────────────────────


@dataclass
class Question:
    id: str
    text: str
    why: str
    buttons: List[Dict[str, str]]
    kind: str = "question"  # question | clarify

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass
class Outcome:
    department: Optional[str]
    urgency: str
    reason: str
    advice: str
    return_if: Optional[str] = None
    red_flags: List[Dict[str, Any]] = field(default_factory=list)
    first_aid: Optional[str] = None
    crisis_hotline: Optional[str] = None
    info: Optional[str] = None  # the short safe answer to a health-knowledge question
    note: str = "以上是就诊建议，不是诊断，具体请以医生当面检查为准。"
    kind: str = "outcome"

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def payload(self) -> Dict[str, Any]:
        """The custom JSON payload the assistant sends: {"triage": {...}}."""
        return {"triage": {"department": self.department, "urgency": self.urgency, "reason": self.reason,
                           "advice": self.advice, "return_if": self.return_if,
                           "red_flags": [f["id"] for f in self.red_flags]}}


Step = Union[Question, Outcome]


# ── State ─────────────────────────────────────────────────────────────────────


def start() -> Dict[str, Any]:
    """A fresh triage state: a plain JSON-serialisable dict.

    chief_complaint  first message that named a symptom (≤120 characters)
    present/absent/uncertain/past  symptom ids, in the order first mentioned
    severity         {symptom id: mild|moderate|severe}
    facts            age_months, sex (male|female), pregnant, pregnancy_weeks,
                     duration_days, temperature, high_fever, sudden, hypertension,
                     diabetes, allergies, medications ("无" = none), child_hint, elderly,
                     recurrent, resolved — None while unknown
    answers          {question id: option value} (also answers given unprompted)
    asked            question ids shown, in order (the budget counts these)
    pending          the question on screen, if any ("clarify" for a request for detail)
    red_flags        red-flag ids seen in any message
    red_flags_mentioned  red-flag ids only spoken of (past, a relative, a knowledge
                     question): the outcome says when to go to 急诊
    clarifications   how many times detail was asked for
    departments      what the department knowledge and model read in the messages:
                     evidence {department: sum of probabilities}, named {department:
                     evidence of named conditions/tests}, terms (entries named), note
                     ([term, short safe note]), urgency, knowledge_question (asks how
                     to live with a named condition)
    """
    return {
        "v": STATE_VERSION,
        "chief_complaint": None,
        "present": [],
        "absent": [],
        "uncertain": [],
        "past": [],
        "severity": {},
        "facts": {key: None for key in FACT_KEYS},
        "answers": {},
        "asked": [],
        "pending": None,
        "red_flags": [],
        "red_flags_mentioned": [],
        "clarifications": 0,
        "departments": _no_departments(),
    }


def _no_departments() -> Dict[str, Any]:
    return {"evidence": {}, "named": {}, "terms": [], "note": None, "urgency": None,
            "knowledge_question": False}


def _copy(state: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    fresh = start()
    if not state:
        return fresh
    new = copy.deepcopy(dict(state))
    for key, value in fresh.items():
        new.setdefault(key, value)
    for key in FACT_KEYS:
        new["facts"].setdefault(key, None)
    for key, value in _no_departments().items():
        new["departments"].setdefault(key, value)
    return new


def _add_present(state: Dict[str, Any], symptom: str) -> None:
    if symptom in state["absent"]:
        state["absent"].remove(symptom)
    if symptom in state["uncertain"]:
        state["uncertain"].remove(symptom)
    if symptom not in state["present"]:
        state["present"].append(symptom)


def _add_absent(state: Dict[str, Any], symptom: str) -> None:
    if symptom in state["present"]:
        state["present"].remove(symptom)
    if symptom in state["uncertain"]:
        state["uncertain"].remove(symptom)
    if symptom not in state["absent"]:
        state["absent"].append(symptom)


def _set_fact(state: Dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        state["facts"][key] = value


def _merge(state: Dict[str, Any], text: str, ex: sx.Extraction) -> None:
    for sid in ex.present:
        _add_present(state, sid)
    for sid in ex.absent:
        _add_absent(state, sid)
    for sid in ex.past:
        if sid not in state["past"]:
            state["past"].append(sid)
    for sid in ex.uncertain:
        if sid not in state["present"] and sid not in state["absent"] and sid not in state["uncertain"]:
            state["uncertain"].append(sid)
    for mention in ex.mentions:
        if mention.status == sx.PRESENT and mention.severity:
            old = state["severity"].get(mention.symptom)
            if not old or sx.SEVERITY_RANK[mention.severity] > sx.SEVERITY_RANK[old]:
                state["severity"][mention.symptom] = mention.severity
    facts = state["facts"]
    _set_fact(state, "age_months", ex.age_months)
    _set_fact(state, "sex", ex.sex)
    _set_fact(state, "pregnant", ex.pregnant)
    _set_fact(state, "pregnancy_weeks", ex.pregnancy_weeks)
    if ex.duration_days is not None:
        facts["duration_days"] = max(ex.duration_days, facts["duration_days"] or 0)
    if ex.temperature is not None:
        facts["temperature"] = max(ex.temperature, facts["temperature"] or 0)
        facts["high_fever"] = facts["temperature"] >= 38.5
    if re.search(r"高烧|发高烧|高热|烧得(很|特别)?厉害|烧得很高", text) and "fever" in ex.present:
        facts["high_fever"] = True
    elif re.search(r"低烧|低热|有点烧", text) and facts["high_fever"] is None and "fever" in ex.present:
        facts["high_fever"] = False
    _set_fact(state, "sudden", ex.sudden)
    if ex.recurrent:
        facts["recurrent"] = True
    facts["resolved"] = ex.resolved if ex.present else facts.get("resolved")
    for key in ("hypertension", "diabetes", "allergies", "medications"):
        _set_fact(state, key, ex.history.get(key))
    if ex.child_hint:
        facts["child_hint"] = True
    if ex.elderly_hint:
        facts["elderly"] = True
    if facts["age_months"] is not None:
        facts["elderly"] = facts["age_months"] >= _elderly_months()
    if ex.present and not state["chief_complaint"]:
        state["chief_complaint"] = text[:120]


def _elderly_months() -> float:
    return load_knowledge().demographics.get("elderly_years", 65) * 12


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
    facts = state["facts"]
    context = rf.RedFlagContext(
        age_months=facts["age_months"], hypertension=facts["hypertension"],
        newborn=None if facts["age_months"] is None else facts["age_months"] <= rf.NEWBORN_MAX_MONTHS,
        pregnant=facts["pregnant"],
    )
    flags, mentioned = rf.assess(text, context, extraction=ex)
    for flag in flags:
        if flag.id not in state["red_flags"]:
            state["red_flags"].append(flag.id)
    for flag in mentioned:
        if flag.id not in state["red_flags_mentioned"]:
            state["red_flags_mentioned"].append(flag.id)


def update(state: Optional[Mapping[str, Any]], text: str) -> Dict[str, Any]:
    """Take in a free-text message. If a question is pending, the text answers it."""
    new = _copy(state)
    pending = new.get("pending")
    if pending and pending != CLARIFY_ID:
        return answer(new, pending, text)
    new["pending"] = None
    _absorb(new, text)
    return new


def _absorb(state: Dict[str, Any], text: str, free_text: bool = True) -> sx.Extraction:
    """Take in what a message says. `free_text` is False for a reply to a question,
    where only named entries, not the model's reading of "没有", count."""
    ex = sx.extract(text)
    _merge(state, text, ex)
    _detect_mentions(state, text)
    _detect_red_flags(state, text, ex)
    _absorb_departments(state, text, free_text, ex)
    return ex


def _absorb_departments(state: Dict[str, Any], text: str, free_text: bool, ex: sx.Extraction) -> None:
    if not text.strip():
        return
    guess = dc.guess(text, symptom_spans=[(m.start, m.end) for m in ex.mentions])
    if not guess.from_knowledge and (not free_text or guess.confidence < dc.MODEL_ALONE_MIN):
        return
    d = state["departments"]
    for dept, p in guess.ranking[:5]:
        d["evidence"][dept] = d["evidence"].get(dept, 0.0) + p
    for dept, value in guess.named.items():
        d["named"][dept] = d["named"].get(dept, 0.0) + value
    d["terms"] += [t for t in guess.terms if t not in d["terms"]]
    d["note"] = d["note"] or (list(guess.note) if guess.note else None)
    d["urgency"] = d["urgency"] or guess.urgency
    if guess.from_knowledge and dk.asks_for_knowledge(text):
        d["knowledge_question"] = True


def mark_asked(state: Mapping[str, Any], question_id: str) -> Dict[str, Any]:
    """Record that a question is being shown (it counts against the budget)."""
    new = _copy(state)
    new["pending"] = question_id
    if question_id == CLARIFY_ID:
        new["clarifications"] += 1
    elif question_id not in new["asked"]:
        new["asked"].append(question_id)
    return new


def advance(state: Mapping[str, Any]) -> Tuple[Dict[str, Any], Step]:
    step = next_step(state)
    if isinstance(step, Question):
        return mark_asked(state, step.id), step
    new = _copy(state)
    new["pending"] = None
    return new, step


# ── Answers ───────────────────────────────────────────────────────────────────


def _option_for_number(q: QuestionDef, number: Optional[float]) -> Optional[Option]:
    if number is None:
        return None
    for option in q.options:
        if option.range and option.range[0] <= number < option.range[1]:
            return option
    return None


def _fact_from_text(q: QuestionDef, text: str, ex: sx.Extraction) -> Optional[str]:
    if q.fact == "duration_days":
        option = _option_for_number(q, ex.duration_days)
        return option.value if option else None
    if q.fact == "age_months":
        age = ex.age_months
        if age is None and ex.duration_days is not None:
            age = ex.duration_days / 30  # "2个月" answering "how old": an age, not how long
        if age is None:
            m = re.search(r"(\d{1,3})", text)
            age = float(m.group(1)) * 12 if m and re.search(r"岁|^\d{1,3}$", text) else None
        option = _option_for_number(q, age)
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


def _apply_value(state: Dict[str, Any], q: QuestionDef, value: str, text: str = "") -> None:
    state["answers"][q.id] = value
    if q.symptom and value == YES:
        _add_present(state, q.symptom)
    elif q.symptom and value == NO:
        _add_absent(state, q.symptom)
    if q.fact and value != UNKNOWN:
        facts = state["facts"]
        option = next((o for o in q.options if o.value == value), None)
        if option and option.fact_value is not None:
            precise = facts.get(q.fact)
            in_range = option.range and isinstance(precise, (int, float)) and option.range[0] <= precise < option.range[1]
            if not in_range:
                facts[q.fact] = option.fact_value
        elif q.fact in ("allergies", "medications"):
            if value == NO:
                facts[q.fact] = "无"
            elif not facts.get(q.fact):
                facts[q.fact] = text.strip()[:40] if text and text.strip() not in ("yes", "有", "是") else "有（未细说）"
        elif value in (YES, NO):
            facts[q.fact] = value == YES
        if q.fact == "age_months" and facts["age_months"] is not None:
            facts["elderly"] = facts["age_months"] >= _elderly_months()


def answer(state: Optional[Mapping[str, Any]], question_id: str, reply: Any) -> Dict[str, Any]:
    """Record the answer to a question: a button value, a button title or free text
    ("是", "没有", "不知道", "血压有点高", "三天了"). Anything else the reply says is
    taken in as well; a reply that answers nothing counts as 不清楚."""
    new = _copy(state)
    new["pending"] = None
    if question_id == CLARIFY_ID:
        _absorb(new, str(reply or ""))
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
        _absorb(new, text, free_text=False)  # "没有，不过拉肚子" also tells us about diarrhoea
        if q.fact == "age_months":
            new["facts"]["duration_days"] = duration  # "2个月" here is the age
    _apply_value(new, q, value or UNKNOWN, text)
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
        _absorb(state, text, free_text=False)
    state["answers"][CHOOSE_ID] = chosen or NONE_OF_THESE
    return state


def department_ranking(state: Mapping[str, Any]) -> List[Tuple[str, float]]:
    """What the department knowledge and model read in the messages, summing to 1."""
    evidence = state["departments"]["evidence"]
    total = sum(evidence.values())
    if total <= 0:
        return []
    return sorted(((d, v / total) for d, v in evidence.items()), key=lambda kv: -kv[1])


# ── Evaluation ────────────────────────────────────────────────────────────────


@dataclass
class Assessment:
    department: Optional[str]
    urgency: str
    ranking: List[Tuple[str, float]]
    red_flags: List[str]
    because: List[str]
    remap_reason: Optional[str]
    self_care_return_if: Optional[str]
    used: List[str]

    @property
    def key(self) -> Tuple[Optional[str], str]:
        return self.department, self.urgency


def _question_value(state: Mapping[str, Any], q: QuestionDef) -> Optional[str]:
    if q.id in state["answers"]:
        return state["answers"][q.id]
    if q.symptom:
        if q.symptom in state["present"]:
            return YES
        if q.symptom in state["absent"]:
            return NO
    if q.fact:
        value = state["facts"].get(q.fact)
        if value is None:
            return None
        if isinstance(value, bool):
            return YES if value else NO
        if q.fact in ("allergies", "medications"):
            return NO if value == "无" else YES
        if isinstance(value, (int, float)):
            option = _option_for_number(q, float(value))
            return option.value if option else UNKNOWN
        return next((o.value for o in q.options if o.fact_value == value), UNKNOWN)
    return None


def _symptoms_in_use(state: Mapping[str, Any]) -> List[str]:
    lexicon = load_knowledge().lexicon
    # Nothing current? Then what the patient wonders about ("是不是感冒了"), then a
    # past episode they want followed up ("上个月晕倒过一次，想复查").
    present = [s for s in state["present"] if s in lexicon.symptoms] or [
        s for s in state["uncertain"] if s in lexicon.symptoms] or [
        s for s in state.get("past", []) if s in lexicon.symptoms]
    foreground = [s for s in present if not lexicon.symptoms[s].background]
    return foreground or present


def _relevant_questions(state: Mapping[str, Any], used: Sequence[str]) -> List[str]:
    kb = load_knowledge()
    order: List[str] = []
    for sid in used:
        for qid in kb.lexicon.symptoms[sid].questions:
            if qid not in order:
                order.append(qid)
    for qid in kb.general:
        if qid not in order:
            order.append(qid)
    return order


def _combination_holds(combo: Mapping[str, Any], present: set, facts: Mapping[str, Any]) -> bool:
    lexicon = load_knowledge().lexicon
    if combo.get("any") and not set(combo["any"]) & present:
        return False
    if combo.get("all") and not set(combo["all"]) <= present:
        return False
    for group in combo.get("any_of_each", []):
        if isinstance(group, Mapping):
            tag = group["tag"]
            if not any(tag in lexicon.symptoms[s].tags for s in present):
                return False
        elif not set(group) & present:
            return False
    for key, wanted in (combo.get("facts") or {}).items():
        if facts.get(key) != wanted and not (wanted is True and facts.get(key) is True):
            return False
    return True


def _raise(urgency: str, to: Optional[str]) -> str:
    if to and URGENCY_RANK[to] > URGENCY_RANK[urgency]:
        return to
    return urgency


def evaluate(state: Mapping[str, Any]) -> Assessment:
    """The recommendation the state supports right now (no questions asked)."""
    kb = load_knowledge()
    lexicon = kb.lexicon
    facts = state["facts"]
    used = _symptoms_in_use(state)
    present = set(state["present"])

    flags = list(state["red_flags"])
    for flag in rf.detect_from_facts(present, facts):
        if flag.id not in flags:
            flags.append(flag.id)
    relevant = _relevant_questions(state, used)
    for qid in relevant:
        q = kb.questions[qid]
        value = _question_value(state, q)
        flag = (q.effects.get(value) or {}).get("red_flag") if value else None
        if flag and flag not in flags:
            flags.append(flag)
    if flags:
        return Assessment("急诊科", "emergency", [("急诊科", 100.0)], flags, [], None, None, used)
    chosen = state["answers"].get(CHOOSE_ID)
    if not used:
        ranking = department_ranking(state)
        if not ranking:
            return Assessment(None, "routine", [], [], [], None, None, used)
        named_scores: Dict[str, float] = OrderedDict(ranking)
        if chosen in DEPARTMENTS:
            named_scores[chosen] = named_scores.get(chosen, 0.0) + CHOSEN_WEIGHT
        named_scores, remap_reason = _remap(named_scores, facts)
        ranking = sorted(named_scores.items(), key=lambda kv: -kv[1])
        urgency = state["departments"]["urgency"] or "routine"
        return Assessment(ranking[0][0], urgency, ranking, [], [], remap_reason, None, used)

    scores: Dict[str, float] = OrderedDict()
    urgency = "routine"
    because: List[Tuple[float, str]] = []
    for index, sid in enumerate(used):
        sym = lexicon.symptoms[sid]
        weight = 1.5 if index == 0 else 1.0
        weight *= {"severe": 1.2, "mild": 0.8}.get(state["severity"].get(sid), 1.0)
        for dept, w in sym.departments.items():
            scores[dept] = scores.get(dept, 0.0) + w * weight
        if sid not in present:
            continue  # a past episode or a worry sets the department, not the urgency
        # "跑步后有点喘，休息一下就好了": settled by itself, so a visit soon, not today
        urgency = _raise(urgency, "routine" if facts.get("resolved") else sym.urgency)
        acute = not facts.get("recurrent") and (facts.get("duration_days") is None or facts["duration_days"] <= 7)
        if state["severity"].get(sid) == "severe" and not sym.background and acute:
            urgency = _raise(urgency, sym.severe_urgency)
    boosted_by_answer = False
    for qid in relevant:
        q = kb.questions[qid]
        value = _question_value(state, q)
        effect = q.effects.get(value) if value else None
        if not effect:
            continue
        for dept, w in (effect.get("boost") or {}).items():
            scores[dept] = scores.get(dept, 0.0) + w
            boosted_by_answer = True
        urgency = _raise(urgency, effect.get("urgency"))
        if effect.get("because"):
            because.append((sum((effect.get("boost") or {}).values()) + (2 if effect.get("urgency") else 0), effect["because"]))
    derived = dict(facts)
    derived["infant"] = facts.get("age_months") is not None and facts["age_months"] < 12
    for combo in kb.combinations:
        if not _combination_holds(combo, present, derived):
            continue
        for dept, w in (combo.get("boost") or {}).items():
            scores[dept] = scores.get(dept, 0.0) + w
        urgency = _raise(urgency, combo.get("urgency"))
        if combo.get("because"):
            because.append((sum((combo.get("boost") or {}).values()) + (2 if combo.get("urgency") else 0), combo["because"]))

    for dept, value in state["departments"]["named"].items():
        scores[dept] = scores.get(dept, 0.0) + NAMED_WEIGHT * value
    if chosen in DEPARTMENTS:
        scores[chosen] = scores.get(chosen, 0.0) + CHOSEN_WEIGHT
    scores, remap_reason = _remap(scores, facts)
    ranking = sorted(scores.items(), key=lambda kv: -kv[1])
    department = ranking[0][0] if ranking else None

    # Young children and pregnant women are seen the same day or routinely, never sent home.
    age = facts.get("age_months")
    return_if = None
    if urgency == "routine" and not boosted_by_answer:
        return_if = _self_care(state, used, age)
        if return_if:
            urgency = "self_care"
    if age is not None and age < 3 and urgency == "routine" and "fever" in present:
        urgency = "today"

    dept_reasons = [b for b in sorted(because, key=lambda b: -b[0])]
    return Assessment(department, urgency, ranking, [], [text for _, text in dept_reasons],
                      remap_reason, return_if, used)


def _self_care(state: Mapping[str, Any], used: Sequence[str], age: Optional[float]) -> Optional[str]:
    lexicon = load_knowledge().lexicon
    facts = state["facts"]
    days = facts.get("duration_days")
    if days is None and facts.get("resolved"):
        days = 0.5  # "冲了冷水现在不疼了": just happened and already settling
    if days is None or facts.get("pregnant") or (age is not None and age < 36):
        return None
    if any(state["severity"].get(s) == "severe" for s in used):
        return None
    limits, texts = [], []
    for sid in used:
        sym = lexicon.symptoms[sid]
        if sym.self_care_days is None:
            if sym.generic:
                continue
            return None
        limits.append(sym.self_care_days)
        if sym.return_if and sym.return_if not in texts:
            texts.append(sym.return_if)
    if not limits or days > min(limits):
        return None
    # The chief complaint's advice; the others usually say the same in other words.
    return texts[0] if texts else "症状加重，或者几天都不见好"


def _remap(scores: Dict[str, float], facts: Mapping[str, Any]) -> Tuple[Dict[str, float], Optional[str]]:
    demo = load_knowledge().demographics
    age = facts.get("age_months")
    reason = None
    target: Dict[str, str] = {}
    bonus = None
    if age is not None and age * 30.4 <= demo.get("newborn_max_days", 28):
        target = {d: "新生儿科" for d in scores}
        reason = "出生不满28天的宝宝由新生儿科看诊"
    elif age is not None and age < demo.get("child_max_years", 14) * 12:
        target = {d: "儿科" for d in scores if d in demo.get("child_remap", [])}
        if target:
            reason = "孩子不满14岁，由儿科医生看诊"
            bonus = "儿科"  # a child's cold goes to 儿科 rather than 耳鼻喉科 on a tie
    elif facts.get("pregnant"):
        target = {d: "产科" for d in scores if d in demo.get("pregnancy_remap", [])}
        if target:
            reason = "怀孕期间的这类不适，要先请产科医生看"
    moved: Dict[str, float] = OrderedDict()
    for dept, score in scores.items():
        dest = target.get(dept, dept)
        moved[dest] = moved.get(dest, 0.0) + score
    if bonus in moved:
        moved[bonus] += 1.0
    if facts.get("sex") == "male":
        for dept in demo.get("female_only", []):
            moved.pop(dept, None)
    if reason and not any(d in moved for d in set(target.values())):
        reason = None
    return moved, reason


# ── Choosing the next step ────────────────────────────────────────────────────


def _known(state: Mapping[str, Any], q: QuestionDef) -> bool:
    return _question_value(state, q) is not None


def _requirements_met(state: Mapping[str, Any], q: QuestionDef) -> bool:
    facts = state["facts"]
    req = q.requires
    if req.get("present") and not set(req["present"]) & set(state["present"]):
        return False
    if "sex" in req and facts.get("sex") != req["sex"]:
        return False
    if "sex_not" in req and facts.get("sex") == req["sex_not"]:
        return False
    if req.get("child_hint") and not facts.get("child_hint"):
        return False
    if req.get("adult_female"):
        age = facts.get("age_months")
        if facts.get("sex") != "female":
            return False
        if age is None and facts.get("child_hint"):
            return False
        if age is not None and not (14 * 12 <= age <= 50 * 12):
            return False
    return True


def _simulate(state: Mapping[str, Any], q: QuestionDef, value: str) -> Assessment:
    trial = copy.deepcopy(dict(state))
    _apply_value(trial, q, value)
    return evaluate(trial)


def _informative(state: Mapping[str, Any], q: QuestionDef) -> Tuple[bool, bool]:
    """(changes the outcome, one answer leads to an emergency)."""
    outcomes = {_simulate(state, q, o.value).key for o in q.options if o.value != UNKNOWN}
    return len(outcomes) > 1, any(u == "emergency" for _, u in outcomes)


def next_step(state: Optional[Mapping[str, Any]]) -> Step:
    """The next Question worth asking, or the Outcome."""
    state = _copy(state)
    current = evaluate(state)
    if current.urgency == "emergency":
        return _outcome(state, current)
    if current.department is None:
        if state["clarifications"] < MAX_CLARIFICATIONS:
            return _clarify(state)
        return _unresolved()
    if state["departments"]["knowledge_question"]:
        return _outcome(state, current)  # "乙肝饮食注意事项": an answer, not a screening
    if not current.used and len(state["asked"]) < MAX_QUESTIONS and CHOOSE_ID not in state["answers"]:
        ranking = department_ranking(state)
        if dc.unsure(ranking):
            return _choose(ranking)
    if len(state["asked"]) < MAX_QUESTIONS:
        kb = load_knowledge()
        best = None
        for qid in _relevant_questions(state, current.used):
            q = kb.questions[qid]
            if qid in state["asked"] or _known(state, q) or not _requirements_met(state, q):
                continue
            changes, can_flag = _informative(state, q)
            if not changes:
                continue
            if can_flag:
                best = q
                break
            if best is None:
                best = q
        if best is not None:
            return Question(best.id, best.text, best.why,
                            [{"title": o.title, "value": o.value} for o in best.options])
    sex_question = _sex_question_before_female_only(state, current)
    if sex_question is not None:
        return sex_question
    return _outcome(state, current)


def _sex_question_before_female_only(state: Mapping[str, Any], current: Assessment) -> Optional[Question]:
    """Past the budget, one tap more rather than send a man to 妇科 ("小肚子疼")."""
    q = load_knowledge().questions.get("q_sex")
    female_only = load_knowledge().demographics.get("female_only", [])
    if (q is None or current.department not in female_only or state["facts"].get("sex")
            or q.id in state["asked"] or _known(state, q)):
        return None
    return Question(q.id, q.text, q.why, [{"title": o.title, "value": o.value} for o in q.options])


def _clarify(state: Mapping[str, Any]) -> Question:
    first = state["clarifications"] == 0
    text = ("我想多了解一点，好帮您找对科室。请说说哪里不舒服、有多久了，比如“咳嗽三天了，有点发烧”。"
            if first else "不好意思，我还没听明白。可以换个说法，或者点下面最接近的一项。")
    return Question(CLARIFY_ID, text, "问这个是因为知道具体哪里不舒服，才能推荐合适的科室。",
                    [{"title": t, "value": t} for t in CLARIFY_EXAMPLES], kind="clarify")


def _choose(ranking: Sequence[Tuple[str, float]]) -> Question:
    wording = dk.dialogue()["choose_question"]
    ask_as = dk.load_knowledge().ask_as
    buttons = [{"title": ask_as.get(d, d), "value": d} for d, p in ranking[:3] if p >= dc.CLOSE_RATIO * ranking[0][1]]
    buttons.append({"title": wording["none_title"], "value": NONE_OF_THESE})
    return Question(CHOOSE_ID, wording["text"], wording["why"], buttons)


def _unresolved() -> Outcome:
    desk = facts().buildings["门诊楼"]
    desk_place = "门诊楼 1 楼咨询台" if "咨询台" in desk else "门诊咨询台"
    return Outcome(
        department=None, urgency="routine",
        reason="根据目前的描述，我还没法判断该挂哪个科。",
        advice=f"请到{desk_place}，护士会当面帮您分诊。如果情况紧急，请直接去急诊或拨打120。",
    )


# ── Wording ───────────────────────────────────────────────────────────────────


def _names(ids: Sequence[str], limit: int = 3) -> str:
    lexicon = load_knowledge().lexicon
    names = [lexicon.name(s) for s in ids if s in lexicon.symptoms][:limit]
    return "、".join(names)


def _advice(department: str, urgency: str, return_if: Optional[str]) -> str:
    hours = facts()
    emergency = rf.emergency_place()
    if department == "发热门诊":
        return f"{hours.fever_clinic}。请戴好口罩，直接过去就诊，不用等普通门诊。"
    if department == "急诊科":
        return f"请今天就去急诊科处理（{emergency}）。"
    if urgency == "today":
        return (f"建议今天就去看{department}。门诊时间：{hours.weekday_hours}；已经过了门诊时间，"
                f"或者情况加重，请直接去急诊（{emergency}）。")
    if urgency == "self_care":
        return (f"目前可以先在家观察：多休息、多喝温水、清淡饮食。如果出现这些情况，请来医院看{department}："
                f"{return_if}。")
    return f"可以预约最近几天的{department}门诊号，挂号可以提前 {hours.booking_window_days} 天预约。如果症状加重，请及时就医。"


def _outcome(state: Mapping[str, Any], a: Assessment) -> Outcome:
    if a.urgency == "emergency":
        flags = [rf.red_flag(f) for f in a.red_flags]
        main = flags[0]
        hotline = next((f.crisis_hotline for f in flags if f.crisis_hotline), None)
        message = main.message
        if hotline and hotline not in message:
            message += f" {hotline}"
        return Outcome(
            department="急诊科", urgency="emergency",
            reason=f"您说的情况（{main.title}）可能很危险，需要马上处理。",
            advice=message, red_flags=[f.to_dict() for f in flags], first_aid=main.first_aid,
            crisis_hotline=hotline,
        )
    names = _names(a.used) or "、".join(state["departments"]["terms"][:3])
    parts = [f"您提到{names}" if names else "根据您的描述"]
    if a.remap_reason:
        parts.append(a.remap_reason)
    elif a.because:
        parts.append(a.because[0])
    if a.urgency == "self_care":
        reason = "，".join(parts) + "，目前听起来比较轻，可以先在家观察。"
    elif a.department and a.department in parts[-1]:
        reason = "，".join(parts) + "。"  # the reason already names the department
    else:
        when = "建议今天就去看" if a.urgency == "today" else "建议挂"
        reason = "，".join(parts) + f"，{when}{a.department}。"
    info = None
    d = state["departments"]
    if d["knowledge_question"]:
        wording = dk.dialogue()
        if d["note"]:
            info = wording["knowledge_answer"].format(term=d["note"][0], note=d["note"][1])
        reason = wording["knowledge_department"].format(department=a.department)
    return Outcome(
        department=a.department, urgency=a.urgency, reason=reason,
        advice=_advice(a.department, a.urgency, a.self_care_return_if),
        return_if=a.self_care_return_if, info=info,
    )


# ── Summary ───────────────────────────────────────────────────────────────────


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
    state = _copy(state)
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
            for s in state["present"] if s in lexicon.symptoms],
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
            {"department": step.department, "urgency": step.urgency} if isinstance(step, Outcome) else None),
    }
