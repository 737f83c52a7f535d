"""How alike two short questions are: character unigrams and bigrams of the
topic-bearing characters (filler like "怎么办" left out), compared by Dice overlap."""

from __future__ import annotations

import functools
import re

from language.knowledge_files import knowledge


@functools.lru_cache(maxsize=1)
def filler_characters() -> frozenset:
    """Characters that carry no topic ("怎么办", "可以吗"): data/knowledge/faq_words.yml."""
    return frozenset(knowledge("faq_words")["filler_characters"])


def compact(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text or "").lower()


def grams(text: str) -> frozenset:
    """Character unigrams and bigrams of the topic-bearing characters."""
    filler = filler_characters()
    chars = [ch for ch in compact(text) if ch not in filler]
    found = set(chars)
    found.update(a + b for a, b in zip(chars, chars[1:]))
    return frozenset(found)


def dice(a: frozenset, b: frozenset) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0
