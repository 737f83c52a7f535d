"""Additions to tests/unit/action_harness.py for the reports and privacy tests:
trackers built from any list of events (prefilled slot candidates, several user
turns), and custom payloads.

    tracker = make_tracker(user("查报告", "check_report"), slots={"verified_card": card})
    dispatcher, events = await run(ShowReports(hospital=hospital), tracker)

Each `run` gets a fresh CollectingDispatcher and the real domain.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.unit.action_harness import (  # noqa: F401
    PROJECT_ROOT,
    _domain,
    domain,
    responses,
    slot_events,
    texts,
    user,
    vouched,
)


def bot(text: str) -> Dict[str, Any]:
    return {"event": "bot", "text": text}


def action(name: str) -> Dict[str, Any]:
    return {"event": "action", "name": name}


def slot(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def loop(name: Optional[str]) -> Dict[str, Any]:
    return {"event": "active_loop", "name": name}


def make_tracker(
    *events: Dict[str, Any],
    slots: Optional[Dict[str, Any]] = None,
    active_loop: Optional[str] = None,
    sender_id: str = "qa2-user",
) -> Tracker:
    """A tracker whose latest message is the last `user` event among `events`
    (slot events after it are the candidates Rasa asks a form to validate).
    Slots not given are None, as in a new conversation."""
    all_slots = {name: None for name in _domain()["slots"]}
    all_slots["requested_slot"] = None
    all_slots.update(vouched(slots or {}, sender_id))
    users = [e for e in events if e.get("event") == "user"]
    latest = users[-1]["parse_data"] if users else {}
    return Tracker(
        sender_id, all_slots, latest, list(events), False, None, {"name": active_loop} if active_loop else {}, None
    )


async def run(action_: Action, tracker: Tracker) -> Tuple[CollectingDispatcher, List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action_.run(dispatcher, tracker, domain())
    return dispatcher, events


def all_text(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(texts(dispatcher))


def payloads(dispatcher: CollectingDispatcher, key: str) -> List[Dict[str, Any]]:
    """The `key` parts ("lab_report", "emergency") of the custom payloads sent; they
    sit under `data` (actions.common.custom_payload)."""
    found = []
    for message in dispatcher.messages:
        data = (message.get("custom") or {}).get("data")
        if isinstance(data, dict) and key in data:
            found.append(data[key])
    return found
