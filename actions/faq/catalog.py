"""The FAQ catalogue (咨询): hospital questions with the hospital's own answers.

The questions live as Rasa training data in data/nlu/faq/*.yml (one file per
category: retrieval intents `faq/<key>` and responses `utter_faq/<key>`); the menu
(categories, hot questions, keyword hints, vague inputs) in
data/knowledge/faq_categories.yml. This module reads both, lazily and once, and gives
the dialogue what it needs besides the ResponseSelector itself:

- `entries()` / `entry(key)`: key, category, canonical question (the first training
  example, used as a button title), answer text;
- `menu()`: the categories with their hot questions, for the 咨询 menu;
- `suggest(text, ranking=None, limit=3)`: likely questions for a vague or
  low-confidence message ("did you mean"), from the ResponseSelector ranking when
  there is one and from keyword hints and character overlap otherwise;
- `validate()`: the designers' checks (answers, responses, menu reachability, …).

Pure Python: no Rasa import, nothing read at import time.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple


from actions.faq.similarity import compact as _compact, dice as _dice, filler_characters, grams as _grams
from language.knowledge_files import load_yaml
from language.words import has_words

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FAQ_DIR = PROJECT_ROOT / "data" / "nlu" / "faq"
CATEGORIES_FILE = PROJECT_ROOT / "data" / "knowledge" / "faq_categories.yml"

RETRIEVAL_INTENT = "faq"
MAX_QUESTION_CHARS = 14
MIN_EXAMPLES = 8
MAX_ANSWER_LINES = 6
# What the topic of the answer just given adds to a suggestion's score: about a keyword's nudge
# and a good overlap together, so a question on that topic with any evidence comes first.
TOPIC_BONUS = 0.5
HOT_RANGE = (3, 5)

_CJK_SPACE = re.compile(r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff]")
_KEY_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


@dataclass(frozen=True)
class FaqEntry:
    key: str  # "ins_online_payment"
    category: str  # category key, e.g. "insurance"
    question: str  # canonical question: the first training example
    answer: str  # text of the first response variant
    examples: Tuple[str, ...] = ()
    source: str = ""  # file name in data/nlu/faq/

    @property
    def intent_response_key(self) -> str:
        """The ResponseSelector's label: "faq/ins_online_payment"."""
        return f"{RETRIEVAL_INTENT}/{self.key}"

    @property
    def response_name(self) -> str:
        """The response in the domain: "utter_faq/ins_online_payment"."""
        return f"utter_{RETRIEVAL_INTENT}/{self.key}"

    def to_dict(self) -> Dict[str, str]:
        return {
            "key": self.key,
            "category": self.category,
            "question": self.question,
            "intent_response_key": self.intent_response_key,
            "response": self.response_name,
        }


@dataclass(frozen=True)
class FaqCategory:
    key: str
    title: str
    description: str
    file: str
    hot: Tuple[str, ...]


