"""Where the symptoms of the lexicon are mentioned in a text.

spaCy's `PhraseMatcher` finds every colloquial phrase, and the composites a body part +
feeling with words in between ("嗓子有点疼", "嗓子不疼"), over the tokens of the project's
one Chinese pipeline (`get_nlp()`). jieba sometimes glues a negation to a word ("没发烧"
stays split, "不疼" does not), so a character-level pass over the same lexicon catches
what the token matchers cannot align; every candidate says which pass found it. The gap
words are in data/language/matching.yml.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Sequence, Tuple

from language import prefilter
from language.knowledge_files import words
from language.symptom_lexicon import IGNORE, Composite, load_lexicon
from language.zh_nlp import get_nlp

if TYPE_CHECKING:
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc

ANY_GAP_CHARS = 8
MAX_PATTERN_TOKENS = 8  # body + gap + feeling; longer token matches are not one complaint
Candidate = Tuple[int, int, str, str, str]  # start, end, symptom, source (phrase | pattern | text), gap


def gap_tokens() -> Tuple[str, ...]:
    """Words that may sit between a body part and a feeling: "肚子一阵一阵的疼"."""
    return tuple(words("gap_tokens"))


def negation_prefixes() -> Tuple[str, ...]:
    return tuple(words("negation_prefixes"))


@dataclass(frozen=True)
class _Matchers:
    phrase: PhraseMatcher
    # The composites on tokens: their positions by body word, each one's feeling words
    # (negated ones too: jieba keeps "不疼" whole) and the words that may sit between.
    by_body: Dict[str, Tuple[int, ...]]
    feelings: Tuple[FrozenSet[str], ...]
    gap_words: FrozenSet[str]
    synonym_regex: "re.Pattern[str]"
    composite_regex: Tuple[Tuple[str, "re.Pattern[str]"], ...]
    composite_index: prefilter.Index  # skips the composites whose words a text lacks


@functools.lru_cache(maxsize=None)
def matchers() -> _Matchers:
    from spacy.matcher import PhraseMatcher

    lexicon = load_lexicon()
    # get_nlp() loads data/lexicon/*.txt. Nothing is added to jieba here: the Rasa
    # tokenizer shares jieba's dictionary, and tokens must not change after training.
    nlp = get_nlp()
    gaps = gap_tokens()
    gap_chars = "".join(sorted({ch for tok in gaps for ch in tok}))

    phrase = PhraseMatcher(nlp.vocab, attr="ORTH")
    for sym in lexicon.symptoms.values():
        phrase.add(sym.id, [nlp.make_doc(s) for s in sym.synonyms])
    ignored = [w for w, sid in lexicon.synonym_to_id.items() if sid == IGNORE]
    if ignored:
        phrase.add(IGNORE, [nlp.make_doc(w) for w in ignored])

    by_body: Dict[str, List[int]] = {}
    for index, comp in enumerate(lexicon.composites):
        for body in dict.fromkeys(comp.body):
            by_body.setdefault(body, []).append(index)
    feelings = tuple(
        frozenset(comp.feeling) | {neg + f for neg in negation_prefixes() for f in comp.feeling}
        for comp in lexicon.composites
    )

    synonyms = sorted(lexicon.synonym_to_id, key=len, reverse=True)
    synonym_regex = re.compile("|".join(re.escape(s) for s in synonyms))
    composite_regex = []
    for comp in lexicon.composites:
        body = "|".join(re.escape(b) for b in sorted(comp.body, key=len, reverse=True))
        feel = "|".join(re.escape(f) for f in sorted(comp.feeling, key=len, reverse=True))
        between = (
            rf"[^，,。.！!？?；;\s]{{0,{ANY_GAP_CHARS}}}?" if comp.gap_any else f"[{re.escape(gap_chars)}]{{0,6}}?"
        )
        composite_regex.append((comp.symptom, re.compile(f"(?:{body})(?P<gap>{between})(?:{feel})")))
    composite_index = prefilter.Index([prefilter.needed_chars(regex) for _, regex in composite_regex])
    return _Matchers(
        phrase,
        {body: tuple(indexes) for body, indexes in by_body.items()},
        feelings,
        frozenset(gaps),
        synonym_regex,
        tuple(composite_regex),
        composite_index,
    )


def _composite_hits(m: _Matchers, composites: Sequence[Composite], doc: "Doc") -> List[Tuple[int, int, int]]:
    """(composite, start token, end token): a body word, gap tokens, a feeling word, at
    most MAX_PATTERN_TOKENS tokens in all. Looked up by body word, so the cost follows
    the body words a text has and not the number of composites (spaCy's `Matcher` would
    try every composite at every token: three quarters of the time of a reading)."""
    texts = [token.text for token in doc]
    hits = []
    for start, text in enumerate(texts):
        for index in m.by_body.get(text, ()):
            gap_any = composites[index].gap_any
            for end in range(start + 1, min(start + MAX_PATTERN_TOKENS, len(texts))):
                if texts[end] in m.feelings[index]:
                    hits.append((index, start, end + 1))
                if doc[end].is_punct if gap_any else texts[end] not in m.gap_words:
                    break
    return hits


def candidates(text: str) -> List[Candidate]:
    """(start, end, symptom, source, gap) from the token matchers and the character pass."""
    m = matchers()
    lexicon = load_lexicon()
    doc = get_nlp().make_doc(text)
    found = []
    for match_id, s, e in m.phrase(doc):
        span = doc[s:e]
        found.append((span.start_char, span.end_char, doc.vocab.strings[match_id], "phrase", ""))
    prefixes = sorted(negation_prefixes(), key=len, reverse=True)
    for index, s, e in _composite_hits(m, lexicon.composites, doc):
        span = doc[s:e]
        if len(span.text) > ANY_GAP_CHARS + 8:
            continue
        composite = lexicon.composites[index]
        gap = "".join(t.text for t in doc[s + 1 : e - 1])
        if _gap_says_otherwise(composite, gap):
            continue
        last = doc[e - 1].text
        neg = ""
        if last not in composite.feeling:  # "不疼" is 疼 negated; "不成形" is itself the finding
            neg = next((n for n in prefixes if last.startswith(n)), "")
        found.append((span.start_char, span.end_char, composite.symptom, "pattern", gap + neg))
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
    for position in sorted(m.composite_index.possible(set(text))):
        symptom, regex = m.composite_regex[position]
        for hit in regex.finditer(text):
            if reach[hit.start()] < hit.end() and not _gap_says_otherwise(
                lexicon.composites[position], hit.group("gap")
            ):
                found.append((hit.start(), hit.end(), symptom, "text", hit.group("gap")))
    return found


def _gap_says_otherwise(composite: Composite, gap: str) -> bool:
    return any(word in gap for word in composite.gap_not)


def select(cands: List[Candidate]) -> List[Candidate]:
    """Longest non-overlapping matches; the token matchers win ties. A match that ends inside an
    ignored phrase it does not wholly hold ("胳膊右胳膊量血压": 压 of 量血压 is no crush) is dropped:
    the ignored phrase keeps its words from being a complaint's last word."""
    rank = {"phrase": 0, "pattern": 1, "text": 2}
    ignored = [(c[0], c[1]) for c in cands if c[2] == IGNORE]
    if ignored:
        cands = [c for c in cands if c[2] == IGNORE or not any(c[0] < s < c[1] <= e for s, e in ignored)]
    chosen: List[Candidate] = []
    taken = bytearray(max((c[1] for c in cands), default=0))
    for cand in sorted(cands, key=lambda c: (-(c[1] - c[0]), rank[c[3]], c[0])):
        if not any(taken[cand[0] : cand[1]]):
            chosen.append(cand)
            taken[cand[0] : cand[1]] = b"\x01" * (cand[1] - cand[0])
    return sorted(chosen, key=lambda c: c[0])
