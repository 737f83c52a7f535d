"""Finding which catalogue entry a patient's text names: the longest mention wins."""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence, Tuple


def normalize(text: str) -> str:
    # NFKC folds full-width letters (ＣＴ) typed on Chinese keyboards.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _is_ascii(key: str) -> bool:
    return all(ord(c) < 128 for c in key)


def inside_latin_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end], a phrase beginning or ending with a Latin letter, touches a
    Latin letter on that side: "tia" in the pinyin "yitian", "ct" in "doctor", "K" in "OK"."""

    def latin(ch: str) -> bool:
        return ch.isascii() and ch.isalpha()

    if not (latin(text[start]) or latin(text[end - 1])):
        return False
    return (start > 0 and latin(text[start - 1]) and latin(text[start])) or (
        end < len(text) and latin(text[end]) and latin(text[end - 1])
    )


def _mentions(text: str, key: str) -> bool:
    key = normalize(key)
    if not key:
        return False
    if not _is_ascii(key):
        return key in text
    # Latin codes need word boundaries (PT must not match inside APTT) but may be
    # followed by a value ("K6.8"); very short ones are case-sensitive so 血钾 K is not
    # found in every "k".
    flags = 0 if len(key) <= 2 else re.IGNORECASE
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(key)}(?![A-Za-z])", text, flags) is not None


def best_match(text: str, candidates: Sequence[Tuple[object, Tuple[str, ...]]]):
    text = normalize(text)
    if not text:
        return None
    best, best_len = None, 0
    for item, keys in candidates:
        for key in keys:
            n = len(normalize(key))
            if n > best_len and _mentions(text, key):
                best, best_len = item, n
    return best
