"""The verification this action server vouches for: the card (`verified_card`) and a
stamp (`verified_at`: when it was last used, signed with a key outside the tracker for
this conversation and card). It ends after IDLE_SECONDS without use; gated actions read
the card only through `verified_card(tracker)`, so a forged or stale slot value opens
nothing."""

from __future__ import annotations

import hmac
import time
from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from security import keys

IDENTITY_SLOTS = ["card_no", "identity_secret"]
VERIFICATION_SLOTS = ("verified_card", "verified_at", "card_no", "identity_secret", "code_sent")
IDLE_SECONDS = 10 * 60
REFRESH_SECONDS = 60  # a use renews the stamp at most this often (fewer events)

clock = time.time  # tests move it


def _signature(sender_id: str, card: str, at: int) -> str:
    return keys.keyed_hash("verified", f"{sender_id}|{card}|{at}")[:32]


def stamp(sender_id: str, card: str, at: Optional[float] = None) -> str:
    """`verified_at` for `card` in conversation `sender_id`, used at `at` (now)."""
    moment = int(clock() if at is None else at)
    return f"{moment}.{_signature(sender_id, card, moment)}"


def _used_at(tracker: Tracker) -> Optional[int]:
    """When the verification was last used, if the stamp is ours for this card and
    conversation; None for anything else."""
    card, value = tracker.get_slot("verified_card"), tracker.get_slot("verified_at")
    if not isinstance(card, str) or not isinstance(value, str):
        return None
    moment, _, signature = value.partition(".")
    if not moment.isdigit() or not hmac.compare_digest(signature, _signature(tracker.sender_id, card, int(moment))):
        return None
    return int(moment)


def verified_card(tracker: Tracker) -> Optional[str]:
    """The card proven in this conversation and used within IDLE_SECONDS, else None.
    The only way actions may learn whose records they may show."""
    moment = _used_at(tracker)
    # A little tolerance backwards: several action servers' clocks may differ slightly.
    if moment is None or not -REFRESH_SECONDS <= clock() - moment <= IDLE_SECONDS:
        return None
    return tracker.get_slot("verified_card")


def renew(tracker: Tracker) -> List[EventType]:
    """The verification was just used: it stays alive IDLE_SECONDS from now."""
    card = verified_card(tracker)
    if card is None or clock() - _used_at(tracker) < REFRESH_SECONDS:
        return []
    return [SlotSet("verified_at", stamp(tracker.sender_id, card))]


def identity_slots(tracker: Tracker) -> List[str]:
    return [] if verified_card(tracker) else list(IDENTITY_SLOTS)


def forget(tracker: Tracker) -> List[EventType]:
    """Drop every identity slot, including the values Rasa re-sends as candidates when
    a form starts: kept, they would end the form at once (or be re-validated)."""
    tracker.slots.update({slot: None for slot in VERIFICATION_SLOTS})
    tracker.events = [
        e for e in tracker.events if not (e.get("event") == "slot" and e.get("name") in VERIFICATION_SLOTS)
    ]
    return [SlotSet(slot, None) for slot in VERIFICATION_SLOTS]
