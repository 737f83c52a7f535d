"""Proving who you are: 就诊卡号 plus the last 4 digits of the registered phone or a
one-time SMS code. Every form that touches a patient's own records asks for these
two slots first (see `identity_slots`), until the conversation holds a verification
this action server vouches for (`verified_card`).

A verification is the card (`verified_card`) and a stamp (`verified_at`: when it was
last used, signed with a key outside the tracker for this conversation and card). It
ends after IDLE_SECONDS without use, on "退出"/"换个人" (action_logout), and with the
conversation session (no slot carries over). Gated actions read the card only through
`verified_card(tracker)`, so a forged or stale slot value opens nothing.

Nothing here tells whether a card exists: every 7-digit card gets the same next step,
the same "核实没有通过" and the same "如果卡号正确，验证码已发送"."""
from __future__ import annotations

import abc
import hmac
import logging
import re
import time
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from security import keys
from actions.common import FORM_INTERRUPTIONS, hospital, latest_intent, latest_text, say_hospital_error
from hospital.interface import HospitalError

logger = logging.getLogger(__name__)

IDENTITY_SLOTS = ["card_no", "identity_secret"]
_CARD = re.compile(r"(?<!\d)(\d{7})(?!\d)")
_PHONE4 = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_OTP = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_WANTS_CODE = ("验证码", "短信")
VERIFICATION_SLOTS = ("verified_card", "verified_at", "card_no", "identity_secret", "code_sent")
IDLE_SECONDS = 10 * 60
REFRESH_SECONDS = 60  # a use renews the stamp at most this often (fewer events)

clock = time.time  # tests move it


# --- the verification this action server vouches for --------------------------------------


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


def mask_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 1) if name else ""


def whose(tracker: Tracker, card: str) -> str:
    """The masked name of the patient whose record is shown ("王**"): on a shared
    device the next person sees at once that it is not theirs."""
    return mask_name(hospital().patient(card, conversation_id=tracker.sender_id).name)


def client_of(tracker: Tracker) -> Optional[str]:
    """The client address a channel put into the message metadata, if any. Rasa 3.6
    keeps message metadata on the user event (parse data only with a component that
    adds it to latest_message): both are read."""
    user = next((e for e in reversed(tracker.events) if e.get("event") == "user"), {})
    for metadata in (tracker.latest_message.get("metadata"), user.get("metadata")):
        if isinstance(metadata, dict) and metadata.get("client_ip"):
            return str(metadata["client_ip"])[:64]
    return None


def _forget(tracker: Tracker) -> List[EventType]:
    """Drop every identity slot, including the values Rasa re-sends as candidates when
    a form starts: kept, they would end the form at once (or be re-validated)."""
    tracker.slots.update({slot: None for slot in VERIFICATION_SLOTS})
    tracker.events = [
        e for e in tracker.events if not (e.get("event") == "slot" and e.get("name") in VERIFICATION_SLOTS)
    ]
    return [SlotSet(slot, None) for slot in VERIFICATION_SLOTS]


