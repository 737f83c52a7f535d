"""Red-flag detection: danger signs that preempt all other triage.

`detect(text, context=None)` → the most urgent RedFlag or None; `detect_all()` → every
one, most urgent first; `mentioned()` → those only spoken of (a past episode, a
relative's history, a knowledge question, a chronic illness under care), for the
when-to-go-to-急诊 line; `assess()` gives both, and the look-alikes that still use a
danger's words. Both work on raw text alone, so the NLU pipeline can run them
on every message. The rules live in data/knowledge/red_flags.yml. Every phrase is
checked in its clause: negated ("没有胸痛"), hypothetical ("如果抽搐怎么办") and
resolved past ("上个月晕倒过一次，现在好了") mentions do not fire, nor do those framed by the word
lists of red_flags.yml `context` (past or chronic in their clause, a relative's
history or a knowledge question in the message) unless a "now" word is there too
("我爸以前心梗过，现在又胸口疼"); uncertain ones ("是不是中风了") do fire, because
missing a real emergency costs more than a false alarm.

Combination rules need context (age in months, known hypertension, newborn,
pregnancy). The caller may pass it; whatever it leaves out is read from the same
text ("我家宝宝两个月，发烧了").

`detect_from_facts()` evaluates the same rules over facts the triage engine has
collected across several messages (a symptom named in one message, hypertension
confirmed in an answer to a later question).

This module is the one place that decides "is this an emergency now?": the NLU
component (components/red_flag_detector.py) calls `detect` on every message, the
triage engine `assess` (with `context_from_facts`) and `emergency_now`, the emergency
action `find`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from dataclasses import dataclass, field
from typing import (
    AbstractSet,
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

from language.knowledge_files import KNOWLEDGE_DIR, knowledge
from language import prefilter
from language import symptoms as sx
from language.symptom_lexicon import load_lexicon
from safety.contacts import placeholders

logger = logging.getLogger(__name__)

RED_FLAGS_FILE = KNOWLEDGE_DIR / "red_flags.yml"

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
    signs: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "message": self.message,
            "first_aid": self.first_aid,
            "crisis": self.crisis,
            "crisis_hotline": self.crisis_hotline,
            "evidence": self.evidence,
            "signs": self.signs,
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
    # Said in any frame, only not negated: a known condition or an earlier event the danger
    # now rests on ("之前B超说有个卵巢囊肿", "肾移植后一直吃免疫抑制剂").
    history: Tuple["re.Pattern[str]", ...] = ()
    key: int = 0  # its place among all rules' combos, for _combo_index()


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
    signs: str = ""
    names: Optional["re.Pattern[str]"] = None


def _compiler() -> Callable[[str], "re.Pattern[str]"]:
    """Compiles a rule's expression with the named `expressions` of red_flags.yml ({old},
    {infant}) written out; a regex quantifier ({0,6}) is never a name."""
    named = knowledge("red_flags").get("expressions") or {}

    def compile_(pattern: str) -> "re.Pattern[str]":
        return re.compile(re.sub(r"\{([a-z_]+)\}", lambda m: named.get(m.group(1), m.group(0)), pattern))

    return compile_


@functools.lru_cache(maxsize=None)
def _rules() -> Tuple[_Rule, ...]:
    fill = placeholders()
    compile_ = _compiler()
    rules: List[_Rule] = []
    keys: List[_Combo] = []
    for entry in knowledge("red_flags")["red_flags"]:
        combos = [_Combo((compile_(p),), {}) for p in entry.get("phrases", [])]
        combos += [
            _Combo(
                tuple(compile_(p) for p in c["all"]),
                dict(c.get("context") or {}),
                tuple(compile_(p) for p in c.get("history", [])),
            )
            for c in entry.get("combos", [])
        ]
        combos = [dataclasses.replace(combo, key=len(keys) + i) for i, combo in enumerate(combos)]
        keys += combos
        message = entry["message"].format(**fill)
        if entry.get("crisis") and fill["crisis_hotline"] not in message:
            message += f"（{fill['crisis_hotline']}）"
        rules.append(
            _Rule(
                id=entry["id"],
                title=entry["title"],
                message=message,
                first_aid=entry.get("first_aid"),
                crisis=bool(entry.get("crisis")),
                combos=tuple(combos),
                unless=tuple(compile_(p) for p in entry.get("unless", [])),
                facts=dict(entry.get("facts") or {}),
                signs=str(entry.get("signs") or ""),
                names=compile_(entry["names"]) if entry.get("names") else None,
            )
        )
    return tuple(rules)


@functools.lru_cache(maxsize=None)
def _combos() -> Tuple[Tuple[_Combo, ...], prefilter.Index]:
    """Every rule's combos by key, and the index that skips those a text cannot match."""
    combos = tuple(combo for rule in _rules() for combo in rule.combos)
    assert [combo.key for combo in combos] == list(range(len(combos)))
    return combos, prefilter.Index([prefilter.merged(combo.groups + combo.history) for combo in combos])


