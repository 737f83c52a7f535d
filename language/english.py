"""English words typed in a Chinese message ("I have fever 38.5", "cough 很久", "my wife
pregnant"), read as the Chinese words a patient would have typed, from the designers'
table data/language/english.yml. Whole words only; an entry with capitals ("ER", "ENT")
matches only as written, since "er" is pinyin. Runs before pinyin is read
(read_latin), so the English words are gone when pinyin decides whether a message is
mostly English.
"""

from __future__ import annotations

import functools
import re
from typing import Dict, Optional, Tuple

from language.knowledge_files import words
from language.pinyin import read_pinyin


@functools.lru_cache(maxsize=1)
def _table() -> Tuple[Dict[str, str], Optional["re.Pattern[str]"], Optional["re.Pattern[str]"]]:
    """(the reading of each entry; the pattern of the lower-case entries, matched in any
    case; the pattern of those with capitals), longest entries first so "chest pain" wins
    over "pain"."""
    table = {str(k): str(v) for k, v in words("english_words").items()}

    def compile_(entries, flags=0):
        if not entries:
            return None
        alternation = "|".join(re.escape(e).replace(r"\ ", r"\s+") for e in sorted(entries, key=len, reverse=True))
        # A space after a number goes with the word: "3 months" is "3个月", as the duration
        # and age patterns expect.
        return re.compile(rf"(?:(?<=\d)\s+)?(?<![A-Za-z'])(?:{alternation})(?![A-Za-z'])", flags)

    free = [k for k in table if k == k.lower()]
    exact = [k for k in table if k != k.lower()]
    return table, compile_(free, re.IGNORECASE), compile_(exact)


def read_english(text: str) -> str:
    """The text with the table's English words read as Chinese; anything else as typed."""
    if not text or not re.search(r"[A-Za-z]{2}", text):
        return text
    readings, free, exact = _table()
    if exact is not None:
        text = exact.sub(lambda m: readings[m.group().strip()], text)
    if free is not None:
        text = free.sub(lambda m: readings[" ".join(m.group().lower().split())], text)
    return text


def read_latin(text: str) -> str:
    """Latin letters in a Chinese message read as Chinese: the table's English words, then
    pinyin (language.pinyin)."""
    return read_pinyin(read_english(text))
