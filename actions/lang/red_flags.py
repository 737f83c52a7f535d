"""Red-flag detection: danger signs that preempt all other triage.

`detect(text, context=None)` → the most urgent RedFlag or None; `detect_all()` → every
one, most urgent first. Both work on raw text alone, so the NLU pipeline can run them
on every message. The rules live in data/knowledge/red_flags.yml. Every phrase is
checked in its clause: negated ("没有胸痛"), hypothetical ("如果抽搐怎么办") and
resolved past ("上个月晕倒过一次，现在好了") mentions do not fire; uncertain ones
("是不是中风了") do, because missing a real emergency costs more than a false alarm.

Combination rules need context (age in months, known hypertension, newborn,
pregnancy). The caller may pass it; whatever it leaves out is read from the same
text ("我家宝宝两个月，发烧了").

`detect_from_facts()` evaluates the same rules over facts the triage engine has
collected across several messages (a symptom named in one message, hypertension
confirmed in an answer to a later question).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from actions.knowledge_files import hospital_facts, knowledge
from actions.lang import symptoms as sx

BABY_WORDS = re.compile(r"宝宝|婴儿|娃|孩子|小孩|新生儿|闺女|儿子|女儿|宝贝")
NEWBORN_WORDS = re.compile(r"新生儿|刚出生|出生没几天|还没满月|没满月|不到满月|刚生下来|出生\d+天|出生[一二两三四五六七八九十几]+天")
NEWBORN_MAX_MONTHS = 28 / 30.4


@dataclass(frozen=True)
class RedFlag:
    id: str
    title: str
    message: str
    first_aid: Optional[str] = None
    crisis: bool = False
    crisis_hotline: Optional[str] = None
    evidence: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "message": self.message, "first_aid": self.first_aid,
            "crisis": self.crisis, "crisis_hotline": self.crisis_hotline, "evidence": self.evidence,
        }


@dataclass(frozen=True)
class RedFlagContext:
    """What the caller already knows about the patient. None = not known."""

    age_months: Optional[float] = None
    hypertension: Optional[bool] = None
    newborn: Optional[bool] = None
    pregnant: Optional[bool] = None

    @classmethod
    def of(cls, value: Union["RedFlagContext", Mapping[str, Any], None]) -> "RedFlagContext":
        if value is None:
            return cls()
        if isinstance(value, RedFlagContext):
            return value
        return cls(**{k: value.get(k) for k in ("age_months", "hypertension", "newborn", "pregnant")})


@dataclass(frozen=True)
class _Combo:
    groups: Tuple["re.Pattern[str]", ...]
    context: Mapping[str, Any]


@dataclass(frozen=True)
class _Rule:
    id: str
    title: str
    message: str
    first_aid: Optional[str]
    crisis: bool
    combos: Tuple[_Combo, ...]
    unless: Tuple["re.Pattern[str]", ...]
    facts: Mapping[str, Any] = field(default_factory=dict)


def emergency_place() -> str:
    """Where the emergency department is, from facts.yml ("本院急诊楼 1 楼，24 小时开放")."""
    return _hospital_placeholders()["emergency_place"]


def _hospital_placeholders() -> Dict[str, str]:
    facts = hospital_facts()
    emergency = facts["outpatient_hours"]["emergency"]
    place = re.search(r"（(.+?)）", emergency)
    place_text = f"本院{place.group(1) if place else '急诊'}"
    if "24" in emergency:
        place_text += "，24 小时开放"
    return {
        "emergency_phone": str(facts["hospital"]["emergency_phone"]),
        "emergency_place": place_text,
        "crisis_hotline": facts["hospital"]["crisis_hotline"],
    }


@functools.lru_cache(maxsize=None)
def _rules() -> Tuple[_Rule, ...]:
    fill = _hospital_placeholders()
    rules = []
    for entry in knowledge("red_flags")["red_flags"]:
        combos = [_Combo((re.compile(p),), {}) for p in entry.get("phrases", [])]
        combos += [
            _Combo(tuple(re.compile(p) for p in c["all"]), dict(c.get("context") or {}))
            for c in entry.get("combos", [])
        ]
        message = entry["message"].format(**fill)
        if entry.get("crisis") and fill["crisis_hotline"] not in message:
            message += f"（{fill['crisis_hotline']}）"
        rules.append(_Rule(
            id=entry["id"], title=entry["title"], message=message,
            first_aid=entry.get("first_aid"), crisis=bool(entry.get("crisis")),
            combos=tuple(combos), unless=tuple(re.compile(p) for p in entry.get("unless", [])),
            facts=dict(entry.get("facts") or {}),
        ))
    return tuple(rules)


def rule_ids() -> List[str]:
    return [r.id for r in _rules()]


def red_flag(flag_id: str, evidence: str = "") -> RedFlag:
    """The red flag with this id (for question answers that reveal one)."""
    for rule in _rules():
        if rule.id == flag_id:
            return _as_flag(rule, evidence)
    raise KeyError(flag_id)


def _as_flag(rule: _Rule, evidence: str) -> RedFlag:
    hotline = _hospital_placeholders()["crisis_hotline"] if rule.crisis else None
    return RedFlag(rule.id, rule.title, rule.message, rule.first_aid, rule.crisis, hotline, evidence)


def _context_holds(condition: Mapping[str, Any], ctx: RedFlagContext, text: str) -> bool:
    for key, wanted in condition.items():
        if key == "max_age_months":
            if ctx.age_months is None or not ctx.age_months < wanted:
                return False
        elif key == "max_age_days":
            if ctx.age_months is None or not ctx.age_months * 30.4 <= wanted:
                return False
        elif key == "newborn":
            newborn = ctx.newborn
            if newborn is None:
                if ctx.age_months is not None:
                    newborn = ctx.age_months <= NEWBORN_MAX_MONTHS
                else:
                    # A jaundiced baby of unknown age is most likely a newborn; asking first
                    # would cost time the baby may not have.
                    newborn = bool(NEWBORN_WORDS.search(text) or BABY_WORDS.search(text))
            if bool(newborn) != bool(wanted):
                return False
        elif key == "young_infant":
            if ctx.age_months is not None:
                young = ctx.age_months < 3
            else:
                young = bool(ctx.newborn or NEWBORN_WORDS.search(text) or BABY_WORDS.search(text))
            if young != bool(wanted):
                return False
        elif key in ("hypertension", "pregnant"):
            if bool(getattr(ctx, key)) != bool(wanted):
                return False
        else:
            raise ValueError(f"unknown red-flag context condition {key!r}")
    return True


def _live_match(regex: "re.Pattern[str]", text: str, spans, others) -> Optional[str]:
    """The first match of `regex` that is said about now (not negated, hypothetical or past)."""
    for m in regex.finditer(text):
        if not m.group():
            continue
        status = sx.assertion(text, m.start(), m.end(), spans, others)
        if status in (sx.PRESENT, sx.UNCERTAIN):
            return m.group()
    return None


def _text_context(text: str, ctx: RedFlagContext, extraction: "sx.Extraction") -> RedFlagContext:
    age = ctx.age_months if ctx.age_months is not None else extraction.age_months
    newborn = ctx.newborn
    if newborn is None and NEWBORN_WORDS.search(text):
        newborn = True
    hypertension = ctx.hypertension if ctx.hypertension is not None else extraction.history.get("hypertension")
    pregnant = ctx.pregnant if ctx.pregnant is not None else extraction.pregnant
    return RedFlagContext(age, hypertension, newborn, pregnant)


def detect(text: str, context: Union[RedFlagContext, Mapping[str, Any], None] = None) -> Optional[RedFlag]:
    """The most urgent red flag in one message, or None."""
    flags = detect_all(text, context)
    return flags[0] if flags else None


def detect_all(text: str, context: Union[RedFlagContext, Mapping[str, Any], None] = None,
               extraction: Optional["sx.Extraction"] = None) -> List[RedFlag]:
    """Every red flag in one message, in the order of red_flags.yml (most urgent first)."""
    norm = sx.normalize(text)
    if not norm:
        return []
    extraction = extraction or sx.extract(norm)
    ctx = _text_context(norm, RedFlagContext.of(context), extraction)
    spans = sx.clause_spans(norm)
    others = [(m.start, m.end) for m in extraction.mentions]
    flags = []
    for rule in _rules():
        if any(u.search(norm) for u in rule.unless):
            continue
        for combo in rule.combos:
            if combo.context and not _context_holds(combo.context, ctx, norm):
                continue
            evidence = []
            for group in combo.groups:
                hit = _live_match(group, norm, spans, others)
                if hit is None:
                    break
                evidence.append(hit)
            else:
                flags.append(_as_flag(rule, "+".join(evidence)))
                break
    return flags


def detect_from_facts(present: Iterable[str], facts: Mapping[str, Any]) -> List[RedFlag]:
    """Red flags from facts gathered over a whole conversation: `present` symptom ids and
    `facts` (age_months, hypertension, sudden …)."""
    present = set(present)
    flags = []
    for rule in _rules():
        cond = rule.facts
        if not cond:
            continue
        if cond.get("present") and not set(cond["present"]) <= present:
            continue
        if cond.get("present_any") and not set(cond["present_any"]) & present:
            continue
        age = facts.get("age_months")
        if "max_age_months" in cond and (age is None or not age < cond["max_age_months"]):
            continue
        if "max_age_days" in cond and (age is None or not age * 30.4 <= cond["max_age_days"]):
            continue
        if any(key in cond and facts.get(key) is not True for key in ("hypertension", "sudden", "pregnant")):
            continue
        flags.append(_as_flag(rule, "facts"))
    return flags


def summary_line(flags: Sequence[RedFlag]) -> str:
    return "；".join(f.title for f in flags)
