"""What the action server checks in a /webhook request before any action runs.

Only Rasa can call the action server (actions/server.py checks the shared secret),
but the actions trust some values enough to open a patient's records with them, so
their shape is checked too: a wrong shape means a bug or a forgery, never a patient's
typing, and the action is refused rather than run on it.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Optional

_CARD = re.compile(r"[0-9]{7}")
_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]+")


def _text(max_length: int) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and len(value) <= max_length


def _card(value: Any) -> bool:
    return isinstance(value, str) and bool(_CARD.fullmatch(value))


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


# The slots that decide whose records an action reads or changes. None (unset) is
# always allowed. card_no holds what the patient typed until verified ("invalid" too).
SLOT_CHECKS: Dict[str, Callable[[Any], bool]] = {
    "verified_card": _card,
    "card_no": _text(32),
    "identity_secret": _text(64),
    "appointment_no": _text(32),
    "session_id": _text(32),
    "booking_mode": lambda value: value in ("book", "reschedule"),
    "booking_confirmed": _flag,
    "cancel_confirmed": _flag,
    "requested_slot": _text(64),
}


def _sender(value: Any) -> bool:
    # Any channel's conversation id (the web page's are up to 128 characters); printable
    # because handoff tickets and logs carry it.
    return isinstance(value, str) and len(value) <= 256 and bool(_PRINTABLE.fullmatch(value))


def problem(action_call: Any) -> Optional[str]:
    """Why this action call must be refused, or None. Names fields, never values."""
    if not isinstance(action_call, dict):
        return "the body is not an object"
    if not isinstance(action_call.get("next_action"), str):
        return "next_action"
    tracker = action_call.get("tracker")
    if not isinstance(tracker, dict):
        return "tracker"
    if not _sender(tracker.get("sender_id")):
        return "tracker.sender_id"
    if "sender_id" in action_call and action_call["sender_id"] != tracker["sender_id"]:
        return "sender_id"
    slots = tracker.get("slots", {})
    if not isinstance(slots, dict):
        return "tracker.slots"
    for name, valid in SLOT_CHECKS.items():
        value = slots.get(name)
        if value is not None and not valid(value):
            return f"slot {name}"
    return None
