"""The screening questions (data/knowledge/triage_questions.yml) and the symptom
knowledge they work with, loaded once; and what the state already answers."""

from __future__ import annotations

import functools
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from actions.triage.state import NO, UNKNOWN, YES
from language import symptoms as sx
from language.knowledge_files import knowledge


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
        options = (
            tuple(
                Option(
                    str(o["title"]),
                    _key(o["value"]),
                    o.get("fact_value"),
                    tuple(o["range"]) if o.get("range") else None,
                )
                for o in q.get("options", [])
            )
            or DEFAULT_OPTIONS
        )
        questions[q["id"]] = QuestionDef(
            id=q["id"],
            text=q["text"],
            why=q["why"],
            options=options,
            symptom=q.get("symptom"),
            fact=q.get("fact"),
            effects={_key(k): dict(v or {}) for k, v in (q.get("effects") or {}).items()},
            requires=dict(q.get("requires") or {}),
            understands=_patterns(q.get("understands")),
            mentions=_patterns(q.get("mentions")),
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


def elderly_months() -> float:
    return load_knowledge().demographics.get("elderly_years", 65) * 12


def option_for_number(q: QuestionDef, number: Optional[float]) -> Optional[Option]:
    if number is None:
        return None
    for option in q.options:
        if option.range and option.range[0] <= number < option.range[1]:
            return option
    return None


def question_value(state: Mapping[str, Any], q: QuestionDef) -> Optional[str]:
    """The answer the state already holds for a question: asked, or known from a symptom or fact."""
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
            option = option_for_number(q, float(value))
            return option.value if option else UNKNOWN
        return next((o.value for o in q.options if o.fact_value == value), UNKNOWN)
    return None
