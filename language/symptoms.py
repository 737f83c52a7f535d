"""Symptom extraction from a patient's own words.

`extract(text)` finds the symptoms of data/knowledge/symptoms.yml with spaCy's
`PhraseMatcher` (every colloquial phrase) and `Matcher` (body part + feeling with words
in between: "嗓子有点疼", "嗓子不疼"), over the project's one Chinese pipeline
(`get_nlp()`). Each mention is marked present, absent (negated in its clause),
uncertain ("有没有发烧"), past ("上个月晕倒过一次，现在好了") or hypothetical
("如果发烧怎么办"). It also reads duration, severity, temperature, age, sex,
pregnancy and history (hypertension, diabetes, allergies, medicines).

jieba sometimes glues a negation to a word ("没发烧" stays split, "不疼" does not), so
a character-level pass over the same lexicon catches what the token matchers cannot
align; every result says which pass found it.

Everything here is a pure function of the text; the lexicon and matchers are built
once, on first use. Every pass is linear in the length of the text: negation, hedges
and time words are read at most CONTEXT_CHARS around a phrase, and no expression can
backtrack without bound (tests/unit/test_linear_time.py), so a long message without
punctuation cannot stall the server that runs this on every message.
"""
from __future__ import annotations

import argparse
import bisect
import functools
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from language.knowledge_files import PROJECT_ROOT, knowledge
from language.zh_nlp import get_nlp, lexicon_files, read_words

logger = logging.getLogger(__name__)

USER_DICT_PATH = PROJECT_ROOT / "data" / "lexicon" / "symptoms.txt"
USER_DICT_FREQ = 200000

SEVERITY_RANK = {"mild": 1, "moderate": 2, "severe": 3}
PRESENT, ABSENT, UNCERTAIN, PAST, HYPOTHETICAL = "present", "absent", "uncertain", "past", "hypothetical"


# ── Lexicon ───────────────────────────────────────────────────────────────────


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


@dataclass(frozen=True)
class Composite:
    symptom: str
    body: Tuple[str, ...]
    feeling: Tuple[str, ...]
    gap_any: bool = False


IGNORE = "_ignore"  # label of look-alike phrases that are matched and then dropped
ANY_GAP_CHARS = 8
MAX_PATTERN_TOKENS = 8  # body + gap + feeling; longer token matches are not one complaint
PATTERN_CHUNK_TOKENS = 64
# How far before and after a phrase its clause is read for negation, hedges and time
# words. Real clauses are shorter; a longer one is a message without punctuation,
# and reading all of it for every phrase in it would take time quadratic in its length.
CONTEXT_CHARS = 100


@dataclass(frozen=True)
class Lexicon:
    symptoms: Dict[str, SymptomDef]
    composites: Tuple[Composite, ...]
    synonym_to_id: Dict[str, str]
    typos: Tuple[Tuple[str, str], ...] = ()

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
        )
        symptoms[sym.id] = sym
        for phrase in (sym.name,) + sym.synonyms:
            synonym_to_id.setdefault(phrase, sym.id)
    composites = tuple(
        Composite(c["symptom"], tuple(c["body"]), tuple(c["feeling"]), c.get("gap") == "any")
        for c in data.get("composites", [])
    )
    for phrase in data.get("ignore", []):
        synonym_to_id.setdefault(str(phrase), IGNORE)
    typos = tuple(sorted(((str(k), str(v)) for k, v in (data.get("typos") or {}).items()),
                         key=lambda kv: -len(kv[0])))
    return Lexicon(symptoms, composites, synonym_to_id, typos)


def normalize(text: str) -> str:
    """The text with spaces between Chinese characters removed and common input slips
    fixed ("头运" → "头晕"). Fixes keep the length, so offsets stay valid."""
    text = (text or "").strip()
    if re.search(r"[\u4e00-\u9fff]", text):
        text = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", text)
    for slip, fix in load_lexicon().typos:
        if slip in text:
            text = text.replace(slip, fix)
    return text


@functools.lru_cache(maxsize=None)
def load_lexicon() -> Lexicon:
    return build_lexicon(knowledge("symptoms"))


def other_lexicon_words() -> List[str]:
    """Words of the other dictionaries in data/lexicon (departments, doctors, tests …)."""
    return read_words(p for p in lexicon_files() if p.resolve() != USER_DICT_PATH.resolve())


def dictionary_words(lexicon: Optional[Lexicon] = None, others: Optional[Iterable[str]] = None) -> List[str]:
    """Phrases jieba must keep whole: every synonym and body part of two or more characters,
    except phrases that would swallow a word of another dictionary ("血糖偏高" would hide
    the lab test "血糖" from the reports entities). Those stay split; the PhraseMatcher
    still finds them as a sequence of tokens."""
    lexicon = lexicon or load_lexicon()
    others = {w for w in (other_lexicon_words() if others is None else others) if len(w) >= 2}
    words = set()
    for sym in lexicon.symptoms.values():
        words.update(sym.synonyms)
        words.add(sym.name)
    words.update(w for w, sid in lexicon.synonym_to_id.items() if sid == IGNORE)
    for comp in lexicon.composites:
        words.update(comp.body)
    return sorted(
        w for w in words
        if len(w) >= 2 and not re.search(r"\s", w) and not any(o != w and o in w for o in others)
    )


def generate_user_dict(lexicon: Optional[Lexicon] = None) -> str:
    """Content of data/lexicon/symptoms.txt (jieba user dictionary: `word freq`)."""
    lines = [
        "# Generated from data/knowledge/symptoms.yml — do not edit by hand.",
        "# Regenerate: python -m language.symptoms --write-lexicon",
    ]
    lines += [f"{word} {USER_DICT_FREQ}" for word in dictionary_words(lexicon)]
    return "\n".join(lines) + "\n"


