"""Symptom extraction from a patient's own words.

`extract(text)` finds the symptoms of data/knowledge/symptoms.yml (symptom_matching),
marks each mention present, absent, uncertain, past or hypothetical (negation), and reads
duration, severity and temperature (measures) and age, sex, pregnancy and history
(patient_facts). Everything here is a pure function of the text; the lexicon, matchers
and word lists are built once, on first use.

The names below are the package's public face for the actions and safety code
(`from language import symptoms as sx`); the work is done in the modules they come from.
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from language.answers import interpret_yes_no
from language.measures import SEVERITY_RANK, parse_duration, parse_severity, parse_temperature, says_pain
from language.negation import (
    ABSENT,
    CONTEXT_CHARS,
    HYPOTHETICAL,
    PAST,
    PRESENT,
    UNCERTAIN,
    assertion,
    clause_of,
    clause_spans,
    has_negation,
    is_negated,
)
from language.patient_facts import (
    parse_age_months,
    parse_history,
    parse_pregnancy,
    parse_sex,
    parse_sudden,
    says,
)
from language.symptom_lexicon import IGNORE, Lexicon, SymptomDef, load_lexicon, normalize
from language.symptom_matching import candidates, select

__all__ = [
    "ABSENT",
    "SAID_FACTS",
    "CONTEXT_CHARS",
    "HYPOTHETICAL",
    "PAST",
    "PRESENT",
    "SEVERITY_RANK",
    "UNCERTAIN",
    "Extraction",
    "Lexicon",
    "Mention",
    "SymptomDef",
    "assertion",
    "clause_of",
    "clause_spans",
    "extract",
    "interpret_yes_no",
    "is_negated",
    "load_lexicon",
    "normalize",
    "parse_age_months",
    "parse_duration",
    "parse_sex",
    "parse_sudden",
]

FEVER_FROM = 37.3  # a measured temperature from this up is a fever


@dataclass(frozen=True)
class Mention:
    symptom: str
    text: str
    start: int
    end: int
    status: str
    severity: Optional[str]
    source: str  # phrase | pattern | text


# Facts of data/language/patient_facts.yml read as said or not, each a field of
# Extraction of the same name; once said in a conversation, they stay true.
SAID_FACTS = (
    "recurrent",
    "after_hours",
    "heart_tests_normal",
    "breastfeeding",
    "after_operation",
    "ending_pregnancy",
    "sequela",
)


@dataclass
class Extraction:
    text: str
    mentions: List[Mention] = field(default_factory=list)
    present: List[str] = field(default_factory=list)
    absent: List[str] = field(default_factory=list)
    uncertain: List[str] = field(default_factory=list)
    past: List[str] = field(default_factory=list)
    severity: Optional[str] = None
    duration_days: Optional[float] = None
    temperature: Optional[float] = None
    age_months: Optional[float] = None
    child_hint: bool = False
    child_patient: bool = False
    elderly_hint: bool = False
    sex: Optional[str] = None
    pregnant: Optional[bool] = None
    pregnancy_weeks: Optional[float] = None
    sudden: Optional[bool] = None
    recurrent: bool = False
    after_hours: bool = False
    heart_tests_normal: bool = False
    breastfeeding: bool = False
    after_operation: bool = False
    ending_pregnancy: bool = False
    sequela: bool = False
    resolved: bool = False
    history: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


# 得 ending a verb of its own ("觉得头晕", "记得", "显得", "变得很焦虑"): what follows is said
# plainly, not as a result ("痒得坐立不安")
_VERB_DE = frozenset("觉记显晓懂舍值难获取变免省使认")


# a complaint typed with 的 for the result 得 ("疼的睡不着", "痒的受不了")
_COMPLAINT_DE = frozenset("疼痛痒咳喘胀酸麻闷晕")


def says_how_bad(norm: str, start: int) -> bool:
    """Whether the phrase at start follows a result 得 ("痒得坐立不安", "疼得睡不着", typed
    "疼的睡不着"): it says how bad the complaint before it is, it is not a complaint of its own."""
    if start > 1 and norm[start - 1] == "的" and norm[start - 2] in _COMPLAINT_DE:
        return True
    return start > 0 and norm[start - 1] == "得" and not (start > 1 and norm[start - 2] in _VERB_DE)


def _carry_severity(text: str, spans: Sequence[Tuple[int, int]], result: Extraction) -> None:
    """A clause with no symptom of its own ("晚上疼得睡不着") says how bad the one
    before it is."""
    mentions = result.mentions  # sorted, not overlapping
    starts = [m.start for m in mentions]
    seen, last_present = 0, None
    for cs, ce in spans:
        while seen < len(mentions) and mentions[seen].end <= cs:
            if mentions[seen].status == PRESENT:
                last_present = seen
            seen += 1
        clause = text[cs:ce]
        first = bisect.bisect_left(starts, cs)
        if (first < len(starts) and starts[first] < ce) or not says_pain(clause):
            continue
        severity = parse_severity(clause)
        if severity and last_present is not None:
            i = last_present
            m = result.mentions[i]
            if not m.severity or SEVERITY_RANK[severity] > SEVERITY_RANK[m.severity]:
                result.mentions[i] = Mention(m.symptom, m.text, m.start, m.end, m.status, severity, m.source)


def extract(text: str) -> Extraction:
    """Everything the triage needs from one message."""
    text = (text or "").strip()
    result = Extraction(text=text)
    if not text:
        return result
    norm = normalize(text)
    spans = clause_spans(norm)
    # "疼得睡不着", "咳得吃不下饭": what follows 得 says how bad, it is not a new symptom
    selected = [c for c in select(candidates(norm)) if c[2] != IGNORE and not says_how_bad(norm, c[0])]
    occupied = [(s, e) for s, e, *_ in selected]
    for start, end, symptom, source, gap in selected:
        status = assertion(norm, start, end, spans, occupied)
        if gap and status == PRESENT and has_negation(gap):
            status = ABSENT  # "嗓子不疼", "头也没那么晕" → said to be absent
        cs, ce = clause_of(spans, start)
        window = norm[max(cs, start - 6) : end] + norm[end : min(ce, end + 8)]
        result.mentions.append(Mention(symptom, norm[start:end], start, end, status, parse_severity(window), source))
    _carry_severity(norm, spans, result)

    by_status: Dict[str, List[str]] = {PRESENT: [], ABSENT: [], UNCERTAIN: [], PAST: []}
    for mention in result.mentions:
        if mention.status in by_status and mention.symptom not in by_status[mention.status]:
            by_status[mention.status].append(mention.symptom)
    result.present = by_status[PRESENT]
    result.absent = [s for s in by_status[ABSENT] if s not in result.present]
    result.uncertain = [s for s in by_status[UNCERTAIN] if s not in result.present and s not in result.absent]
    result.past = [s for s in by_status[PAST] if s not in result.present]
    severities = [m.severity for m in result.mentions if m.status == PRESENT and m.severity]
    result.severity = max(severities, key=SEVERITY_RANK.get) if severities else None
    result.duration_days = parse_duration(norm)
    result.temperature = parse_temperature(norm)
    # A measured temperature, or a short denial ("不烧"), settles whether there is a fever.
    if "fever" not in result.present + result.absent:
        if result.temperature is not None and result.temperature >= FEVER_FROM:
            result.present.append("fever")
        elif result.temperature is not None or says("fever_denied", norm):
            result.absent.append("fever")
    result.age_months = parse_age_months(norm)
    grown = says("grown_child", norm)
    result.child_hint = says("child_hint", norm) and not grown
    result.child_patient = says("child_patient", norm) and not grown
    result.elderly_hint = says("elderly", norm)
    result.sex = parse_sex(norm)
    result.pregnant, result.pregnancy_weeks = parse_pregnancy(norm)
    if result.pregnant and result.sex is None:
        result.sex = "female"  # "34周了宝宝动得特别多": whoever is pregnant is a woman
    result.sudden = parse_sudden(norm)
    for fact in SAID_FACTS:
        setattr(result, fact, says(fact, norm))
    result.resolved = says("settled", norm)
    result.history = parse_history(norm, spans, occupied)
    if says("blood_pressure_reading", norm) and "high_blood_pressure" not in result.present:
        result.present.append("high_blood_pressure")
    return result


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`python -m language.symptoms 头疼三天了`: what extract() reads, as JSON."""
    parser = argparse.ArgumentParser(description="What the symptom reader finds in a text")
    parser.add_argument("text", nargs="+", help="text to analyse")
    for text in parser.parse_args(argv).text:
        sys.stdout.write(json.dumps(extract(text).to_dict(), ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