@functools.lru_cache(maxsize=None)
def _rule_screen(kind: str) -> Tuple[prefilter.Screen, Tuple[str, ...]]:
    """The rules' `unless` or `names` expressions at once, with the rule each belongs to."""
    pairs = [(rule.id, regex) for rule in _rules() for regex in _patterns_of(rule, kind)]
    return prefilter.Screen([regex for _, regex in pairs]), tuple(rule_id for rule_id, _ in pairs)


def _patterns_of(rule: _Rule, kind: str) -> Tuple["re.Pattern[str]", ...]:
    if kind == "unless":
        return rule.unless
    return (rule.names,) if rule.names is not None else ()


def _rules_matching(kind: str, norm: str, chars: AbstractSet[str]) -> Set[str]:
    """The ids of the rules whose look-alike (kind 'unless') or name ('names') the text matches."""
    screen, owners = _rule_screen(kind)
    return {owners[p] for p in screen.matching(norm, chars)}


def _could_match(norm: str, live: AbstractSet[int], named: AbstractSet[str]) -> bool:
    """Whether some rule's words all occur in the text at all, or some rule is named: only
    then is the symptom reading (the costly part) worth doing. Most messages ("医保卡丢了",
    "1000001") name no danger. `live`: the combos whose characters the text has."""
    combos, _ = _combos()
    return bool(named) or any(all(g.search(norm) for g in combos[k].groups + combos[k].history) for k in live)


def rule_ids() -> List[str]:
    return [r.id for r in _rules()]


def red_flag(flag_id: str, evidence: str = "") -> RedFlag:
    """The red flag with this id (for question answers that reveal one)."""
    for rule in _rules():
        if rule.id == flag_id:
            return _as_flag(rule, evidence)
    raise KeyError(flag_id)


def _as_flag(rule: _Rule, evidence: str) -> RedFlag:
    hotline = placeholders()["crisis_hotline"] if rule.crisis else None
    return RedFlag(rule.id, rule.title, rule.message, rule.first_aid, rule.crisis, hotline, evidence, rule.signs)


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
                    newborn = bool(_baby("newborn", text) or _baby("baby", text))
            if bool(newborn) != bool(wanted):
                return False
        elif key == "young_infant":
            if ctx.age_months is not None:
                young = ctx.age_months < 3
            else:
                young = bool(ctx.newborn or _baby("newborn", text) or _baby("baby", text))
            if young != bool(wanted):
                return False
        elif key == "critical_value":
            # a typed lab value at or beyond its critical limit, read as a number by
            # analyte and unit (knowledge/typed_values.py, data/knowledge/lab_tests.yml)
            from knowledge.typed_values import critical_values

            if bool(critical_values(text)) != bool(wanted):
                return False
        elif key in ("hypertension", "pregnant"):
            if bool(getattr(ctx, key)) != bool(wanted):
                return False
        else:
            raise ValueError(f"unknown red-flag context condition {key!r}")
    return True


@dataclass(frozen=True)
class _Frames:
    """The word lists of red_flags.yml `context`, as expressions (None when empty)."""

    now: Optional["re.Pattern[str]"]
    past: Optional["re.Pattern[str]"]
    chronic: Optional["re.Pattern[str]"]
    relative: Optional["re.Pattern[str]"]
    story: Optional["re.Pattern[str]"]
    knowledge: Optional["re.Pattern[str]"]
    knowledge_before: Optional["re.Pattern[str]"]
    knowledge_after: Optional["re.Pattern[str]"]
    anyone: Optional["re.Pattern[str]"]
    asking: Optional["re.Pattern[str]"]
    felt: Optional["re.Pattern[str]"]
    person: Optional["re.Pattern[str]"]
    asker: Optional["re.Pattern[str]"]
    well_now: Optional["re.Pattern[str]"]