def write_user_dict(path: Path = USER_DICT_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(generate_user_dict(), encoding="utf-8")
    return path


# ── Matchers (built once) ─────────────────────────────────────────────────────

# Words that may sit between a body part and a feeling: "肚子一阵一阵的疼".
GAP_TOKENS = (
    "有点", "有些", "一点", "一点点", "很", "特别", "非常", "好", "挺", "老", "总", "总是", "经常",
    "偶尔", "一直", "也", "都", "还", "还是", "了", "的", "得", "地", "一阵", "一阵一阵", "一阵阵",
    "阵阵", "隐隐", "隐隐约约", "有时候", "有时", "突然", "不", "没", "没有", "不太", "不怎么", "也不",
    "也没", "比较", "蛮", "超", "巨", "真", "好像", "感觉", "觉得", "开始", "稍微", "微微", "剧烈",
    "越来越", "不停", "一抽一抽", "一跳一跳", "就", "又", "会", "常常", "时不时", "时常", "倒",
    "倒是", "并", "并不", "那么", "这么", "太", "一", "阵", "些", "点", "那", "这",
    "左边", "右边", "左侧", "右侧", "中间", "一下一下", "一下", "这块", "那块", "里面", "里", "上",
    "下面", "上面", "那里", "这里", "长了", "长了个", "有个", "个", "一个", "颜色", "像", "鼓了",
    "比", "同学", "同龄人", "别人", "有",
    "起了", "起", "出了", "好多", "一片", "几个", "很多", "一些", "满", "冒出", "按着", "按", "一按", "压着",
)
GAP_CHARS = "".join(sorted({ch for tok in GAP_TOKENS for ch in tok}))
NEGATION_PREFIXES = ("不", "没", "不太", "没有", "不怎么")


@dataclass(frozen=True)
class _Matchers:
    phrase: object
    pattern: object
    synonym_regex: "re.Pattern[str]"
    composite_regex: Tuple[Tuple[str, "re.Pattern[str]"], ...]


@functools.lru_cache(maxsize=None)
def _matchers() -> _Matchers:
    from spacy.matcher import Matcher, PhraseMatcher

    lexicon = load_lexicon()
    # get_nlp() loads data/lexicon/*.txt. Nothing is added to jieba here: the Rasa
    # tokenizer shares jieba's dictionary, and tokens must not change after training.
    nlp = get_nlp()

    phrase = PhraseMatcher(nlp.vocab)
    for sym in lexicon.symptoms.values():
        phrase.add(sym.id, [nlp.make_doc(s) for s in sym.synonyms])
    ignored = [w for w, sid in lexicon.synonym_to_id.items() if sid == IGNORE]
    if ignored:
        phrase.add(IGNORE, [nlp.make_doc(w) for w in ignored])

    pattern = Matcher(nlp.vocab)
    for index, comp in enumerate(lexicon.composites):
        feelings = list(comp.feeling) + [neg + f for neg in NEGATION_PREFIXES for f in comp.feeling]
        gap = {"IS_PUNCT": False, "OP": "*"} if comp.gap_any else {"TEXT": {"IN": list(GAP_TOKENS)}, "OP": "*"}
        pattern.add(
            f"{comp.symptom}#{index}",
            [[{"TEXT": {"IN": list(comp.body)}}, gap, {"TEXT": {"IN": feelings}}]],
        )

    synonyms = sorted(lexicon.synonym_to_id, key=len, reverse=True)
    synonym_regex = re.compile("|".join(re.escape(s) for s in synonyms))
    composite_regex = []
    for comp in lexicon.composites:
        body = "|".join(re.escape(b) for b in sorted(comp.body, key=len, reverse=True))
        feel = "|".join(re.escape(f) for f in sorted(comp.feeling, key=len, reverse=True))
        gap = (rf"[^，,。.！!？?；;\s]{{0,{ANY_GAP_CHARS}}}?" if comp.gap_any
               else f"[{re.escape(GAP_CHARS)}]{{0,6}}?")
        composite_regex.append((comp.symptom, re.compile(f"(?:{body})(?P<gap>{gap})(?:{feel})")))
    return _Matchers(phrase, pattern, synonym_regex, tuple(composite_regex))


# ── Clauses, negation, time ───────────────────────────────────────────────────

_CLAUSE_BREAK = re.compile(r"[，,。.！!？?；;\n~～…]+|(?<!不)(?=但是|可是|不过|然而|就是|只是|只不过)|(?<=[^不])(?=但(?!是))")

# Phrases containing a negation character that do not negate what follows.
_NOT_NEGATION = re.compile(
    "不知道|不清楚|不确定|不舒服|不停|不止|不得了|不行|不了|是不是|有没有|会不会|要不要|好不好|"
    "不太舒服|不好|不适|不用|不对劲|不一样|不断|不少|不光|不仅|不但|无法|无缘无故|不小心|不管|没准|"
    "不久|没多久|没几天|不到|不知|不算|无意|没事|不怎么样|吃不下|睡不着|说不出|喘不|透不|止不住|"
    "叫不醒|抬不起|不能|不住|不上|不下|不动|不清|不规律|不通|没来|没劲|没力气|没胃口|没精神|不想吃|"
    "不爱吃|不肯|不见好|没好|不退|没退|退不下|不消|没消|不大|不多|不少|差不多|忍不住|受不了|不得不|"
    "来不及|不会吧|不然|要不|不如|不是很|不太|没那么|不怎么|没怎么|不见|不小|不轻|不时|不由|不由得|"
    "不该|不可以|不要|别的|特别|没用|没效果|不管用|不起作用|不愈合|不消退|没有用|不过|不论|不只|不然"
)
# Mild "negations" are softeners, not negation ("不是很疼" = a little).
_NEGATION_CUE = re.compile("否认|并没有|从来没有|从来没|从没有|从没|都没有|也没有|没有|也没|都没|也不是|都不是|并不是|倒不是|并不|也不|都不|不是|没|不|无|未|别")
# Words that may stand between a negation and what it negates ("没有明显的胸痛").
# Read by _only_filler, not a regular expression: "(?:有|过|有过|…)*" backtracks
# exponentially on "有过有过…" that does not end in filler.
_FILLER_WORDS = (
    "Ｍ|有|过|什么|怎么|太|很|明显|明显的|的|出现|出现过|感觉|觉得|再|任何|啥|特别|那么|这么|还|也|都|"
    "、|和|或|及|跟|与|或者|以及|伴|伴有|发生|发生过|有过|想|想过|打算|念头|一点|有点|真的|真|老|经常|总|常|"
    "怎么|咋|一直|感到|出现什么|其他|别的|其它|发|会|再有|有什么|见|说|在|了|出|被"
).split("|")
_FILLER_BY_FIRST: Dict[str, Tuple[str, ...]] = {}
for _word in sorted(set(_FILLER_WORDS)):
    _FILLER_BY_FIRST[_word[0]] = _FILLER_BY_FIRST.get(_word[0], ()) + (_word,)


def _only_filler(text: str) -> bool:
    """Whether `text` is a sequence of filler words (or empty): one pass, marking every
    position a sequence of them can reach."""
    reach = bytearray(len(text) + 1)
    reach[0] = 1
    for i, ch in enumerate(text):
        if reach[i]:
            for word in _FILLER_BY_FIRST.get(ch, ()):
                if text.startswith(word, i):
                    reach[i + len(word)] = 1
    return bool(reach[len(text)])

_POST_NEGATION = re.compile(r"^(?:倒是|倒|是|也|都|就|倒也|从来|还|并)?(?:没有|没|无|不)(?:的|呢|啊|了|过|有)?[吧啊呢哦。，,]*$")
_UNCERTAIN = re.compile("有没有|是不是|会不会|不知道|不确定|不清楚|说不好|有无|是否|可能是|好像是|担心|怕是|要不要紧")
_HYPOTHETICAL = re.compile("如果|假如|万一|要是|假设|的话|怎么预防|预防|注意什么|有什么症状|什么症状|哪些症状|是什么病|怎么判断|怎么办呢")
_REMOTE_PAST = re.compile(
    r"上个月|上上个月|去年|前年|几年前|好几年前|多年前|(?<!\d)\d+年前|(?<![一二两三四五六七八九十几])[一二两三四五六七八九十几]+年前|"
    r"(?<!\d)\d+个月前|(?<![一二两三四五六七八九十几])[一二两三四五六七八九十几]+个月前|以前|从前|小时候|年轻时|年轻的时候|曾经|早年|"
    r"病史|既往|之前得过|以前得过|过去(的)?(几|一|两|三|那)?(年|个月|些年)|在过去"
)
_SETTLED_AFTER = re.compile(r"^(已经|早就|都|也)?(退了|好了|消了|没了|不烧了|停了|止住了)")
_WEAK_PAST = re.compile(r"之前|上周|上星期|上礼拜|上次|那次|前段时间|前阵子|前些天|过一次|过两次|过几次|过好几次")
_RESOLVED = re.compile(r"现在好了|已经好了|早就好了|好了|没事了|恢复了|治好了|痊愈|复查|复诊|随访|已经没事|缓过来了|不疼了|不晕了|现在没事")
_ONGOING = re.compile(r"现在还|现在又|现在仍|现在也|到现在|还在|一直|又开始|又|越来越|至今|仍然|依然|还是|刚才|刚刚|这几天|最近|今天|开始")


def clause_spans(text: str) -> List[Tuple[int, int]]:
    """Character spans of the clauses of `text` (split at punctuation and 但/但是/不过…)."""
    spans, start = [], 0
    for m in _CLAUSE_BREAK.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = max(start, m.end())
    if start < len(text):
        spans.append((start, len(text)))
    return spans or [(0, len(text))]


def _clause_index(spans: Sequence[Tuple[int, int]], start: int) -> int:
    """Index of the clause holding `start` in sorted `spans`, or -1."""
    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    return i if i >= 0 and spans[i][0] <= start < spans[i][1] else -1


def clause_of(spans: Sequence[Tuple[int, int]], start: int) -> Tuple[int, int]:
    i = _clause_index(spans, start)
    if i >= 0:
        return spans[i]
    return (0, spans[-1][1]) if spans else (0, 0)


def _near(others: Sequence[Tuple[int, int]], lo: int, hi: int) -> Sequence[Tuple[int, int]]:
    """The spans of `others` (sorted, not overlapping each other) that overlap [lo, hi)."""
    first = bisect.bisect_right(others, lo, key=lambda o: o[1])
    last = bisect.bisect_left(others, hi, key=lambda o: o[0])
    return others[first:last]


def _mask(text: str, spans: Iterable[Tuple[int, int]], offset: int = 0) -> str:
    chars = list(text)
    for s, e in spans:
        start, end = max(s - offset, 0), min(e - offset, len(chars))
        if start < end:
            chars[start:end] = "Ｍ" * (end - start)
    return "".join(chars)


def _mask_not_negation(text: str) -> str:
    return _NOT_NEGATION.sub(lambda m: "＃" * len(m.group()), text)


def is_negated(prefix: str, suffix: str = "") -> bool:
    """Whether a phrase is negated, given the clause text before it (other mentions
    already masked as Ｍ) and after it. The negation must be followed only by filler
    words ("没有明显的胸痛", "否认高血压、糖尿病") — "吃了药也没好转还是头疼" is not a
    negated headache."""
    masked = _mask_not_negation(prefix)
    cues = list(_NEGATION_CUE.finditer(masked))
    if cues and _only_filler(masked[cues[-1].end():]):
        return True
    return bool(suffix) and bool(_POST_NEGATION.match(suffix.strip()))


@functools.lru_cache(maxsize=16)
def _says_resolved(message: str) -> bool:
    # Cached: asked for every phrase of the same message.
    return bool(_RESOLVED.search(message))


def time_status(clause: str, message: str) -> Optional[str]:
    """PAST if the clause speaks of a resolved, earlier episode; else None."""
    if _ONGOING.search(clause):
        return None
    if _REMOTE_PAST.search(clause):
        return PAST
    if _WEAK_PAST.search(clause) and _says_resolved(message):
        return PAST
    return None


def assertion(text: str, start: int, end: int, spans: Sequence[Tuple[int, int]],
              others: Sequence[Tuple[int, int]] = (), mask_overlapping: bool = True) -> str:
    """Status of the phrase text[start:end]: present / absent / uncertain / past / hypothetical.

    `others` are the other mentions in the text, sorted and not overlapping each other;
    they are masked while the clause is read. With mask_overlapping=False those that
    overlap the phrase itself stay as they are."""
    index = _clause_index(spans, start)
    cs, ce = spans[index] if index >= 0 else clause_of(spans, start)
    cs, ce = max(cs, start - CONTEXT_CHARS), min(ce, end + CONTEXT_CHARS)
    clause = text[cs:ce]
    if _HYPOTHETICAL.search(clause):
        return HYPOTHETICAL
    others = [o for o in _near(others, cs, ce) if o != (start, end)
              and (mask_overlapping or not (o[0] < end and start < o[1]))]
    prefix = _mask(text[cs:start], others, cs)
    suffix = _mask(text[end:ce], others, end)
    if is_negated(prefix, suffix):
        return ABSENT
    past = time_status(clause, text)
    if past:
        return past
    after = text[end:ce]
    if not after.strip():
        nxt = index + 1 if index >= 0 else bisect.bisect_left(spans, (ce, -1))
        after = text[spans[nxt][0]:min(spans[nxt][1], spans[nxt][0] + CONTEXT_CHARS)] if nxt < len(spans) else ""
    if _SETTLED_AFTER.match(after):
        return PAST  # "发烧已经退了", "前几天发烧，已经退了"
    if _UNCERTAIN.search(_mask(prefix, [])):
        return UNCERTAIN
    return PRESENT


# ── Numbers, duration, severity, temperature ──────────────────────────────────

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_number(token: str) -> Optional[float]:
    """'3' → 3, '三十九' → 39, '两三' → 3 (the larger), '十几' → 15, '几' → 3, '半' → 0.5."""
    token = token.strip()
    if not token:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(token)
    if token == "半":
        return 0.5
    if token in ("几", "好几"):
        return 3.0 if token == "几" else 4.0
    if len(token) == 2 and all(c in _CN_DIGITS for c in token) and _CN_DIGITS[token[1]] == _CN_DIGITS[token[0]] + 1:
        return float(_CN_DIGITS[token[1]])  # 两三, 三四 …
    token = token.replace("几", "五") if token.startswith("十") or token.endswith("几") else token
    total, current = 0, 0
    for ch in token:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return float(total + current)


# A number starts where its run of digits starts: otherwise a long run of digits with
# no unit after it is tried from every position in it (time quadratic in its length).
_NUM = r"(?<![\d.])\d+(?:\.\d+)?|(?<![零一二两俩三四五六七八九十百几半])[零一二两俩三四五六七八九十百几半]+"
_UNIT_DAYS = {"小时": 1 / 24, "钟头": 1 / 24, "天": 1, "日": 1, "晚": 1, "晚上": 1, "宿": 1, "星期": 7, "礼拜": 7, "周": 7, "月": 30, "年": 365}
_DURATION = re.compile(
    rf"(?P<hao>好)?(?P<num>{_NUM})(?P<ge>个)?(?P<half1>半)?(?P<more>多|来)?(?P<unit>小时|钟头|天|日|晚上|晚|宿|星期|礼拜|周|月|年)(?P<half2>半)?(?P<more2>多)?"
)
_CHILD_NOUN = r"宝宝|孩子|婴儿|娃|儿子|女儿|小孩|闺女|孙子|孙女|外孙女|外孙|宝贝|小宝|新生儿|大宝|二宝|小朋友|男孩|女孩|男宝|女宝"
_DURATION_WORDS = [
    (re.compile(r"大前天"), 3.0), (re.compile(r"前天"), 2.0), (re.compile(r"昨天|昨晚|昨儿|昨日|昨夜"), 1.0),
    (re.compile(r"今天|今早|今晨|今儿|早上起来|刚才|刚刚|一早|今天下午|今晚|半夜|凌晨"), 0.5),
    (re.compile(r"上周|上个星期|上礼拜|上星期"), 7.0), (re.compile(r"上个月"), 30.0),
    (re.compile(r"去年(开始|起|到现在|就)"), 365.0),
    (re.compile(r"很久|好久|很长时间|好长时间|长期|一直都|常年|老毛病"), 180.0),
    (re.compile(r"好多年|多年|好几年"), 1000.0),
]


def parse_duration(text: str) -> Optional[float]:
    """How long the complaint has lasted, in days (the longest one mentioned)."""
    found: List[float] = []
    for m in _DURATION.finditer(text):
        before, after = text[max(0, m.start() - 4):m.start()], text[m.end():m.end() + 8]
        unit = m.group("unit")
        if re.search(r"(孕|怀孕|怀了)$", before) or re.match(r"^(大|的(宝宝|孩子|婴儿|娃|小孩|新生儿))|^岁|^龄", after):
            continue
        if re.search(rf"({_CHILD_NOUN})(今年|才|刚|刚满|已经|现在|出生|刚出生|生下来|满)?$", before) and unit in ("月", "天", "周", "星期"):
            continue
        if re.search(r"[每隔]$", before) or (unit in ("天", "日", "周", "星期", "礼拜") and re.match(r"^(要|拉|吐|就|大概|差不多|约|能)?.{0,3}次", after)):
            continue
        if unit == "月" and re.match(r"^\d+[日号]", after):
            continue
        if unit in ("日",) and re.search(r"月$", before):
            continue
        if unit == "年" and re.match(r"^(代|级|纪|龄|轻)", after):
            continue
        if unit == "天" and re.match(r"^到晚", after):
            continue
        if re.match(r"^(以前|前)(?!开始)", after) and not re.match(r"^前(开始|起)", after):
            # "两年前得过" is a past event, not how long this has lasted
            if re.search(r"(得过|做过|有过|晕倒过|好了|治好)", text[m.end():m.end() + 12]):
                continue
        num = cn_number(m.group("num"))
        if num is None:
            continue
        if m.group("hao") and m.group("num") == "几":
            num = 4.0
        if m.group("half1") or m.group("half2"):
            num += 0.5
        days_per = _UNIT_DAYS[unit]
        value = num * days_per
        if m.group("more") or m.group("more2"):
            value += 0.5 * days_per if num < 10 else 0.2 * value
        found.append(value)
    for pattern, days in _DURATION_WORDS:
        if pattern.search(text):
            found.append(days)
    return round(max(found), 2) if found else None


_SEVERE = re.compile(
    r"剧烈|剧痛|特别|非常|十分|极其|厉害|受不了|忍不了|忍不住|要命|死了|钻心|刀割|刀绞|撕裂|难以忍受|"
    r"睡不着|打滚|直不起腰|冒冷汗|好严重|严重|越来越重|越来越厉害|超级|太(疼|痛|难受)了|疼哭|痛哭|不得了|"
    r"不能碰|碰都不能碰|碰不得|像刀割|刀割一样|走不了路|动不了"
)
_MILD = re.compile(r"有点|有些|一点|一点点|轻微|稍微|略|微微|偶尔|轻度|不太|不是很|不怎么|没那么|隐隐|淡淡")
_MODERATE = re.compile(r"很|挺|比较|蛮|明显|老是|总是|经常|真")


def parse_severity(window: str) -> Optional[str]:
    if _SEVERE.search(window):
        return "severe"
    if _MILD.search(window):
        return "mild"
    if _MODERATE.search(window):
        return "moderate"
    return None


_TEMP = re.compile(
    r"(?P<n>3[5-9]|4[0-2]|三十[五六七八九]|四十[一二]?)(?:(?:\.|点)(?P<d>\d|[一二三四五六七八九]))?"
    r"(?P<u>度|℃|°C|°|摄氏度)(?P<d2>\d|[一二三四五六七八九])?"
)
_TEMP_CTX = re.compile(r"(?:体温|烧到|烧了|发烧|发热|高烧|量了|烧)(?:是|有|到|了)?(?P<n>3[5-9]|4[0-2])(?:\.(?P<d>\d))?")


def parse_temperature(text: str) -> Optional[float]:
    values = []
    for m in list(_TEMP.finditer(text)) + list(_TEMP_CTX.finditer(text)):
        whole = cn_number(m.group("n"))
        frac_token = m.groupdict().get("d") or m.groupdict().get("d2")
        frac = cn_number(frac_token) if frac_token else 0
        if whole is not None:
            values.append(whole + (frac or 0) / 10)
    values = [v for v in values if 35 <= v <= 43]
    return max(values) if values else None


# ── Who the patient is ────────────────────────────────────────────────────────

_AGE_YEARS = re.compile(r"(?P<num>\d{1,3}|(?<![一二两三四五六七八九十百])[一二两三四五六七八九十百]+)(?P<more>多)?周?岁(?P<half>半)?(?:(?P<m>\d{1,2}|[一二两三四五六七八九十]+)个?月)?(?!数)")
_AGE_CHILD = re.compile(
    rf"(?:{_CHILD_NOUN})(?:今年|才|刚|刚满|已经|现在|出生|刚出生|生下来|满|还不到|不到|还没满|没满)?"
    rf"(?P<num>{_NUM})(?P<ge>个)?(?P<more>多|半)?(?P<unit>月|天|周)(?!了?多?(以前|前))"
)
_AGE_BEFORE_CHILD = re.compile(rf"(?P<num>{_NUM})(?P<ge>个)?(?P<more>多|半)?(?P<unit>月|天|周)(?:大)?(?:的)?(?:{_CHILD_NOUN})")
_AGE_BORN = re.compile(rf"(?:出生|生下来|刚生|出院)(?:才|刚)?(?P<num>{_NUM})(?P<ge>个)?(?P<unit>月|天|周)")
_AGE_MONTHS_BIG = re.compile(rf"(?P<num>{_NUM})(?P<ge>个)?(?P<more>多|半)?月大")
_ELDERLY = re.compile(r"老人|老太太|老爷子|爷爷|奶奶|外婆|姥姥|外公|姥爷|老母亲|老父亲|老伴|老年人|大爷|大妈")
_CHILD_HINT = re.compile(_CHILD_NOUN + r"|幼儿|小学生|婴幼儿|满月|百天")


def parse_age_months(text: str) -> Optional[float]:
    for m in _AGE_YEARS.finditer(text):
        years = cn_number(m.group("num"))
        if years is None or years > 120:
            continue
        months = years * 12 + (6 if m.group("half") or m.group("more") else 0)
        if m.group("m"):
            months += cn_number(m.group("m")) or 0
        return months
    for regex in (_AGE_BORN, _AGE_CHILD, _AGE_BEFORE_CHILD, _AGE_MONTHS_BIG):
        m = regex.search(text)
        if not m:
            continue
        num = cn_number(m.group("num"))
        if num is None:
            continue
        unit = m.groupdict().get("unit") or "月"
        if (m.groupdict().get("more") or "") == "半":
            num += 0.5
        if unit == "天":
            return round(num / 30.4, 2)
        if unit == "周":
            return round(num * 7 / 30.4, 2)
        return num
    if re.search(r"还没满月|没满月|不到满月|刚出生|新生儿|出生没几天|刚生下来", text):
        return 0.5
    if re.search(r"满月", text):
        return 1.0
    if re.search(r"百天", text):
        return 3.3
    return None


_SEX_SELF = [
    (re.compile(r"我是(个)?(女的|女生|女性|女孩|女人|妈妈)|本人女|^女[，,\s]|(?<!\d)\d+岁(的)?女|女[，,]\s*\d+岁|性别女"), "female"),
    (re.compile(r"我是(个)?(男的|男生|男性|男孩|男人|爸爸)|本人男|^男[，,\s]|(?<!\d)\d+岁(的)?男|男[，,]\s*\d+岁|性别男"), "male"),
]
_SEX_ORGAN = [
    (re.compile(r"月经|例假|大姨妈|白带|阴道|怀孕|孕\d|孕期|孕妇|子宫|卵巢|宫颈|痛经|产后|流产|人流|坐月子|哺乳|喂奶|绝经|乳头|乳房|乳腺|外阴|私处|见红|胎动|产检"), "female"),
    (re.compile(r"前列腺|睾丸|阴囊|阴茎|包皮|遗精|阳痿|早泄|蛋蛋|男科"), "male"),
]
_SEX_NOUN = re.compile(
    r"(?P<f>妈妈|我妈|老妈|母亲|奶奶|外婆|姥姥|老婆|妻子|媳妇|女儿|闺女|孙女|外孙女|姐姐|妹妹|女朋友|女友|婆婆|岳母|丈母娘|阿姨|女士|女孩|姑娘|老太太|女宝|女生|女性)"
    r"|(?P<m>爸爸|我爸|老爸|父亲|爷爷|外公|姥爷|老公|丈夫|儿子|孙子|外孙|哥哥|弟弟|男朋友|男友|公公|岳父|老丈人|叔叔|男孩|小伙子|老爷子|男宝|男生|男性)"
)


def parse_sex(text: str) -> Optional[str]:
    for regex, sex in _SEX_SELF:
        if regex.search(text):
            return sex
    for regex, sex in _SEX_ORGAN:
        if regex.search(text):
            return sex
    m = _SEX_NOUN.search(text)
    if m:
        return "female" if m.group("f") else "male"
    return None


_PREG_POS = re.compile(
    r"怀孕|孕(?P<w>\d+|[一二三四五六七八九十]+)(?P<wu>周|个月)|孕妇|孕期|孕早期|孕中期|孕晚期|怀了|怀着|有身孕|产检|建档|两条杠|早孕|怀上了|孕吐|胎动|宫缩"
)
_PREG_NEG = re.compile(r"(没|没有|未|不可能|不会|并没有)(怀孕|怀上|有身孕)|不是怀孕|排除(了)?怀孕|验孕.{0,3}(阴性|一条杠)|一条杠")
_PREG_UNSURE = re.compile(r"(是不是|会不会|有没有|担心|怕)(是)?(怀孕|怀上)|怀孕了吗|怀上了吗|备孕|想怀孕|准备怀孕|怀孕前")
_PREG_WEEKS = re.compile(rf"(?:孕|怀孕|怀了)(?P<num>{_NUM})(?P<ge>个)?(?P<unit>周|月)")


def parse_pregnancy(text: str) -> Tuple[Optional[bool], Optional[float]]:
    """(pregnant, weeks). None when not said or only wondered about."""
    if _PREG_NEG.search(text):
        return False, None
    if _PREG_UNSURE.search(text) and not re.search(r"孕\d|孕[一二三四五六七八九十]+周", text):
        return None, None
    if not _PREG_POS.search(text):
        return None, None
    m = _PREG_WEEKS.search(text)
    weeks = None
    if m:
        num = cn_number(m.group("num"))
        if num is not None:
            weeks = num if m.group("unit") == "周" else round(num * 4.3, 1)
    return True, weeks


_BP_READING = re.compile(r"(?<!\d)(1[4-9]\d|2\d\d)\s*[/／]\s*\d{2,3}|高压\s*(1[4-9]\d|2\d\d)")
_HISTORY = {
    "hypertension": (
        re.compile(r"高血压|血压(一直|有点|有些|偏|比较|很|老是|总是|也)?(高|偏高)|降压药|血压.{0,6}(1[4-9]\d|2\d\d)|"
                   r"(?<!\d)(1[4-9]\d|2\d\d)\s*[/／]\s*\d{2,3}|高压\s*(1[4-9]\d|2\d\d)"),
        re.compile(r"血压(一直|都|还|也)?(正常|不高|还行|挺好|挺正常|偏低|低)"),
    ),
    "diabetes": (
        re.compile(r"糖尿病|血糖(一直|有点|有些|偏|比较|很|也)?(高|偏高)|降糖药|胰岛素|二甲双胍"),
        re.compile(r"血糖(一直|都|还|也)?(正常|不高|还行|挺好)"),
    ),
}
_ALLERGY = re.compile(r"对(?P<a>[^，。,.!?！？；;、]{1,10}?)过敏|(?P<b>青霉素|头孢|磺胺|阿司匹林|海鲜|花粉|芒果|鸡蛋|牛奶|花生|酒精|尘螨|碘伏|芒果)过敏")
_NO_ALLERGY = re.compile(r"没有?(什么)?过敏史|无过敏|不过敏|没什么过敏|没有过敏|过敏史(没有|无)|没对什么过敏|没有药物过敏|无药物过敏")
_MEDS = re.compile(
    r"(?:在吃|正在吃|一直吃|一直在吃|长期吃|每天吃|平时吃|在用|在打|服用|吃着|常吃)(?P<m>[^，。,.!?！？；;]{1,14})"
    r"|吃了(?P<r>[^，。,.!?！？；;]{0,8}?(?:药|片|胶囊|颗粒|布洛芬|对乙酰氨基酚|阿莫西林|头孢|感冒灵|退烧药|消炎药|止痛药))"
)
_NO_MEDS = re.compile(r"没(有)?(在)?吃(什么|任何)?药|不吃药|没用(过)?药|什么药(都|也)没(吃|用)|没有用药|没有服药|未服药")


def parse_history(text: str, spans: Sequence[Tuple[int, int]],
                  others: Sequence[Tuple[int, int]] = ()) -> Dict[str, object]:
    history: Dict[str, object] = {"hypertension": None, "diabetes": None, "allergies": None, "medications": None}
    for key, (positive, negative) in _HISTORY.items():
        for m in positive.finditer(text):
            status = assertion(text, m.start(), m.end(), spans, others, mask_overlapping=False)
            if status in (PRESENT, PAST):
                history[key] = True
                break
            if status == ABSENT:
                history[key] = False
        if history[key] is None and negative.search(text):
            history[key] = False
    if _NO_ALLERGY.search(text):
        history["allergies"] = "无"
    else:
        m = _ALLERGY.search(text)
        if m and assertion(text, m.start(), m.end(), spans) != ABSENT:
            history["allergies"] = (m.group("a") or m.group("b")).strip()
    if _NO_MEDS.search(text):
        history["medications"] = "无"
    else:
        m = _MEDS.search(text)
        if m:
            med = (m.group("m") or m.group("r") or "").strip()
            med = re.sub(r"(了|呢|啊|吗|着)+$", "", med)
            if med and med not in ("药", "了药") and not re.match(r"^(饭|东西|不下|不了|完|过|的)", med):
                history["medications"] = med
    return history


_SUDDEN = re.compile(r"突然|忽然|一下子|猛地|骤然|突发|猛然")
_NOT_SUDDEN = re.compile(r"不是突然|慢慢(地)?|逐渐|渐渐|一点点加重")


def parse_sudden(text: str) -> Optional[bool]:
    """True / False when the text says whether it began suddenly; a negated 突然
    ("不是突然的", "也没有突然") says it did not."""
    if _NOT_SUDDEN.search(text):
        return False
    spans = clause_spans(text)
    for m in _SUDDEN.finditer(text):
        status = assertion(text, m.start(), m.end(), spans)
        if status == ABSENT:
            return False
        if status in (PRESENT, UNCERTAIN):
            return True
    return None


# ── Short answers ─────────────────────────────────────────────────────────────

_ANS_UNKNOWN = re.compile(r"^(我)?(也|还)?(不知道|不清楚|不确定|说不好|说不清|记不清|不记得|没注意|没留意|没量|没测|不太清楚|不懂|不晓得|忘了|没试|还没试)")
_ANS_YES_EXCEPT = re.compile(r"^(没错|不错|可不是|可不|是啊|对啊|对呀|是呀)")
_ANS_NO = re.compile(r"^(没有|没|不是|不对|不|无|否|木有|还没|不会|不用|都没有|也没有|一点也不|从来没|从没|并没有|没啥|没什么|no\b|n$|并不)", re.I)
_ANS_YES = re.compile(r"^(是|对|有|嗯|恩|好像|确实|会|应该|可能|有点|有一点|有些|yes\b|y$|ok\b|好的|对的|是的|有的|没错|偶尔|经常|总是|老是|一直|挺|很|特别|非常)", re.I)


def interpret_yes_no(text: str) -> Optional[str]:
    """'yes' / 'no' / 'unknown' for a short answer, None if it is not one."""
    t = re.sub(r"^[\s，,。.!！?？~～啊哦呃额唔]+", "", (text or "").strip())
    t = re.sub(r"^(我|他|她|孩子|宝宝|病人|老人)(也|都|倒是)?", "", t)
    if not t:
        return None
    if _ANS_UNKNOWN.match(t):
        return "unknown"
    if _ANS_YES_EXCEPT.match(t):
        return "yes"
    if _ANS_NO.match(t):
        return "no"
    if _ANS_YES.match(t):
        return "yes"
    return None


# ── Extraction ────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Mention:
    symptom: str
    text: str
    start: int
    end: int
    status: str
    severity: Optional[str]
    source: str  # phrase | pattern | text


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
    elderly_hint: bool = False
    sex: Optional[str] = None
    pregnant: Optional[bool] = None
    pregnancy_weeks: Optional[float] = None
    sudden: Optional[bool] = None
    recurrent: bool = False
    resolved: bool = False
    history: Dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _candidates(text: str) -> List[Tuple[int, int, str, str, str]]:
    """(start, end, symptom, source, gap) from the token matchers and the character pass."""
    m = _matchers()
    lexicon = load_lexicon()
    doc = get_nlp().make_doc(text)
    found = []
    for match_id, s, e in m.phrase(doc):
        span = doc[s:e]
        found.append((span.start_char, span.end_char, doc.vocab.strings[match_id], "phrase", ""))
    # The pattern matcher runs on the doc in overlapping pieces: on a whole long text its
    # "any gap" operator follows every body word to the end (quadratic time), and matches
    # longer than MAX_PATTERN_TOKENS are dropped below anyway.
    pattern_hits = []
    for i in range(0, len(doc), PATTERN_CHUNK_TOKENS):
        piece = doc[i:i + PATTERN_CHUNK_TOKENS + MAX_PATTERN_TOKENS]
        pattern_hits += [(match_id, i + s, i + e) for match_id, s, e in m.pattern(piece)
                         if s < PATTERN_CHUNK_TOKENS and e - s <= MAX_PATTERN_TOKENS]
    for match_id, s, e in pattern_hits:
        span = doc[s:e]
        if e - s > MAX_PATTERN_TOKENS or len(span.text) > ANY_GAP_CHARS + 8:
            continue
        label, index = doc.vocab.strings[match_id].split("#")
        gap = "".join(t.text for t in doc[s + 1:e - 1])
        last = doc[e - 1].text
        neg = ""
        if last not in lexicon.composites[int(index)].feeling:  # "不疼" is 疼 negated; "不成形" is itself the finding
            neg = next((n for n in sorted(NEGATION_PREFIXES, key=len, reverse=True) if last.startswith(n)), "")
        found.append((span.start_char, span.end_char, label, "pattern", gap + neg))
    # reach[i]: the furthest end of a token match starting at or before i, so "inside
    # one token match" is one lookup.
    reach = [0] * (len(text) + 1)
    for s, e, *_ in found:
        reach[s] = max(reach[s], e)
    for i in range(1, len(reach)):
        reach[i] = max(reach[i], reach[i - 1])
    for hit in m.synonym_regex.finditer(text):
        if reach[hit.start()] < hit.end():
            found.append((hit.start(), hit.end(), lexicon.synonym_to_id[hit.group()], "text", ""))
    for symptom, regex in m.composite_regex:
        for hit in regex.finditer(text):
            if reach[hit.start()] < hit.end():
                found.append((hit.start(), hit.end(), symptom, "text", hit.group("gap")))
    return found


def _select(cands: List[Tuple[int, int, str, str, str]]) -> List[Tuple[int, int, str, str, str]]:
    """Longest non-overlapping matches; the token matchers win ties."""
    rank = {"phrase": 0, "pattern": 1, "text": 2}
    chosen: List[Tuple[int, int, str, str, str]] = []
    taken = bytearray(max((c[1] for c in cands), default=0))
    for cand in sorted(cands, key=lambda c: (-(c[1] - c[0]), rank[c[3]], c[0])):
        if not any(taken[cand[0]:cand[1]]):
            chosen.append(cand)
            taken[cand[0]:cand[1]] = b"\x01" * (cand[1] - cand[0])
    return sorted(chosen, key=lambda c: c[0])


_PAIN_WORD = re.compile(r"疼|痛|难受|痒|晕|不舒服")


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
        if (first < len(starts) and starts[first] < ce) or not _PAIN_WORD.search(clause):
            continue
        severity = parse_severity(clause)
        if severity and last_present is not None:
            i = last_present
            m = result.mentions[i]
            if not m.severity or SEVERITY_RANK[severity] > SEVERITY_RANK[m.severity]:
                result.mentions[i] = Mention(m.symptom, m.text, m.start, m.end, m.status, severity, m.source)


_SETTLED = re.compile(r"(歇|休息|坐|停下来?)[^，。,.!?！？]{0,6}(就好|好了|缓过来|缓解|没事)|现在(已经)?(好了|没事了?|不疼了|缓解了)")
_RECURRENT = re.compile(r"每次|每回|每个月|反复|经常|老是|总是|一直都|好几年|多年|常年|又犯了|就犯|老毛病|时不时|一到.{1,6}就")


def extract(text: str) -> Extraction:
    """Everything the triage needs from one message."""
    text = (text or "").strip()
    result = Extraction(text=text)
    if not text:
        return result
    norm = normalize(text)
    spans = clause_spans(norm)
    # "疼得睡不着", "咳得吃不下饭": what follows 得 says how bad, it is not a new symptom
    selected = [c for c in _select(_candidates(norm))
                if c[2] != IGNORE and not (c[0] > 0 and norm[c[0] - 1] == "得")]
    occupied = [(s, e) for s, e, *_ in selected]
    for start, end, symptom, source, gap in selected:
        status = assertion(norm, start, end, spans, occupied)
        if gap and status == PRESENT and _NEGATION_CUE.search(_mask_not_negation(gap)):
            status = ABSENT  # "嗓子不疼", "头也没那么晕" → said to be absent
        cs, ce = clause_of(spans, start)
        window = norm[max(cs, start - 6):end] + norm[end:min(ce, end + 8)]
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
    # A measured temperature settles whether there is a fever.
    if result.temperature is not None and "fever" not in result.present + result.absent:
        if result.temperature >= 37.3:
            result.present.append("fever")
        else:
            result.absent.append("fever")
    result.age_months = parse_age_months(norm)
    result.child_hint = bool(_CHILD_HINT.search(norm))
    result.elderly_hint = bool(_ELDERLY.search(norm))
    result.sex = parse_sex(norm)
    result.pregnant, result.pregnancy_weeks = parse_pregnancy(norm)
    result.sudden = parse_sudden(norm)
    result.recurrent = bool(_RECURRENT.search(norm))
    result.resolved = bool(_SETTLED.search(norm))
    result.history = parse_history(norm, spans, occupied)
    if _BP_READING.search(norm) and "high_blood_pressure" not in result.present:
        result.present.append("high_blood_pressure")
    return result


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Symptom lexicon tools")
    parser.add_argument("--write-lexicon", action="store_true", help="regenerate data/lexicon/symptoms.txt")
    parser.add_argument("text", nargs="*", help="text to analyse")
    args = parser.parse_args(argv)
    if args.write_lexicon:
        logging.basicConfig(level=logging.INFO)
        logger.info("wrote %s", write_user_dict())
    for text in args.text:
        import json
        import sys

        sys.stdout.write(json.dumps(extract(text).to_dict(), ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
