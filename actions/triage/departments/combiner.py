"""Knowledge and model together: a department ranking with a confidence.

The knowledge explains (the entries the patient named), the model generalises (wording
the knowledge lacks). With named entries the ranking is mostly the knowledge's, the
model breaking ties and adding near misses; without any, the model alone speaks, and
only when it is sure enough (MODEL_ALONE_MIN) does the triage take its word.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from actions.triage.departments import knowledge as dk
from actions.triage.departments import model as dm
from actions.triage.state import CHILDREN_DEPARTMENTS
from hospital.reference import load_departments
from language.knowledge_files import regex
from language.patient_facts import says

MODEL_SHARE = 0.35  # the model's share of the ranking when entries were named
# Without named entries the model alone names a department when this sure, and only for
# a message with enough Chinese characters to describe something, openers not counted: on
# "随便" or "不清楚" its characters say nothing, nor on "你好，我想问一下" (whose 0.154 for
# 心血管内科 once the development set had round 51 was chance). The model has a "no department" class, so its department shares are low
# on what is no complaint ("你好，在吗").
MODEL_ALONE_MIN = 0.15
MODEL_ALONE_MIN_CHARS = 6
UNSURE_BELOW = 0.55  # a top department less sure than this …
CLOSE_RATIO = 0.5  # … with a runner-up at least half as likely: ask which fits
NAMED_KINDS = ("conditions", "tests")  # what the symptom lexicon does not know; age and pregnancy are facts


@dataclass
class DepartmentGuess:
    ranking: List[Tuple[str, float]]  # sums to 1; empty when nothing points anywhere
    terms: List[str] = field(default_factory=list)  # entries named, in order (conditions as said)
    named: Dict[str, float] = field(default_factory=dict)  # evidence of NAMED_KINDS
    note: Optional[Tuple[str, str]] = None  # (term, short safe note) of a named entry
    urgency: Optional[str] = None
    from_knowledge: bool = False

    @property
    def department(self) -> Optional[str]:
        return self.ranking[0][0] if self.ranking else None

    @property
    def confidence(self) -> float:
        return self.ranking[0][1] if self.ranking else 0.0

    @property
    def unsure(self) -> bool:
        return unsure(self.ranking)


def unsure(ranking: List[Tuple[str, float]]) -> bool:
    if len(ranking) < 2:
        return False
    (_, top), (_, second) = ranking[0], ranking[1]
    return top < UNSURE_BELOW and second >= CLOSE_RATIO * top


def model_alone_decides(text: str, guess: "DepartmentGuess") -> bool:
    """Whether the model's ranking, with no entry named, is worth a department: enough
    Chinese to describe something, and its department likelier than no department at all
    (what is not in the ranking). The second condition keeps "我家猫今天自己学会开门了" or
    "房东说房租涨500" from a department; five-fold over the development set it cost 4 of
    the 483 right answers the model alone gave."""
    said = _openers().sub("", text)
    chinese = re.findall(r"[\u4e00-\u9fff]", said)  # its n-grams know Chinese, not markup or codes
    no_department = 1.0 - sum(p for _, p in guess.ranking)
    return len(chinese) >= MODEL_ALONE_MIN_CHARS and guess.confidence >= max(MODEL_ALONE_MIN, no_department)


@functools.lru_cache(maxsize=1)
def _openers() -> "re.Pattern[str]":
    words = sorted(dk.dialogue()["openers"], key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words))


@functools.lru_cache(maxsize=1)
def department_names() -> Tuple[Dict[str, str], "re.Pattern[str]"]:
    """(the department of each name and alias, a pattern of them all, longest first). A
    name of four characters or more is also known without its 科 ("要去风湿免疫")."""
    names = {name: d.name for d in load_departments() for name in (d.name, *d.aliases)}
    names.update({name[:-1]: dept for name, dept in list(names.items()) if name.endswith("科") and len(name) >= 4})
    return names, re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))))


def combine(knowledge_scores: Mapping[str, float], model_probs: Mapping[str, float]) -> List[Tuple[str, float]]:
    total = sum(knowledge_scores.values())
    if total <= 0:
        return sorted(model_probs.items(), key=lambda kv: -kv[1])
    mixed: Dict[str, float] = {d: (1 - MODEL_SHARE) * s / total for d, s in knowledge_scores.items()}
    for dept, p in model_probs.items():
        mixed[dept] = mixed.get(dept, 0.0) + MODEL_SHARE * p
    return sorted(mixed.items(), key=lambda kv: -kv[1])


def guess(
    text: str,
    knowledge: Optional[dk.DepartmentKnowledge] = None,
    model: Optional[dm.DepartmentModel] = None,
    symptom_spans: Sequence[Tuple[int, int]] = (),
    matches: Optional[Sequence[dk.Match]] = None,
) -> DepartmentGuess:
    """`symptom_spans`: where the symptom lexicon already read a complaint; an entry
    there ("掉头发" of 雄激素性脱发) is not counted again as a named condition, but one
    that reaches beyond it is ("溃疡性结肠炎" around the symptom "溃疡")."""
    knowledge = knowledge or dk.load_knowledge()
    model = model or dm.load_model()
    matches = knowledge.match(text) if matches is None else matches
    if says("caught_from_a_child", text):  # "孩子感冒传染给我了 嗓子疼": the writer is the patient
        matches = [m for m in matches if m.entry.department not in CHILDREN_DEPARTMENTS]
        text = regex("caught_from_a_child").sub("", text)
    # A department's name is the patient's guess or a hospital question ("急诊科晚上有没有儿科
    # 医生"), not a complaint: a referral (reading.referred_department) and the choice
    # question weigh it; the model reads the rest. On the development set nothing changed.
    ranking = combine(dk.scores(matches), model.predict(department_names()[1].sub("", text)))
    terms: List[str] = []
    note = None
    urgency = None
    named_entries = set()
    for m in matches:
        if m.entry.term not in named_entries:
            named_entries.add(m.entry.term)
            # a condition in the patient's own words ("手腕鼓包"), never as the diagnosis it may be
            terms.append(m.phrase if m.entry.kind == "conditions" else m.entry.term)
        if m.entry.note and note is None:
            note = (m.entry.term, m.entry.note)
        urgency = urgency or m.entry.urgency
    named = [m for m in matches if not any(s <= m.start and m.end <= e for s, e in symptom_spans)]
    return DepartmentGuess(ranking, terms, dk.scores(named, NAMED_KINDS), note, urgency, bool(matches))
