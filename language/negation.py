"""Clauses, and what a clause says about a phrase in it: present, absent (negated),
uncertain ("有没有发烧"), past ("上个月晕倒过一次，现在好了") or hypothetical ("如果发烧
怎么办"). The words are in data/language/negation.yml.

Every pass is linear in the length of the text: negation, hedges and time words are read
at most CONTEXT_CHARS around a phrase, and no expression can backtrack without bound
(tests/unit/test_linear_time.py), so a long message without punctuation cannot stall the
server that runs this on every message.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from language.knowledge_files import regex, words

PRESENT, ABSENT, UNCERTAIN, PAST, HYPOTHETICAL = "present", "absent", "uncertain", "past", "hypothetical"
# How far before and after a phrase its clause is read for negation, hedges and time
# words. Real clauses are shorter; a longer one is a message without punctuation,
# and reading all of it for every phrase in it would take time quadratic in its length.
CONTEXT_CHARS = 100
_SENTENCE_END = re.compile(r"[。！？!?\n]")
MASK = "Ｍ"  # what other mentions are masked with while a clause is read


@functools.lru_cache(maxsize=1)
def _filler_by_first() -> Dict[str, Tuple[str, ...]]:
    by_first: Dict[str, Tuple[str, ...]] = {}
    for word in sorted(set(words("filler_words"))):
        by_first[word[0]] = by_first.get(word[0], ()) + (word,)
    return by_first


def _only_filler(text: str) -> bool:
    """Whether `text` is a sequence of filler words (or empty): one pass, marking every
    position a sequence of them can reach. Not a regular expression: "(?:有|过|有过|…)*"
    backtracks exponentially on "有过有过…" that does not end in filler."""
    by_first = _filler_by_first()
    reach = bytearray(len(text) + 1)
    reach[0] = 1
    for i, ch in enumerate(text):
        if reach[i]:
            for word in by_first.get(ch, ()):
                if text.startswith(word, i):
                    reach[i + len(word)] = 1
    return bool(reach[len(text)])


def clause_spans(text: str) -> List[Tuple[int, int]]:
    """Character spans of the clauses of `text` (split at punctuation and 但/但是/不过…)."""
    spans, start = [], 0
    for m in regex("clause_break").finditer(text):
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
            chars[start:end] = MASK * (end - start)
    return "".join(chars)


def _mask_not_negation(text: str) -> str:
    return regex("not_negation").sub(lambda m: "＃" * len(m.group()), text)


def has_negation(text: str) -> bool:
    """Whether `text` (the words between a body part and a feeling) negates: "嗓子不疼"."""
    return bool(regex("negation_cues").search(_mask_not_negation(text)))


def is_negated(prefix: str, suffix: str = "") -> bool:
    """Whether a phrase is negated, given the clause text before it (other mentions
    already masked as Ｍ) and after it. The negation must be followed only by filler
    words ("没有明显的胸痛", "否认高血压、糖尿病") — "吃了药也没好转还是头疼" is not a
    negated headache."""
    masked = _mask_not_negation(prefix)
    cues = list(regex("negation_cues").finditer(masked))
    if cues and _only_filler(masked[cues[-1].end() :]):
        return True
    return bool(suffix) and bool(regex("post_negation").match(suffix.strip()))


@functools.lru_cache(maxsize=16)
def _says_resolved(message: str) -> bool:
    # Cached: asked for every phrase of the same message.
    return bool(regex("resolved").search(message))


def time_status(clause: str, message: str) -> Optional[str]:
    """PAST if the clause speaks of a resolved, earlier episode; else None."""
    if regex("ongoing").search(clause):
        return None
    if regex("remote_past").search(clause):
        return PAST
    if regex("weak_past").search(clause) and _says_resolved(message):
        return PAST
    return None


def _after_a_time_alone(text: str, spans: Sequence[Tuple[int, int]], index: int, clause: str) -> Optional[str]:
    """PAST when the clause before is only a time long ago ("三年前，晕倒过一次") and
    neither this clause nor the next says it goes on ("去年，胸口疼，现在又疼了")."""
    if index <= 0:
        return None
    after = (
        text[spans[index + 1][0] : min(spans[index + 1][1], spans[index + 1][0] + CONTEXT_CHARS)]
        if index + 1 < len(spans)
        else ""
    )
    if regex("ongoing").search(clause + "，" + after):
        return None
    before = text[max(spans[index - 1][0], spans[index - 1][1] - CONTEXT_CHARS) : spans[index - 1][1]].strip()
    m = regex("remote_past").match(before)
    return PAST if m and regex("time_alone_tail").fullmatch(before[m.end() :]) else None


def _in_a_settled_story(text: str, spans: Sequence[Tuple[int, int]], index: int) -> Optional[str]:
    """PAST when an earlier clause of the same sentence tells of a time long ago or an
    earlier episode, nothing since in the sentence says it goes on, and the message says
    it is over: "我去年因为胃出血住过一次院，吐了好多血，…复查说溃疡已经好了"."""
    if index <= 0 or not _says_resolved(text) or regex("ongoing").search(text[spans[index][0] : spans[index][1]]):
        return None
    for i in range(index - 1, -1, -1):
        if _SENTENCE_END.search(text, spans[i][1], spans[i + 1][0]):
            return None  # the sentence began after this clause
        earlier = text[spans[i][0] : spans[i][1]]
        if regex("ongoing").search(earlier):
            return None
        if regex("remote_past").search(earlier) or regex("weak_past").search(earlier):
            return PAST
    return None


def assertion(
    text: str,
    start: int,
    end: int,
    spans: Sequence[Tuple[int, int]],
    others: Sequence[Tuple[int, int]] = (),
    mask_overlapping: bool = True,
) -> str:
    """Status of the phrase text[start:end]: present / absent / uncertain / past / hypothetical.

    `others` are the other mentions in the text, sorted and not overlapping each other;
    they are masked while the clause is read. With mask_overlapping=False those that
    overlap the phrase itself stay as they are."""
    index = _clause_index(spans, start)
    cs, ce = spans[index] if index >= 0 else clause_of(spans, start)
    cs, ce = max(cs, start - CONTEXT_CHARS), min(ce, end + CONTEXT_CHARS)
    clause = text[cs:ce]
    if regex("hypothetical").search(clause):
        return HYPOTHETICAL
    others = [
        o
        for o in _near(others, cs, ce)
        if o != (start, end) and (mask_overlapping or not (o[0] < end and start < o[1]))
    ]
    prefix = _mask(text[cs:start], others, cs)
    suffix = _mask(text[end:ce], others, end)
    if is_negated(prefix, suffix):
        return ABSENT
    past = (
        time_status(clause, text)
        or _after_a_time_alone(text, spans, index, clause)
        or _in_a_settled_story(text, spans, index)
    )
    if past:
        return past
    after = text[end:ce]
    if not after.strip():
        nxt = index + 1 if index >= 0 else bisect.bisect_left(spans, (ce, -1))
        after = text[spans[nxt][0] : min(spans[nxt][1], spans[nxt][0] + CONTEXT_CHARS)] if nxt < len(spans) else ""
    if regex("settled_after").match(after):
        return PAST  # "发烧已经退了", "前几天发烧，已经退了"
    if regex("uncertain").search(_mask(prefix, [])):
        return UNCERTAIN
    return PRESENT