@dataclass
class FaqCatalog:
    categories: List[FaqCategory]
    entries: Dict[str, FaqEntry]  # by key, in file order
    keywords: Dict[str, List[str]] = field(default_factory=dict)
    vague_inputs: List[str] = field(default_factory=list)
    doing: Dict[str, str] = field(default_factory=dict)  # bare word → what asks 小安 to do it
    # Raw material only validate() needs: intents without response and vice versa,
    # files no category points at, duplicate keys.
    intents_without_response: List[str] = field(default_factory=list)
    responses_without_intent: List[str] = field(default_factory=list)
    files: List[str] = field(default_factory=list)
    duplicate_keys: List[str] = field(default_factory=list)

    # ---- look-ups -------------------------------------------------------------
    def entry(self, key: str) -> Optional[FaqEntry]:
        return self.entries.get(normalize_key(key))

    def category(self, key: str) -> Optional[FaqCategory]:
        return next((c for c in self.categories if c.key == key), None)

    def in_category(self, category_key: str) -> List[FaqEntry]:
        return [e for e in self.entries.values() if e.category == category_key]

    # ---- menu -------------------------------------------------------------------
    def menu(self) -> List[Dict[str, Any]]:
        """Categories in menu order, each with its hot questions (as button data)."""
        menu = []
        for cat in self.categories:
            hot = [self.entries[k].to_dict() for k in cat.hot if k in self.entries]
            menu.append(
                {
                    "key": cat.key,
                    "title": cat.title,
                    "description": cat.description,
                    "count": len(self.in_category(cat.key)),
                    "hot": hot,
                }
            )
        return menu

    # ---- suggestions ----------------------------------------------------------
    def suggest(
        self,
        text: str,
        ranking: Optional[Sequence[Mapping[str, Any]]] = None,
        limit: int = 3,
        topic: str = "",
    ) -> List[FaqEntry]:
        """Up to `limit` likely questions for a vague or low-confidence message.

        Each known key gets a score: its ResponseSelector confidence (when a ranking
        is given), plus the character overlap with its canonical question and
        examples, plus a keyword-hint bonus when the message contains a keyword of
        faq_categories.yml. A bare keyword ("医保") is what the hints are for: its keys
        come first, in the designers' order. In a longer message ("医保卡丢了怎么办")
        the keyword only nudges, and the overlap decides. A follow-up asks about the
        answer just given ("要排队吗" after where the fever clinic is): questions of that
        `topic` (a category key) with some evidence come first. Keys with no evidence at
        all are never suggested, so fewer than `limit` may come back.
        """
        if limit <= 0 or not has_words(text):
            return []  # emoji or punctuation only: the selector's ranking of it means nothing
        scores: Dict[str, float] = {}

        for item in ranking or ():
            key = normalize_key(str(item.get("intent_response_key") or item.get("name") or ""))
            if key in self.entries:
                conf = float(item.get("confidence") or 0.0)
                scores[key] = max(scores.get(key, 0.0), conf)

        for key, bonus in self._keyword_scores(text).items():
            scores[key] = scores.get(key, 0.0) + bonus

        grams = _grams(text)
        needs_bigram = any(len(g) == 2 for g in grams)
        for key, entry in self.entries.items():
            overlap = 0.0
            for other in _entry_grams(entry):
                shared = grams & other
                # One common character ("发" in 发票 and 发热) is no evidence.
                if needs_bigram and not any(len(g) == 2 for g in shared):
                    continue
                overlap = max(overlap, _dice(grams, other))
            if overlap >= 0.25:
                scores[key] = scores.get(key, 0.0) + overlap

        for key in scores:
            if topic and scores[key] > 0 and self.entries[key].category == topic:
                scores[key] += TOPIC_BONUS
        order = {key: i for i, key in enumerate(self.entries)}
        best = sorted((k for k, s in scores.items() if s > 0), key=lambda k: (-scores[k], order[k]))
        return [self.entries[k] for k in best[:limit]]

    def requests(self, text: str) -> List[str]:
        """For a bare word that may also ask 小安 to do the thing ("挂号", "预约一下"), the
        message that does it ("我要挂号"), offered before the questions about it."""
        compact = _compact(text)
        return list(dict.fromkeys(ask for word, ask in self.doing.items() if _coverage(word, compact) >= 0.6))

    def _keyword_scores(self, text: str) -> Dict[str, float]:
        compact = _compact(text)
        scores: Dict[str, float] = {}
        for word, keys in self.keywords.items():
            coverage = _coverage(word, compact)
            if not coverage:
                continue
            for rank, key in enumerate(keys):
                if coverage >= 1.0:
                    bonus = 10.0 - rank  # a bare keyword: the designers' order rules
                else:
                    bonus = 0.3 * coverage * (1 - 0.1 * rank)
                if key in self.entries and bonus > scores.get(key, 0.0):
                    scores[key] = bonus
        return scores

    def is_vague(self, text: str) -> bool:
        """True for a listed vague input or a bare keyword ("医保", "停车?")."""
        compact = _compact(text)
        return compact in {_compact(v) for v in self.vague_inputs} or compact in self.keywords

    # ---- validation -----------------------------------------------------------
    def validate(self) -> List[str]:
        """Everything a designer must fix, as readable sentences; [] when all is well."""
        problems: List[str] = []
        for key in self.duplicate_keys:
            problems.append(f"faq/{key} is defined more than once")
        for key in self.intents_without_response:
            problems.append(f"faq/{key} has no response utter_faq/{key}")
        for key in self.responses_without_intent:
            problems.append(f"utter_faq/{key} has no intent faq/{key}")

        seen_questions: Dict[str, str] = {}
        seen_examples: Dict[str, str] = {}
        for key, e in self.entries.items():
            if not _KEY_RE.match(key):
                problems.append(f"faq/{key}: key must be snake_case English with a category prefix")
            if not e.answer.strip():
                problems.append(f"faq/{key}: empty answer")
            elif len(e.answer.strip().splitlines()) > MAX_ANSWER_LINES:
                problems.append(f"faq/{key}: answer longer than {MAX_ANSWER_LINES} lines")
            if not e.question:
                problems.append(f"faq/{key}: no canonical question (first example)")
            elif len(e.question) > MAX_QUESTION_CHARS:
                problems.append(
                    f"faq/{key}: canonical question '{e.question}' longer than {MAX_QUESTION_CHARS} characters"
                )
            if e.question in seen_questions:
                problems.append(
                    f"faq/{key}: canonical question '{e.question}' also used by faq/{seen_questions[e.question]}"
                )
            seen_questions.setdefault(e.question, key)
            if len(e.examples) < MIN_EXAMPLES:
                problems.append(f"faq/{key}: {len(e.examples)} examples, need at least {MIN_EXAMPLES}")
            for ex in e.examples:
                if _CJK_SPACE.search(ex):
                    problems.append(f"faq/{key}: stray space in example '{ex}'")
                other = seen_examples.setdefault(_compact(ex), key)
                if other != key:
                    problems.append(f"faq/{key}: example '{ex}' also trains faq/{other}")

        category_keys = [c.key for c in self.categories]
        for dup in sorted({k for k in category_keys if category_keys.count(k) > 1}):
            problems.append(f"category {dup} is listed twice")
        files_in_menu = {c.file for c in self.categories}
        for name in self.files:
            if name not in files_in_menu:
                problems.append(f"data/nlu/faq/{name} belongs to no category in the menu")
        for cat in self.categories:
            if not cat.title or not cat.description:
                problems.append(f"category {cat.key}: title and description are required")
            if cat.file not in self.files:
                problems.append(f"category {cat.key}: file {cat.file} not found in data/nlu/faq")
            if not self.in_category(cat.key):
                problems.append(f"category {cat.key}: holds no questions")
            low, high = HOT_RANGE
            if not low <= len(cat.hot) <= high:
                problems.append(f"category {cat.key}: {len(cat.hot)} hot questions, need {low}-{high}")
            for key in cat.hot:
                e = self.entries.get(key)
                if e is None:
                    problems.append(f"category {cat.key}: hot question {key} does not exist")
                elif e.category != cat.key:
                    problems.append(f"category {cat.key}: hot question {key} belongs to {e.category}")
        for key, e in self.entries.items():
            if e.category not in category_keys:
                problems.append(f"faq/{key}: not reachable from the menu")
        for word, keys in self.keywords.items():
            for key in keys:
                if key not in self.entries:
                    problems.append(f"keyword {word}: question {key} does not exist")
        return problems