@functools.lru_cache(maxsize=None)
def _frames() -> _Frames:
    lists = knowledge("red_flags").get("context") or {}

    def words(key: str) -> Optional["re.Pattern[str]"]:
        found = sorted({str(w) for w in lists.get(key) or []}, key=len, reverse=True)
        return re.compile("|".join(re.escape(w) for w in found)) if found else None

    frames = {f.name: words(f.name) for f in dataclasses.fields(_Frames)}
    if frames["knowledge"] is not None:
        # "科普" (popular science) is no knowledge question inside a department's ordinary
        # number: "挂眼科普通号就行吧" (round 80)
        frames["knowledge"] = re.compile("(?!科普通)(?:" + frames["knowledge"].pattern + ")")
    return _Frames(**frames)


@functools.lru_cache(maxsize=None)
def _baby_patterns(kind: str) -> "re.Pattern[str]":
    return re.compile("|".join(knowledge("red_flags")["babies"][kind]))


def _baby(kind: str, text: str) -> bool:
    """Whether the text speaks of a baby ("baby") or a newborn ("newborn"), by the
    expressions of red_flags.yml `babies`."""
    return bool(_baby_patterns(kind).search(text))


def _has(regex: Optional["re.Pattern[str]"], text: str) -> bool:
    return bool(regex and regex.search(text))


# Someone given an age ("宝宝5个月", "我爸今年68岁"): a consultation post about that person.
_AGED_PERSON = re.compile(
    r"(宝宝|孩子|娃|儿子|女儿|闺女|我爸|我妈|父亲|母亲|老人|爷爷|奶奶|外公|外婆|姥姥|姥爷)(今年)?"
    r"(\d{1,3}|[一二两三四五六七八九十]{1,3})(个多?月|个半月|岁|周岁|天)"
)

# What follows 了 when it names a kind of person, not an event: "中暑晕倒了的人".
_A_KIND = re.compile("的(人|病人|患者|伤员)")

# What a verb is followed by when it happened once before: "心梗过", "大出血过" (not "晕过去", nor "戴着过夜").
_EXPERIENCED = re.compile(r"过(?![去来夜])")
# The same inside a phrase that runs on to what was taken: "误服过药" (not "吃过量", "喝过头").
_SWALLOWED_BEFORE = re.compile(r"(?<=[吃服吞喝食舔])过(?![去来夜敏量多度头])")


def _clause_frame(text: str, start: int, end: int, spans) -> Optional[str]:
    """Why the phrase text[start:end] is not about now, read in its own clause: 'past',
    'chronic' or 'knowledge' (after 会不会 …); None when it is (or may be) about now."""
    cs, ce = sx.clause_of(spans, start)
    clause = text[cs:ce]
    frames = _frames()
    if _says_now(clause):
        return None
    # "心梗过" happened before; "这辈子没这么疼过" is now, worse than ever.
    experienced = (_EXPERIENCED.match(text, end) or _SWALLOWED_BEFORE.search(text, start, end)) and not re.search(
        "没|未", text[cs:end]
    )
    if experienced or _has(frames.past, clause):
        return "past"
    if _has(frames.chronic, clause):
        return "chronic"
    if frames.knowledge_before and frames.knowledge_before.search(text, cs, start):
        return "knowledge"
    if frames.knowledge_after and frames.knowledge_after.match(text, end) and not _names_a_person(clause):
        return "knowledge"
    return None


def _says_now(text: str) -> bool:
    """Whether a now word keeps the alarm: "现在好好的" says all is well, and does not."""
    frames = _frames()
    if frames.well_now:
        text = frames.well_now.sub("", text)
    return _has(frames.now, text)


def _names_a_person(clause: str) -> bool:
    """Whether the clause speaks of someone, the asker's own words aside ("我想问一下…",
    "我们村里"): they ask about others."""
    frames = _frames()
    if frames.asker:
        clause = frames.asker.sub("", clause)
    return _has(frames.person, clause)


