"""What of a conversation is never stored as typed: the identity secrets.

A message a patient sends while a form asks who they are (`card_no`, then
`identity_secret`: the last 4 digits of their phone, or an SMS code — some type both at
once) is stored with every 4–6 digit run masked, in its text and in its parse data
(the 7-digit card number is an identifier and stays); the `identity_secret` slot is stored only as the
non-secret markers the dialogue uses ("verified", "send_code", …).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Callable, Dict, List, Sequence

SECRET_SLOT = "identity_secret"
IDENTITY_QUESTIONS = frozenset({"card_no", SECRET_SLOT})
# Values of the slot that say what happened, not what was typed.
SAFE_SECRET_VALUES = frozenset({None, "verified", "send_code", "invalid"})
REDACTED = "redacted"
MASK = "****"
_CODE = re.compile(r"(?<!\d)\d{4,6}(?!\d)")
# Parts of a user event that are identifiers or numbers, never the patient's words.
_NOT_TEXT = frozenset({"message_id", "timestamp", "input_channel"})


def mask_codes(text: str) -> str:
    return _CODE.sub(MASK, text)


def map_strings(value: Any, change: Callable[[str], str], keep: frozenset = frozenset()) -> Any:
    """A JSON value with `change` applied to every string, except under the keys in `keep`."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [map_strings(item, change, keep) for item in value]
    if isinstance(value, dict):
        return {key: item if key in keep else map_strings(item, change, keep) for key, item in value.items()}
    return value


def changes_the_question(kind: Any, name: Any) -> bool:
    """Whether an event of this kind (and slot or loop name) changes which slot is being
    asked: `requested_slot` set, a restart or new session, a form ended."""
    return (
        (kind == "slot" and name == "requested_slot")
        or kind in ("restart", "session_started")
        or (kind == "active_loop" and not name)
    )


def redact(events: Sequence[Dict[str, Any]], start: int = 0) -> List[Dict[str, Any]]:
    """`events[start:]` (event dicts in conversation order) as they may be stored.
    The events before `start` are read only to know which slot was being asked."""
    requested = None
    stored: List[Dict[str, Any]] = []
    for index, event in enumerate(events):
        kind = event.get("event")
        if index >= start:
            if kind == "user" and requested in IDENTITY_QUESTIONS:
                event = map_strings(copy.deepcopy(event), mask_codes, _NOT_TEXT)
            elif kind == "slot" and event.get("name") == SECRET_SLOT and event.get("value") not in SAFE_SECRET_VALUES:
                event = {**event, "value": REDACTED}
            stored.append(event)
        if changes_the_question(kind, event.get("name")):
            requested = event.get("value") if kind == "slot" else None
    return stored
