"""Numbers as patients write them: digits (half or full width, "38.5"), Chinese numerals
("三十九", "一百二"), and the vague ones ("两三" = 3, "十几" = 15, "几" = 3, "好几" = 4,
"半" = 0.5). The one reader of numbers for symptoms, dates and picks from a list; the
digits are in data/language/numbers.yml, and the pattern of a number other patterns use
as ${number} too."""

from __future__ import annotations

import functools
import re
from typing import Dict, Optional

from language.knowledge_files import words

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