def _message_frame(
    text: str, evidence: Sequence[Tuple[int, int]], spans, complaints: Sequence[Tuple[int, int]]
) -> Optional[str]:
    """Why a whole message is not about a danger now: 'relative' (family history),
    'story' (a film or a novel) or 'knowledge' (a question about the illness, not a
    person); None otherwise. `complaints`: where the symptom lexicon reads a complaint
    (not an illness's name) said now."""
    frames = _frames()
    if _says_now(text):
        return None
    if _has(frames.relative, text):
        return "relative"
    if _has(frames.story, text):
        return "story"
    if _has(frames.knowledge, text):
        if _AGED_PERSON.search(text):
            return None  # "宝宝5个月 … 请问医生是怎么回事": a post about someone, not a knowledge question
        for start, end in evidence:
            cs, ce = sx.clause_of(spans, start)
            if _A_KIND.match(text, end + text.startswith("了", end)):
                # "吃药吃多了的人要不要给他催吐": a kind of person, not an event, and the 他 is that kind
                if _names_a_person(text[cs:start]):
                    return None
            elif text.startswith("了", end) or text[start:end].endswith("了") or _names_a_person(text[cs:ce]):
                return None  # "我爸吐血了，严重吗": it happened to someone
            if _reported(text, cs, ce, complaints):
                return None  # "胸口压着疼出冷汗半小时，心梗有什么表现": told, then asked
        return "knowledge"
    return None


def _reported(text: str, cs: int, ce: int, complaints: Sequence[Tuple[int, int]]) -> bool:
    """Whether the clause text[cs:ce] tells a complaint in a statement of its own, apart
    from the question: not a question itself ("吐血要挂什么科 问一下 以防万一"), not a kind
    ("嘴歪手没劲那种"), not about anyone at all ("有人突然倒地") and not only conditions
    named ("心绞痛和心梗，有什么区别"). A clause that says how much it is felt tells one,
    though it asks: "胸口疼得厉害是不是心梗"."""
    frames = _frames()
    clause = text[cs:ce]
    if _has(frames.knowledge, clause) or _has(frames.anyone, clause):
        return False
    if _has(frames.asking, clause) and not _has(frames.felt, clause):
        return False
    return any(cs <= start < ce for start, _ in complaints)


def message_frame(text: str, extraction: Optional["sx.Extraction"] = None) -> Optional[str]:
    """The frame of a whole message, as the rules read it around the complaints the
    symptom lexicon finds in it: 'story' ("电视剧里女主吐了一口血就晕倒了"), 'knowledge'
    ("心梗有什么前兆"), 'relative', or None when it may be about someone now."""
    extraction = extraction or sx.extract(text)
    norm = extraction.text  # normalised once, by the extraction the caller already has
    evidence = [(m.start, m.end) for m in extraction.mentions if m.status == sx.PRESENT]
    return _message_frame(norm, evidence, sx.clause_spans(norm), _complaints(extraction))


def _complaints(extraction: "sx.Extraction") -> List[Tuple[int, int]]:
    """Where the symptom lexicon reads a complaint said now, not a condition named
    (an illness, a situation: symptoms.yml tag `condition`)."""
    symptoms = load_lexicon().symptoms
    return [
        (m.start, m.end)
        for m in extraction.mentions
        if m.status == sx.PRESENT and "condition" not in symptoms[m.symptom].tags
    ]


def _matches(regex: "re.Pattern[str]", text: str, spans, others) -> Tuple[Optional[Tuple[int, int]], bool]:
    """(the first match said about now, whether the phrase is said at all in another
    frame: past, hypothetical, chronic …). Negated mentions count for neither."""
    framed = False
    for m in regex.finditer(text):
        if not m.group():
            continue
        status = sx.assertion(text, m.start(), m.end(), spans, others)
        if status in (sx.PRESENT, sx.UNCERTAIN):
            if _clause_frame(text, m.start(), m.end(), spans) is None:
                return (m.start(), m.end()), framed
            framed = True
        elif status in (sx.PAST, sx.HYPOTHETICAL):
            framed = True
    return None, framed


def _said(regex: "re.Pattern[str]", text: str, spans, others) -> bool:
    """Whether the phrase is said at all, in whatever frame (now, past, chronic,
    hypothetical), and not negated: "之前查出来卵巢囊肿" yes, "没有卵巢囊肿" no."""
    return any(
        m.group() and sx.assertion(text, m.start(), m.end(), spans, others) != sx.ABSENT for m in regex.finditer(text)
    )


def _text_context(text: str, ctx: RedFlagContext, extraction: "sx.Extraction") -> RedFlagContext:
    age = ctx.age_months if ctx.age_months is not None else extraction.age_months
    newborn = ctx.newborn
    if newborn is None and _baby("newborn", text):
        newborn = True
    hypertension = ctx.hypertension if ctx.hypertension is not None else extraction.history.get("hypertension")
    pregnant = ctx.pregnant if ctx.pregnant is not None else extraction.pregnant
    return RedFlagContext(age, hypertension, newborn, pregnant)


