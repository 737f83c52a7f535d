"""What the patient asked for before identity was checked: the report actions run
after the identity form (action_after_identity), so the request is read back from the
patient's latest message with the gated intent, not from the latest message."""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker

from actions.common import latest_text


def gated_text(tracker: Tracker, intent: str) -> str:
    """Text of the patient's latest message with `intent`."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and event.get("parse_data", {}).get("intent", {}).get("name") == intent:
            return event.get("text") or ""
    return latest_text(tracker)


def gated_entity(tracker: Tracker, intent: str, entity: str) -> Optional[str]:
    for event in reversed(tracker.events):
        parse = event.get("parse_data", {}) if event.get("event") == "user" else {}
        if parse.get("intent", {}).get("name") == intent:
            return next((e["value"] for e in parse.get("entities", []) if e.get("entity") == entity), None)
    return None
