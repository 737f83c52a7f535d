"""Short answers to a yes/no question: "有", "没有", "不知道", "是的有一点"… The words
are in data/language/answers.yml."""

from __future__ import annotations

import re
from typing import Optional

from language.knowledge_files import regex


def interpret_yes_no(text: str) -> Optional[str]:
    """'yes' / 'no' / 'unknown' for a short answer, None if it is not one."""
    t = re.sub(r"^[\s，,。.!！?？~～啊哦呃额唔]+", "", (text or "").strip())
    t = regex("answer_speaker").sub("", t, count=1)
    if not t:
        return None
    if regex("answer_unknown").match(t):
        return "unknown"
    if regex("answer_leaving", re.I).match(t):
        return None
    if regex("answer_yes_except").match(t):
        return "yes"
    if regex("answer_no", re.I).match(t):
        return "no"
    if regex("answer_yes", re.I).match(t):
        return "yes"
    return None


def is_closing(text: str) -> bool:
    """Only a goodbye, thanks or "no more" ("好的谢谢 再见", "没有了", "嗯 知道了")."""
    return bool(regex("closing", re.I).match((text or "").strip()))