def quieted(text: str) -> List[str]:
    """The ids of the rules whose look-alike (`unless`) the message matches: "新配的假牙戴上
    以后说话有点含糊" is not a stroke, whatever its symptoms add up to."""
    norm = sx.normalize(text)
    if not norm:
        return []
    quiet = _rules_matching("unless", norm, set(norm))
    return [rule.id for rule in _rules() if rule.id in quiet]


def detect(text: str, context: Union[RedFlagContext, Mapping[str, Any], None] = None) -> Optional[RedFlag]:
    """The most urgent red flag in one message, or None."""
    flags = detect_all(text, context)
    return flags[0] if flags else None


def detect_all(
    text: str,
    context: Union[RedFlagContext, Mapping[str, Any], None] = None,
    extraction: Optional["sx.Extraction"] = None,
) -> List[RedFlag]:
    """Every red flag in one message, in the order of red_flags.yml (most urgent first)."""
    return assess(text, context, extraction).now


def mentioned(text: str, context: Union[RedFlagContext, Mapping[str, Any], None] = None) -> List[RedFlag]:
    """Red flags a message speaks of without a danger now: a past or resolved event, a
    relative's history, a knowledge question, a chronic illness under care, a
    hypothetical, a look-alike. The reply then says when to go to 急诊."""
    return assess(text, context).spoken_of


class Assessment(NamedTuple):
    """What one message says of the red flags."""

    now: List[RedFlag]  # a danger now: the alarm
    framed: List[RedFlag]  # only spoken of (past, a relative, a knowledge question): no alarm, and the net stays quiet
    looked_alike: List[RedFlag]  # a look-alike (`unless`) that still uses the danger's words: the when-to-go line only

    @property
    def spoken_of(self) -> List[RedFlag]:
        """The red flags the reply's when-to-go line names."""
        return self.framed + self.looked_alike

    @property
    def net_may_speak(self) -> bool:
        """No rule fired and no frame says the danger is not now: the emergency net decides."""
        return not self.now and not self.framed


def assess(
    text: str,
    context: Union[RedFlagContext, Mapping[str, Any], None] = None,
    extraction: Optional["sx.Extraction"] = None,
) -> Assessment:
    """What the message says of each red flag: now, in another frame, or in a look-alike."""
    norm = sx.normalize(text)
    chars = set(norm)
    live = _combos()[1].possible(chars)
    named = _rules_matching("names", norm, chars)
    if not norm or not _could_match(norm, live, named):
        return Assessment([], [], [])
    quiet = _rules_matching("unless", norm, chars)
    extraction = extraction or sx.extract(norm)
    ctx = _text_context(norm, RedFlagContext.of(context), extraction)
    spans = sx.clause_spans(norm)
    others = [(m.start, m.end) for m in extraction.mentions]
    complaints = _complaints(extraction)
    result = Assessment([], [], [])
    for rule in _rules():
        if rule.id in quiet and rule.id in named:
            # a look-alike that names the illness ("癫痫发作完，现在跟平时一样") still
            # speaks of it: the when-to-go line, and no alarm from the net either
            result.framed.append(_as_flag(rule, "mentioned"))
            continue
        evidence, said_otherwise = _reading(rule, norm, spans, others, complaints, live, ctx)
        if rule.id in quiet:
            if evidence or said_otherwise:  # "羊水破了是什么感觉"
                result.looked_alike.append(_as_flag(rule, "looked alike"))
        elif evidence:
            result.now.append(_as_flag(rule, evidence))
        elif said_otherwise or rule.id in named:
            result.framed.append(_as_flag(rule, "mentioned"))
    return result


def _reading(
    rule: _Rule, norm: str, spans, others, complaints, live: AbstractSet[int], ctx: RedFlagContext
) -> Tuple[str, bool]:
    """(the evidence of the first combination said about now, or "";
    whether one is said in another frame)."""
    said_otherwise = False
    for combo in rule.combos:
        if combo.key not in live:
            continue
        if not all(_said(group, norm, spans, others) for group in combo.history):
            continue
        evidence, framed, said = [], False, True
        for group in combo.groups:
            hit, other_frame = _matches(group, norm, spans, others)
            if hit is None and not other_frame:
                said = False
                break
            framed = framed or hit is None
            if hit is not None:
                evidence.append(hit)
        # the context last: it may read the whole text again (a typed critical value)
        if not said or (combo.context and not _context_holds(combo.context, ctx, norm)):
            continue
        if not framed and _message_frame(norm, evidence, spans, complaints) is None:
            return "+".join(norm[s:e] for s, e in evidence), False
        said_otherwise = True
    return "", said_otherwise


