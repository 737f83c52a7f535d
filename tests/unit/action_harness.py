"""Running the booking and identity actions against the real domain and a test hospital.

    h = Harness(hospital, today)                       # actions built by h.build get both
    t = tracker("帮我约后天心内科", "book_appointment", slots={...}, requested="date")
    dispatcher, events = await h.run(h.build(ValidateBookingForm), t)

Trackers look like the ones Rasa sends the action server while a form runs: every
domain slot present (None unless given), the latest message with text, intent and
entities, and the user event as the last event (the form appends no slot candidates:
every booking slot has a custom mapping). Each `run` gets a fresh CollectingDispatcher.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import string
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=None)
def _domain() -> Dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain.yml")).as_dict()


def domain() -> Dict[str, Any]:
    """The real domain as the action server receives it (a fresh copy per call)."""
    return json.loads(json.dumps(_domain()))


def parse_data(text: str, intent: str, entities: Iterable[Tuple[str, str]] = ()) -> Dict[str, Any]:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 0.97},
        "entities": [{"entity": name, "value": value} for name, value in entities],
    }


def user(text: str, intent: str, entities: Iterable[Tuple[str, str]] = ()) -> Dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": parse_data(text, intent, entities)}


def tracker(
    text: str,
    intent: str,
    entities: Iterable[Tuple[str, str]] = (),
    slots: Optional[Dict[str, Any]] = None,
    requested: Optional[str] = None,
    active_loop: Optional[str] = "booking_form",
    history: Iterable[Dict[str, Any]] = (),
) -> Tracker:
    all_slots: Dict[str, Any] = {name: None for name in _domain()["slots"]}
    all_slots["requested_slot"] = requested
    all_slots.update(vouched(slots or {}, "qa-user"))
    latest = user(text, intent, entities)
    return Tracker(
        "qa-user",
        all_slots,
        latest["parse_data"],
        [*history, latest],
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def vouched(slots: Dict[str, Any], sender_id: str) -> Dict[str, Any]:
    """A `verified_card` given without `verified_at` gets the fresh stamp the action
    server gives on verification (as in a real conversation). Give `verified_at`
    explicitly (None, stale, forged) to test what happens without one."""
    from actions.identity.verification import stamp

    if slots.get("verified_card") and "verified_at" not in slots:
        return {**slots, "verified_at": stamp(sender_id, slots["verified_card"])}
    return slots


class Harness:
    """Runs actions built with a test's hospital and date (nothing is patched)."""

    def __init__(self, hospital, today: dt.date):
        self.hospital = hospital
        self.today = today

    def build(self, action_class):
        """An action of `action_class` working with this test's hospital and date."""
        return action_class(hospital=self.hospital, today=self.today)

    async def run(self, action: Action, tracker_: Tracker) -> Tuple[CollectingDispatcher, List[Dict[str, Any]]]:
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, tracker_, domain())
        return dispatcher, events


# --- reading what an action did ---------------------------------------------------------


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Last value set for each slot by `events`."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# What utter_message stores besides a response's own variables.
_MESSAGE_KEYS = {"text", "image", "json_message", "custom", "template", "response", "attachment", "buttons", "elements"}


def delivered(message: Dict[str, Any]) -> Dict[str, Any]:
    """A dispatched message as Rasa delivers it: a response's text from the real domain
    with its {variables} filled, its buttons followed by any the action added."""
    from rasa.core.nlg.interpolator import interpolate_text

    name = message.get("response")
    if not name:
        return {"text": message.get("text"), "buttons": message.get("buttons") or []}
    variations = _domain()["responses"][name]
    template = next((v for v in variations if not v.get("condition")), variations[0])
    values = {k: v for k, v in message.items() if k not in _MESSAGE_KEYS}
    # Rasa would fill a missing variable from a slot of that name, or show it unfilled.
    missing = {f for _, f, _, _ in string.Formatter().parse(template.get("text") or "") if f} - set(values)
    assert not missing, f"{name} sent without {sorted(missing)}"
    return {
        "text": interpolate_text(template.get("text") or "", values),
        "buttons": [*(template.get("buttons") or []), *(message.get("buttons") or [])],
    }


def texts(dispatcher: CollectingDispatcher) -> List[str]:
    """What the patient reads: plain texts, and responses filled in from domain.yml."""
    return [delivered(m)["text"] or "" for m in dispatcher.messages]


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    return [m["response"] for m in dispatcher.messages if m.get("response")]


def button_payloads(dispatcher: CollectingDispatcher) -> List[str]:
    return [b["payload"] for m in dispatcher.messages for b in delivered(m)["buttons"]]


def button_titles(dispatcher: CollectingDispatcher) -> List[str]:
    return [b["title"] for m in dispatcher.messages for b in delivered(m)["buttons"]]
