"""Whom to call and where to go in an emergency (data/hospital/facts.yml), for the
red-flag messages and the emergency reply."""

from __future__ import annotations

from typing import Dict

from hospital.facts import facts
from language.knowledge_files import knowledge


def emergency_phone() -> str:
    return facts().emergency.phone


def crisis_hotline() -> str:
    return facts().emergency.crisis_hotline


def generic_message() -> str:
    """Call 120 or go to 急诊 now: the reply when no rule names the danger (the same
    words as the domain's utter_emergency, a unit test checks)."""
    return knowledge("red_flags")["reply"]["generic"].format(**placeholders())


def emergency_place() -> str:
    """Where the emergency department is, from facts.yml ("本院急诊楼 1 楼，24 小时开放")."""
    return placeholders()["emergency_place"]


def placeholders() -> Dict[str, str]:
    """{emergency_phone}, {emergency_place} and {crisis_hotline} of the red-flag messages."""
    emergency = facts().emergency
    return {
        "emergency_phone": emergency.phone,
        "emergency_place": f"本院{emergency.place}，{emergency.hours}",
        "crisis_hotline": emergency.crisis_hotline,
    }
