"""A pick from a list by its place: "第一个", "第二份", "看第3个", "最后一个"."""
from __future__ import annotations

import re
from typing import Optional, Sequence, TypeVar

from language.symptoms import cn_number

T = TypeVar("T")

# "第二天", "第三周", "第二次" are days and times, not picks.
_ORDINAL = re.compile(r"第\s*(?P<n>\d{1,2}|[一二两三四五六七八九十]{1,3})(?![\d一二两三四五六七八九十天日周年月次期季节礼星])(?!\s*个(?:礼拜|星期|月|小时|钟头))\s*(?:个|份|位|项|张|条|号|家|种)?|(?P<first>头一|首)(?:个|份|位)|(?P<last>最后一)(?:个|份|位|项|张|条)?")


def parse_ordinal(text: str) -> Optional[int]:
    """The 0-based place a message picks (-1 for the last), or None."""
    m = _ORDINAL.search(text or "")
    if not m:
        return None
    if m.group("first"):
        return 0
    if m.group("last"):
        return -1
    number = cn_number(m.group("n"))
    return int(number) - 1 if number and number >= 1 else None


def pick(text: str, items: Sequence[T]) -> Optional[T]:
    """The item of `items` (in the order they were shown) the message picks, or None."""
    index = parse_ordinal(text)
    if index is None or not items or not -len(items) <= index < len(items):
        return None
    return items[index]
