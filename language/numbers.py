"""Numbers as patients write them: digits (half or full width, "38.5"), Chinese numerals
("三十九", "一百二"), and the vague ones ("两三" = 3, "十几" = 15, "几" = 3, "好几" = 4,
"半" = 0.5). The one reader of numbers for symptoms, dates and picks from a list; the
digits are in data/language/numbers.yml, and the pattern of a number other patterns use
as ${number} too."""

from __future__ import annotations

import functools
import re
from typing import Dict, Optional

from language.knowledge_files import regex, words

_DECIMAL = re.compile(r"\d+(?:\.\d+)?")  # \d: half- and full-width digits alike
HALF, FEW, SEVERAL = "半", "几", "好几"
TEN, HUNDRED = "十", "百"


@functools.lru_cache(maxsize=1)
def _digits() -> Dict[str, int]:
    return {str(k): int(v) for k, v in words("digits").items()}


def cn_number(token: str) -> Optional[float]:
    """'3' / '３' → 3, '三十九' → 39, '两三' → 3 (the larger), '十几' → 15, '二十几' → 25,
    '几' → 3, '好几' → 4, '半' → 0.5, '百' → 100; None when it is not a number."""
    token = (token or "").strip()
    if not token:
        return None
    if _DECIMAL.fullmatch(token):
        return float(token)
    if token == HALF:
        return 0.5
    if token in (FEW, SEVERAL):
        return 3.0 if token == FEW else 4.0
    digits = _digits()
    if len(token) == 2 and all(c in digits for c in token) and digits[token[1]] == digits[token[0]] + 1:
        return float(digits[token[1]])  # 两三, 三四 …
    if token.startswith(TEN) or token.endswith(FEW):
        token = token.replace(FEW, "五")
    total, current = 0, 0
    for ch in token:
        if ch in digits:
            current = digits[ch]
        elif ch == TEN:
            total += (current or 1) * 10
            current = 0
        elif ch == HUNDRED:
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return float(total + current)


def whole_number(token: str) -> Optional[int]:
    """cn_number when it is a whole number ("12", "十二"), else None ("半", "1.5")."""
    value = cn_number(token)
    return int(value) if value is not None and value.is_integer() else None


# One Chinese number of a reading: hundreds, tens and units, a decimal part
# ("一百二十", "八十几", "七点二"); "一百二" is 120, as it is said.
_READING = re.compile(
    r"(?P<h>[一二两三四五六七八九]?百)?(?P<t>零?[一二三四五六七八九]?十)?(?P<u>[一二三四五六七八九几])?"
    r"(?:点(?P<f>[零一二三四五六七八九]+))?"
)
_CLAUSE_END = "，。,.!?！？；;"


@functools.lru_cache(maxsize=1)
def _reading_span() -> "re.Pattern[str]":
    """A measure ("血氧", "心率"), a few words ("仪上显示"), then what may hold its numbers: up
    to 12 characters of the clause, and a number at their end not cut ("一分钟一百八")."""
    numerals = words("numerals")
    return re.compile(
        rf"(?:{regex('measured').pattern})[^{_CLAUSE_END}\d{numerals}]{{0,8}}"
        rf"(?P<span>[^{_CLAUSE_END}]{{0,12}}[{numerals}点]*)"
    )


def _reading_value(m: "re.Match[str]") -> Optional[str]:
    """The digits of one number of a reading; None for a number under ten without a
    decimal ("一下", "三"), which is no reading."""
    h, t, u, f = m.group("h"), m.group("t"), m.group("u"), m.group("f")
    if not (h or t or (f and u)):
        return None
    digits = _digits()
    value = (digits.get(h.rstrip(HUNDRED), 1) * 100 if h else 0) + (
        digits.get(t.strip("零").rstrip(TEN), 1) * 10 if t else 0
    )
    if u:
        unit = 5 if u == FEW else digits[u]
        value += unit * 10 if h and not t else unit  # "一百二" is 120
    return str(value) + ("." + "".join(str(digits[c]) for c in f) if f else "")


def _in_digits(span: str) -> str:
    out, last = [], 0
    for m in _READING.finditer(span):
        value = _reading_value(m) if m.group() else None
        if value is None:
            continue
        out += [span[last : m.start()], "/" if last and last == m.start() else "", value]
        last = m.end()
    return "".join(out) + span[last:]


def readings_in_digits(text: str) -> str:
    """Chinese numbers of readings written in digits: "血氧八十八" → "血氧88",
    "血压八十几五十几" → "血压85/55" (two in a row are a pressure), "血钾七点二" → "血钾7.2"."""
    if not re.search("[十百点]", text):
        return text
    out, last = [], 0
    for m in _reading_span().finditer(text):
        out += [text[last : m.start("span")], _in_digits(m.group("span"))]
        last = m.end()
    return "".join(out) + text[last:]
