"""A pick from a list by its place: "第一个", "第二份", "看第3个", "最后一个"."""

from __future__ import annotations

from typing import Optional, Sequence, TypeVar

from language.knowledge_files import regex
from language.numbers import whole_number

T = TypeVar("T")

# "第二天", "第三周", "第二次" are days and times, not picks (data/language/dates.yml).


def parse_ordinal(text: str) -> Optional[int]:
    """The 0-based place a message picks (-1 for the last), or None."""
    m = regex("ordinal").search(text or "")
    if not m:
        return None
    if m.group("first"):
        return 0
    if m.group("last"):
        return -1
    number = whole_number(m.group("n"))
    return number - 1 if number and number >= 1 else None


def pick(text: str, items: Sequence[T]) -> Optional[T]:
    """The item of `items` (in the order they were shown) the message picks, or None."""
    index = parse_ordinal(text)
    if index is None or not items or not -len(items) <= index < len(items):
        return None
    return items[index]