def detect_from_facts(
    present: Iterable[str], facts: Mapping[str, Any], past: Iterable[str] = (), quieted: Iterable[str] = ()
) -> List[RedFlag]:
    """Red flags from facts gathered over a whole conversation: `present` symptom ids,
    `facts` (age_months, hypertension, sudden …), the illnesses said to be `past` and the
    rules whose look-alike a message matched (`quieted`)."""
    present, past, quieted = set(present), set(past), set(quieted)
    flags = []
    for rule in _rules():
        cond = rule.facts
        if not cond:
            continue
        if cond.get("present") and not set(cond["present"]) <= present:
            continue
        if cond.get("present_any") and not set(cond["present_any"]) & present:
            continue
        # a sign another present finding explains ("额头皱不起来": the face of a Bell's palsy), when
        # none of the rule's other signs is there
        unless = set(cond.get("unless_present", ()))
        if unless & present and not present & (set(cond.get("present_any", ())) - set(cond.get("explained", ()))):
            continue
        # explained away, unless it came on suddenly: what an earlier illness left behind
        # ("前年中风…说话还有点大舌头"), or a message that matched the rule's look-alike
        # ("新配的假牙戴上说话含糊")
        if not facts.get("sudden") and (rule.id in quieted or set(cond.get("unless_past", ())) & past):
            continue
        age = facts.get("age_months")
        if "max_age_months" in cond and (age is None or not age < cond["max_age_months"]):
            continue
        if "max_age_days" in cond and (age is None or not age * 30.4 <= cond["max_age_days"]):
            continue
        if any(key in cond and facts.get(key) is not True for key in ("hypertension", "sudden", "pregnant")):
            continue
        days = facts.get("duration_days")
        if "max_duration_days" in cond and days is not None and days > cond["max_duration_days"]:
            continue  # "面瘫治了两周": the sign is not new
        flags.append(_as_flag(rule, "facts"))
    return flags


def context_from_facts(facts: Mapping[str, Any]) -> RedFlagContext:
    """What a conversation has gathered about the patient (the triage facts) as context."""
    age = facts.get("age_months")
    return RedFlagContext(
        age_months=age,
        hypertension=facts.get("hypertension"),
        newborn=None if age is None else age <= NEWBORN_MAX_MONTHS,
        pregnant=facts.get("pregnant"),
    )


def known(flag_ids: Iterable[str]) -> List[RedFlag]:
    """The red flags with these ids; an id no rule has any more (an old saved
    conversation) is left out."""
    flags = []
    for flag_id in flag_ids:
        try:
            flags.append(red_flag(flag_id))
        except KeyError:
            logger.warning("unknown red flag id %r", flag_id)
    return flags


def emergency_now(
    seen: Iterable[str],
    present: Iterable[str],
    facts: Mapping[str, Any],
    revealed: Iterable[str] = (),
    past: Iterable[str] = (),
    quieted: Iterable[str] = (),
) -> List[str]:
    """Whether a whole conversation is an emergency now: the ids of the red flags that
    hold (none = not an emergency), in this order: those `seen` in its messages
    (assess), those its `present` symptoms and `facts` add up to (detect_from_facts),
    those an answer `revealed`."""
    from_facts = [f.id for f in detect_from_facts(present, facts, past, quieted)]
    flags: List[str] = []
    for flag_id in [*seen, *from_facts, *revealed]:
        if flag_id not in flags:
            flags.append(flag_id)
    return flags


def find(
    text: str, facts: Mapping[str, Any], named: Optional[str] = None, seen: Sequence[str] = ()
) -> Optional[RedFlag]:
    """The red flag an emergency turn is about: the one `named` (by the NLU), else the
    text's own (with what the conversation knows as context), else the first `seen`
    earlier; None when nothing names one."""
    if named:
        flags = known([named])
        if flags:
            return flags[0]
    flag = detect(text, context_from_facts(facts)) if text else None
    if flag is None and seen:
        flag = next(iter(known(seen[:1])), None)
    return flag
