"""A scripted set of conversations for the staff console's analytics (unit and browser
tests): events as Rasa stores them, written through the chat store's own table."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, List

import sqlalchemy as sa

from chat_store import database


def user(text: str, intent: str, at: float, faq: str = None) -> Dict[str, Any]:
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    if faq:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{faq}", "confidence": 0.9}}}
    return {"event": "user", "timestamp": at, "text": text, "parse_data": parse, "input_channel": "socketio"}


def bot(text: str, at: float, staff: bool = False) -> Dict[str, Any]:
    return {
        "event": "bot",
        "timestamp": at,
        "text": text,
        "data": {"staff": True} if staff else {},
        "metadata": {"staff": True} if staff else {},
    }


def slot(name: str, value: Any, at: float) -> Dict[str, Any]:
    return {"event": "slot", "timestamp": at, "name": name, "value": value}


def scripted(day1: dt.date) -> Dict[str, List[Dict[str, Any]]]:
    """Five conversations over two days (day1 at 10:00, the next day at 15:00)."""
    t1 = dt.datetime.combine(day1, dt.time(10, 0)).timestamp()
    t2 = dt.datetime.combine(day1 + dt.timedelta(days=1), dt.time(15, 0)).timestamp()
    return {
        "conv-a": [
            user("/greet", "greet", t1),
            bot("您好，我是小安", t1 + 1),
            user("怎么挂号", "faq", t1 + 10, "reg_how_to_book"),
            bot("可以在…", t1 + 11),
            user("专家号几点放", "faq", t1 + 20, "reg_expert_release"),
        ],
        "conv-b": [
            user("送药到家怎么弄", "faq", t1 + 30, "drug_delivery"),
            user("啊啊啊13912345678", "nlu_fallback", t1 + 40),
        ],
        "conv-c": [
            user("我头晕两天了", "describe_symptoms", t2),
            slot("triage_outcome", {"department": "神经内科", "urgency": "routine", "reason": "头晕"}, t2 + 1),
            user("帮我约神经内科", "book_appointment", t2 + 10),
        ],
        "conv-d": [user("胸口剧痛喘不上气", "emergency", t2 + 20), bot("请立即拨打120", t2 + 21)],
        "conv-e": [
            user("转人工", "human_handoff", t2 + 30),
            slot("handoff_active", True, t2 + 31),
            user("我的卡号1000001", "provide_identity", t2 + 40),
            bot("您好，我是工作人员", t2 + 121, staff=True),
        ],
    }


def bookings(day1: dt.date) -> List[Dict[str, Any]]:
    at = dt.datetime.combine(day1 + dt.timedelta(days=1), dt.time(15, 1))
    return [
        {"action": "book_appointment", "outcome": "ok", "at": at, "conversation_id": "conv-c"},
        {"action": "book_appointment", "outcome": "ok", "at": at, "conversation_id": None},  # at the counter
        {"action": "read_appointments", "outcome": "ok", "at": at, "conversation_id": "conv-c"},
    ]


def store(url: str, conversations: Dict[str, List[Dict[str, Any]]]) -> None:
    """Write the events as the tracker store does (encrypted `data`)."""
    with database.engine(url).begin() as connection:
        for sender, events in conversations.items():
            for event in events:
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
                connection.execute(
                    database.events.insert().values(
                        sender_id=sender,
                        type_name=event["event"],
                        timestamp=event["timestamp"],
                        intent_name=intent,
                        action_name=None,
                        data=json.dumps(event),
                    )
                )


def stored_count(url: str) -> int:
    with database.engine(url).connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(database.events)).scalar_one()


# Hospital questions by category as the hospital's own figures have them
# (registration ~25%, medicine delivery 14%, tests 12%, internet hospital 11%, …).
SEED_MIX = {
    "registration": 25,
    "pharmacy": 14,
    "exams": 12,
    "online": 11,
    "insurance": 10,
    "transport": 10,
    "inpatient": 8,
    "records": 6,
    "fever": 4,
}


def seed_mix(day: dt.date) -> Dict[str, List[Dict[str, Any]]]:
    """100 hospital questions on `day`, two per conversation, in SEED_MIX proportions."""
    from actions.faq.catalog import get_catalog

    catalog = get_catalog()
    asked = []
    for category, count in SEED_MIX.items():
        entries = catalog.in_category(category)
        asked += [entries[i % len(entries)] for i in range(count)]
    start = dt.datetime.combine(day, dt.time(9, 0)).timestamp()
    conversations: Dict[str, List[Dict[str, Any]]] = {}
    for i, entry in enumerate(asked):
        conversations.setdefault(f"mix-{i // 2}", []).append(user(entry.question, "faq", start + i * 60, entry.key))
    return conversations
