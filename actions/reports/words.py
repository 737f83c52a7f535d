"""The words patients use about their reports and the phrases report lines are built
from: data/knowledge/report_words.yml, read once on first use."""

from __future__ import annotations

import datetime as dt
from typing import Dict, Optional, Tuple

from language.knowledge_files import knowledge


def words() -> dict:
    return knowledge("report_words")


def phrase(name: str, /, **values: object) -> str:
    return words()["phrases"][name].format(**values)


def listed(name: str) -> Tuple[str, ...]:
    """A word list: "lab", "imaging", "high", "low"."""
    return tuple(words()[name])


def modality_words() -> Dict[str, Tuple[str, ...]]:
    return {modality: tuple(said) for modality, said in words()["modality"].items()}


def when(moment: Optional[dt.datetime]) -> str:
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}" if moment else phrase("unknown_time")


def number(value: float) -> str:
    return f"{value:g}"


def value_range(low: Optional[float], high: Optional[float]) -> str:
    if low is not None and high is not None:
        return f"{number(low)}-{number(high)}"
    if high is not None:
        return f"≤{number(high)}"
    return f"≥{number(low)}" if low is not None else ""


def direction(flag: str) -> str:
    """偏高 for ↑, 偏低 for ↓."""
    return phrase("high" if flag == "↑" else "low")
