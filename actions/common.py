"""Small things every capability's actions share: the hospital systems, today's date,
reading the latest message, and turning a hospital error into a polite reply
(catalogue names in free text: actions/catalogue_names.py)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from hospital.facts import facts
from hospital.interface import HospitalError, HospitalSystems

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 500  # longer messages are read only this far

# Messages every form leaves to the rules (data/rules/*: a red flag, giving up, asking
# for a person, a hospital question). While a form is active Rasa runs a rule only when
# the form rejects the turn, and a form rejects only when its validation sets no slot:
# so validation must set nothing at all for these.
# EXTERNAL_reminder: a due reminder, shown by its rule, then the form asks again.
FORM_INTERRUPTIONS = frozenset({"emergency", "stop", "human_handoff", "faq", "logout", "EXTERNAL_reminder"})


class UsesHospital:
    """The hospital systems and today's date an action works with, passed in.

    The action server builds every action with no arguments: the configured hospital
    (`hospital.get_hospital()`) and the real date. Tests pass their own:
    `ValidateBookingForm(hospital=test_hospital, today=dt.date(2026, 3, 2))`.
    """

    def __init__(self, hospital: Optional[HospitalSystems] = None, today: Optional[dt.date] = None) -> None:
        super().__init__()
        self._hospital = hospital
        self._today = today

    @property
    def hospital(self) -> HospitalSystems:
        if self._hospital is None:
            from hospital import get_hospital  # the factory builds the engine lazily

            return get_hospital()
        return self._hospital

    def today(self) -> dt.date:
        return self._today or dt.date.today()


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()[:MAX_MESSAGE_CHARS]


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _user_positions(tracker: Tracker) -> List[int]:
    return [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]


def latest_turn(tracker: Tracker) -> List[Dict[str, Any]]:
    """The events after the patient's latest message."""
    users = _user_positions(tracker)
    return tracker.events[users[-1] + 1 :] if users else list(tracker.events)


def previous_turn(tracker: Tracker) -> List[Dict[str, Any]]:
    """The events between the patient's previous message (or the start) and the latest one:
    what the assistant did in answer to the previous message."""
    users = _user_positions(tracker)
    if not users:
        return []
    return tracker.events[(users[-2] + 1 if len(users) >= 2 else 0) : users[-1]]


def responses(events: List[Dict[str, Any]]) -> List[str]:
    """The domain responses the assistant's messages among these events came from."""
    return [(e.get("metadata") or {}).get("utter_action") for e in events if e.get("event") == "bot"]


def since_latest_message(tracker: Tracker, event: str, name: str) -> bool:
    """Whether an event of this kind and name (an action, an active loop) came after the
    patient's latest message."""
    return any(e.get("event") == event and e.get("name") == name for e in latest_turn(tracker))


def entity_value(tracker: Tracker, name: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(name), None)


def say_hospital_error(dispatcher: CollectingDispatcher, error: HospitalError) -> None:
    """The reply for this error: the response named by its key (domain.yml), filled with
    its parameters and the hotline."""
    logger.warning("hospital system error: %s", error.key)
    dispatcher.utter_message(
        response=f"utter_hospital_error_{error.key}", hotline=facts().hotline_with_hours, **error.params
    )


HANDOFF_BUTTON = ("转人工", "转人工")
MENU_BUTTON = ("看看菜单", "菜单")


def buttons(pairs: List[tuple]) -> List[Dict[Text, Any]]:
    """[(title, payload)] → Rasa buttons. Payloads are plain Chinese text wherever
    possible, so a button press reads exactly like a typed answer."""
    return [{"title": title, "payload": payload} for title, payload in pairs]


def custom_payload(**payload: Any) -> Dict[Text, Any]:
    """A machine-readable message for the web page and integrations. Rasa 3.6's
    socketio channel emits custom JSON as keyword arguments of `sio.emit`, so it
    must sit under `data` (REST shows it as `{"custom": {"data": …}}`)."""
    return {"data": payload}
