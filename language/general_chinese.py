"""Everyday Chinese that is no health complaint, from what the installed packages ship.

jionlp (Apache-2.0) ships a dictionary of words with their definitions, of idioms (成语)
and of two-part sayings (歇后语); jieba ships its word list with frequencies. The
department model learns from them what ordinary language looks like ("今晚吃火锅还是烧烤"
or a line of a poem is no illness), and the department knowledge reads a one-character
body part inside an idiom as a figure of speech (心 of 心服口服, 眼 of 刮目相看).

Nothing is copied into the project: the files are read where the packages put them, and
their paths are part of the department model's data hash.
"""

from __future__ import annotations

import functools
import random
import re
from pathlib import Path
from typing import FrozenSet, Iterator, List, Tuple


def _installed(package: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(package)  # found, not imported: importing jionlp prints a banner
    assert spec is not None and spec.origin is not None, f"{package} is a dependency (requirements.txt)"
    return Path(spec.origin).parent


@functools.lru_cache(maxsize=1)
def jionlp_dictionary() -> Path:
    """jionlp's dictionary folder. jionlp unzips its files there when first imported: on a
    fresh installation they exist only after that (the banner it prints is the price)."""
    import jionlp  # noqa: F401

    return _installed("jionlp") / "dictionary"


def jieba_dictionary() -> Path:
    return _installed("jieba") / "dict.txt"


def jieba_frequencies() -> Iterator[Tuple[str, int]]:
    """(word, frequency) of jieba's word list."""
    with jieba_dictionary().open(encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            if len(parts) >= 2:
                yield parts[0], int(parts[1])


def source_files() -> List[Path]:
    folder = jionlp_dictionary()
    return [folder / "chinese_word_dictionary.txt", folder / "xiehouyu.txt", folder / "chinese_idiom.txt"]


def _columns(path: Path) -> Iterator[List[str]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield line.rstrip("\n").split("\t")


@functools.lru_cache(maxsize=1)
def idioms() -> FrozenSet[str]:
    """The four-character idioms."""
    return frozenset(row[0] for row in _columns(jionlp_dictionary() / "chinese_idiom.txt") if len(row[0]) == 4)


def sentences() -> List[str]:
    """Word definitions (one a sense), two-part sayings and idioms, in a fixed shuffled order."""
    words, sayings, idiom_file = source_files()
    found: List[str] = []
    for row in _columns(words):
        if len(row) == 2:
            senses = (sense.strip(" 。;；") for sense in re.split(r"\s*\d+\.\s*", row[1]))
            found += [sense for sense in senses if 4 <= len(sense) <= 40]
    found += [f"{row[0]}——{row[1]}" for row in _columns(sayings) if len(row) == 2]
    found += [row[0] for row in _columns(idiom_file) if row[0]]
    random.Random(0).shuffle(found)
    return found


def common_words(min_length: int = 2) -> List[str]:
    """jieba's words of at least `min_length` characters, the most frequent first."""
    return [word for _, word in sorted((-freq, word) for word, freq in jieba_frequencies() if len(word) >= min_length)]
