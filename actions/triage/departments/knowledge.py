"""The department knowledge: data/triage/departments/*.yml, one file per department.

Every entry is a term and its colloquial variants (see that folder's README.md).
`match(text)` finds the entries a message names, longest phrase first, and drops the
ones the patient denies ("没有糖尿病") and tests said to be normal ("心电图查了都正常"); `scores(matches)` turns them into department
evidence. Loading is lazy and cached; importing this module costs nothing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple


from knowledge.matching import inside_latin_word
from language import general_chinese
from language.knowledge_files import PROJECT_ROOT, load_yaml, read_yaml
from language.symptom_lexicon import without_fillers
from language import symptoms as sx
from language.patient_facts import reported_normal_after, says

DEPARTMENTS_DIR = PROJECT_ROOT / "data" / "triage" / "departments"
DIALOGUE_FILE = PROJECT_ROOT / "data" / "triage" / "dialogue.yml"
# How much a named entry says about the department, by kind: a diagnosis the patient
# was given says more than a body part alone.
KIND_WEIGHTS: Dict[str, float] = {
    "conditions": 3.0,
    "tests": 2.5,
    "symptoms": 2.0,
    "situations": 1.5,
    "body_parts": 1.0,
}
KINDS = tuple(KIND_WEIGHTS)


@dataclass(frozen=True)
class Entry:
    term: str
    variants: Tuple[str, ...]
    department: str
    kind: str
    weight: float = 1.0
    also: Mapping[str, float] = field(default_factory=dict)
    why: Optional[str] = None
    note: Optional[str] = None
    urgency: Optional[str] = None
    suspected: bool = True  # False: a suspicion ("会不会是癌") names no department, only a diagnosis does
    lookalikes: Tuple[str, ...] = ()  # words holding a phrase that mean something else (中心, 排骨)

    @property
    def phrases(self) -> Tuple[str, ...]:
        return (self.term,) + self.variants

    @property
    def evidence(self) -> float:
        return KIND_WEIGHTS[self.kind] * self.weight


@dataclass(frozen=True)
class Match:
    entry: Entry
    phrase: str
    start: int
    end: int


@dataclass(frozen=True)
class DepartmentKnowledge:
    ask_as: Mapping[str, str]
    entries: Tuple[Entry, ...]
    index: Mapping[str, Entry]  # lower-cased phrase → entry
    longest: int
    lookalikes: FrozenSet[str] = frozenset()  # lower-cased; read over, never matched

    def match(self, text: str) -> List[Match]:
        """The entries the text names (not denied, not long over), left to right, longest first."""
        norm = sx.normalize(text)
        low, where = without_fillers(norm.lower())  # where[k]: position in norm of low[k]
        spans = sx.clause_spans(norm)
        # A past illness named for its follow-up still says where to go.
        over = (sx.ABSENT,) if says("follow_up", norm) else (sx.ABSENT, sx.PAST)
        found: List[Match] = []
        i = 0
        while i < len(low):
            for length in range(min(self.longest, len(low) - i), 0, -1):
                if low[i : i + length] in self.lookalikes:
                    i += length
                    break
                entry = self.index.get(low[i : i + length])
                if entry is not None and inside_latin_word(low, i, i + length):
                    entry = None  # "tia" in the pinyin "yitian", "ct" in "doctor": not the abbreviation
                if entry is not None and length == 1 and entry.kind == "body_parts" and _in_idiom(low, i):
                    entry = None  # 心 of 心服口服, 眼 of 刮目相看: a figure of speech
                if entry is not None:
                    start, end = where[i], where[i + length - 1] + 1
                    status = sx.assertion(norm, start, end, spans)
                    if entry.kind == "tests" and status == sx.ABSENT:
                        status = sx.PRESENT  # "从来没做过肠镜" still says who does one
                    if entry.kind == "tests" and reported_normal_after(norm, end):
                        status = sx.ABSENT  # "心电图心脏彩超都查了，说没毛病": the complaint decides
                    if entry.kind == "conditions" and _family_history(norm, start):
                        status = sx.PAST  # "我爸得过肠癌 我也想做个胃肠镜": the relative's illness, the patient's check
                    if entry.kind == "symptoms" and sx.says_how_bad(norm, start):
                        status = sx.ABSENT  # "痒得坐立不安": how bad the itch is, not restlessness
                    if status not in over and (entry.suspected or status != sx.UNCERTAIN):
                        found.append(Match(entry, norm[start:end], start, end))
                    i += length
                    break
            else:
                i += 1
        return found


def _in_idiom(text: str, at: int) -> bool:
    return any(text[start : start + 4] in general_chinese.idioms() for start in range(max(0, at - 3), at + 1))


# A relative's illness told as the reason for the patient's own check: the relative just
# before the condition in its clause, and the patient asking about themselves.
_RELATIVE_HAD = re.compile(
    r"(我|俺)?(爸|妈|父亲|母亲|爷爷|奶奶|外公|外婆|姥姥|姥爷|哥|姐|弟|妹|舅|姨|叔|姑|家里人|家里|亲戚)"
    r"[^，。,.!?！？；;]{0,8}(得过|有过|查出|查出来|确诊|是|死于|走于|因为)[^，。,.!?！？；;]{0,3}$"
    # round 54: the relative and the illness side by side, no verb ("我舅舅肠癌 想做个胃肠镜")
    r"|(爸|妈|父亲|母亲|爷爷|奶奶|外公|外婆|姥姥|姥爷|舅舅|舅|姨|叔|姑|哥|姐|弟|妹)$"
)
_ABOUT_ME_TOO = re.compile(
    r"我也|俺也|我自己|我是不是也|我要不要也|我需不需要|我该不该|我会不会也|会不会遗传"
    # round 54: the patient's own screening asked for ("想做个胃肠镜查查", "想筛查一下")
    r"|想(做|查)(个|一下|一个)?(胃镜|肠镜|胃肠镜|筛查|检查)|筛查|想查查"
)


def _family_history(norm: str, start: int) -> bool:
    before = norm[max(0, start - 14) : start]
    return bool(_RELATIVE_HAD.search(before)) and bool(_ABOUT_ME_TOO.search(norm))


def entry_from(raw: Any, department: str, kind: str) -> Entry:
    if isinstance(raw, Mapping):
        terms = [str(t) for t in raw["terms"]]
        return Entry(
            terms[0],
            tuple(terms[1:]),
            department,
            kind,
            float(raw.get("weight", 1.0)),
            {str(k): float(v) for k, v in (raw.get("also") or {}).items()},
            raw.get("why"),
            raw.get("note"),
            raw.get("urgency"),
            bool(raw.get("suspected", True)),
            tuple(str(w) for w in raw.get("not") or ()),
        )
    terms = [str(t) for t in raw]
    return Entry(terms[0], tuple(terms[1:]), department, kind)


def read_department_files(directory: Path = DEPARTMENTS_DIR) -> List[Dict[str, Any]]:
    return [dict(read_yaml(path), file=path.name) for path in sorted(directory.glob("*.yml"))]


def build_knowledge(files: Sequence[Mapping[str, Any]]) -> DepartmentKnowledge:
    entries: List[Entry] = []
    ask_as: Dict[str, str] = {}
    for data in files:
        department = data["department"]
        ask_as[department] = data.get("ask_as") or department
        for kind in KINDS:
            entries.extend(entry_from(raw, department, kind) for raw in data.get(kind) or [])
    index: Dict[str, Entry] = {}
    for entry in entries:
        for phrase in entry.phrases:
            index.setdefault(without_fillers(phrase.lower())[0], entry)
    lookalikes = frozenset(without_fillers(w.lower())[0] for entry in entries for w in entry.lookalikes)
    longest = max((len(p) for p in [*index, *lookalikes]), default=1)
    return DepartmentKnowledge(ask_as, tuple(entries), index, longest, lookalikes)


@functools.lru_cache(maxsize=None)
def load_knowledge() -> DepartmentKnowledge:
    return build_knowledge(read_department_files())


def dialogue() -> Mapping[str, Any]:
    """Wording and word lists the department step of the triage uses."""
    return load_yaml(str(DIALOGUE_FILE))


def scores(matches: Sequence[Match], kinds: Sequence[str] = KINDS) -> Dict[str, float]:
    """Department evidence of the matches (each entry counted once)."""
    result: Dict[str, float] = {}
    seen = set()
    for m in matches:
        if m.entry.kind not in kinds or id(m.entry) in seen:
            continue
        seen.add(id(m.entry))
        result[m.entry.department] = result.get(m.entry.department, 0.0) + m.entry.evidence
        for dept, share in m.entry.also.items():
            result[dept] = result.get(dept, 0.0) + m.entry.evidence * share
    return result


@functools.lru_cache(maxsize=None)
def _knowledge_question() -> "re.Pattern[str]":
    return re.compile("|".join(re.escape(w) for w in dialogue()["knowledge_question_words"]))


def asks_for_knowledge(text: str) -> bool:
    """ "乙肝饮食注意事项", "癫痫怎么护理": a question about living with a condition."""
    return bool(_knowledge_question().search(sx.normalize(text)))
