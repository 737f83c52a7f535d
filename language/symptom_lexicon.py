"""The symptoms of data/knowledge/symptoms.yml: each with its colloquial phrases, the
body part + feeling composites ("嗓子" … "疼"), look-alike phrases to ignore, common
input slips ("头运" → "头晕"; "身上就养" → "身上就痒" only where the words around say so),
traditional characters read as simplified ("講話" → "讲话") and
Cantonese (and a few other regional) words read as Mandarin ("半边身冇力" → "半边身没力")."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Dict, List, NamedTuple, Optional, Set, Tuple

from language.knowledge_files import knowledge, regex
from language.english import read_latin
from language.numbers import readings_in_digits

IGNORE = "_ignore"  # label of look-alike phrases that are matched and then dropped


class ContextFix(NamedTuple):
    """A character fixed only where the words around it say so: the pattern's group `slip`
    becomes `fix` (as long, so offsets stay)."""

    pattern: "re.Pattern[str]"
    fix: str

    def apply(self, match: "re.Match[str]") -> str:
        start, end = match.span("slip")
        whole, offset = match.group(), match.start()
        return whole[: start - offset] + self.fix + whole[end - offset :]


@dataclass(frozen=True)
class SymptomDef:
    id: str
    name: str
    synonyms: Tuple[str, ...]
    departments: Dict[str, float]
    questions: Tuple[str, ...] = ()
    urgency: str = "routine"
    self_care_days: Optional[float] = None
    return_if: Optional[str] = None
    tags: Tuple[str, ...] = ()
    generic: bool = False
    background: bool = False
    severe_urgency: str = "today"
    context: bool = False  # a circumstance or trigger (压力大, 一紧张就): half beside a bodily complaint
    # the urgency holds while the complaint is at most this many days old (or its age unknown);
    # older, it is routine ("面瘫一个月了，恢复了大半，想扎针灸": no longer a same-day visit)
    acute_days: Optional[float] = None
    diagnosis: bool = False  # the name is a diagnosis: said back in the patient's words


@dataclass(frozen=True)
class Composite:
    symptom: str
    body: Tuple[str, ...]
    feeling: Tuple[str, ...]
    gap_any: bool = False
    gap_not: Tuple[str, ...] = ()  # words between body and feeling that say it is something else


@dataclass(frozen=True)
class Lexicon:
    symptoms: Dict[str, SymptomDef]
    composites: Tuple[Composite, ...]
    synonym_to_id: Dict[str, str]
    typos: Tuple[Tuple[str, str], ...] = ()
    # str.translate table: traditional character → simplified (one for one, so offsets stay)
    traditional: Dict[int, int] = field(default_factory=dict)
    # Cantonese and other regional writing read as Mandarin, one character for one: a
    # str.translate table of characters no Mandarin word uses ("冇" → "没"), characters
    # read so only where an expression around them says they are the regional word ("唔"
    # before another character → "不"), and words of the same length ("啱啱" → "刚刚")
    dialect: Dict[int, int] = field(default_factory=dict)
    dialect_context: Tuple[ContextFix, ...] = ()
    dialect_words: Tuple[Tuple[str, str], ...] = ()
    # slips that are words themselves ("养" for "痒"), fixed only where the expression around
    # them says so
    typos_in_context: Tuple[ContextFix, ...] = ()

    def name(self, symptom_id: str) -> str:
        return self.symptoms[symptom_id].name


def build_lexicon(data: dict) -> Lexicon:
    symptoms: Dict[str, SymptomDef] = {}
    synonym_to_id: Dict[str, str] = {}
    for entry in data["symptoms"]:
        sym = SymptomDef(
            id=entry["id"],
            name=entry["name"],
            synonyms=tuple(str(s) for s in entry.get("synonyms", [])),
            departments={k: float(v) for k, v in entry.get("departments", {}).items()},
            questions=tuple(entry.get("questions", [])),
            urgency=entry.get("urgency", "routine"),
            self_care_days=entry.get("self_care_days"),
            return_if=entry.get("return_if"),
            tags=tuple(entry.get("tags", [])),
            generic=bool(entry.get("generic", False)),
            background=bool(entry.get("background", False)),
            severe_urgency=entry.get("severe_urgency", "today"),
            context=bool(entry.get("context", False)),
            acute_days=entry.get("acute_days"),
            diagnosis=bool(entry.get("diagnosis", False)),
        )
        symptoms[sym.id] = sym
        for phrase in (sym.name,) + sym.synonyms:
            synonym_to_id.setdefault(phrase, sym.id)
    composites = tuple(
        Composite(
            c["symptom"], tuple(c["body"]), tuple(c["feeling"]), c.get("gap") == "any", tuple(c.get("gap_not") or ())
        )
        for c in data.get("composites", [])
    )
    for phrase in data.get("ignore", []):
        synonym_to_id.setdefault(str(phrase), IGNORE)
    chars = data.get("traditional") or {}
    traditional = str.maketrans(str(chars.get("from", "")), str(chars.get("to", "")))
    regional = data.get("dialect") or {}
    table = regional.get("chars") or {}
    dialect = str.maketrans(str(table.get("from", "")), str(table.get("to", "")))
    return Lexicon(
        symptoms,
        composites,
        synonym_to_id,
        _word_fixes(data.get("typos")),
        traditional,
        dialect,
        _context_fixes(regional.get("context")),
        _word_fixes(regional.get("words")),
        _context_fixes(data.get("typos_in_context")),
    )


def _word_fixes(words: Optional[Dict]) -> Tuple[Tuple[str, str], ...]:
    """{word: its fix}, longest words first."""
    return tuple(sorted(((str(k), str(v)) for k, v in (words or {}).items()), key=lambda kv: -len(kv[0])))


def _context_fixes(pairs: Optional[List]) -> Tuple[ContextFix, ...]:
    return tuple(ContextFix(re.compile(str(pattern)), str(fix)) for pattern, fix in (pairs or []))


@functools.lru_cache(maxsize=None)
def load_lexicon() -> Lexicon:
    return build_lexicon(knowledge("symptoms"))


# A run of more than 12 digits or 8 Chinese numerals is no quantity a patient describes:
# only its start is kept. Rules that count ("\d+个小时") would otherwise try every position
# of a 20,000-character run to its end, and a message's matching time would grow with the
# square of its length (tests/unit/test_linear_time.py).
_NUMERAL = "[一二两三四五六七八九十百千万零几]"
_LONG_NUMBER_TAIL = re.compile(rf"(?<=\d{{12}})\d+|(?<={_NUMERAL}{{8}}){_NUMERAL}+")


_UNIT = "[度岁天个次年月周日号斤克公分点小毫厘米升块元粒片支瓶袋颗下多余左上]"


def normalize(text: str) -> str:
    """The text with spaces between Chinese characters made a comma where they separate
    clauses ("吐了好多血 之前有肝硬化", as chat users type), dropped where they separate
    words ("我 朋友 手 切 掉了"), a reading's Chinese number written in digits ("血氧八十八" →
    "血氧88"), traditional characters made simplified ("講話" → "讲话"),
    Cantonese read as Mandarin ("企唔起身" → "站不起身") and common input slips fixed
    ("头运" → "头晕", and "身上就养" → "身上就痒" where the words around say so). Fixes keep
    the length, so offsets stay valid. English words and pinyin are read as Chinese first
    (language.english), which changes the length: offsets are always into the normalized
    text."""
    lexicon = load_lexicon()
    text = readings_in_digits(_LONG_NUMBER_TAIL.sub("", read_latin((text or "").strip())))
    text = text.translate(lexicon.traditional).translate(lexicon.dialect)
    text = _fix_words(_fix_in_context(text, lexicon.dialect_context), lexicon.dialect_words)
    if re.search(r"[\u4e00-\u9fff]", text):
        pieces = re.split(r"\s+", text)
        between = "，" if sum(map(len, pieces)) >= 3 * len(pieces) else ""
        text = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", between, text)
        # After a number, a space starts a new clause unless a unit follows ("发烧39 以前…").
        text = re.sub(rf"(?<=\d)\s+(?=[\u4e00-\u9fff])(?!{_UNIT})", "，", text)
    return _fix_in_context(_fix_words(text, lexicon.typos), lexicon.typos_in_context)


def _fix_words(text: str, fixes: Tuple[Tuple[str, str], ...]) -> str:
    for word, fix in fixes:
        if word in text:
            text = text.replace(word, fix)
    return text


def _fix_in_context(text: str, fixes: Tuple[ContextFix, ...]) -> str:
    for fix in fixes:
        text = fix.pattern.sub(fix.apply, text)
    return text


def without_fillers(text: str) -> Tuple[str, List[int]]:
    """The text less the degree words of matching.yml `knowledge_fillers`, and for each
    character left its position in the text."""
    kept: List[int] = []
    last = 0
    for m in regex("knowledge_fillers").finditer(text):
        kept += range(last, m.start())
        last = m.end()
    kept += range(last, len(text))
    return "".join(text[k] for k in kept), kept


def dictionary_phrases(lexicon: Lexicon) -> Set[str]:
    """Every phrase of the lexicon jieba could keep whole: synonyms, names, ignored
    look-alikes and body parts."""
    words: Set[str] = set()
    for sym in lexicon.symptoms.values():
        words.update(sym.synonyms)
        words.add(sym.name)
    words.update(w for w, sid in lexicon.synonym_to_id.items() if sid == IGNORE)
    for comp in lexicon.composites:
        words.update(comp.body)
    return words
