"""How long, how bad and how hot: duration in days, severity, body temperature.
The words are in data/language/measures.yml."""

from __future__ import annotations

import functools
import re
from typing import List, Optional, Tuple

from language.knowledge_files import regex, words
from language.numbers import cn_number

SEVERITY_RANK = {"mild": 1, "moderate": 2, "severe": 3}
_UNIT_DAYS = {
    "小时": 1 / 24,
    "钟头": 1 / 24,
    "天": 1,
    "日": 1,
    "晚": 1,
    "晚上": 1,
    "宿": 1,
    "星期": 7,
    "礼拜": 7,
    "周": 7,
    "月": 30,
    "年": 365,
}
_SHORT_UNITS = ("月", "天", "周", "星期")  # a child's age, not a duration, after a child noun
_COUNTED_UNITS = ("天", "日", "周", "星期", "礼拜")


@functools.lru_cache(maxsize=1)
def _duration_words() -> Tuple[Tuple["re.Pattern[str]", float], ...]:
    return tuple((re.compile(entry["pattern"]), float(entry["days"])) for entry in words("duration_words"))


def parse_duration(text: str) -> Optional[float]:
    """How long the complaint has lasted, in days (the longest one mentioned)."""
    found: List[float] = []
    for m in regex("duration").finditer(text):
        before, after = text[max(0, m.start() - 4) : m.start()], text[m.end() : m.end() + 8]
        unit = m.group("unit")
        if re.search(r"(孕|怀孕|怀了)$", before) or regex("duration_after_age").match(after):
            continue
        if regex("duration_child_before").search(before) and unit in _SHORT_UNITS:
            continue
        if re.search(r"[每隔]$", before) or (unit in _COUNTED_UNITS and regex("duration_counted").match(after)):
            continue
        if unit == "月" and re.match(r"^\d+[日号]", after):
            continue
        if unit in ("日",) and re.search(r"月$", before):
            continue
        if unit == "年" and re.match(r"^(代|级|纪|龄|轻)", after):
            continue
        if unit == "天" and re.match(r"^到晚", after):
            continue
        if re.match(r"^(以前|前)(?!开始)", after) and not re.match(r"^前(开始|起)", after):
            # "两年前得过" is a past event, not how long this has lasted
            if regex("past_event").search(text[m.end() : m.end() + 12]):
                continue
        num = cn_number(m.group("num"))
        if num is None:
            continue
        if m.group("hao") and m.group("num") == "几":
            num = 4.0
        if m.group("half1") or m.group("half2"):
            num += 0.5
        days_per = _UNIT_DAYS[unit]
        value = num * days_per
        if m.group("more") or m.group("more2"):
            value += 0.5 * days_per if num < 10 else 0.2 * value
        found.append(value)
    for pattern, days in _duration_words():
        if pattern.search(text):
            found.append(days)
    return round(max(found), 2) if found else None


def parse_severity(window: str) -> Optional[str]:
    if regex("severe").search(window):
        return "severe"
    if regex("mild").search(window):
        return "mild"
    if regex("moderate").search(window):
        return "moderate"
    return None


def says_pain(clause: str) -> bool:
    return bool(regex("pain_words").search(clause))


def parse_temperature(text: str) -> Optional[float]:
    values = []
    names = ["temperature", "temperature_context"]
    if regex("temperature_talk").search(text):  # "烧了两天，37.8左右", not a lab value "白蛋白38.2"
        names.append("temperature_bare")
    for m in (m for name in names for m in regex(name).finditer(text)):
        whole = cn_number(m.group("n"))
        frac_token = m.groupdict().get("d") or m.groupdict().get("d2")
        frac = cn_number(frac_token) if frac_token else 0
        if whole is not None:
            values.append(whole + (frac or 0) / 10)
    values = [v for v in values if 35 <= v <= 43]
    return max(values) if values else None