class IdentityFormValidation(FormValidationAction):
    """Base of every form that needs a verified patient. Subclasses put
    `identity_slots(tracker)` into their required slots."""

    # Abstract, so the action server's package scan skips this base class (it
    # instantiates every concrete Action and calls name()).
    @abc.abstractmethod
    def name(self) -> Text:  # pragma: no cover
        raise NotImplementedError

    def _end_form(self) -> None:
        self._ending = True

    interruptions = FORM_INTERRUPTIONS

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        self._ending = False
        if latest_intent(tracker) in self.interruptions:
            return []  # rejected: the rule for this intent answers instead
        events: List[EventType] = []
        named = _CARD.search(latest_text(tracker))
        held = tracker.get_slot("verified_card")
        card = verified_card(tracker)
        if held and card is None:
            # Idle too long (or a value this server never vouched for): prove it again.
            dispatcher.utter_message(response="utter_identity_expired")
            events += _forget(tracker)
        elif named and card and named.group(1) != card:
            # Another card's records need that card's own verification.
            events += _forget(tracker)
        events += await super().run(dispatcher, tracker, domain)
        if self._ending:
            # Stop asking: the patient was told why and what to do instead.
            events += [SlotSet("requested_slot", None), ActiveLoop(None)]
        elif events and verified_card(tracker):
            events += renew(tracker)
        return events

    async def extract_card_no(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "card_no":
            return {}
        match = _CARD.search(latest_text(tracker))
        if match:
            return {"card_no": match.group(1)}
        if latest_text(tracker):
            return {"card_no": "invalid"}
        return {}

    def validate_card_no(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if not isinstance(value, str) or not _CARD.fullmatch(value):
            dispatcher.utter_message(response="utter_card_no_invalid")
            return {"card_no": None}
        # Whether the card exists is not said here (nor anywhere): the secret is asked
        # for every card, and a wrong card fails exactly like a wrong secret.
        return {"card_no": value}

    async def extract_identity_secret(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "identity_secret":
            return {}
        text = latest_text(tracker)
        otp = _OTP.search(text)
        if otp:
            return {"identity_secret": f"otp:{otp.group(1)}"}
        phone4 = _PHONE4.search(text)
        if phone4:
            return {"identity_secret": f"phone4:{phone4.group(1)}"}
        if latest_intent(tracker) == "send_code" or any(word in text for word in _WANTS_CODE):
            return {"identity_secret": "send_code"}
        return {"identity_secret": "invalid"} if text else {}

    def validate_identity_secret(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        card = tracker.get_slot("card_no")
        if value == "invalid":
            dispatcher.utter_message(response="utter_identity_secret_invalid")
            return {"identity_secret": None}
        if value != "send_code" and (not isinstance(value, str) or ":" not in value):
            # e.g. "verified" re-sent by Rasa: never a secret to check.
            return {"identity_secret": None}
        if not card:
            return {"identity_secret": None}
        system = hospital()
        who = {"conversation_id": tracker.sender_id, "client": client_of(tracker)}
        try:
            if value == "send_code":
                request = system.send_otp(card, **who)
            else:
                method, secret = value.split(":", 1)
                result = system.verify(card, method, secret, **who)
                name = mask_name(system.patient(card, conversation_id=tracker.sender_id).name) if result.ok else ""
        except HospitalError as error:
            say_hospital_error(dispatcher, error)
            self._end_form()
            return {"identity_secret": None}
        if value == "send_code":
            if request.sent:
                dispatcher.utter_message(response="utter_code_sent")
            elif request.reason == "locked":
                return self._locked(dispatcher, request.until)
            else:
                dispatcher.utter_message(response="utter_code_wait", until=f"{request.until:%H:%M}")
            return {"identity_secret": None, "code_sent": True}
        if result.ok:
            dispatcher.utter_message(response="utter_identity_verified", name=name)
            # The secret is never kept in the conversation; the stamp vouches for the card.
            verified = {"identity_secret": "verified", "verified_card": card, "verified_at": stamp(tracker.sender_id, card)}
            return {**verified, "code_sent": None} if tracker.get_slot("code_sent") else verified
        if result.reason == "locked":
            return self._locked(dispatcher, result.locked_until)
        if result.reason == "code_required":
            dispatcher.utter_message(response="utter_code_required")
            return {"identity_secret": None, "code_sent": True}
        dispatcher.utter_message(response="utter_identity_failed", left=result.attempts_left)
        return {"identity_secret": None}

    def _locked(self, dispatcher: CollectingDispatcher, until) -> Dict[Text, Any]:
        dispatcher.utter_message(response="utter_identity_locked", until=f"{until:%H:%M}" if until else "15 分钟后")
        self._end_form()
        return {"identity_secret": None, "card_no": None}


class ValidateVerifyForm(IdentityFormValidation):
    def name(self) -> Text:
        return "validate_verify_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return identity_slots(tracker)


# The task each gated intent asked for, run once the patient is verified.
GATED_TASKS = {
    "list_appointments": ("actions.booking.listing", "ListAppointments"),
    "check_report": ("actions.reports", "ShowReports"),
    "open_report": ("actions.reports", "ShowReport"),
    "forget_me": ("actions.identity.privacy", "ForgetConversations"),
}


class AfterIdentity(Action):
    """Runs the task that needed identity (the last gated intent of the patient)."""

    def name(self) -> Text:
        return "action_after_identity"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if not verified_card(tracker):
            return []
        intent = next(
            (
                event["parse_data"]["intent"]["name"]
                for event in reversed(tracker.events)
                if event.get("event") == "user"
                and event.get("parse_data", {}).get("intent", {}).get("name") in GATED_TASKS
            ),
            None,
        )
        if intent is None:
            dispatcher.utter_message(response="utter_anything_else")
            return renew(tracker)
        import importlib

        module, cls = GATED_TASKS[intent]
        action = getattr(importlib.import_module(module), cls)()
        return await action.run(dispatcher, tracker, domain) + renew(tracker)


class Logout(Action):
    """"退出" / "换个人": whoever was verified is forgotten, any flow ends, and nothing
    of this person (booking, triage answers) is left for the next one."""

    def name(self) -> Text:
        return "action_logout"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        try:
            hospital().detach_reminders(tracker.sender_id)  # the next person sees none of them
        except HospitalError as error:
            logger.warning("reminders not detached at logout: %s", error.code)
        dispatcher.utter_message(response="utter_logged_out")
        return [ActiveLoop(None), AllSlotsReset()]
