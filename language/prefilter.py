"""Which characters a regular expression cannot match without: a cheap test that skips
most of the red-flag and symptom expressions for a message before any of them runs.

`needed_chars(regex)` gives sets of characters such that every match holds at least one
character of each set ("胸.{0,3}(疼|痛)" needs {胸} and {疼, 痛}). A message that misses a
set cannot match, so `could_match` may skip the search; when the expression's shape is
not understood (., \\w, [^…], back-references) it asks for nothing and the search runs.
"""

from __future__ import annotations

import re
import sre_constants as c
import sre_parse
from collections import defaultdict
from typing import AbstractSet, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

Needs = Tuple[FrozenSet[str], ...]

_REPEATS = {c.MAX_REPEAT, c.MIN_REPEAT}
_ZERO_WIDTH = {c.AT, c.ASSERT, c.ASSERT_NOT}
_MAX_RANGE = 256


def _class(items) -> Optional[FrozenSet[str]]:
    chars: Set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            chars.add(chr(av))
        elif op is c.RANGE and av[1] - av[0] < _MAX_RANGE:
            chars.update(chr(i) for i in range(av[0], av[1] + 1))
        else:  # a negated class, \d \w \s, a wide range
            return None
    return frozenset(chars)


def _item(op, av) -> Tuple[Optional[FrozenSet[str]], bool]:
    """(the characters a match of this item starts with, or None when unknown; whether
    the item can match nothing)."""
    if op is c.LITERAL:
        return frozenset(chr(av)), False
    if op is c.IN:
        return _class(av), False
    if op in _ZERO_WIDTH:
        return frozenset(), True
    if op is c.SUBPATTERN:
        return _sequence(av[-1])
    if op is c.BRANCH:
        firsts: Set[str] = set()
        empty = False
        for branch in av[1]:
            first, can_be_empty = _sequence(branch)
            if first is None:
                return None, True
            firsts |= first
            empty = empty or can_be_empty
        return frozenset(firsts), empty
    if op in _REPEATS:
        first, can_be_empty = _sequence(av[2])
        return first, can_be_empty or av[0] == 0
    return None, True  # ., [^…] as NOT_LITERAL, back-references, conditionals


def _sequence(items) -> Tuple[Optional[FrozenSet[str]], bool]:
    firsts: Set[str] = set()
    for op, av in items:
        first, can_be_empty = _item(op, av)
        if first is None:
            return None, True
        firsts |= first
        if not can_be_empty:
            return frozenset(firsts), False
    return frozenset(firsts), True


def needed_chars(regex: "re.Pattern[str]") -> Needs:
    """The character sets every match must touch, one per item of the expression's top
    level that cannot be skipped; () when nothing is certain."""
    if regex.flags & re.IGNORECASE or "(?i" in regex.pattern:
        return ()
    needs = []
    for op, av in sre_parse.parse(regex.pattern, regex.flags).data:
        first, can_be_empty = _item(op, av)
        if first and not can_be_empty:
            needs.append(first)
    return tuple(needs)


def merged(regexes: Iterable["re.Pattern[str]"]) -> Needs:
    """The needs of several expressions that must all match."""
    return tuple(need for regex in regexes for need in needed_chars(regex))


def could_match(needs: Needs, chars: AbstractSet[str]) -> bool:
    """False only when the text, of these characters, cannot match."""
    return all(not need.isdisjoint(chars) for need in needs)


class Index:
    """Many expressions' needs at once: `possible(chars)` gives the positions of those a
    text of these characters could match, looking only at the expressions that share a
    character with it."""

    def __init__(self, needs: Sequence[Needs]) -> None:
        self._needs = list(needs)
        self._always: List[int] = []
        self._by_char: Dict[str, List[int]] = defaultdict(list)
        for position, need in enumerate(self._needs):
            if not need:
                self._always.append(position)
                continue
            for char in min(need, key=len):
                self._by_char[char].append(position)

    def possible(self, chars: AbstractSet[str]) -> Set[int]:
        seen = set(self._always)
        for char in chars:
            seen.update(self._by_char.get(char, ()))
        return {p for p in seen if could_match(self._needs[p], chars)}


class Screen:
    """Many expressions searched in one text: `matching(text)` gives the positions of those
    that match, running only those whose characters the text has."""

    def __init__(self, regexes: Sequence["re.Pattern[str]"]) -> None:
        self._regexes = list(regexes)
        self._index = Index([needed_chars(regex) for regex in self._regexes])

    def matching(self, text: str, chars: Optional[AbstractSet[str]] = None) -> Set[int]:
        possible = self._index.possible(set(text) if chars is None else chars)
        return {p for p in possible if self._regexes[p].search(text)}