# ---- loading --------------------------------------------------------------------


def _coverage(word: str, compact: str) -> float:
    """Share of the message's topic characters (not filler) the word accounts for; 0 when
    the message does not hold it."""
    if not word or word not in compact:
        return 0.0
    topic = [ch for ch in compact if ch not in filler_characters()]
    return min(1.0, len(word) / max(1, len(topic)))


def normalize_key(label: str) -> str:
    """ "faq/x", "utter_faq/x" or "x" → "x"."""
    label = label.strip()
    for prefix in (f"utter_{RETRIEVAL_INTENT}/", f"{RETRIEVAL_INTENT}/"):
        if label.startswith(prefix):
            return label[len(prefix) :]
    return label


def _examples(block: Any) -> List[str]:
    if isinstance(block, list):
        return [str(x).strip() for x in block if str(x).strip()]
    lines = (line.strip() for line in str(block or "").splitlines())
    return [line[1:].strip() for line in lines if line.startswith("-") and line[1:].strip()]


def _first_text(variants: Any) -> str:
    if isinstance(variants, list) and variants and isinstance(variants[0], Mapping):
        return str(variants[0].get("text") or "").strip()
    return ""


@functools.lru_cache(maxsize=None)
def load_catalog(faq_dir: str = str(FAQ_DIR), categories_file: str = str(CATEGORIES_FILE)) -> FaqCatalog:
    """Read the FAQ files and the menu once (cached per pair of paths)."""
    menu = load_yaml(categories_file) or {}
    categories = [
        FaqCategory(
            key=str(c.get("key", "")),
            title=str(c.get("title", "")),
            description=str(c.get("description", "")),
            file=str(c.get("file", "")),
            hot=tuple(c.get("hot") or ()),
        )
        for c in menu.get("categories") or []
    ]
    category_of_file = {c.file: c.key for c in categories}

    entries: Dict[str, FaqEntry] = {}
    duplicates: List[str] = []
    without_response: List[str] = []
    without_intent: List[str] = []
    files = sorted(p.name for p in Path(faq_dir).glob("*.yml"))
    for name in files:
        data = load_yaml(str(Path(faq_dir) / name)) or {}
        responses = {
            normalize_key(str(k)): _first_text(v)
            for k, v in (data.get("responses") or {}).items()
            if str(k).startswith(f"utter_{RETRIEVAL_INTENT}/")
        }
        intents = []
        for block in data.get("nlu") or []:
            intent = str(block.get("intent") or "")
            if not intent.startswith(f"{RETRIEVAL_INTENT}/"):
                continue
            key = normalize_key(intent)
            intents.append(key)
            examples = _examples(block.get("examples"))
            if key in entries:
                duplicates.append(key)
            if key not in responses:
                without_response.append(key)
            entries[key] = FaqEntry(
                key=key,
                category=category_of_file.get(name, ""),
                question=examples[0] if examples else "",
                answer=responses.get(key, ""),
                examples=tuple(examples),
                source=name,
            )
        without_intent.extend(k for k in responses if k not in intents)

    keywords = {str(k): [normalize_key(str(x)) for x in v or []] for k, v in (menu.get("keywords") or {}).items()}
    catalog = FaqCatalog(
        categories=categories,
        entries=entries,
        keywords=keywords,
        vague_inputs=[str(v) for v in menu.get("vague_inputs") or []],
        doing={str(k): str(v) for k, v in (menu.get("doing") or {}).items()},
        intents_without_response=without_response,
        responses_without_intent=without_intent,
        files=files,
        duplicate_keys=duplicates,
    )
    logger.debug("FAQ catalogue: %d questions in %d categories", len(entries), len(categories))
    return catalog


def get_catalog() -> FaqCatalog:
    return load_catalog()


# ---- module-level shortcuts for the action server -----------------------------------


def entries() -> List[FaqEntry]:
    return list(get_catalog().entries.values())


def entry(key: str) -> Optional[FaqEntry]:
    return get_catalog().entry(key)


def menu() -> List[Dict[str, Any]]:
    return get_catalog().menu()


def suggest(
    text: str, ranking: Optional[Sequence[Mapping[str, Any]]] = None, limit: int = 3, topic: str = ""
) -> List[FaqEntry]:
    return get_catalog().suggest(text, ranking=ranking, limit=limit, topic=topic)


def is_vague(text: str) -> bool:
    return get_catalog().is_vague(text)


def validate() -> List[str]:
    return get_catalog().validate()


@functools.lru_cache(maxsize=None)
def _entry_grams(entry: FaqEntry) -> Tuple[frozenset, ...]:
    return tuple(_grams(t) for t in (entry.question, *entry.examples))


__all__ = [
    "FaqEntry",
    "FaqCategory",
    "FaqCatalog",
    "load_catalog",
    "get_catalog",
    "entries",
    "entry",
    "menu",
    "suggest",
    "is_vague",
    "validate",
    "normalize_key",
]
