"""Conversations as the staff console sees them: read from the chat store through its
own table (chat_store.database, which decrypts every event), digits masked the way
the handoff ticket masks them (actions.handoff.mask)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from actions.handoff import mask
from chat_store import database
from chat_store.redaction import map_strings
from hospital.facts import facts
from safety import EMERGENCY_INTENT

OPENERS = frozenset({"/greet"})  # what the page sends by itself when it opens
# The hospital's own numbers stay readable in what the assistant said.
PUBLIC_NUMBERS = frozenset({facts().emergency.phone, *re.findall(r"\d+", facts().hotline)})
# What a card the assistant sent is shown as in the staff's transcript.
CARD_LABELS = {"emergency": "［急救提示］", "triage": "［导诊结果］", "lab_report": "［检验报告］", "menu": "［菜单］"}


def engine(url: Optional[str] = None) -> sa.engine.Engine:
    return database.engine(url or database.database_url())


def is_staff(event: Dict[str, Any]) -> bool:
    return event.get("event") == "bot" and (event.get("metadata") or {}).get("staff") is True


def intent_of(event: Dict[str, Any]) -> Optional[str]:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def events_between(bind: sa.engine.Engine, start: float, end: float) -> Dict[str, List[Dict[str, Any]]]:
    """Every stored event with start <= timestamp < end, by conversation, in order."""
    table = database.events
    query = (
        sa.select(table.c.sender_id, table.c.data)
        .where(table.c.timestamp >= start, table.c.timestamp < end)
        .order_by(table.c.id)
    )
    by_conversation: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    with bind.connect() as connection:
        for sender, data in connection.execute(query):
            by_conversation[sender].append(json.loads(data))
    return dict(by_conversation)


def events_of(bind: sa.engine.Engine, conversation_id: str) -> List[Dict[str, Any]]:
    table = database.events
    query = sa.select(table.c.data).where(table.c.sender_id == conversation_id).order_by(table.c.id)
    with bind.connect() as connection:
        return [json.loads(data) for (data,) in connection.execute(query)]


@dataclass(frozen=True)
class Line:
    """One message of a transcript: who said it, masked."""

    role: str  # patient / bot / staff
    text: str
    at: float
    emergency: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return {"role": self.role, "text": self.text, "at": self.at, "emergency": self.emergency}


def _bot_text(event: Dict[str, Any]) -> str:
    text = event.get("text") or ""
    data = event.get("data") or {}
    custom = data.get("custom") if isinstance(data.get("custom"), dict) else data
    cards = [label for key, label in CARD_LABELS.items() if isinstance(custom, dict) and key in custom]
    return " ".join(filter(None, [text, *cards]))


def mask_bot(text: str) -> str:
    return re.sub(r"\d{3,}", lambda m: m.group(0) if m.group(0) in PUBLIC_NUMBERS else mask(m.group(0)), text)


def transcript(events: List[Dict[str, Any]]) -> List[Line]:
    lines: List[Line] = []
    for event in events:
        kind = event.get("event")
        if kind == "user" and event.get("text") and event["text"] not in OPENERS:
            lines.append(
                Line(
                    "patient", mask(event["text"]), event.get("timestamp") or 0.0, intent_of(event) == EMERGENCY_INTENT
                )
            )
        elif kind == "bot":
            text = _bot_text(event)
            if text:
                lines.append(Line("staff" if is_staff(event) else "bot", mask_bot(text), event.get("timestamp") or 0.0))
    return lines


def triage_summary(events: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The latest pre-consultation summary triage recorded in the conversation."""
    summary = None
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "triage_summary" and event.get("value"):
            summary = event["value"]
    return masked(summary) if summary else None


def masked(value: Any) -> Any:
    """A JSON value with every string's digit runs starred out."""
    return map_strings(value, mask)
