"""Figures for the staff console over a period, from the conversation store (and the
bookings the assistant made, from the hospital's audit trail). Nothing here carries a
name, card number or phone: texts shown are masked, conversations are only counted.

A conversation counts on the day of its first patient message in the period. Patient
messages are the `user` events, except the page's automatic opener (`/greet`).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import statistics
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

import yaml

from actions.faq import catalog as faq_catalog
from safety import EMERGENCY_INTENT
from staff.conversations import OPENERS, intent_of, is_staff, mask

ROOT = Path(__file__).resolve().parents[1]
TEXTS = Path(__file__).resolve().parent / "texts.yml"
NOT_UNDERSTOOD = "nlu_fallback"
HANDOFF_SLOT = "handoff_active"
TOP_QUESTIONS = 10
NOT_UNDERSTOOD_SHOWN = 50


@functools.lru_cache(maxsize=None)
def texts() -> Dict[str, Any]:
    return yaml.safe_load(TEXTS.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def capability_of_intent() -> Dict[str, str]:
    """Intent → capability: the data/nlu/ file that trains it."""
    owners = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if block.get("intent"):
                owners[block["intent"]] = path.stem
    return owners


def capability(intent: Optional[str]) -> str:
    if not intent:
        return "other"
    if intent == NOT_UNDERSTOOD:
        return "not_understood"
    if intent.startswith("faq"):
        return "faq"
    return capability_of_intent().get(intent, "other")


def faq_key(event: Mapping[str, Any]) -> Optional[str]:
    selected = (((event.get("parse_data") or {}).get("response_selector") or {}).get("faq") or {}).get("response") or {}
    key = selected.get("intent_response_key")
    return key.split("/", 1)[1] if key and "/" in key else None


def _day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).date().isoformat()


def _shares(counts: Counter, labels: Mapping[str, str]) -> List[Dict[str, Any]]:
    total = sum(counts.values())
    return [
        {"key": key, "label": labels.get(key, key), "count": count, "share": round(count / total, 4) if total else 0.0}
        for key, count in counts.most_common()
    ]


def is_patient_message(event: Mapping[str, Any]) -> bool:
    return event.get("event") == "user" and bool(event.get("text")) and event["text"] not in OPENERS


def analyse(
    conversations: Mapping[str, List[Dict[str, Any]]],
    start: dt.date,
    end: dt.date,
    bookings: Iterable[Mapping[str, Any]] = (),
) -> Dict[str, Any]:
    """`conversations`: events by conversation id (staff.conversations.events_between);
    `start`..`end` inclusive; `bookings`: audit entries (`action`, `outcome`, `at`,
    `conversation_id`) of the same period."""
    catalog = faq_catalog.get_catalog()
    labels = texts()
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    per_day: Dict[str, Dict[str, Any]] = {
        day.isoformat(): {"day": day.isoformat(), "conversations": 0, "messages": 0, "bookings": 0} for day in days
    }
    topics: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    departments: Counter[str] = Counter()
    urgencies: Counter[str] = Counter()
    not_understood: List[str] = []
    waits: List[float] = []
    counted = handed_off = emergency_conversations = messages = emergencies = unanswered = 0

    for events in conversations.values():
        said = [e for e in events if is_patient_message(e)]
        if not said:
            continue
        counted += 1
        per_day[_day(said[0]["timestamp"])]["conversations"] += 1
        for event in said:
            messages += 1
            per_day[_day(event["timestamp"])]["messages"] += 1
            intent = intent_of(event)
            topics[capability(intent)] += 1
            if intent == NOT_UNDERSTOOD:
                not_understood.append(mask(event["text"]))
            if intent == EMERGENCY_INTENT:
                emergencies += 1
            key = faq_key(event) if capability(intent) == "faq" else None
            entry = catalog.entry(key) if key else None
            if entry:
                categories[entry.category] += 1
                questions[entry.question] += 1
        if any(intent_of(e) == EMERGENCY_INTENT for e in said):
            emergency_conversations += 1
        waiting_since = None
        for event in events:
            if event.get("event") == "slot" and event.get("name") == HANDOFF_SLOT and event.get("value"):
                waiting_since = event["timestamp"]
            elif waiting_since is not None and is_staff(event):
                waits.append(event["timestamp"] - waiting_since)
                waiting_since = None
            if event.get("event") == "slot" and event.get("name") == "triage_outcome":
                outcome = event.get("value") or {}
                if isinstance(outcome, dict) and "urgency" in outcome:
                    departments[outcome.get("department") or "无需就诊"] += 1
                    urgencies[outcome["urgency"]] += 1
        if waiting_since is not None:
            unanswered += 1
        if any(e.get("event") == "slot" and e.get("name") == HANDOFF_SLOT and e.get("value") for e in events):
            handed_off += 1

    booked = 0
    for booking in bookings:
        if (
            booking.get("action") == "book_appointment"
            and booking.get("outcome") == "ok"
            and booking.get("conversation_id")
        ):
            day = booking["at"].date().isoformat()
            if day in per_day:
                booked += 1
                per_day[day]["bookings"] += 1

    category_titles = {c.key: c.title for c in catalog.categories}
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "totals": {
            "conversations": counted,
            "messages": messages,
            "not_understood": topics["not_understood"],
            "not_understood_share": round(topics["not_understood"] / messages, 4) if messages else 0.0,
            "handoffs": handed_off,
            "handoff_rate": round(handed_off / counted, 4) if counted else 0.0,
            "handoffs_waiting": unanswered,
            "wait_median_seconds": round(statistics.median(waits), 1) if waits else None,
            "wait_longest_seconds": round(max(waits), 1) if waits else None,
            "emergencies": emergencies,
            "emergency_conversations": emergency_conversations,
            "bookings": booked,
        },
        "per_day": list(per_day.values()),
        "capabilities": _shares(topics, labels["capabilities"]),
        "faq_categories": _shares(categories, category_titles),
        "top_questions": [{"question": q, "count": n} for q, n in questions.most_common(TOP_QUESTIONS)],
        "not_understood_messages": not_understood[-NOT_UNDERSTOOD_SHOWN:],
        "triage_departments": _shares(departments, {}),
        "triage_urgencies": _shares(urgencies, labels["urgencies"]),
    }


def to_csv(report: Dict[str, Any]) -> str:
    """The report as one CSV table: section, item, count, share."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "count", "share"])
    period = report["period"]
    writer.writerow(["period", f"{period['start']}..{period['end']}", "", ""])
    for key, value in report["totals"].items():
        writer.writerow(["totals", key, "" if value is None else value, ""])
    for row in report["per_day"]:
        for key in ("conversations", "messages", "bookings"):
            writer.writerow([f"per_day_{key}", row["day"], row[key], ""])
    for section in ("capabilities", "faq_categories", "triage_departments", "triage_urgencies"):
        for row in report[section]:
            writer.writerow([section, row["label"], row["count"], row["share"]])
    for row in report["top_questions"]:
        writer.writerow(["top_questions", row["question"], row["count"], ""])
    for text in report["not_understood_messages"]:
        writer.writerow(["not_understood", text, 1, ""])
    return out.getvalue()
